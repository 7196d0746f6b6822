// Async PS training with N simulated workers in one process: the workers take turns, so every push has
// the staleness N equal workers give (0, 1, …, N − 1 in the first round, then N − 1), without the timing
// noise of real processes sharing two cores. It runs the product's own pieces (the model, augmentation,
// gradients, and the PS apply rule with its optimizer and learning-rate schedule), so it answers "does
// this apply rule train with this much staleness" in about 20 s per 128 steps, deterministically.
//
//   node dist/scripts/bench/async-sim.js [--workers 8] [--train 4096] [--epochs 1] [--test 512]
//     [--learning-rate 0.001] [--lr-decay cosine|linear|none] [--warmup-steps 0] [--staleness-scaled]
//     [--every 32] [--seed 42]
//
// Prints the loss and test accuracy every `--every` steps and a JSON line with the final figures.
import { selectBackend } from '../../executor/backend/index.js';
import { augmentBatch } from '../../executor/data/augment.js';
import { toModelInput } from '../../executor/data/normalize.js';
import { PATCH_BYTES } from '../../executor/data/pcam-layout.js';
import { createRng, mixSeed } from '../../executor/data/rng.js';
import { synthLabels, synthRows } from '../../executor/data/synth.js';
import {
  buildModel,
  getFlatWeights,
  lossAndGradients,
  predictProbabilities,
  setFlatWeights,
  variableSpecs,
} from '../../executor/model/index.js';
import { applyPush, createShardState, initializeShard, type ShardState } from '../../executor/ps/apply.js';
import { defaultOptimizer } from '../../executor/ps/optimizers.js';
import { LR_DECAYS, type LrDecay } from '../../executor/ps/schedule.js';

interface SimOptions {
  workers: number;
  train: number;
  epochs: number;
  test: number;
  learningRate: number;
  lrDecay: LrDecay;
  warmupSteps: number;
  stalenessScaled: boolean;
  every: number;
  seed: number;
}

const BATCH = 32;

function parseArgs(argv: readonly string[]): SimOptions {
  const o: SimOptions = {
    workers: 8,
    train: 4096,
    epochs: 1,
    test: 512,
    learningRate: 0.001,
    lrDecay: 'none',
    warmupSteps: 0,
    stalenessScaled: false,
    every: 32,
    seed: 42,
  };
  const ints: Record<string, keyof SimOptions> = {
    '--workers': 'workers',
    '--train': 'train',
    '--epochs': 'epochs',
    '--test': 'test',
    '--warmup-steps': 'warmupSteps',
    '--every': 'every',
    '--seed': 'seed',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--staleness-scaled') {
      o.stalenessScaled = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag in ints) {
      const n = Number(value);
      const min = flag === '--warmup-steps' ? 0 : 1;
      if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer >= ${min}`);
      (o as unknown as Record<string, number>)[ints[flag]] = n;
    } else if (flag === '--learning-rate') {
      o.learningRate = Number(value);
      if (!(o.learningRate > 0)) throw new Error('--learning-rate must be > 0');
    } else if (flag === '--lr-decay') {
      if (!(LR_DECAYS as readonly string[]).includes(value))
        throw new Error(`--lr-decay takes one of ${LR_DECAYS.join(', ')}`);
      o.lrDecay = value as LrDecay;
    } else throw new Error(`unknown option ${flag}`);
  }
  if (o.train < BATCH) throw new Error(`--train must be at least one batch (${BATCH})`);
  return o;
}

/** The epochs' example order: a seeded shuffle per epoch. */
function exampleOrder(o: SimOptions): number[] {
  const order: number[] = [];
  for (let e = 0; e < o.epochs; e++) {
    const rng = createRng(mixSeed(o.seed, e, 0x5eed));
    const idx = Array.from({ length: o.train }, (_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    order.push(...idx);
  }
  return order;
}

async function main(o: SimOptions): Promise<void> {
  await selectBackend('wasm');
  const model = buildModel('small-cnn', { seed: o.seed });
  const trainLabels = synthLabels(o.train, o.seed, 'train');
  const trainX = synthRows(o.seed, 'train', trainLabels, 0, o.train);
  const testLabels = synthLabels(o.test, o.seed, 'test');
  const testInput = toModelInput(synthRows(o.seed, 'test', testLabels, 0, o.test));
  const steps = Math.floor((o.epochs * o.train) / BATCH);

  let ps: ShardState = createShardState(
    {
      mode: 'async',
      optimizer: defaultOptimizer('adam', o.learningRate),
      scaleLrByStaleness: o.stalenessScaled,
      replicasToAggregate: 1,
      ...(o.lrDecay !== 'none' || o.warmupSteps > 0
        ? { lrSchedule: { decay: o.lrDecay, totalSteps: steps, warmupSteps: o.warmupSteps, minFactor: 0 } }
        : {}),
    },
    variableSpecs(model),
  );
  ps = initializeShard(ps, getFlatWeights(model));
  // What each worker last pulled: its weights and their step.
  const pulled = Array.from({ length: o.workers }, () => ({ step: 0, weights: ps.values! }));

  const testAccuracy = (): number => {
    setFlatWeights(model, ps.values!);
    const p = predictProbabilities(model, testInput);
    let right = 0;
    for (let i = 0; i < o.test; i++) if ((p[i] >= 0.5 ? 1 : 0) === testLabels[i]) right++;
    return right / o.test;
  };

  const order = exampleOrder(o);
  const started = Date.now();
  let loss = Math.LN2;
  for (let k = 0; k < steps; k++) {
    const w = k % o.workers;
    const x = new Uint8Array(BATCH * PATCH_BYTES);
    const y = new Uint8Array(BATCH);
    order.slice(k * BATCH, (k + 1) * BATCH).forEach((id, i) => {
      x.set(trainX.subarray(id * PATCH_BYTES, (id + 1) * PATCH_BYTES), i * PATCH_BYTES);
      y[i] = trainLabels[id];
    });
    setFlatWeights(model, pulled[w].weights);
    const r = lossAndGradients(model, augmentBatch(x, mixSeed(o.seed, k)), y);
    loss = 0.9 * loss + 0.1 * r.loss;
    ps = applyPush(ps, { workerId: `w${w}`, baseStep: pulled[w].step, gradients: r.grads }, 0).state;
    pulled[w] = { step: ps.step, weights: ps.values! };
    if ((k + 1) % o.every === 0)
      console.log(`step ${k + 1}: loss ${loss.toFixed(4)}, test accuracy ${testAccuracy().toFixed(4)}`);
  }
  const accuracy = testAccuracy();
  console.log(
    JSON.stringify({
      ...o,
      steps,
      meanStaleness: ps.stats.stalenessSum / Math.max(1, ps.stats.stalenessCount),
      testAccuracy: accuracy,
      seconds: (Date.now() - started) / 1000,
    }),
  );
}

try {
  await main(parseArgs(process.argv.slice(2)));
} catch (e) {
  process.stderr.write(`async-sim: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
