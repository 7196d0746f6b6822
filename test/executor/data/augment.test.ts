import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import { augmentBatch } from '../../../executor/data/augment.js';
import { toModelInput } from '../../../executor/data/normalize.js';
import { PATCH_BYTES } from '../../../executor/data/pcam-layout.js';
import { createRng } from '../../../executor/data/rng.js';
import { synthLabels, synthRows } from '../../../executor/data/synth.js';
import { darkFraction, thresholdAccuracy } from './learnability.js';

const S = 96;

/** Reference symmetries, written independently of the implementation: pixel (y, x) of the result. */
const REFERENCE: Array<{ name: string; src: (y: number, x: number) => [number, number] }> = [
  { name: 'identity', src: (y, x) => [y, x] },
  { name: 'rot90', src: (y, x) => [x, S - 1 - y] },
  { name: 'rot180', src: (y, x) => [S - 1 - y, S - 1 - x] },
  { name: 'rot270', src: (y, x) => [S - 1 - x, y] },
  { name: 'mirror', src: (y, x) => [y, S - 1 - x] },
  { name: 'mirror-rot90', src: (y, x) => [S - 1 - x, S - 1 - y] },
  { name: 'vertical-flip', src: (y, x) => [S - 1 - y, x] },
  { name: 'transpose', src: (y, x) => [x, y] },
];

function transformOf(input: Float32Array, output: Float32Array, k: number): string | null {
  const base = k * PATCH_BYTES;
  for (const t of REFERENCE) {
    let same = true;
    for (let y = 0; y < S && same; y++) {
      for (let x = 0; x < S && same; x++) {
        const [sy, sx] = t.src(y, x);
        for (let c = 0; c < 3; c++) {
          if (output[base + (y * S + x) * 3 + c] !== input[base + (sy * S + sx) * 3 + c]) {
            same = false;
            break;
          }
        }
      }
    }
    if (same) return t.name;
  }
  return null;
}

function noiseBatch(n: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length: n * PATCH_BYTES }, () => rng.int(0, 255));
}

describe('executor/data/augment', () => {
  const x = noiseBatch(64, 1);
  const unit = toModelInput(x);

  it('returns float32 of the same shape, deterministic for a seed', () => {
    const a = augmentBatch(x, 7);
    expect(a).to.be.instanceOf(Float32Array);
    expect(a.length).to.equal(x.length);
    expect(Buffer.from(a.buffer).equals(Buffer.from(augmentBatch(x, 7).buffer))).to.equal(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(augmentBatch(x, 8).buffer))).to.equal(false);
  });

  it('does not modify its input', () => {
    const copy = Uint8Array.from(x);
    augmentBatch(x, 3);
    expect(Buffer.from(x).equals(Buffer.from(copy))).to.equal(true);
  });

  it('without jitter, maps every image to an exact symmetry of itself, in place, using all eight', () => {
    const out = augmentBatch(unit, 5, { colorJitter: 0 });
    const used = new Set<string>();
    for (let k = 0; k < 64; k++) {
      const t = transformOf(unit, out, k);
      expect(t, `image ${k}`).to.not.equal(null);
      used.add(t!);
    }
    expect([...used].sort()).to.deep.equal(REFERENCE.map((r) => r.name).sort());
  });

  it('limits itself to mirrors or to rotations when asked', () => {
    const flips = augmentBatch(unit, 5, { colorJitter: 0, rotations: false });
    const rots = augmentBatch(unit, 5, { colorJitter: 0, flips: false });
    const none = augmentBatch(unit, 5, { colorJitter: 0, flips: false, rotations: false });
    const f = new Set(Array.from({ length: 64 }, (_, k) => transformOf(unit, flips, k)));
    const r = new Set(Array.from({ length: 64 }, (_, k) => transformOf(unit, rots, k)));
    expect([...f].sort()).to.deep.equal(['identity', 'mirror']);
    expect([...r].sort()).to.deep.equal(['identity', 'rot180', 'rot270', 'rot90']);
    expect(Buffer.from(none.buffer).equals(Buffer.from(unit.buffer))).to.equal(true);
  });

  it('scales uint8 input exactly like toModelInput', () => {
    const a = augmentBatch(x, 5, { colorJitter: 0, flips: false, rotations: false });
    expect(Buffer.from(a.buffer).equals(Buffer.from(unit.buffer))).to.equal(true);
  });

  it('jitters colour lightly and stays in [0, 1]', () => {
    const plain = augmentBatch(x, 9, { colorJitter: 0 });
    const jittered = augmentBatch(x, 9, { colorJitter: 0.05 });
    let maxDiff = 0;
    let sumDiff = 0;
    let outside = 0;
    for (let i = 0; i < x.length; i++) {
      if (!(jittered[i] >= 0 && jittered[i] <= 1)) outside++;
      const d = Math.abs(jittered[i] - plain[i]);
      maxDiff = Math.max(maxDiff, d);
      sumDiff += d;
    }
    expect(outside).to.equal(0);
    expect(maxDiff).to.be.at.most(0.1 + 1e-6); // gain ±5 % of at most 1, shift ±0.05
    expect(sumDiff / x.length).to.be.above(0.005);
  });

  it('preserves labels: class evidence survives augmentation', () => {
    const n = 200;
    const labels = synthLabels(n, 77, 'train');
    const aug = augmentBatch(synthRows(77, 'train', labels, 0, n), 1);
    const pairs = Array.from({ length: n }, (_, k): [number, number] => [
      darkFraction(aug, k, 110 / 255),
      labels[k],
    ]);
    expect(thresholdAccuracy(pairs.slice(0, 100), pairs.slice(100))).to.be.above(0.9);
  });

  it('rejects a batch that is not whole patches', () => {
    expect(() => augmentBatch(new Uint8Array(PATCH_BYTES + 1), 1))
      .to.throw()
      .that.satisfies((e: unknown) => isNodalError(e, 'VALIDATION'));
  });
});
