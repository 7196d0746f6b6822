// Pure translation of a task's configuration into the options the training roles take: the PS apply rule,
// the coordinator's lease book, seeds every process of a job agrees on, and where the job's checkpoints and
// exported model live. No I/O.
import { isAbsolute, join, resolve } from 'node:path';
import type { LeaseBookConfig } from '../coordinator/leases.js';
import type { ShardConfig } from '../ps/apply.js';
import type { OptimizerConfig } from '../ps/optimizers.js';
import type { LrSchedule } from '../ps/schedule.js';
import type { TaskConfig, TrainingParams } from './task-config.js';

/** Batches per data lease: long enough to amortise the lease call, short enough to rebalance often. */
export const LEASE_BATCHES = 8;
/** A lease not reported on for this long returns to the pool (the worker died). */
export const LEASE_TIMEOUT_MS = 300_000;
/** Sync mode: apply a partial step this long after its first push, so a dead worker cannot stall the job. */
export const SYNC_TIMEOUT_MS = 60_000;
/** The evaluator's "never during training" (evalEverySteps 0). */
export const EVAL_ONLY_AT_END = Number.MAX_SAFE_INTEGER;

/** FNV-1a of the job id: the seed every task of a job derives its randomness from. */
export function jobSeed(jobId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < jobId.length; i++) {
    h ^= jobId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The optimizer of the PS shards, with tf.train's usual constants. */
export function optimizerOf(o: TrainingParams['optimizer']): OptimizerConfig {
  switch (o.type) {
    case 'sgd':
      return { kind: 'sgd', learningRate: o.learningRate };
    case 'momentum':
      return { kind: 'momentum', learningRate: o.learningRate, momentum: o.momentum };
    case 'adam':
      return { kind: 'adam', learningRate: o.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
  }
}

const replicasOf = (t: TrainingParams, desiredWorkers: number): number =>
  Math.max(1, desiredWorkers - t.backupWorkers);

/**
 * The PS steps a job is planned to take: `steps` when given, else one per batch of every lease (async) or
 * one per `replicas` batches (sync). Leases cut the split into ranges and batches never cross a lease, so
 * this counts batches lease by lease.
 */
export function plannedSteps(t: TrainingParams, datasetSize: number, desiredWorkers: number): number {
  if (t.steps !== undefined) return t.steps;
  const { leaseSize } = leaseBookOf(t, datasetSize, desiredWorkers);
  const fullLeases = Math.floor(datasetSize / leaseSize);
  const rest = datasetSize - fullLeases * leaseSize;
  const batchesPerEpoch =
    fullLeases * Math.ceil(leaseSize / t.batchSize) + (rest > 0 ? Math.ceil(rest / t.batchSize) : 0);
  const batches = (t.epochs ?? 1) * batchesPerEpoch;
  return Math.max(1, t.mode === 'sync' ? Math.ceil(batches / replicasOf(t, desiredWorkers)) : batches);
}

/** The learning-rate schedule over the planned steps (undefined: a constant rate). */
export function lrScheduleOf(
  t: TrainingParams,
  datasetSize: number,
  desiredWorkers: number,
): LrSchedule | undefined {
  const l = t.lrSchedule;
  if (!l || (l.decay === 'none' && l.warmupSteps === 0)) return undefined;
  return { ...l, totalSteps: plannedSteps(t, datasetSize, desiredWorkers) };
}

/**
 * The PS apply rule: async (optionally staleness-bounded or -scaled) or sync over desired − backup workers,
 * with the job's learning-rate schedule over a split of `datasetSize` training examples.
 */
export function shardConfigOf(t: TrainingParams, desiredWorkers: number, datasetSize: number): ShardConfig {
  const optimizer = optimizerOf(t.optimizer);
  const schedule = lrScheduleOf(t, datasetSize, desiredWorkers);
  const lrSchedule = schedule ? { lrSchedule: schedule } : {};
  if (t.mode === 'sync') {
    return {
      mode: 'sync',
      optimizer,
      scaleLrByStaleness: false,
      replicasToAggregate: replicasOf(t, desiredWorkers),
      syncTimeoutMs: SYNC_TIMEOUT_MS,
      ...lrSchedule,
    };
  }
  return {
    mode: 'async',
    optimizer,
    ...(t.stalenessBound > 0 ? { stalenessBound: t.stalenessBound } : {}),
    scaleLrByStaleness: t.stalenessScaledLr,
    replicasToAggregate: 1,
    ...lrSchedule,
  };
}

/**
 * The coordinator's lease book for a training split of `datasetSize` examples. Leases are LEASE_BATCHES
 * batches, but no larger than an even share per desired worker, so every worker gets work. With `steps`,
 * the epochs are set past what those steps can consume and `maxSteps` ends the job.
 */
export function leaseBookOf(
  t: TrainingParams,
  datasetSize: number,
  desiredWorkers: number,
  leaseTimeoutMs = LEASE_TIMEOUT_MS,
): LeaseBookConfig {
  const workers = Math.max(1, desiredWorkers);
  const leaseSize = Math.max(
    1,
    Math.min(t.batchSize * LEASE_BATCHES, Math.max(t.batchSize, Math.ceil(datasetSize / workers))),
  );
  if (t.steps !== undefined) {
    // One step consumes a batch per aggregated worker in sync mode, one batch in async mode.
    const perStep = t.batchSize * (t.mode === 'sync' ? replicasOf(t, workers) : 1);
    return {
      datasetSize,
      leaseSize,
      epochs: Math.ceil((t.steps * perStep) / datasetSize) + 1,
      maxSteps: t.steps,
      leaseTimeoutMs,
    };
  }
  return { datasetSize, leaseSize, epochs: t.epochs ?? 1, leaseTimeoutMs };
}

/** Where a job keeps its state: PS checkpoints under `<jobDir>/ps-<i>/`, the exported model in `modelDir`. */
export interface JobPaths {
  readonly jobDir: string;
  readonly modelDir: string;
}

/**
 * The job's directories: the job spec's checkpoint dir (relative ones under `checkpointRoot`) plus the job
 * id, so jobs that keep the default dir never share files.
 */
export function jobPaths(
  checkpointRoot: string,
  config: Pick<TaskConfig, 'checkpointDir' | 'jobId'>,
): JobPaths {
  const base = isAbsolute(config.checkpointDir)
    ? config.checkpointDir
    : resolve(checkpointRoot, config.checkpointDir);
  const jobDir = join(base, config.jobId);
  return { jobDir, modelDir: join(jobDir, 'model') };
}
