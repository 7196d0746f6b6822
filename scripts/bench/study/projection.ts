// Projected speed-up on one node per worker, from per-step costs measured on this machine. Pure.
//
// A worker's step is compute (t_c) then a push + pull round trip with the PS (t_comm, which includes the
// PS's own work on that push). On N nodes the workers compute in parallel; what they share is the PS. It
// serves pushes concurrently (transport, decoding, encoding) except for applying them to its variables,
// t_apply per push, which one push at a time does. Async: a push finds at most the other N − 1 workers'
// pushes being applied ahead of it, so a step takes t_c + t_comm + (N − 1)·t_apply; as N grows the
// speed-up tends to (t_c + t_comm) / t_apply, the PS's capacity. Sync: a global step waits for the
// slowest of N workers (the expected maximum of N draws of the measured t_c) and for all N pushes.
// Passing the PS's whole CPU time per push as t_apply gives the bound for a PS that serializes everything.
import { NodalError } from '../../../config/errors.js';
import { expectedMaxOf, mean } from './stats.js';

/** Per-step costs measured on one worker (milliseconds). */
export interface StepCosts {
  /** Worker compute, one sample per step: the mean is t_c, the spread gives sync's stragglers. */
  readonly computeMs: readonly number[];
  /** Push + pull round trip with the PS: t_comm. */
  readonly commMs: number;
  /** PS work per push that cannot overlap another push (applying it to the variables): t_apply. */
  readonly applyMs: number;
}

export interface Projection {
  readonly workers: number;
  /** Async: one worker's step; sync: one global step (a batch from every worker). */
  readonly stepMs: number;
  /** Throughput over one worker's. */
  readonly speedup: number;
  /** speedup / workers. */
  readonly efficiency: number;
  /** Share of the time the PS is busy serving pushes. */
  readonly psUtilization: number;
}

/** The formulas, as the report states them. */
export const PROJECTION_FORMULAS = {
  async: 'speed-up(N) = N × (t_c + t_comm) / (t_c + t_comm + (N − 1) × t_apply)',
  sync: 'speed-up(N) = N × (t̄_c + t_comm) / (E[max of N draws of t_c] + t_comm + (N − 1) × t_apply)',
} as const;

function check(c: StepCosts, n: number): void {
  if (!(Number.isInteger(n) && n >= 1)) throw new NodalError('VALIDATION', `workers must be >= 1, got ${n}`);
  if (c.computeMs.length === 0) throw new NodalError('VALIDATION', 'no compute samples to project from');
  if (!(c.commMs >= 0 && c.applyMs >= 0)) throw new NodalError('VALIDATION', 'step costs must be >= 0');
}

/** Async training on `n` nodes (see the module comment). Throws VALIDATION for n < 1 or no samples. */
export function projectAsync(c: StepCosts, n: number): Projection {
  check(c, n);
  const base = mean(c.computeMs) + c.commMs;
  const stepMs = base + (n - 1) * c.applyMs;
  const speedup = (n * base) / stepMs;
  return {
    workers: n,
    stepMs,
    speedup,
    efficiency: speedup / n,
    psUtilization: Math.min(1, (speedup * c.applyMs) / base),
  };
}

/** Sync training on `n` nodes (see the module comment). Throws VALIDATION for n < 1 or no samples. */
export function projectSync(c: StepCosts, n: number): Projection {
  check(c, n);
  const base = mean(c.computeMs) + c.commMs;
  const stepMs = expectedMaxOf(c.computeMs, n) + c.commMs + (n - 1) * c.applyMs;
  const speedup = (n * base) / stepMs;
  return {
    workers: n,
    stepMs,
    speedup,
    efficiency: speedup / n,
    psUtilization: Math.min(1, (n * c.applyMs) / stepMs),
  };
}
