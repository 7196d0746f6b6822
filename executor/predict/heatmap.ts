// Whole-image scoring: a 96×96 window slides over the image with a stride, each window gets the model's
// tumour probability, and each pixel's heat is the mean over the windows that cover it. Pure functions
// over arrays; the model call is injected so this is testable without tfjs.
import { NodalError } from '../../config/errors.js';
import type { RgbImage } from './image-io.js';

export const PATCH = 96;

export interface WindowGrid {
  xs: number[];
  ys: number[];
}

/** Window origins covering the whole image: stride steps plus a last window flush with the edge. */
export function windowGrid(width: number, height: number, stride: number): WindowGrid {
  if (width < PATCH || height < PATCH)
    throw new NodalError(
      'DATA_INVALID',
      `image ${width}x${height} is smaller than one ${PATCH}x${PATCH} patch`,
    );
  if (!Number.isInteger(stride) || stride < 1 || stride > PATCH)
    throw new NodalError('VALIDATION', `stride must be an integer in [1, ${PATCH}]`);
  const axis = (len: number) => {
    const out: number[] = [];
    for (let p = 0; p + PATCH <= len; p += stride) out.push(p);
    if (out[out.length - 1] !== len - PATCH) out.push(len - PATCH);
    return out;
  };
  return { xs: axis(width), ys: axis(height) };
}

/** Copies the windows [first, first+count) of the grid (row-major) into one flat uint8 batch. */
export function extractWindows(img: RgbImage, grid: WindowGrid, first: number, count: number): Uint8Array {
  const out = new Uint8Array(count * PATCH * PATCH * 3);
  const nx = grid.xs.length;
  for (let k = 0; k < count; k++) {
    const w = first + k;
    const x0 = grid.xs[w % nx]!;
    const y0 = grid.ys[Math.floor(w / nx)]!;
    for (let y = 0; y < PATCH; y++) {
      const src = ((y0 + y) * img.width + x0) * 3;
      out.set(img.rgb.subarray(src, src + PATCH * 3), (k * PATCH + y) * PATCH * 3);
    }
  }
  return out;
}

/** Per-pixel mean probability over the covering windows (row-major width × height). */
export function accumulateHeat(
  width: number,
  height: number,
  grid: WindowGrid,
  probs: Float32Array,
): Float32Array {
  const sum = new Float32Array(width * height);
  const cnt = new Uint16Array(width * height);
  const nx = grid.xs.length;
  for (let w = 0; w < probs.length; w++) {
    const x0 = grid.xs[w % nx]!;
    const y0 = grid.ys[Math.floor(w / nx)]!;
    const p = probs[w]!;
    for (let y = y0; y < y0 + PATCH; y++) {
      const row = y * width;
      for (let x = x0; x < x0 + PATCH; x++) {
        sum[row + x]! += p;
        cnt[row + x]!++;
      }
    }
  }
  for (let i = 0; i < sum.length; i++) sum[i] = cnt[i] ? sum[i]! / cnt[i]! : 0;
  return sum;
}

/** Blue (0) → yellow (0.5) → red (1). */
export function heatColour(p: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, p));
  if (t < 0.5) {
    const u = t / 0.5;
    return [Math.round(40 + 215 * u), Math.round(70 + 170 * u), Math.round(200 - 160 * u)];
  }
  const u = (t - 0.5) / 0.5;
  return [255, Math.round(240 - 200 * u), Math.round(40 - 20 * u)];
}

/** The image in grey with the heat blended over it; opacity grows with the probability. */
export function overlay(img: RgbImage, heat: Float32Array, maxAlpha = 0.65): RgbImage {
  const out = new Uint8Array(img.rgb.length);
  for (let i = 0; i < heat.length; i++) {
    const r = img.rgb[i * 3]!;
    const g = img.rgb[i * 3 + 1]!;
    const b = img.rgb[i * 3 + 2]!;
    const grey = 0.299 * r + 0.587 * g + 0.114 * b;
    const [hr, hg, hb] = heatColour(heat[i]!);
    const a = maxAlpha * (0.35 + 0.65 * heat[i]!);
    out[i * 3] = Math.round(grey * (1 - a) + hr * a);
    out[i * 3 + 1] = Math.round(grey * (1 - a) + hg * a);
    out[i * 3 + 2] = Math.round(grey * (1 - a) + hb * a);
  }
  return { width: img.width, height: img.height, rgb: out };
}

export interface HeatmapResult {
  heat: Float32Array;
  windows: number;
  maxProbability: number;
  /** Fraction of pixels whose heat is at least `threshold`. */
  tumourFraction: number;
}

/**
 * Scores the image with `predict` (uint8 windows → probabilities), `batch` windows at a time.
 * Memory stays bounded by the batch, whatever the image size.
 */
export async function scoreImage(
  img: RgbImage,
  predict: (windows: Uint8Array, n: number) => Promise<Float32Array> | Float32Array,
  opts: { stride?: number; batch?: number; threshold?: number } = {},
): Promise<HeatmapResult> {
  const grid = windowGrid(img.width, img.height, opts.stride ?? PATCH / 2);
  const total = grid.xs.length * grid.ys.length;
  const probs = new Float32Array(total);
  const batch = opts.batch ?? 64;
  for (let first = 0; first < total; first += batch) {
    const n = Math.min(batch, total - first);
    probs.set(await predict(extractWindows(img, grid, first, n), n), first);
  }
  const heat = accumulateHeat(img.width, img.height, grid, probs);
  const threshold = opts.threshold ?? 0.5;
  let above = 0;
  for (const h of heat) if (h >= threshold) above++;
  return {
    heat,
    windows: total,
    maxProbability: probs.reduce((m, p) => Math.max(m, p), 0),
    tumourFraction: above / heat.length,
  };
}
