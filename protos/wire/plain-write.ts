// In-memory plain object → what goes on the wire: a JSON-ready object (enum names, base64 bytes, bare
// numbers) or a protobufjs fromObject input. Validates the shape strictly on the way, so a camelCase key
// or an enum number fails here instead of being dropped by the master.
import type protobuf from 'protobufjs';
import { NodalError } from '../../config/errors.js';
import { asBuffer, describeJson, isNumeric, isPlainObject, jsonNumber, numberProblem } from './scalars.js';
import { childPath, specOf, type FieldSpec } from './schema.js';

export interface WriteOptions {
  /** 'json': JSON-ready values; 'protobufjs': input for Type.fromObject (bytes stay binary). */
  target: 'json' | 'protobufjs';
  /** Also write unset optional, non-deprecated fields that have an explicit `[default = ...]`, as a
   * real master's JSON output does (JSON target only). */
  emitDefaults?: boolean;
}

const fail = (message: string, path: string): NodalError =>
  new NodalError('WIRE_ENCODE', path ? `${message} (at ${path})` : message, { path });

/** Validates `value` against `type` and converts it for the target; throws NodalError('WIRE_ENCODE')
 * naming the field path. `undefined` and `null` members count as unset; empty arrays/maps are dropped. */
export function writePlainMessage(
  type: protobuf.Type,
  value: unknown,
  options: WriteOptions,
  path = '',
): Record<string, unknown> {
  const spec = specOf(type);
  if (!isPlainObject(value))
    throw fail(`${spec.fullName} must be a plain object, got ${describeJson(value)}`, path);
  for (const [key, v] of Object.entries(value)) {
    if (v !== undefined && !spec.byName.has(key)) {
      throw fail(`unknown field '${key}' in ${spec.fullName}`, path ? childPath(path, key) : '');
    }
  }
  const out: Record<string, unknown> = {};
  for (const field of spec.fields) {
    const v = value[field.name];
    const fieldPath = childPath(path, field.name);
    if (v === undefined || v === null) {
      if (options.emitDefaults && options.target === 'json' && hasWrittenDefault(field)) {
        out[field.name] = field.explicitDefault;
      }
      continue;
    }
    const written = writeField(field, v, fieldPath, spec.fullName, options);
    if (written !== undefined) out[field.name] = written;
  }
  return out;
}

// Mesos' JSON output includes explicit defaults of optional fields, except deprecated ones (`role: "*"`).
const hasWrittenDefault = (field: FieldSpec): boolean =>
  field.label === 'optional' && field.explicitDefault !== undefined && !field.deprecated;

function writeField(
  field: FieldSpec,
  v: unknown,
  path: string,
  owner: string,
  options: WriteOptions,
): unknown {
  if (field.label === 'repeated') {
    if (!Array.isArray(v)) throw fail(`repeated field '${field.name}' in ${owner} must be an array`, path);
    if (v.length === 0) return undefined;
    return v.map((item, i) => {
      if (item === undefined || item === null)
        throw fail(`empty element in repeated field '${field.name}'`, `${path}[${i}]`);
      return writeValue(field, item, `${path}[${i}]`, owner, options);
    });
  }
  if (field.label === 'map') {
    if (!isPlainObject(v)) throw fail(`map field '${field.name}' in ${owner} must be a plain object`, path);
    const entries = Object.entries(v).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return undefined;
    return Object.fromEntries(
      entries.map(([key, item]) => [key, writeValue(field, item, `${path}[${key}]`, owner, options)]),
    );
  }
  return writeValue(field, v, path, owner, options);
}

function writeValue(
  field: FieldSpec,
  v: unknown,
  path: string,
  owner: string,
  options: WriteOptions,
): unknown {
  const spec = field.value;
  if (spec.kind === 'message') return writePlainMessage(spec.messageType, v, options, path);
  if (spec.kind === 'enum') {
    if (typeof v === 'number')
      throw fail(`enum field '${field.name}' in ${owner} takes a value name, not the number ${v}`, path);
    if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(spec.enumType.values, v)) {
      throw fail(
        `${describeJson(v)} is not a value of enum ${spec.enumType.fullName.replace(/^\./, '')}`,
        path,
      );
    }
    return v;
  }
  const t = spec.scalar;
  if (isNumeric(t)) {
    if (typeof v !== 'number')
      throw fail(`field '${field.name}' in ${owner} needs a number, got ${describeJson(v)}`, path);
    const problem = numberProblem(t, v);
    if (problem) throw fail(`field '${field.name}' in ${owner}: ${problem}`, path);
    return options.target === 'json' ? jsonNumber(v) : v;
  }
  if (t === 'bool') {
    if (typeof v !== 'boolean')
      throw fail(`bool field '${field.name}' needs true or false, got ${describeJson(v)}`, path);
    return v;
  }
  if (t === 'string') {
    if (typeof v !== 'string')
      throw fail(`string field '${field.name}' needs a string, got ${describeJson(v)}`, path);
    return v;
  }
  if (!(v instanceof Uint8Array))
    throw fail(`bytes field '${field.name}' needs a Uint8Array, got ${describeJson(v)}`, path);
  return options.target === 'json' ? asBuffer(v).toString('base64') : v;
}
