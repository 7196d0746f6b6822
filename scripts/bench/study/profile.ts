// The step profile: one worker in this process (the real TrainingWorker loop, on the selected backend)
// trains through a PS shard in another process over loopback gRPC, on the study's data, model, examples
// and seeds. Wrapping its data source and model times each step's parts: compute (read, augment, forward,
// backward, adopting the new weights) and communication (push + pull round trip). The PS process reports
// its time in the Push handler and its CPU time (its coordinator's lease and report calls included). After training, the test split is evaluated, so the same run
// with float16 gradients on the wire shows the compression's accuracy effect.
import { randomBytes } from 'node:crypto';
import { toModelInput } from '../../../executor/data/normalize.js';
import { openPcamSplit, type PcamSplit } from '../../../executor/data/pcam.js';
import { binaryMetrics } from '../../../executor/metrics/classification.js';
import { buildModel, type ModelName } from '../../../executor/model/index.js';
import type { GradientDtype } from '../../../executor/ps/client.js';
import { tfjsTrainable, type Trainable } from '../../../executor/training/trainable.js';
import { TrainingWorker, type TrainSource } from '../../../executor/training/worker.js';
import type { StepProfile } from './measurements.js';
import { startPsProcess, type PsProcessStats } from './ps-process.js';

export interface ProfileOptions {
  readonly dataDir: string;
  readonly model: ModelName;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Examples to train on: one epoch of a split this size, or a step budget over a larger split. */
  readonly examples: number;
  readonly seed: number;
  readonly gradientDtype: GradientDtype;
  /** Steps left out of the profile (kernel compilation, first allocations). */
  readonly warmupSteps: number;
}

export interface ProfiledRun {
  readonly profile: StepProfile;
  readonly test: { accuracy: number; auc: number; loss: number };
  readonly seconds: number;
}

const EVAL_CHUNK = 128;

/** Step timings taken around the worker's calls into its data source and model. */
class StepClock {
  readonly computeMs: number[] = [];
  readonly commMs: number[] = [];
  private readAt = 0;
  private gradientsAt = 0;

  data(source: TrainSource): TrainSource {
    return {
      readBatch: (indices) => {
        this.readAt = performance.now();
        return source.readBatch(indices);
      },
    };
  }

  trainable(t: Trainable): Trainable {
    return {
      ...t,
      lossAndGradients: (x, y) => {
        const r = t.lossAndGradients(x, y);
        this.gradientsAt = performance.now();
        return r;
      },
      setWeights: (values) => {
        const at = performance.now();
        t.setWeights(values);
        // Weights adopted outside a step (the first pull) have no step around them.
        if (this.gradientsAt === 0) return;
        this.commMs.push(at - this.gradientsAt);
        this.computeMs.push(this.gradientsAt - this.readAt + (performance.now() - at));
        this.gradientsAt = 0;
      },
    };
  }
}

function evaluate(t: Trainable, split: PcamSplit): { accuracy: number; auc: number; loss: number } {
  const probs = new Float32Array(split.size);
  const labels = new Uint8Array(split.size);
  for (let start = 0; start < split.size; start += EVAL_CHUNK) {
    const indices = Array.from({ length: Math.min(EVAL_CHUNK, split.size - start) }, (_, i) => start + i);
    const { x, y } = split.readBatch(indices);
    probs.set(t.predict(toModelInput(x)), start);
    labels.set(y, start);
  }
  const m = binaryMetrics(probs, labels);
  return { accuracy: m.accuracy, auc: m.auc, loss: m.loss };
}

/** Trains one worker through a PS process and profiles its steps (a tfjs backend must be selected). */
export async function profiledRun(o: ProfileOptions): Promise<ProfiledRun> {
  const train = await openPcamSplit(o.dataDir, 'train');
  const test = await openPcamSplit(o.dataDir, 'test');
  const model = buildModel(o.model, { seed: o.seed });
  const secret = randomBytes(16).toString('hex');
  const steps = Math.max(1, Math.floor(o.examples / o.batchSize));
  // One epoch when the split is the study's examples (synthetic); otherwise a step budget over the split.
  const budget =
    train.size === o.examples
      ? { epochs: 1 }
      : { epochs: Math.ceil(o.examples / train.size) + 1, maxSteps: steps };
  const ps = await startPsProcess({
    shardIndex: 0,
    shardCount: 1,
    secret,
    shard: {
      mode: 'async',
      optimizer: { kind: 'adam', learningRate: o.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      scaleLrByStaleness: false,
      replicasToAggregate: 1,
    },
    coordinator: {
      datasetSize: train.size,
      leaseSize: o.batchSize * 8,
      leaseTimeoutMs: 600_000,
      seed: o.seed,
      ...budget,
    },
  });
  try {
    const clock = new StepClock();
    const trainable = clock.trainable(tfjsTrainable(model));
    // The PS's CPU is read once warm-up is over and again at the end, so its start-up is not counted.
    let warm: Promise<PsProcessStats> | undefined;
    const worker = TrainingWorker.create({
      workerId: 'profile',
      cluster: { ps: [ps.address], coordinator: ps.address },
      secret,
      trainable,
      data: clock.data(train),
      batchSize: o.batchSize,
      seed: o.seed,
      gradientDtype: o.gradientDtype,
      onProgress: (p) => {
        if (p.batches === o.warmupSteps) warm = ps.stats();
      },
    });
    const started = performance.now();
    await worker.run();
    const seconds = (performance.now() - started) / 1000;
    const end = await ps.stats();
    const begin = (await warm) ?? {
      cpuMs: 0,
      busyMs: 0,
      pushHandlerMs: 0,
      pushes: 0,
      pushesApplied: 0,
      step: 0,
    };
    const pushes = Math.max(1, end.pushes - begin.pushes);
    const skip = Math.min(o.warmupSteps, Math.max(0, clock.computeMs.length - 1));
    return {
      profile: {
        computeMs: clock.computeMs.slice(skip),
        commMs: clock.commMs.slice(skip),
        applyMsPerPush: (end.pushHandlerMs - begin.pushHandlerMs) / pushes,
        psCpuMsPerPush: (end.cpuMs - begin.cpuMs) / pushes,
        batchSize: o.batchSize,
      },
      // The worker adopted the weights of its last push's answer: with one worker, the final model.
      test: evaluate(trainable, test),
      seconds,
    };
  } finally {
    await ps.stop();
    train.close();
    test.close();
    model.dispose();
  }
}
