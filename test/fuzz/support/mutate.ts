// Mutators shared by the fuzz suites: hostile JSON values, single structural mutations of a JSON tree
// (returning the path they touched, so a suite can check that an error names it), and byte-level
// mutations (bit flips, truncation, insertion, splicing).
import type { Rng } from './prng.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type PathPart = string | number;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every node of a JSON tree (the root as []), parents before children. */
export function nodePaths(value: unknown, path: PathPart[] = [], out: PathPart[][] = []): PathPart[][] {
  out.push(path);
  if (Array.isArray(value)) value.forEach((v, i) => nodePaths(v, [...path, i], out));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) nodePaths(v, [...path, k], out);
  return out;
}

export function getAt(value: unknown, path: readonly PathPart[]): unknown {
  let v: unknown = value;
  for (const p of path) v = (v as Record<PathPart, unknown>)[p];
  return v;
}

/** A copy of `root` with the node at `path` replaced (or removed when `next` is undefined); only the
 * nodes along the path are copied, so huge or deeply nested values are never walked. */
export function setAt(root: unknown, path: readonly PathPart[], next: unknown): unknown {
  if (path.length === 0) return next;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    if (rest.length === 0 && next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = setAt(root[head as number], rest, next);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(root as Record<string, unknown>) };
  if (rest.length === 0 && next === undefined) delete copy[head as string];
  else {
    // defineProperty so that a key such as `__proto__` becomes an own property, as JSON.parse makes it.
    Object.defineProperty(copy, head as string, {
      value: setAt((root as Record<string, unknown>)[head as string], rest, next),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** Dotted path as the job-spec checker writes it: `roles.worker.cpus`, `roles.ps.constraints[0]`. */
export function dotted(path: readonly PathPart[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

/** A nested array `depth` levels deep, built without recursion. */
export function deepArray(depth: number): unknown[] {
  let v: unknown[] = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** A nested object `depth` levels deep ({"a":{"a":…}}), built without recursion. */
export function deepObject(depth: number, key = 'a'): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) v = { [key]: v };
  return v;
}

/** JSON text nested `depth` levels deep, for parsers (too deep for a recursive JSON.stringify). */
export const deepJsonText = (depth: number, open = '[', close = ']'): string =>
  open.repeat(depth) + close.repeat(depth);

const STRINGS = [
  '',
  ' ',
  '\u0000',
  '\uFFFD',
  '\uD800',
  '🚀',
  '日本語',
  '__proto__',
  'constructor',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '-1',
  '0x10',
  'true',
  'null',
  '../../etc/passwd',
  '%00',
  'a'.repeat(300),
  'TASK_RUNNING',
  'AAAA',
  'AAA=',
  '=',
];

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1.5,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 64,
  -(2 ** 63),
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
];

/** A random JSON value (depth-bounded), the kind of thing a careless or hostile client sends. */
export function randomJson(rnd: Rng, depth = 3): Json {
  const r = rnd.int(0, depth > 0 ? 7 : 4);
  switch (r) {
    case 0:
      return null;
    case 1:
      return rnd.chance(0.5);
    case 2:
      return rnd.chance(0.5) ? rnd.pick(NUMBERS) : (rnd.next() - 0.5) * 10 ** rnd.int(0, 12);
    case 3:
    case 4:
      return rnd.chance(0.6) ? rnd.pick(STRINGS) : randomText(rnd, rnd.int(0, 40));
    case 5:
      return Array.from({ length: rnd.int(0, 4) }, () => randomJson(rnd, depth - 1));
    default: {
      const o: Record<string, Json> = {};
      for (let i = rnd.int(0, 4); i > 0; i--) {
        Object.defineProperty(o, rnd.chance(0.2) ? rnd.pick(STRINGS) : randomText(rnd, rnd.int(1, 10)), {
          value: randomJson(rnd, depth - 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return o;
    }
  }
}

/** Random text mixing ASCII, control characters, multi-byte characters and lone surrogates. */
export function randomText(rnd: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const r = rnd.next();
    if (r < 0.7) s += String.fromCharCode(rnd.int(0x20, 0x7e));
    else if (r < 0.8) s += String.fromCharCode(rnd.int(0, 0x1f));
    else if (r < 0.9) s += String.fromCharCode(rnd.int(0xa0, 0xd7ff));
    else if (r < 0.95) s += '🚀';
    else s += String.fromCharCode(rnd.int(0xd800, 0xdfff));
  }
  return s;
}

/** A value that is wrong for most fields: a type swap, an extreme, huge, deeply nested or long. */
export function hostileValue(rnd: Rng): unknown {
  switch (rnd.int(0, 9)) {
    case 0:
      return null;
    case 1:
      return rnd.pick([true, false]);
    case 2:
      return rnd.pick(NUMBERS);
    case 3:
      return rnd.pick(STRINGS);
    case 4:
      return 'x'.repeat(rnd.int(1, 4) * 256 * 1024);
    case 5:
      return rnd.chance(0.5) ? deepArray(rnd.int(50, 1000)) : deepObject(rnd.int(50, 1000));
    case 6:
      return Array.from({ length: rnd.int(1000, 20000) }, () => rnd.int(0, 9));
    case 7:
      return rnd.chance(0.5) ? [] : {};
    default:
      return randomJson(rnd, 2);
  }
}

/** The JSON kind of a value, to pick a replacement of a different kind. */
export const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** A hostile value whose JSON kind differs from `v`'s (so a checker must notice). */
export function differentKind(rnd: Rng, v: unknown): unknown {
  for (;;) {
    const h = hostileValue(rnd);
    if (kindOf(h) !== kindOf(v)) return h;
  }
}

export type ByteMutation = 'flip' | 'truncate' | 'insert' | 'delete' | 'duplicate' | 'overwrite' | 'splice';

/** One random byte-level mutation of `input` (never modifies it); `kind` says which. */
export function mutateBytes(rnd: Rng, input: Buffer): { bytes: Buffer; kind: ByteMutation } {
  const kind = rnd.pick<ByteMutation>([
    'flip',
    'truncate',
    'insert',
    'delete',
    'duplicate',
    'overwrite',
    'splice',
  ]);
  const n = input.length;
  const at = () => rnd.int(0, Math.max(0, n - 1));
  switch (kind) {
    case 'flip': {
      const out = Buffer.from(input);
      for (let k = rnd.int(1, 8); k > 0 && n > 0; k--) {
        const i = at();
        out[i] = out[i]! ^ (1 << rnd.int(0, 7));
      }
      return { bytes: out, kind };
    }
    case 'truncate':
      return { bytes: input.subarray(0, rnd.int(0, Math.max(0, n - 1))), kind };
    case 'insert': {
      const p = at();
      return {
        bytes: Buffer.concat([input.subarray(0, p), rnd.bytes(rnd.int(1, 16)), input.subarray(p)]),
        kind,
      };
    }
    case 'delete': {
      const p = at();
      return { bytes: Buffer.concat([input.subarray(0, p), input.subarray(p + rnd.int(1, 16))]), kind };
    }
    case 'duplicate': {
      const p = at();
      const q = Math.min(n, p + rnd.int(1, 64));
      return { bytes: Buffer.concat([input.subarray(0, q), input.subarray(p, q), input.subarray(q)]), kind };
    }
    case 'overwrite': {
      const out = Buffer.from(input);
      for (let k = rnd.int(1, 4); k > 0 && n > 0; k--)
        out[at()] = rnd.pick([0x00, 0xff, 0x7f, 0x80, 0x0a, 0x22]);
      return { bytes: out, kind };
    }
    default: {
      const p = at();
      const q = at();
      return { bytes: Buffer.concat([input.subarray(0, p), input.subarray(q)]), kind };
    }
  }
}
