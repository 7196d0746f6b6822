// Training and inference throughput of the default CNN on the tfjs WASM backend with our gradient
// kernels, on one core (wasm runs single-threaded in Node), plus a per-kernel time table from tf.profile.
// Run directly: `node dist/scripts/bench/wasm.js [--steps N] [--batch 32,64] [--no-simd]`.
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { NodalError } from '../../config/errors.js';
import { registerWasmGradientKernels } from '../../executor/kernels/wasm-grad/index.js';
import { backendMemory } from '../../executor/kernels/wasm-grad/simd/instance.js';

export interface WasmBenchOptions {
  /** Batch sizes to time training at (default [32, 64]). */
  batchSizes?: number[];
  /** Untimed steps before each measurement (default 2). */
  warmupSteps?: number;
  /** Timed steps per measurement; medians are reported (default 9). */
  steps?: number;
  /** Profiled training steps for the kernel table, at the first batch size (default 3). */
  profileSteps?: number;
  /** Use our SIMD kernels (default true); false measures the no-SIMD fallbacks. */
  simd?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface KernelTiming {
  name: string;
  callsPerStep: number;
  /** Median over the profiled steps of the kernel's summed time in one step. */
  msPerStep: number;
  /** msPerStep / median profiled step time. */
  share: number;
}

export interface WasmBenchResult {
  params: number;
  simd: boolean;
  kernelsRegistered: string[];
  /** One training step = forward, backward, SGD update; per batch size, medians. */
  train: Array<{ batchSize: number; stepMs: number; imagesPerSec: number }>;
  /** Inference (model.predict, fused kernels) at the first batch size. */
  forward: { batchSize: number; ms: number; imagesPerSec: number };
  /** Median of train-step / forward time over interleaved pairs at the first batch size. */
  trainForwardRatio: number;
  kernels: KernelTiming[];
  /** Median wall time of the profiled steps (profiling adds a little). */
  profiledStepMs: number;
  /** Median over the profiled steps of wall time not spent in kernels (engine, tape, JS). */
  outsideKernelsMs: number;
  /** Size of the wasm heap at the end (it never shrinks): the memory one worker needs at these batches. */
  heapMiB: number;
}

const INPUT: [number, number, number] = [96, 96, 3];

/** The default CNN (27,809 parameters), built here so the bench does not depend on executor/model. */
export function defaultCnn(seed = 1): tfl.Sequential {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: seed * 100 + k });
  const conv = (filters: number, k: number, inputShape?: number[]) =>
    tfl.layers.conv2d({
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(k),
      ...(inputShape ? { inputShape } : {}),
    });
  return tfl.sequential({
    layers: [
      conv(16, 1, INPUT),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      conv(32, 2),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      conv(64, 3),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init(4) }),
      tfl.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(5) }),
    ],
  });
}

function binaryCrossEntropy(y: tf.Tensor, p: tf.Tensor): tf.Scalar {
  const q = tf.clipByValue(p, 1e-7, 1 - 1e-7);
  return tf.neg(
    tf.mean(tf.add(tf.mul(y, tf.log(q)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, q))))),
  ) as tf.Scalar;
}

/** One SGD training step; returns the loss. Leaves no tensors behind. */
export function trainStep(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  xs: tf.Tensor,
  ys: tf.Tensor,
): number {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => binaryCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor),
      vars,
    );
    optimizer.applyGradients(grads);
    return value;
  });
  const value = loss.dataSync()[0];
  loss.dispose();
  return value;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/**
 * Times `fs` interleaved (f0, f1, …, f0, f1, …) `runs` times after `warmup` rounds: on a shared machine
 * the measurements of one round see the same load, so their ratios are steadier than the times.
 */
function timeInterleaved(runs: number, warmup: number, fs: Array<() => void>): number[][] {
  for (let i = 0; i < warmup; i++) for (const f of fs) f();
  const times = fs.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    fs.forEach((f, j) => {
      const t0 = performance.now();
      f();
      times[j].push(performance.now() - t0);
    });
  }
  return times;
}

function batch(n: number, seed: number): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  return tf.tidy(() => ({
    xs: tf.randomUniform([n, ...INPUT], 0, 1, 'float32', seed) as tf.Tensor4D,
    ys: tf.cast(
      tf.greater(tf.randomUniform([n, 1], 0, 1, 'float32', seed + 1), 0.5),
      'float32',
    ) as tf.Tensor2D,
  }));
}

async function useWasm(simd: boolean): Promise<string[]> {
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm')))
    throw new NodalError('UNAVAILABLE', 'the wasm backend failed to initialise');
  await tf.ready();
  return registerWasmGradientKernels(tf, { simd }).registered;
}

/**
 * Measures training images/s at each batch size, inference images/s, their time ratio and the kernel
 * table, on the wasm backend (switches the tfjs backend to 'wasm' and registers our kernels).
 */
export async function benchWasm(opts: WasmBenchOptions = {}): Promise<WasmBenchResult> {
  const batchSizes = opts.batchSizes ?? [32, 64];
  const warmup = opts.warmupSteps ?? 2;
  const steps = opts.steps ?? 9;
  const profileSteps = opts.profileSteps ?? 3;
  const simd = opts.simd ?? true;
  const log = opts.log ?? (() => {});
  if (batchSizes.length === 0) throw new NodalError('VALIDATION', 'no batch size to benchmark');

  const kernelsRegistered = await useWasm(simd);
  const model = defaultCnn();
  const optimizer = tf.train.sgd(0.01);
  const train: WasmBenchResult['train'] = [];
  const forward = (xs: tf.Tensor): void => {
    const p = model.predict(xs) as tf.Tensor;
    p.dataSync();
    p.dispose();
  };
  try {
    const n0 = batchSizes[0];
    const { xs, ys } = batch(n0, n0);
    // The first batch size times training and inference in alternation, for the ratio.
    const [trainTimes, forwardTimes] = timeInterleaved(steps, warmup, [
      () => trainStep(model, optimizer, xs, ys),
      () => forward(xs),
    ]);
    const forwardMs = median(forwardTimes);
    const trainForwardRatio = median(trainTimes.map((t, i) => t / forwardTimes[i]));
    for (const n of batchSizes) {
      let stepMs = median(trainTimes);
      if (n !== n0) {
        const other = batch(n, n);
        stepMs = median(
          timeInterleaved(steps, warmup, [() => trainStep(model, optimizer, other.xs, other.ys)])[0],
        );
        tf.dispose([other.xs, other.ys]);
      }
      train.push({ batchSize: n, stepMs, imagesPerSec: (1000 * n) / stepMs });
      log(`train batch ${n}: ${stepMs.toFixed(1)} ms/step`);
    }
    log(`forward batch ${n0}: ${forwardMs.toFixed(1)} ms`);

    const perStep: Array<Map<string, { ms: number; calls: number }>> = [];
    const wall: number[] = [];
    const outside: number[] = [];
    for (let i = 0; i < profileSteps; i++) {
      const t0 = performance.now();
      const info = await tf.profile(() => {
        trainStep(model, optimizer, xs, ys);
      });
      wall.push(performance.now() - t0);
      const byName = new Map<string, { ms: number; calls: number }>();
      for (const k of info.kernels) {
        const entry = byName.get(k.name) ?? { ms: 0, calls: 0 };
        entry.ms += Number(k.kernelTimeMs) || 0;
        entry.calls += 1;
        byName.set(k.name, entry);
      }
      perStep.push(byName);
      outside.push(wall[i] - [...byName.values()].reduce((a, e) => a + e.ms, 0));
    }
    tf.dispose([xs, ys]);
    const profiledStepMs = median(wall);
    const names = new Set(perStep.flatMap((m) => [...m.keys()]));
    const kernels = [...names]
      .map((name) => {
        const msPerStep = median(perStep.map((m) => m.get(name)?.ms ?? 0));
        const callsPerStep = median(perStep.map((m) => m.get(name)?.calls ?? 0));
        return { name, callsPerStep, msPerStep, share: msPerStep / profiledStepMs };
      })
      .sort((a, b) => b.msPerStep - a.msPerStep);

    return {
      params: model.countParams(),
      simd,
      kernelsRegistered,
      train,
      forward: { batchSize: n0, ms: forwardMs, imagesPerSec: (1000 * n0) / forwardMs },
      trainForwardRatio,
      kernels,
      profiledStepMs,
      outsideKernelsMs: median(outside),
      heapMiB:
        (backendMemory((tf.backend() as unknown as { wasm: unknown }).wasm)?.buffer.byteLength ?? 0) /
        2 ** 20,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** A readable report of `benchWasm`'s result; kernels under `minShare` of a step are summed as one line. */
export function formatWasmBench(r: WasmBenchResult, minShare = 0.005): string {
  const lines = [
    `WASM backend, 1 thread, SIMD kernels ${r.simd ? 'on' : 'off'}; default CNN (${r.params} params)`,
    ...r.train.map(
      (t) =>
        `  train   batch ${String(t.batchSize).padStart(3)}: ${t.stepMs.toFixed(1).padStart(7)} ms/step  ` +
        `${t.imagesPerSec.toFixed(1).padStart(6)} images/s`,
    ),
    `  forward batch ${String(r.forward.batchSize).padStart(3)}: ${r.forward.ms.toFixed(1).padStart(7)} ms       ` +
      `${r.forward.imagesPerSec.toFixed(1).padStart(6)} images/s`,
    `  train/forward time ratio (batch ${r.forward.batchSize}): ${r.trainForwardRatio.toFixed(2)}`,
    `  wasm heap after the run: ${r.heapMiB.toFixed(0)} MiB`,
    `  kernels per training step (batch ${r.forward.batchSize}, median of profiled steps, ` +
      `step ${r.profiledStepMs.toFixed(1)} ms):`,
    `    ${'kernel'.padEnd(24)} ${'calls'.padStart(5)} ${'ms'.padStart(8)} ${'share'.padStart(6)}`,
  ];
  let restMs = 0;
  let restCalls = 0;
  for (const k of r.kernels) {
    if (k.share < minShare) {
      restMs += k.msPerStep;
      restCalls += k.callsPerStep;
      continue;
    }
    lines.push(
      `    ${k.name.padEnd(24)} ${String(k.callsPerStep).padStart(5)} ${k.msPerStep.toFixed(1).padStart(8)} ` +
        `${(100 * k.share).toFixed(1).padStart(5)}%`,
    );
  }
  lines.push(
    `    ${'(other kernels)'.padEnd(24)} ${String(restCalls).padStart(5)} ${restMs.toFixed(1).padStart(8)}`,
    `    ${'(outside kernels)'.padEnd(24)} ${''.padStart(5)} ${r.outsideKernelsMs.toFixed(1).padStart(8)}`,
  );
  return lines.join('\n');
}

function parseArgs(argv: string[]): WasmBenchOptions {
  const opts: WasmBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-simd') opts.simd = false;
    else if (a === '--steps') opts.steps = Number(argv[++i]);
    else if (a === '--batch') opts.batchSizes = argv[++i].split(',').map(Number);
    else throw new NodalError('VALIDATION', `unknown argument ${a}`);
  }
  return opts;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchWasm({ ...parseArgs(process.argv.slice(2)), log: (l) => console.error(l) });
  console.log(formatWasmBench(result));
}
