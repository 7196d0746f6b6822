// The worker role under the executor: prepares the training split, selects the backend, builds the job's
// model and trains until the coordinator says the job is done. Killed, it stops after the current batch
// (bounded by the kill grace period) and gives its data lease back.
import { selectBackend } from '../../backend/index.js';
import { openPcamSplit } from '../../data/pcam.js';
import { buildModel } from '../../model/index.js';
import { tfjsTrainable } from '../../training/trainable.js';
import { TrainingWorker, type WorkerProgress } from '../../training/worker.js';
import { prepareData } from '../data-cache.js';
import { METRICS } from '../messages.js';
import { jobSeed } from '../training-plan.js';
import { taskName, throwIfAborted, type RoleContext, type RunningRole } from './types.js';

/** Kept back from the kill grace period for giving the lease back and reporting TASK_KILLED. */
export const WORKER_RELEASE_MARGIN_MS = 2_500;

const workerMetrics = (p: WorkerProgress): Record<string, number> => ({
  [METRICS.loss]: p.loss,
  [METRICS.imagesPerSec]: p.imagesPerSec,
  [METRICS.workerExamples]: p.examples,
  [METRICS.staleness]: p.staleness,
  [METRICS.stalePushes]: p.stalePushes,
});

/** Starts training; rejects when the data, backend or model cannot be set up. */
export async function startWorkerRole(ctx: RoleContext): Promise<RunningRole> {
  const { config, settings, logger } = ctx;
  const dir = await prepareData(config.data, settings.dataCacheDir, { signal: ctx.signal, logger });
  throwIfAborted(ctx.signal);
  const train = await openPcamSplit(dir, 'train');
  try {
    const backend = await selectBackend(settings.backend, logger);
    throwIfAborted(ctx.signal);
    const seed = jobSeed(config.jobId);
    // Every process builds the same initial weights; the first worker to reach a shard seeds it.
    const trainable = tfjsTrainable(buildModel(config.training.model, { seed }));
    const spec = ctx.clusterSpec();
    const worker = TrainingWorker.create({
      workerId: config.taskId,
      cluster: { ps: spec.ps, coordinator: spec.coordinator },
      secret: config.secret,
      trainable,
      data: train,
      batchSize: config.training.batchSize,
      gradientDtype: config.training.gradientDtype ?? 'float32',
      seed: (seed ^ Math.imul(config.index + 1, 0x9e3779b1)) >>> 0,
      onProgress: (p) => ctx.report({ step: p.step, epoch: p.epoch, metrics: workerMetrics(p) }),
      shutdownGraceMs: Math.max(0, ctx.killGraceMs - WORKER_RELEASE_MARGIN_MS),
      logger,
    });
    const ended = worker.run().then(() => {
      const p = worker.snapshot();
      ctx.report({ step: p.step, epoch: p.epoch, metrics: workerMetrics(p) }, true);
      return {
        message: `${taskName(config)} done: the job is complete (${p.examples} examples trained here)`,
      };
    });
    void ended.finally(() => train.close()).catch(() => {});
    return {
      summary:
        `${taskName(config)} training on backend ${backend.name}; coordinator ${spec.coordinator}, ` +
        `${spec.ps.length} PS shard(s), ${config.training.gradientDtype ?? 'float32'} gradients`,
      ended,
      updateCluster: (s) => worker.updateCluster({ ps: s.ps, coordinator: s.coordinator }),
      shutdown: () => worker.shutdown(),
    };
  } catch (e) {
    train.close();
    throw e;
  }
}
