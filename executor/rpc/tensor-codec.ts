// Tensors on the wire as raw little-endian float32 bytes. Encoding wraps the Float32Array's memory in a
// Buffer (no copy); decoding returns a Float32Array view of the received bytes when they are 4-byte
// aligned and copies only when they are not (a Float32Array cannot start at an odd offset). Gradients may
// travel as float16 (half the bytes, see executor/compress/fp16); they are widened to float32 on arrival.
import { endianness } from 'node:os';
import { NodalError } from '../../config/errors.js';
import { float16ToFloat32, float32ToFloat16 } from '../compress/fp16.js';

/** A tensor as the protobuf codec reads and writes it (nodal.Tensor). */
export interface WireTensor {
  name: string;
  shape: number[];
  dtype: string;
  data: Uint8Array;
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Element types a tensor may have on the wire. */
export type WireDtype = 'float32' | 'float16';

const BYTES_PER_ELEMENT: Record<WireDtype, number> = { float32: 4, float16: 2 };

function swap16(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i += 2) {
    out[i] = bytes[i + 1];
    out[i + 1] = bytes[i];
  }
  return out;
}

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

/** A float16 wire tensor of `values` (rounded to half precision; a new buffer, the values are not kept). */
export function toWireTensorFp16(name: string, shape: readonly number[], values: Float32Array): WireTensor {
  const half = float32ToFloat16(values);
  const view = new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
  return { name, shape: [...shape], dtype: 'float16', data: LITTLE_ENDIAN_HOST ? view : swap16(view) };
}

function halfToFloat32(bytes: Uint8Array): Float32Array {
  const le = LITTLE_ENDIAN_HOST ? bytes : swap16(bytes);
  const bits =
    le.byteOffset % 2 === 0
      ? new Uint16Array(le.buffer, le.byteOffset, le.byteLength / 2)
      : // A copy (new Uint8Array, not Buffer#slice, which shares memory) starts at offset 0.
        new Uint16Array(new Uint8Array(le).buffer);
  return float16ToFloat32(bits);
}

/**
 * The values of a wire tensor as float32. Checks dtype float32 or float16 (widened), a byte length equal
 * to product(shape) × the element size, and, when given, the expected shape. Throws VALIDATION naming the
 * tensor.
 */
export function fromWireTensor(t: WireTensor, expectedShape?: readonly number[]): Float32Array {
  const name = t.name || '(unnamed)';
  if (t.dtype !== 'float32' && t.dtype !== 'float16')
    throw new NodalError('VALIDATION', `tensor ${name} has dtype '${t.dtype}', expected float32 or float16`, {
      name,
    });
  const width = BYTES_PER_ELEMENT[t.dtype];
  const data = t.data ?? new Uint8Array(0);
  let elements = 1;
  for (const d of t.shape) elements *= d;
  if (data.byteLength !== elements * width) {
    throw new NodalError(
      'VALIDATION',
      `tensor ${name} has ${data.byteLength} bytes for shape [${t.shape.join(',')}] (needs ${elements * width})`,
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
  if (t.dtype === 'float16') return halfToFloat32(data);
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
