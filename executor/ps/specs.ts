// Variable declarations as the parameter server sees them: names, shapes and byte sizes, no tfjs.
// Structurally the same as executor/model's VariableSpec, so a model's specs can be passed in as they are.
import { NodalError } from '../../config/errors.js';

/** One float32 variable. `bytes` is 4 × the product of `shape`. */
export interface VariableSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
  bytes: number;
}

/** Largest variable a shard accepts (2^28 values, 1 GiB): anything bigger is a corrupt or hostile message. */
export const MAX_VARIABLE_ELEMENTS = 2 ** 28;
/** Most variables in one model; guards loops driven by wire input. */
export const MAX_VARIABLES = 10_000;
const MAX_RANK = 8;

/** Number of values of a shape; throws VALIDATION for a bad dimension or one over MAX_VARIABLE_ELEMENTS. */
export function elementCount(shape: readonly number[], what = 'shape'): number {
  if (shape.length > MAX_RANK)
    throw new NodalError('VALIDATION', `${what} has rank ${shape.length} (max ${MAX_RANK})`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new NodalError('VALIDATION', `${what} has a bad dimension ${d}`);
    n *= d;
    if (n > MAX_VARIABLE_ELEMENTS) {
      throw new NodalError(
        'VALIDATION',
        `${what} [${shape.join(',')}] exceeds ${MAX_VARIABLE_ELEMENTS} values`,
      );
    }
  }
  return n;
}

/** A spec from a name and shape (dtype float32); throws VALIDATION for an empty name or a bad shape. */
export function makeSpec(name: string, shape: readonly number[]): VariableSpec {
  if (!name) throw new NodalError('VALIDATION', 'variable name is empty');
  return { name, shape: [...shape], dtype: 'float32', bytes: elementCount(shape, `variable ${name}`) * 4 };
}

/** Checks a list of specs: unique names, consistent byte sizes, within limits. Throws VALIDATION. */
export function validateSpecs(specs: readonly VariableSpec[]): void {
  if (specs.length > MAX_VARIABLES)
    throw new NodalError('VALIDATION', `${specs.length} variables (max ${MAX_VARIABLES})`);
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new NodalError('VALIDATION', `variable ${s.name} declared twice`);
    seen.add(s.name);
    if (s.dtype !== 'float32')
      throw new NodalError('VALIDATION', `variable ${s.name} is ${String(s.dtype)}, not float32`);
    if (elementCount(s.shape, `variable ${s.name}`) * 4 !== s.bytes) {
      throw new NodalError(
        'VALIDATION',
        `variable ${s.name}: ${s.bytes} bytes do not match shape [${s.shape.join(',')}]`,
      );
    }
  }
}

/** True when two spec lists declare the same variables in the same order. */
export function sameSpecs(a: readonly VariableSpec[], b: readonly VariableSpec[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (s, i) => s.name === b[i].name && s.bytes === b[i].bytes && s.shape.join(',') === b[i].shape.join(','),
    )
  );
}
