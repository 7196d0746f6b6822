// The model's input scale: RGB in [0, 1]. Every path into the model (training with or without
// augmentation, evaluation, predict) goes through here or augment.ts, which uses the same scale.
import { NodalError } from '../../config/errors.js';
import { PATCH_BYTES } from './pcam-layout.js';

const INV_255 = 1 / 255;

/** uint8 patches (n × 96 × 96 × 3) as float32 in [0, 1], ready for the model. */
export function toModelInput(x: Uint8Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * INV_255;
  return out;
}

/** Number of 96×96×3 patches in a flat batch; throws VALIDATION when the length is not a multiple. */
export function patchCount(length: number): number {
  if (length % PATCH_BYTES !== 0) {
    throw new NodalError(
      'VALIDATION',
      `batch length ${length} is not a multiple of ${PATCH_BYTES} (96*96*3)`,
    );
  }
  return length / PATCH_BYTES;
}
