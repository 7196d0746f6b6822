// The PS role under the executor: serves its shard (and, on ps-0, the coordinator) on NODAL_PORT, reports
// the shard's and the job's numbers, on ps-0 releases the leases of workers the scheduler says ended, and,
// on ps-0 of a job without an evaluator, exports the final model and reports `finished` once the
// coordinator says the job is done. It stops only when killed, writing a final checkpoint: workers and the
// evaluator still need it after the last step.
import type { PsProgress } from '../../training/ps-role.js';
import { PsRole } from '../../training/ps-role.js';
import { openPcamSplit } from '../../data/pcam.js';
import { prepareData } from '../data-cache.js';
import { METRICS } from '../messages.js';
import { jobPaths, jobSeed, leaseBookOf, shardConfigOf } from '../training-plan.js';
import {
  taskName,
  throwIfAborted,
  type ProgressReport,
  type RoleContext,
  type RunningRole,
} from './types.js';

/** How often the PS reports (the throttle still applies). */
export const PS_PROGRESS_EVERY_MS = 1_000;

/** Examples in the training split: from the synthetic spec, or by opening the train files. */
async function trainSize(ctx: RoleContext): Promise<number> {
  const data = ctx.config.data;
  if (data.kind === 'synthetic') return data.train;
  const split = await openPcamSplit(await prepareData(data, ctx.settings.dataCacheDir), 'train');
  try {
    return split.size;
  } finally {
    split.close();
  }
}

function psReport(p: PsProgress): ProgressReport {
  const s = p.shard;
  const metrics: Record<string, number> = {
    [METRICS.stalenessMean]: s.meanStaleness,
    [METRICS.stalenessMax]: s.maxStaleness,
    [METRICS.pushesApplied]: s.pushesApplied,
    [METRICS.pushesStale]: s.pushesStale,
    [METRICS.checkpointStep]: s.checkpointStep,
  };
  const job = p.job;
  if (!job) return { step: s.step, metrics };
  Object.assign(metrics, {
    [METRICS.loss]: job.meanLoss,
    [METRICS.imagesPerSec]: job.imagesPerSec,
    [METRICS.examplesSeen]: job.examplesDone,
    [METRICS.totalExamples]: job.epochs * job.examplesPerEpoch,
    [METRICS.fraction]: job.fraction,
    ...(job.maxSteps > 0 ? { [METRICS.totalSteps]: job.maxSteps } : {}),
  });
  return { step: job.globalStep, epoch: job.epoch, metrics };
}

/** Starts serving; rejects when the shard cannot restore or listen (e.g. the port is taken). */
export async function startPsRole(ctx: RoleContext): Promise<RunningRole> {
  const { config, settings, logger } = ctx;
  const t = config.training;
  const seed = jobSeed(config.jobId);
  const paths = jobPaths(settings.checkpointRoot, config);
  // Every shard needs the split's size: the learning-rate schedule runs over the planned steps.
  const datasetSize = await trainSize(ctx);
  const coordinator =
    config.index === 0
      ? { ...leaseBookOf(t, datasetSize, config.workers.desired, settings.leaseTimeoutMs), seed }
      : undefined;
  throwIfAborted(ctx.signal);
  const hasEvaluator = (): boolean =>
    config.evaluators !== undefined ? config.evaluators > 0 : ctx.clusterSpec().evaluator !== undefined;

  // ps-0 without an evaluator: once done, export; from then on every report says finished (or failed).
  let ending: Pick<ProgressReport, 'finished' | 'failed' | 'message' | 'modelPath'> | undefined;
  let exporting = false;
  let latest: PsProgress | undefined;
  const exportFinal = async (): Promise<void> => {
    const { exportFromShards } = await import('./export.js');
    const step = await exportFromShards({
      addresses: ctx.clusterSpec().ps,
      secret: config.secret,
      model: t.model,
      seed,
      dir: paths.modelDir,
      backend: settings.backend,
      metadata: { jobId: config.jobId },
      logger,
    });
    ending = {
      finished: true,
      modelPath: paths.modelDir,
      message: `training completed at step ${step}; model exported to ${paths.modelDir}`,
    };
  };
  const onProgress = (p: PsProgress, important = false): void => {
    latest = p;
    if (p.job?.done && !exporting && config.index === 0 && !hasEvaluator()) {
      exporting = true;
      exportFinal()
        .catch((e: Error) => {
          logger.error('model export failed', { error: e });
          ending = { failed: true, message: `the final model could not be exported: ${e.message}` };
        })
        .finally(() => latest && ctx.report({ ...psReport(latest), ...ending }, true));
    }
    ctx.report({ ...psReport(p), ...ending }, important);
  };

  const ps = await PsRole.create({
    shardIndex: config.index,
    shardCount: config.psCount,
    host: settings.bindHost,
    port: config.port,
    secret: config.secret,
    shard: shardConfigOf(t, config.workers.desired, datasetSize),
    checkpointDir: paths.jobDir,
    checkpointEverySteps: t.checkpointEverySteps,
    ...(coordinator ? { coordinator } : {}),
    onProgress,
    progressEveryMs: PS_PROGRESS_EVERY_MS,
    logger,
  });
  // The last count goes out at once: the evaluator's `finished` must not overtake the next periodic
  // report, or the ended job would show fewer examples than were trained on.
  let doneReported = false;
  ps.coordinator?.onCounted(() => {
    if (doneReported || !ps.coordinator!.progress().done) return;
    doneReported = true;
    onProgress(ps.progress(), true);
  });
  const advertised = ctx.clusterSpec().ps[config.index];
  return {
    summary:
      `${taskName(config)} serving on ${ps.address} (advertised ${advertised})` +
      `${config.index === 0 ? ' with the coordinator' : ''}; backend none (the PS needs no tfjs)`,
    ended: ps.run().then(() => ({ message: `${taskName(config)} stopped at step ${ps.shard.step}` })),
    // The runner keeps the latest spec; ps-0 reads it when it exports.
    updateCluster: () => {},
    // ps-0 only: the coordinator releases the ended workers' leases at once (another shard has none).
    workersEnded: (taskIds) => {
      if (!ps.coordinator) {
        logger.debug('ended workers ignored: only ps-0 holds the leases', { taskIds: [...taskIds] });
        return;
      }
      ps.coordinator.workersEnded(taskIds);
    },
    shutdown: () => ps.shutdown(),
  };
}
