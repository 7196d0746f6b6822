// IEEE 754 half precision (binary16) for gradients on the wire: half the bytes of float32. Pure, no tfjs.
// Rounding is to nearest, ties to even, like a hardware conversion. Values beyond the half range saturate
// to ±65504 instead of becoming infinite, because the parameter server rejects non-finite gradients and a
// clipped gradient is a smaller error than a lost push. NaN stays NaN (the PS rejects it as before).

/** Largest finite half-precision value. */
export const FP16_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bits of `value` (round to nearest even; ±Infinity and overflow saturate to ±FP16_MAX). */
export function toHalfBits(value: number): number {
  f32[0] = value;
  return halfFromFloatBits(u32[0]);
}

/** The binary16 bits of the float32 whose bits are `x` (integer arithmetic only, so loops stay fast). */
function halfFromFloatBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return mant !== 0 ? sign | 0x7e00 : sign | 0x7bff;
  // The exponent re-biased for half (bias 15 instead of 127).
  const e = exp - 112;
  if (e >= 0x1f) return sign | 0x7bff;
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit 1 into place, rounding to nearest even.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rest > half || (rest === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
  // Rounding up may carry into the exponent; a carry to the infinity exponent saturates instead.
  if ((h & 0x7c00) === 0x7c00) return sign | 0x7bff;
  return sign | h;
}

/** The value of binary16 bits `h`. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** `values` as half precision, into `out` when given (it must have the same length). */
export function float32ToFloat16(values: Float32Array, out = new Uint16Array(values.length)): Uint16Array {
  // A Float32Array always starts at a multiple of 4, so its bits can be read in place.
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfFromFloatBits(bits[i]);
  return out;
}

// A table over all 65,536 bit patterns makes decoding one lookup per value (256 KB, built on first use).
let decodeTable: Float32Array | undefined;

/** Half-precision `bits` widened to float32 (exactly: every half value is a float32), into `out` when given. */
export function float16ToFloat32(bits: Uint16Array, out = new Float32Array(bits.length)): Float32Array {
  if (!decodeTable) {
    decodeTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) decodeTable[h] = fromHalfBits(h);
  }
  const table = decodeTable;
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}
