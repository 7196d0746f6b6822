import { expect } from 'chai';
import {
  FP16_MAX,
  float16ToFloat32,
  float32ToFloat16,
  fromHalfBits,
  toHalfBits,
} from '../../../executor/compress/fp16.js';

describe('executor/compress/fp16', () => {
  it('encodes exactly representable values to their IEEE binary16 bits', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -15, 0x0200], // a subnormal
    ];
    for (const [v, bits] of cases) {
      expect(toHalfBits(v), `bits of ${v}`).to.equal(bits);
      expect(Object.is(fromHalfBits(bits), v), `value of ${bits.toString(16)}`).to.equal(true);
    }
  });

  it('rounds to nearest with ties to even, in normal and subnormal range', () => {
    const ulp = 2 ** -10; // spacing of halves in [1, 2)
    expect(toHalfBits(1 + ulp / 2)).to.equal(0x3c00); // tie → even (1.0)
    expect(toHalfBits(1 + (3 * ulp) / 2)).to.equal(0x3c02); // tie → even (1 + 2 ulp)
    expect(toHalfBits(1 + ulp / 2 + 2 ** -20)).to.equal(0x3c01); // above the tie → up
    expect(toHalfBits(2 ** -25)).to.equal(0); // half the smallest subnormal: tie → 0
    expect(toHalfBits(2 ** -25 + 2 ** -30)).to.equal(1);
    expect(toHalfBits(3 * 2 ** -25)).to.equal(2); // 1.5 subnormal ulps: tie → even (2)
    // Rounding the largest mantissa carries into the exponent.
    expect(toHalfBits(2 - 2 ** -12)).to.equal(0x4000);
  });

  it('saturates overflow and infinities to ±65504 and keeps NaN', () => {
    expect(fromHalfBits(toHalfBits(1e6))).to.equal(FP16_MAX);
    expect(fromHalfBits(toHalfBits(-Infinity))).to.equal(-FP16_MAX);
    expect(fromHalfBits(toHalfBits(65520))).to.equal(FP16_MAX); // would round to infinity
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).to.equal(true);
    expect(fromHalfBits(0x7c00)).to.equal(Infinity);
  });

  it('round-trips every finite half value exactly through float32', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const widened = float16ToFloat32(all);
    const back = float32ToFloat16(widened);
    for (let h = 0; h < 65536; h++) {
      const exp = (h >>> 10) & 0x1f;
      if (exp === 0x1f) continue; // infinities saturate, NaN payloads are not kept
      if (back[h] !== h) expect.fail(`half ${h.toString(16)} came back as ${back[h].toString(16)}`);
    }
  });

  it('keeps gradients within half a unit in the last place (relative 2^-11) in the normal range', () => {
    const values = new Float32Array(10_000);
    let x = 12345;
    for (let i = 0; i < values.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      values[i] = ((x / 2 ** 32 - 0.5) * 2) ** 3 * 100;
    }
    const back = float16ToFloat32(float32ToFloat16(values));
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Math.abs(v) < 2 ** -14) expect(Math.abs(back[i] - v)).to.be.at.most(2 ** -25);
      else expect(Math.abs(back[i] - v) / Math.abs(v)).to.be.at.most(2 ** -11);
    }
  });

  it('writes into a given output array and reads a Float32Array view at an offset', () => {
    const buffer = new Float32Array([9, 1.5, -0.25, 9]);
    const view = buffer.subarray(1, 3);
    const out = new Uint16Array(2);
    expect(float32ToFloat16(view, out)).to.equal(out);
    expect([...float16ToFloat32(out)]).to.deep.equal([1.5, -0.25]);
  });
});
