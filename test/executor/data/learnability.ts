// A hand-made feature for the learnability checks: the fraction of dark (nucleus-coloured) pixels.
import { PATCH_BYTES } from '../../../executor/data/pcam-layout.js';

/** Fraction of pixels of patch k darker than `threshold` in luma (0..255 scale for uint8, 0..1 for floats). */
export function darkFraction(x: Uint8Array | Float32Array, k: number, threshold: number): number {
  let dark = 0;
  const base = k * PATCH_BYTES;
  for (let p = 0; p < PATCH_BYTES; p += 3) {
    const luma = 0.299 * x[base + p] + 0.587 * x[base + p + 1] + 0.114 * x[base + p + 2];
    if (luma < threshold) dark++;
  }
  return dark / (PATCH_BYTES / 3);
}

/** Best single threshold on `train` (feature, label) pairs, then its accuracy on `test`. */
export function thresholdAccuracy(train: Array<[number, number]>, test: Array<[number, number]>): number {
  let best = { acc: -1, thr: 0 };
  for (const [thr] of train) {
    const acc = train.filter(([f, y]) => (f > thr ? 1 : 0) === y).length / train.length;
    if (acc > best.acc) best = { acc, thr };
  }
  return test.filter(([f, y]) => (f > best.thr ? 1 : 0) === y).length / test.length;
}
