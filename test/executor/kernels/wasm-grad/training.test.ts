import { expect } from 'chai';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerWasmGradientKernels } from '../../../../executor/kernels/wasm-grad/index.js';
import { tf, uniform, useBackend } from './support.js';

const INPUT = [12, 12, 3];
const BATCH = 6;
const STEPS = 4;

/**
 * A tiny CNN with the default model's layers (conv same + ReLU, 2x2 max-pool, global average pooling,
 * dense) plus a strided 'valid' conv without activation, which tfjs runs as FusedConv2D with a custom
 * gradient: together they reach every kernel we register.
 */
function tinyCnn(): tfl.Sequential {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: 40 + k });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: INPUT,
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({
        filters: 12,
        kernelSize: 3,
        strides: 2,
        padding: 'valid',
        kernelInitializer: init(2),
      }),
      tfl.layers.conv2d({
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(3),
      }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(4) }),
    ],
  });
}

function bce(y: tf.Tensor, p: tf.Tensor): tf.Scalar {
  const q = tf.clipByValue(p, 1e-7, 1 - 1e-7);
  return tf.neg(
    tf.mean(tf.add(tf.mul(y, tf.log(q)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, q))))),
  ) as tf.Scalar;
}

interface Run {
  losses: number[];
  weights: Float32Array[];
  /** tf.memory().numTensors and the backend's live data ids after each step. */
  tensors: number[];
  dataIds: number[];
}

async function train(backend: 'cpu' | 'wasm'): Promise<Run> {
  await useBackend(backend);
  const model = tinyCnn();
  const optimizer = tf.train.sgd(0.5);
  const xs = tf.tensor4d(uniform([BATCH, ...INPUT], 1, 0, 1).values, [BATCH, 12, 12, 3]);
  const ys = tf.tensor2d([1, 0, 1, 1, 0, 0], [BATCH, 1]);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const run: Run = { losses: [], weights: [], tensors: [], dataIds: [] };
  for (let step = 0; step < STEPS; step++) {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => bce(ys, model.apply(xs, { training: true }) as tf.Tensor),
        vars,
      );
      optimizer.applyGradients(grads);
      return value;
    });
    run.losses.push(loss.dataSync()[0]);
    loss.dispose();
    run.tensors.push(tf.memory().numTensors);
    run.dataIds.push(tf.engine().backend.numDataIds());
  }
  run.weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  tf.dispose([xs, ys]);
  optimizer.dispose();
  model.dispose();
  return run;
}

for (const simd of [true, false]) {
  describe(`training on wasm with our gradient kernels (${simd ? 'SIMD' : 'fallback'} path)`, function () {
    this.timeout(60000);
    let previous: string;
    let cpu: Run;
    let wasm: Run;

    before(async () => {
      previous = tf.getBackend();
      cpu = await train('cpu');
      await useBackend('wasm');
      registerWasmGradientKernels(tf, { simd });
      wasm = await train('wasm');
    });
    after(async () => {
      registerWasmGradientKernels(tf);
      if (previous) await tf.setBackend(previous);
    });

    it('follows the cpu backend’s loss trajectory step by step', () => {
      expect(cpu.losses[STEPS - 1]).to.not.equal(cpu.losses[0]); // the model does learn
      wasm.losses.forEach((l, i) =>
        expect(Math.abs(l - cpu.losses[i]), `step ${i}`).to.be.below(1e-5 * Math.max(1, cpu.losses[i])),
      );
    });

    it('ends with the same weights', () => {
      wasm.weights.forEach((w, i) => {
        const c = cpu.weights[i];
        const scale = Math.max(1, ...c.map(Math.abs));
        w.forEach((v, j) => expect(Math.abs(v - c[j]), `weight ${i}[${j}]`).to.be.below(1e-5 * scale));
      });
    });

    it('leaks no tensor and no wasm buffer across steps', () => {
      expect(new Set(wasm.tensors).size, `numTensors per step ${wasm.tensors}`).to.equal(1);
      expect(new Set(wasm.dataIds).size, `backend data ids per step ${wasm.dataIds}`).to.equal(1);
    });
  });
}
