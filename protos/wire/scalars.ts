// Scalar rules shared by the walkers: which JS numbers fit which proto integer type, and how Mesos'
// JSON converter reads numbers (JSON numbers, or numeric strings including "Infinity" for doubles).
import type { ScalarType } from './schema.js';

/** [lowest, first value past the top] of each integer type. */
const INT_RANGES: Partial<Record<ScalarType, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31],
  sint32: [-(2 ** 31), 2 ** 31],
  sfixed32: [-(2 ** 31), 2 ** 31],
  uint32: [0, 2 ** 32],
  fixed32: [0, 2 ** 32],
  int64: [-(2 ** 63), 2 ** 63],
  sint64: [-(2 ** 63), 2 ** 63],
  sfixed64: [-(2 ** 63), 2 ** 63],
  uint64: [0, 2 ** 64],
  fixed64: [0, 2 ** 64],
};

/** True for the scalar types held as JS numbers. */
export const isNumeric = (t: ScalarType): boolean => t !== 'bool' && t !== 'string' && t !== 'bytes';

const isFloating = (t: ScalarType): boolean => t === 'double' || t === 'float';

/** Why `n` is not a valid value of numeric type `t`, or undefined if it is. 64-bit values are JS numbers
 * (exact up to 2^53), so only their range is checked. */
export function numberProblem(t: ScalarType, n: number): string | undefined {
  if (isFloating(t)) return undefined;
  if (!Number.isInteger(n)) return `${t} needs an integer, got ${n}`;
  const [lo, end] = INT_RANGES[t]!;
  if (n < lo || n >= end) return `${n} is out of range for ${t}`;
  return undefined;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const NON_FINITE: Record<string, number> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: NaN };

/** Reads a JSON number or numeric string as Mesos does; returns a problem string when it is not one. */
export function readJsonNumber(t: ScalarType, v: unknown): number | string {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    // Own keys only: `"constructor" in NON_FINITE` is true through the prototype.
    if (isFloating(t) && Object.hasOwn(NON_FINITE, v)) return NON_FINITE[v]!;
    if (!(isFloating(t) ? DECIMAL : INTEGER).test(v)) return `'${v}' is not a numeric string for ${t}`;
    n = Number(v);
  } else return `${t} needs a number, got ${describeJson(v)}`;
  return numberProblem(t, n) ?? n;
}

/** A number as Mesos writes it in JSON: bare, except non-finite doubles, which JSON cannot hold and which
 * Mesos reads back from the strings "Infinity", "-Infinity" and "NaN". */
export const jsonNumber = (n: number): number | string => (Number.isFinite(n) ? n : String(n));

/** A short description of a JSON value's kind for error messages. */
export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `string '${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  return `${typeof v} ${String(v)}`;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes standard padded base64 (what Mesos writes for `bytes`); undefined if `s` is not that. */
export function decodeBase64(s: string): Buffer | undefined {
  return BASE64.test(s) ? Buffer.from(s, 'base64') : undefined;
}

/** A Buffer view of any Uint8Array (no copy). */
export const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** A plain JSON object (not null, not an array, not bytes). */
export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
