// The order in which one epoch visits the training set: a Fisher–Yates shuffle driven by a seeded PRNG,
// so every process (and a restarted ps-0) derives the same permutation from (seed, epoch) alone.
import { NodalError } from '../../config/errors.js';
import { createRng, mixSeed } from '../data/rng.js';

/** Largest training set a permutation is built for (2^31 examples). */
export const MAX_DATASET_SIZE = 2 ** 31;

/** A permutation of 0..n-1 for `epoch`; the same (seed, epoch, n) always gives the same array. */
export function epochPermutation(seed: number, epoch: number, n: number): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > MAX_DATASET_SIZE)
    throw new NodalError('VALIDATION', `dataset size ${n} is out of range`);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const rng = createRng(mixSeed(seed, epoch, 0x5e9));
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
