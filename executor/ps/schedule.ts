// The learning-rate schedule a PS shard applies, pure: a multiplier on the optimizer's learning rate as a
// function of the shard's step. Every shard derives the same planned length from the job, so shards agree
// on the rate at each step, and a shard restored from a checkpoint picks up the schedule where its step is.
//
// Why it matters for async training: with N workers every push is computed on weights about N − 1 steps
// old, which acts like extra momentum; at a constant rate the decision threshold keeps oscillating and a
// short job can end on the wrong side of it (test accuracy 50% with AUC 1.0). Decaying the rate to a small
// value damps that oscillation at the end of training (scripts/bench/async-sim measures it).
import { NodalError } from '../../config/errors.js';

export const LR_DECAYS = ['none', 'cosine', 'linear'] as const;
export type LrDecay = (typeof LR_DECAYS)[number];

export interface LrSchedule {
  /** none: constant after warm-up; cosine or linear: from 1 down to `minFactor` at `totalSteps`. */
  decay: LrDecay;
  /** Steps the job is planned to take (the decay reaches `minFactor` there and stays). */
  totalSteps: number;
  /** Linear ramp from 1/warmupSteps to 1 over the first steps; 0: none. */
  warmupSteps: number;
  /** The smallest multiplier the decay reaches, in [0, 1]. */
  minFactor: number;
}

/** Throws VALIDATION for a schedule that cannot work. */
export function validateLrSchedule(s: LrSchedule): void {
  const bad = (what: string): never => {
    throw new NodalError('VALIDATION', `learning-rate schedule: ${what}`);
  };
  if (!LR_DECAYS.includes(s.decay)) bad(`unknown decay ${String(s.decay)}; known: ${LR_DECAYS.join(', ')}`);
  if (!Number.isInteger(s.totalSteps) || s.totalSteps < 1) bad('totalSteps must be an integer >= 1');
  if (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0) bad('warmupSteps must be an integer >= 0');
  if (!(s.minFactor >= 0 && s.minFactor <= 1)) bad('minFactor must be in [0, 1]');
}

/**
 * The multiplier of the learning rate for the update made at `step` (0-based: the shard's step before the
 * update). Warm-up and decay multiply. Past `totalSteps` (an elastic job may take a few more) it stays at
 * the final value, never 0 unless `minFactor` is.
 */
export function learningRateFactor(s: LrSchedule, step: number): number {
  const warm = s.warmupSteps > 0 ? Math.min(1, (step + 1) / s.warmupSteps) : 1;
  if (s.decay === 'none') return warm;
  const progress = Math.min(1, Math.max(0, step) / s.totalSteps);
  const shape = s.decay === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return warm * (s.minFactor + (1 - s.minFactor) * shape);
}
