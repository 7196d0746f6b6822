// Benchmark: training images/s of one worker through the parameter server (PS and coordinator served
// in-process over loopback gRPC, pushes and pulls as raw bytes, leases and progress reports as in a job)
// against a plain in-process loop training the same model on the same data with tfjs' own optimizer.
// The PS path should keep at least 90 % of the plain loop's throughput.
//
// Run directly: node dist/scripts/bench/ps.js [--backend auto|wasm|cpu|...] [--model small-cnn|large-cnn]
//   [--batch-size 32] [--steps 10] [--warmup 2] [--rounds 3] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as tfl from '@tensorflow/tfjs-layers';
import { defaultLogger, silentLogger, type Logger } from '../../config/logger.js';
import { selectBackend, type BackendPreference } from '../../executor/backend/index.js';
import { epochPermutation } from '../../executor/coordinator/permutation.js';
import { augmentBatch } from '../../executor/data/augment.js';
import { openPcamSplit, type PcamSplit } from '../../executor/data/pcam.js';
import { writeSyntheticPcam } from '../../executor/data/synth.js';
import {
  binaryCrossEntropy,
  buildModel,
  defaultModelFor,
  parameterCount,
  variableSpecs,
  type ModelName,
} from '../../executor/model/index.js';
import { PsRole } from '../../executor/training/ps-role.js';
import { tfjsTrainable } from '../../executor/training/trainable.js';
import { TrainingWorker } from '../../executor/training/worker.js';

export interface BenchPsOptions {
  /** Backend preference (default auto). */
  backend?: BackendPreference;
  /** Model (default: the backend's default, small-cnn on CPUs). */
  model?: ModelName;
  /** Builds the model instead of `model` (quick runs with a smaller network). */
  buildModel?: () => tfl.LayersModel;
  batchSize?: number;
  /** Timed steps of each path (default 10). */
  steps?: number;
  /** Untimed steps first (default 2): kernel compilation, first allocation, the worker's Init and pull. */
  warmupSteps?: number;
  learningRate?: number;
  /** Alternating plain/PS measurements; the median of each is reported (default 3; a shared machine is noisy). */
  rounds?: number;
  /** Print the figures to stdout (default true). */
  print?: boolean;
  logger?: Logger;
}

export interface BenchPsResult {
  backend: string;
  model: string;
  parameters: number;
  batchSize: number;
  steps: number;
  rounds: number;
  /** Medians over the rounds. */
  plainImagesPerSec: number;
  psImagesPerSec: number;
  /** psImagesPerSec / plainImagesPerSec. */
  ratio: number;
  targetRatio: number;
  meetsTarget: boolean;
}

const TARGET_RATIO = 0.9;
const SECRET = 'bench-ps-secret';
const MOMENTUM = 0.9;

/** The plain loop: read, augment, forward/backward and apply with tf.train.momentum, in one process. */
async function plainLoop(
  tf: typeof import('@tensorflow/tfjs-core'),
  model: tfl.LayersModel,
  split: PcamSplit,
  o: { batchSize: number; steps: number; warmupSteps: number; learningRate: number; seed: number },
): Promise<number> {
  const optimizer = tf.train.momentum(o.learningRate, MOMENTUM);
  const order = epochPermutation(o.seed, 0, split.size);
  const last = model.weights[model.weights.length - 1];
  let started = 0;
  for (let s = 0; s < o.warmupSteps + o.steps; s++) {
    if (s === o.warmupSteps) started = performance.now();
    const indices = Array.from(order.subarray(s * o.batchSize, (s + 1) * o.batchSize));
    const { x, y } = split.readBatch(indices);
    const input = augmentBatch(x, s);
    tf.tidy(() => {
      const xs = tf.tensor4d(input, [indices.length, 96, 96, 3]);
      const ys = tf.tensor2d(Float32Array.from(y), [indices.length, 1]);
      optimizer.minimize(
        () =>
          binaryCrossEntropy(
            ys,
            model.apply(xs, { training: true }) as import('@tensorflow/tfjs-core').Tensor,
          ),
        false,
      );
    });
    // Wait for the step to finish on asynchronous backends (a small read is enough).
    await last.read().data();
  }
  const seconds = (performance.now() - started) / 1000;
  optimizer.dispose();
  return (o.steps * o.batchSize) / seconds;
}

/** One worker through a PS shard and the coordinator over loopback gRPC, timed from its progress reports. */
async function psLoop(
  model: tfl.LayersModel,
  split: PcamSplit,
  o: {
    batchSize: number;
    steps: number;
    warmupSteps: number;
    learningRate: number;
    seed: number;
    logger: Logger;
  },
): Promise<number> {
  const ps = await PsRole.create({
    shardIndex: 0,
    shardCount: 1,
    secret: SECRET,
    shard: {
      mode: 'async',
      optimizer: { kind: 'momentum', learningRate: o.learningRate, momentum: MOMENTUM },
      scaleLrByStaleness: false,
      replicasToAggregate: 1,
    },
    coordinator: {
      datasetSize: split.size,
      leaseSize: o.batchSize * 4,
      epochs: 1,
      leaseTimeoutMs: 600_000,
      seed: o.seed,
    },
    logger: o.logger,
  });
  const stamps: number[] = [];
  const worker = TrainingWorker.create({
    workerId: 'bench-worker',
    cluster: { ps: [ps.address], coordinator: ps.address },
    secret: SECRET,
    trainable: tfjsTrainable(model),
    data: split,
    batchSize: o.batchSize,
    seed: o.seed,
    onProgress: () => stamps.push(performance.now()),
    logger: o.logger,
  });
  try {
    await worker.run();
  } finally {
    await worker.shutdown();
    await ps.shutdown();
  }
  // stamps[k] is the end of batch k+1: time batches warmup+1 … warmup+steps.
  const seconds = (stamps[o.warmupSteps + o.steps - 1] - stamps[o.warmupSteps - 1]) / 1000;
  return (o.steps * o.batchSize) / seconds;
}

/** Measures both paths on a synthetic dataset and returns (and by default prints) the figures. */
export async function benchPs(opts: BenchPsOptions = {}): Promise<BenchPsResult> {
  const log = opts.logger ?? silentLogger;
  const backend = await selectBackend(opts.backend ?? 'auto', log);
  // The pure-JS cpu backend takes seconds per image on the default CNN (TFJS-NOTES): shrink the defaults
  // so the benchmark still ends in minutes; explicit options win.
  const slow = backend.name === 'cpu' && !opts.buildModel;
  const batchSize = opts.batchSize ?? (slow ? 4 : 32);
  const steps = opts.steps ?? (slow ? 2 : 10);
  const warmupSteps = Math.max(1, opts.warmupSteps ?? (slow ? 1 : 2));
  const learningRate = opts.learningRate ?? 0.01;
  const rounds = Math.max(1, opts.rounds ?? (slow ? 1 : 3));
  const seed = 17;
  const modelName = opts.model ?? defaultModelFor(backend.name);
  const build = opts.buildModel ?? (() => buildModel(modelName, { seed }));
  const dir = mkdtempSync(join(tmpdir(), 'nodal-bench-ps-'));
  try {
    await writeSyntheticPcam(dir, { train: batchSize * (warmupSteps + steps), valid: 0, test: 0, seed });
    const split = await openPcamSplit(dir, 'train');
    try {
      const plain: number[] = [];
      const viaPs: number[] = [];
      let parameters = 0;
      for (let r = 0; r < rounds; r++) {
        const plainModel = build();
        parameters = parameterCount(variableSpecs(plainModel));
        plain.push(
          await plainLoop(backend.tf, plainModel, split, {
            batchSize,
            steps,
            warmupSteps,
            learningRate,
            seed,
          }),
        );
        plainModel.dispose();
        const psModel = build();
        viaPs.push(
          await psLoop(psModel, split, { batchSize, steps, warmupSteps, learningRate, seed, logger: log }),
        );
        psModel.dispose();
        log.info('bench round', { round: r, plainImagesPerSec: plain[r], psImagesPerSec: viaPs[r] });
      }
      const plainImagesPerSec = median(plain);
      const psImagesPerSec = median(viaPs);
      const ratio = psImagesPerSec / plainImagesPerSec;
      const result: BenchPsResult = {
        backend: backend.name,
        model: opts.buildModel ? 'custom' : modelName,
        parameters,
        batchSize,
        steps,
        rounds,
        plainImagesPerSec,
        psImagesPerSec,
        ratio,
        targetRatio: TARGET_RATIO,
        meetsTarget: ratio >= TARGET_RATIO,
      };
      if (opts.print ?? true) printResult(result);
      return result;
    } finally {
      split.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function printResult(r: BenchPsResult): void {
  const lines = [
    `parameter-server benchmark: backend ${r.backend}, model ${r.model} (${r.parameters.toLocaleString('en-US')} parameters), batch ${r.batchSize}, ${r.steps} timed steps, median of ${r.rounds} rounds`,
    `  plain in-process training loop: ${r.plainImagesPerSec.toFixed(1)} images/s`,
    `  one worker through the PS:      ${r.psImagesPerSec.toFixed(1)} images/s`,
    `  ratio: ${(r.ratio * 100).toFixed(1)}% (target >= ${(r.targetRatio * 100).toFixed(0)}%: ${r.meetsTarget ? 'met' : 'NOT met'})`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

function parseArgs(argv: string[]): BenchPsOptions & { json: boolean } {
  const out: BenchPsOptions & { json: boolean } = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    const positive = (v: string, what: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer`);
      return n;
    };
    switch (argv[i]) {
      case '--backend':
        out.backend = next() as BackendPreference;
        break;
      case '--model':
        out.model = next() as ModelName;
        break;
      case '--batch-size':
        out.batchSize = positive(next(), '--batch-size');
        break;
      case '--steps':
        out.steps = positive(next(), '--steps');
        break;
      case '--warmup':
        out.warmupSteps = positive(next(), '--warmup');
        break;
      case '--rounds':
        out.rounds = positive(next(), '--rounds');
        break;
      case '--json':
        out.json = true;
        break;
      default:
        throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { json, ...opts } = parseArgs(process.argv.slice(2));
  benchPs({ ...opts, print: !json, logger: defaultLogger('warn') }).then(
    (r) => {
      if (json) process.stdout.write(JSON.stringify(r) + '\n');
    },
    (e: unknown) => {
      process.stderr.write(`bench ps: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
