// The evaluator role under the executor: evaluates the validation split as the job advances, and when the
// job is done evaluates validation and test one last time, exports the final model to the job's model
// directory and ends with a `finished` report carrying test accuracy/AUC and the model path.
import { selectBackend } from '../../backend/index.js';
import { buildModel, exportModel } from '../../model/index.js';
import { Evaluator, type EvalReport } from '../../training/evaluator.js';
import { tfjsTrainable } from '../../training/trainable.js';
import { NodalError } from '../../../config/errors.js';
import { openSplitIfPresent, prepareData } from '../data-cache.js';
import { METRICS } from '../messages.js';
import { EVAL_ONLY_AT_END, jobPaths, jobSeed } from '../training-plan.js';
import {
  taskName,
  throwIfAborted,
  type ProgressReport,
  type RoleContext,
  type RunningRole,
} from './types.js';

/** How often the evaluator looks at the global step. */
export const EVALUATOR_POLL_MS = 1_000;
/** Validation examples evaluated during training (the final evaluation uses the whole split). */
export const MAX_VALID_EXAMPLES_DURING_TRAINING = 2_048;

function metricsOf(r: EvalReport): Record<string, number> {
  return r.split === 'valid'
    ? { [METRICS.valAccuracy]: r.accuracy, [METRICS.valAuc]: r.auc, [METRICS.valLoss]: r.loss }
    : { [METRICS.testAccuracy]: r.accuracy, [METRICS.testAuc]: r.auc, [METRICS.testLoss]: r.loss };
}

const fixed = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(4);

/** Starts watching the job; rejects when the data, backend or model cannot be set up. */
export async function startEvaluatorRole(ctx: RoleContext): Promise<RunningRole> {
  const { config, settings, logger } = ctx;
  const dir = await prepareData(config.data, settings.dataCacheDir, { signal: ctx.signal, logger });
  throwIfAborted(ctx.signal);
  const valid = await openSplitIfPresent(dir, 'valid');
  if (!valid) throw new NodalError('DATA_INVALID', `${dir}: the evaluator needs a validation split`);
  const test = await openSplitIfPresent(dir, 'test');
  const close = () => {
    valid.close();
    test?.close();
  };
  try {
    const backend = await selectBackend(settings.backend, logger);
    throwIfAborted(ctx.signal);
    const model = buildModel(config.training.model, { seed: jobSeed(config.jobId) });
    const spec = ctx.clusterSpec();
    const metrics: Record<string, number> = {};
    let step = 0;
    let stopping = false;
    const evaluator = Evaluator.create({
      cluster: { ps: spec.ps, coordinator: spec.coordinator },
      secret: config.secret,
      trainable: tfjsTrainable(model),
      valid,
      ...(test ? { test } : {}),
      evalEverySteps: config.training.evalEverySteps || EVAL_ONLY_AT_END,
      pollMs: EVALUATOR_POLL_MS,
      maxValidExamples: MAX_VALID_EXAMPLES_DURING_TRAINING,
      onReport: (r) => {
        Object.assign(metrics, metricsOf(r));
        step = r.step;
        ctx.report({ step, metrics: { ...metrics } }, true);
      },
      logger,
    });
    const paths = jobPaths(settings.checkpointRoot, config);
    const ended = evaluator.run().then(async () => {
      if (stopping) return { message: `${taskName(config)} stopped` };
      if (!evaluator.history().some((r) => r.final))
        throw new NodalError('INTERNAL', 'the evaluator stopped without a final evaluation');
      // The trainable holds the weights of the final evaluation: those are the model.
      await exportModel(model, paths.modelDir, { jobId: config.jobId, step, ...metrics });
      const message =
        `training completed at step ${step}: test accuracy ${fixed(metrics.testAccuracy)}, ` +
        `AUC ${fixed(metrics.testAuc)}; model exported to ${paths.modelDir}`;
      const final: ProgressReport = {
        step,
        metrics: { ...metrics },
        finished: true,
        modelPath: paths.modelDir,
        message,
      };
      return { message, final };
    });
    void ended.finally(close).catch(() => {});
    return {
      summary: `${taskName(config)} evaluating on backend ${backend.name}; coordinator ${spec.coordinator}`,
      ended,
      updateCluster: (s) => evaluator.updateCluster({ ps: s.ps, coordinator: s.coordinator }),
      shutdown: () => {
        stopping = true;
        return evaluator.shutdown();
      },
    };
  } catch (e) {
    close();
    throw e;
  }
}
