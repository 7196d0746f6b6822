import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { isNodalError } from '../../../config/errors.js';
import { selectBackend } from '../../../executor/backend/index.js';
import { toModelInput } from '../../../executor/data/normalize.js';
import { synthLabels, synthRows } from '../../../executor/data/synth.js';
import {
  buildModel,
  getFlatWeights,
  lossAndGradients,
  setFlatWeights,
  variableSpecs,
} from '../../../executor/model/index.js';

function batch(n: number, seed: number): { x: Float32Array; y: Uint8Array } {
  const y = synthLabels(n, seed, 'train');
  return { x: toModelInput(synthRows(seed, 'train', y, 0, n)), y };
}

/** max |a - b| / max |b| over one variable: the error relative to the gradient's scale. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

describe('executor/model gradients on wasm', function () {
  // One cpu-backend step of the small CNN takes a few seconds (pure JS convolutions).
  this.timeout(60_000);

  before(async () => {
    await selectBackend('wasm');
  });

  it('lossAndGradients on wasm matches the cpu backend within 1e-4 relative', async () => {
    const model = buildModel('small-cnn', { seed: 21 });
    const { x, y } = batch(2, 21);
    await tf.setBackend('cpu');
    const onCpu = lossAndGradients(model, x, y);
    await tf.setBackend('wasm');
    const onWasm = lossAndGradients(model, x, y);
    expect([...onWasm.grads.keys()]).to.deep.equal(variableSpecs(model).map((s) => s.name));
    expect(Math.abs(onWasm.loss - onCpu.loss) / onCpu.loss).to.be.below(1e-5);
    for (const [name, g] of onCpu.grads) {
      expect(
        g.some((v) => v !== 0),
        `${name} has a non-zero gradient`,
      ).to.equal(true);
      expect(relativeError(onWasm.grads.get(name)!, g), name).to.be.below(1e-4);
    }
  });

  it('keeps the tensor count constant over steps and leaves the weights alone', () => {
    const model = buildModel('small-cnn', { seed: 22 });
    const { x, y } = batch(4, 22);
    const weights = getFlatWeights(model);
    lossAndGradients(model, x, y); // warm-up: kernels may cache constants on first use
    const tensors = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      lossAndGradients(model, x, y);
      expect(tf.memory().numTensors, `after step ${step}`).to.equal(tensors);
    }
    for (const [name, w] of getFlatWeights(model))
      expect([...w], name).to.deep.equal([...weights.get(name)!]);
  });

  it('its gradients descend: plain SGD through flat weights lowers the loss on a batch', () => {
    const model = buildModel('small-cnn', { seed: 23 });
    const { x, y } = batch(8, 23);
    const tensors = tf.memory().numTensors;
    const losses: number[] = [];
    for (let step = 0; step < 6; step++) {
      const { loss, grads } = lossAndGradients(model, x, y);
      losses.push(loss);
      const w = getFlatWeights(model);
      for (const [name, g] of grads) w.get(name)!.forEach((v, i, arr) => (arr[i] = v - 0.5 * g[i]));
      setFlatWeights(model, w);
    }
    expect(losses[losses.length - 1]).to.be.below(losses[0]);
    expect(tf.memory().numTensors).to.equal(tensors);
  });

  it('rejects labels that do not match the batch', () => {
    const model = buildModel('small-cnn', { seed: 24 });
    const { x } = batch(2, 24);
    let caught: unknown;
    try {
      lossAndGradients(model, x, new Uint8Array(3));
    } catch (e) {
      caught = e;
    }
    expect(isNodalError(caught, 'VALIDATION')).to.equal(true);
  });
});
