// Training-time augmentation for histology patches: tissue has no up or down, so the 8 symmetries of
// the square (flips and 90° rotations) are free extra data; light colour jitter imitates stain and
// scanner variation. Pure: the output depends only on the input and the seed.
import { PATCH_HEIGHT, PATCH_WIDTH, PATCH_BYTES, PATCH_CHANNELS } from './pcam-layout.js';
import { patchCount } from './normalize.js';
import { createRng } from './rng.js';

export interface AugmentOptions {
  /** Mirror images (default true). */
  flips?: boolean;
  /** Rotate by multiples of 90° (default true). */
  rotations?: boolean;
  /** Largest per-channel gain change and brightness shift, on the [0, 1] scale (default 0.05; 0: none). */
  colorJitter?: number;
}

const PIXELS = PATCH_HEIGHT * PATCH_WIDTH;

/**
 * Source pixel of every output pixel for symmetry `t` in 0..7: `t & 3` quarter turns, then a
 * left-right mirror when `t & 4`. Patches are square, so every symmetry keeps the shape.
 */
function symmetryMap(t: number): Uint32Array {
  const n = PATCH_WIDTH;
  const map = new Uint32Array(PIXELS);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let sx = t & 4 ? n - 1 - x : x;
      let sy = y;
      for (let k = 0; k < (t & 3); k++) [sy, sx] = [sx, n - 1 - sy];
      map[y * n + x] = sy * n + sx;
    }
  }
  return map;
}

let maps: Uint32Array[] | undefined;
const symmetryMaps = (): Uint32Array[] => (maps ??= Array.from({ length: 8 }, (_, t) => symmetryMap(t)));

/**
 * Augments a batch of n patches (n × 96 × 96 × 3; uint8 0..255 or float32 already in [0, 1]) into a new
 * float32 batch in [0, 1], image i staying at position i so labels keep lining up. Deterministic for a
 * seed. Throws VALIDATION when the length is not a whole number of patches.
 */
export function augmentBatch(
  x: Uint8Array | Float32Array,
  seed: number,
  opts: AugmentOptions = {},
): Float32Array {
  const flips = opts.flips ?? true;
  const rotations = opts.rotations ?? true;
  const jitter = opts.colorJitter ?? 0.05;
  const n = patchCount(x.length);
  const scale = x instanceof Uint8Array ? 1 / 255 : 1;
  const all = symmetryMaps();
  const rng = createRng(seed);
  const out = new Float32Array(x.length);
  const gain = new Float32Array(PATCH_CHANNELS);
  for (let i = 0; i < n; i++) {
    // Draw the same numbers whatever the options, so turning one option off leaves the others' choices.
    const turns = rng.int(0, 3);
    const mirror = rng.next() < 0.5;
    for (let c = 0; c < PATCH_CHANNELS; c++) gain[c] = 1 + jitter * rng.uniform(-1, 1);
    const shift = jitter * rng.uniform(-1, 1);
    const map = all[(rotations ? turns : 0) | (flips && mirror ? 4 : 0)];
    const base = i * PATCH_BYTES;
    for (let p = 0; p < PIXELS; p++) {
      const src = base + map[p] * PATCH_CHANNELS;
      const dst = base + p * PATCH_CHANNELS;
      for (let c = 0; c < PATCH_CHANNELS; c++) {
        const v = x[src + c] * scale;
        if (jitter === 0) {
          out[dst + c] = v;
        } else {
          const j = v * gain[c] + shift;
          out[dst + c] = j < 0 ? 0 : j > 1 ? 1 : j;
        }
      }
    }
  }
  return out;
}
