// From run measurements to the study table's rows: throughput, speed-up and efficiency against the
// variant's 1-worker run, accuracy difference to it, time to a common accuracy. Pure.
import type { AccuracyPoint, RunMeasurement } from './measurements.js';
import type { Projection } from './projection.js';
import { baselineKey, type Scenario, type Variant } from './scenarios.js';

/** One line of the study table. Undefined fields are not known (a failed run, no baseline, no metric). */
export interface StudyRow {
  readonly key: string;
  readonly variant: Variant;
  readonly workers: number;
  readonly state: string;
  readonly reason?: string;
  readonly wallSeconds: number;
  readonly trainSeconds: number;
  /** Measured throughput over the training interval. */
  readonly imagesPerSec: number;
  /** Measured throughput per worker (on this machine the workers share its cores). */
  readonly perWorkerImagesPerSec: number;
  readonly speedup?: number;
  readonly efficiency?: number;
  readonly projected?: Projection;
  readonly testAccuracy?: number;
  readonly testAuc?: number;
  readonly testLoss?: number;
  /** testAccuracy − the 1-worker run's, in percentage points. */
  readonly accuracyDeltaPp?: number;
  readonly stalenessMean?: number;
  readonly stalenessMax?: number;
  readonly stalePushes?: number;
  readonly timeToTargetSeconds?: number;
}

/** Seconds until the curve first reaches `target` (undefined when it never does). */
export function timeToAccuracy(curve: readonly AccuracyPoint[], target: number): number | undefined {
  return curve.find((p) => p.accuracy >= target)?.seconds;
}

/** Share of the 1-worker run's best validation accuracy that defines "time to accuracy". */
export const TARGET_SHARE = 0.95;

/**
 * The accuracy runs are timed to: TARGET_SHARE of the best validation accuracy of the 1-worker run
 * (async, else sync), down to whole percent; undefined when there is no such run with a curve.
 */
export function targetAccuracyOf(runs: readonly RunMeasurement[]): number | undefined {
  const base = ['async-1', 'sync-1']
    .map((k) => runs.find((r) => r.scenario.key === k && r.state === 'succeeded' && r.curve.length > 0))
    .find((r) => r !== undefined);
  if (!base) return undefined;
  return Math.floor(TARGET_SHARE * Math.max(...base.curve.map((p) => p.accuracy)) * 100) / 100;
}

const throughput = (r: RunMeasurement): number => r.trainedExamples / r.trainSeconds;

/**
 * The table rows, in the order of `runs`. Speed-up, efficiency and accuracy difference are relative to
 * the variant's 1-worker run (baselineKey) and left out when it is missing or did not succeed.
 */
export function studyRows(
  runs: readonly RunMeasurement[],
  projectionOf: (s: Scenario) => Projection | undefined,
  targetAccuracy: number | undefined,
): StudyRow[] {
  const byKey = new Map(runs.map((r) => [r.scenario.key, r]));
  return runs.map((r) => {
    const s = r.scenario;
    const base = byKey.get(baselineKey(s));
    const ok = r.state === 'succeeded';
    const baseOk = base !== undefined && base.state === 'succeeded';
    const ips = throughput(r);
    const speedup = ok && baseOk ? ips / throughput(base) : undefined;
    const projected = projectionOf(s);
    const tta = targetAccuracy === undefined ? undefined : timeToAccuracy(r.curve, targetAccuracy);
    return {
      key: s.key,
      variant: s.variant,
      workers: s.workers,
      state: r.state,
      ...(r.reason ? { reason: r.reason } : {}),
      wallSeconds: r.wallSeconds,
      trainSeconds: r.trainSeconds,
      imagesPerSec: ips,
      perWorkerImagesPerSec: ips / s.workers,
      ...(speedup !== undefined ? { speedup, efficiency: speedup / s.workers } : {}),
      ...(projected ? { projected } : {}),
      ...(r.testAccuracy !== undefined ? { testAccuracy: r.testAccuracy } : {}),
      ...(r.testAuc !== undefined ? { testAuc: r.testAuc } : {}),
      ...(r.testLoss !== undefined ? { testLoss: r.testLoss } : {}),
      ...(ok && baseOk && r.testAccuracy !== undefined && base.testAccuracy !== undefined
        ? { accuracyDeltaPp: (r.testAccuracy - base.testAccuracy) * 100 }
        : {}),
      ...(r.stalenessMean !== undefined ? { stalenessMean: r.stalenessMean } : {}),
      ...(r.stalenessMax !== undefined ? { stalenessMax: r.stalenessMax } : {}),
      ...(r.stalePushes !== undefined ? { stalePushes: r.stalePushes } : {}),
      ...(tta !== undefined ? { timeToTargetSeconds: tta } : {}),
    };
  });
}

/** Whether the study met its two targets; undefined where the runs to judge are missing. */
export interface TargetCheck {
  /** Projected async efficiency at the largest worker count ≥ TARGET_EFFICIENCY. */
  readonly efficiency?: { workers: number; value: number; met: boolean };
  /** Staleness-aware async at the largest count loses less than TARGET_ACCURACY_LOSS_PP against 1 worker. */
  readonly accuracy?: { workers: number; deltaPp: number; met: boolean };
}

export const TARGET_EFFICIENCY = 0.95;
export const TARGET_ACCURACY_LOSS_PP = 0.25;

/** Judges the targets on the largest async worker count in `rows`. */
export function checkTargets(rows: readonly StudyRow[]): TargetCheck {
  const async = rows.filter((r) => r.variant === 'async' && r.workers > 1);
  const largest = async.reduce<StudyRow | undefined>(
    (a, r) => (!a || r.workers > a.workers ? r : a),
    undefined,
  );
  if (!largest) return {};
  return {
    ...(largest.projected
      ? {
          efficiency: {
            workers: largest.workers,
            value: largest.projected.efficiency,
            met: largest.projected.efficiency >= TARGET_EFFICIENCY,
          },
        }
      : {}),
    ...(largest.accuracyDeltaPp !== undefined
      ? {
          accuracy: {
            workers: largest.workers,
            deltaPp: largest.accuracyDeltaPp,
            // A gain is no loss: only a drop counts against the target.
            met: largest.accuracyDeltaPp > -TARGET_ACCURACY_LOSS_PP,
          },
        }
      : {}),
  };
}
