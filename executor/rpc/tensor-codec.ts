// Tensors on the wire as raw little-endian float32 bytes. Encoding wraps the Float32Array's memory in a
// Buffer (no copy); decoding returns a Float32Array view of the received bytes when they are 4-byte
// aligned and copies only when they are not (a Float32Array cannot start at an odd offset).
import { endianness } from 'node:os';
import { NodalError } from '../../config/errors.js';

/** A tensor as the protobuf codec reads and writes it (nodal.Tensor). */
export interface WireTensor {
  name: string;
  shape: number[];
  dtype: string;
  data: Uint8Array;
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

function swap32(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i += 4) {
    out[i] = bytes[i + 3];
    out[i + 1] = bytes[i + 2];
    out[i + 2] = bytes[i + 1];
    out[i + 3] = bytes[i];
  }
  return out;
}

/** A wire tensor over `values` (no copy on little-endian hosts; the caller must not modify them until sent). */
export function toWireTensor(name: string, shape: readonly number[], values: Float32Array): WireTensor {
  const view = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return { name, shape: [...shape], dtype: 'float32', data: LITTLE_ENDIAN_HOST ? view : swap32(view) };
}

/**
 * The values of a wire tensor. Checks dtype float32, a byte length that is a multiple of 4 and equal to
 * 4 × product(shape), and, when given, the expected shape. Throws VALIDATION naming the tensor.
 */
export function fromWireTensor(t: WireTensor, expectedShape?: readonly number[]): Float32Array {
  const name = t.name || '(unnamed)';
  if (t.dtype !== 'float32')
    throw new NodalError('VALIDATION', `tensor ${name} has dtype '${t.dtype}', expected float32`, { name });
  const data = t.data ?? new Uint8Array(0);
  let elements = 1;
  for (const d of t.shape) elements *= d;
  if (data.byteLength !== elements * 4) {
    throw new NodalError(
      'VALIDATION',
      `tensor ${name} has ${data.byteLength} bytes for shape [${t.shape.join(',')}] (needs ${elements * 4})`,
      {
        name,
      },
    );
  }
  if (expectedShape && expectedShape.join(',') !== t.shape.join(',')) {
    throw new NodalError(
      'VALIDATION',
      `tensor ${name} has shape [${t.shape.join(',')}], expected [${expectedShape.join(',')}]`,
      { name },
    );
  }
  const bytes = LITTLE_ENDIAN_HOST ? data : swap32(data);
  if (bytes.byteOffset % 4 === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Wire tensors into a name → values map; throws VALIDATION for a repeated name or a bad tensor. */
export function tensorsToMap(tensors: readonly WireTensor[], maxCount: number): Map<string, Float32Array> {
  if (tensors.length > maxCount)
    throw new NodalError('VALIDATION', `${tensors.length} tensors, at most ${maxCount} expected`);
  const out = new Map<string, Float32Array>();
  for (const t of tensors) {
    if (out.has(t.name)) throw new NodalError('VALIDATION', `tensor ${t.name} sent twice`, { name: t.name });
    out.set(t.name, fromWireTensor(t));
  }
  return out;
}
