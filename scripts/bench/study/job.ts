// The job spec of one study run (raw JSON, as an operator would submit it). Pure.
import type { LrDecay } from '../../../executor/ps/schedule.js';
import type { Scenario } from './scenarios.js';

/** Every run uses this job id: the executors derive the initial weights and data order from it. */
export const STUDY_JOB_ID = 'study';

/** Validation evaluations wanted over a run, for the time-to-accuracy curve. */
export const EVALS_PER_RUN = 8;

/** What stays the same across the runs of one study. */
export interface StudyTraining {
  readonly model: 'small-cnn' | 'large-cnn';
  readonly batchSize: number;
  readonly learningRate: number;
  /** Examples trained on in every run (`epochs` passes over the split's examples). */
  readonly examples: number;
  /** Passes over the examples. */
  readonly epochs: number;
  /**
   * `epochs`: the training split holds exactly `examples / epochs` (synthetic sets), `epochs` each run.
   * `steps`: a larger split (real PCam) is sampled for `examples` by a step budget.
   */
  readonly budget: 'epochs' | 'steps';
  /** The learning-rate decay over every run. */
  readonly lrDecay: LrDecay;
  /** Async staleness-aware runs: largest staleness accepted (pushes beyond it are recomputed). */
  readonly stalenessBound: number;
}

/** Batches per run; throws nothing: `examples` is rounded down to whole batches (at least one). */
export const batchesOf = (t: Pick<StudyTraining, 'examples' | 'batchSize'>): number =>
  Math.max(1, Math.floor(t.examples / t.batchSize));

/**
 * Global steps of a run: one per batch in async mode, one per `workers` batches in sync mode (each sync
 * step averages one batch of every worker).
 */
export function stepsOf(t: Pick<StudyTraining, 'examples' | 'batchSize'>, s: Scenario): number {
  const batches = batchesOf(t);
  return s.variant === 'sync' ? Math.max(1, Math.floor(batches / s.workers)) : batches;
}

/** The raw job spec of `s` reading the PCam files in `dataDir` and checkpointing under `checkpointDir`. */
export function studyJobSpec(
  t: StudyTraining,
  s: Scenario,
  dataDir: string,
  checkpointDir: string,
): Record<string, unknown> {
  const steps = stepsOf(t, s);
  const async = s.variant !== 'sync';
  const aware = s.variant === 'async';
  return {
    id: STUDY_JOB_ID,
    name: `study-${s.key}`,
    // Tiny resource requests: the study packs every task on one agent of this machine on purpose.
    roles: {
      ps: { count: 1, cpus: 0.1, mem: 256 },
      worker: { min: s.workers, max: s.workers, desired: s.workers, cpus: 0.1, mem: 512 },
      evaluator: { count: 1, cpus: 0.1, mem: 512 },
    },
    training: {
      model: t.model,
      batchSize: t.batchSize,
      optimizer: { type: 'adam', learningRate: t.learningRate },
      mode: async ? 'async' : 'sync',
      ...(async ? { stalenessBound: aware ? t.stalenessBound : 0, stalenessScaledLr: aware } : {}),
      lrSchedule: { decay: t.lrDecay },
      ...(t.budget === 'epochs' ? { epochs: t.epochs } : { steps }),
      checkpointEverySteps: 0,
      evalEverySteps: Math.max(1, Math.round(steps / EVALS_PER_RUN)),
    },
    data: { path: dataDir },
    checkpoint: { dir: checkpointDir },
    psUnavailableTimeoutSeconds: 120,
  };
}
