import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { NodalError, isNodalError } from '../../../config/errors.js';
import { toModelInput } from '../../../executor/data/normalize.js';
import { synthLabels, synthRows } from '../../../executor/data/synth.js';
import {
  MODEL_INPUT_SHAPE,
  buildModel,
  defaultModelFor,
  exportModel,
  getFlatWeights,
  loadModel,
  parameterCount,
  predictProbabilities,
  setFlatWeights,
  variableSpecs,
} from '../../../executor/model/index.js';

const SMALL_NAMES = ['conv1', 'conv2', 'conv3', 'fc1', 'out'].flatMap((l) => [`${l}/kernel`, `${l}/bias`]);

function expectThrowsCode(fn: () => unknown, code: 'VALIDATION' | 'DATA_INVALID' | 'NOT_FOUND'): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isNodalError(caught, code), String(caught)).to.equal(true);
}

describe('executor/model', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('small-cnn has the documented layout and 27,809 parameters', () => {
    const model = buildModel('small-cnn', { seed: 1 });
    expect(MODEL_INPUT_SHAPE).to.deep.equal([96, 96, 3]);
    expect(model.countParams()).to.equal(27_809);
    const specs = variableSpecs(model);
    expect(parameterCount(specs)).to.equal(27_809);
    expect(specs.map((s) => s.name)).to.deep.equal(SMALL_NAMES);
    expect(specs[0]).to.deep.equal({
      name: 'conv1/kernel',
      shape: [3, 3, 3, 16],
      dtype: 'float32',
      bytes: 3 * 3 * 3 * 16 * 4,
    });
    expect(specs.slice(2, 6).map((s) => s.shape)).to.deep.equal([[3, 3, 16, 32], [32], [3, 3, 32, 64], [64]]);
    expect(model.layers.filter((l) => l.getClassName() === 'BatchNormalization')).to.have.length(0);
    expect(model.outputs[0].shape).to.deep.equal([null, 1]);
  });

  it('variable names and order are the same for a second model in the same process', () => {
    const a = variableSpecs(buildModel('small-cnn'));
    const b = variableSpecs(buildModel('small-cnn'));
    expect(b).to.deep.equal(a);
  });

  it('large-cnn is deeper and wider, for GPUs', () => {
    const model = buildModel('large-cnn', { seed: 1 });
    expect(model.countParams()).to.equal(parameterCount(variableSpecs(model)));
    expect(model.countParams()).to.be.within(1_000_000, 1_500_000);
    expect(model.layers.filter((l) => l.getClassName() === 'Conv2D')).to.have.length(8);
    expect(defaultModelFor('tfjs-node-gpu')).to.equal('large-cnn');
    expect(defaultModelFor('wasm')).to.equal('small-cnn');
    expectThrowsCode(() => buildModel('huge-cnn' as never), 'VALIDATION');
  });

  it('the same seed gives the same weights; another seed different ones', () => {
    const a = getFlatWeights(buildModel('small-cnn', { seed: 3 }));
    const b = getFlatWeights(buildModel('small-cnn', { seed: 3 }));
    const c = getFlatWeights(buildModel('small-cnn', { seed: 4 }));
    for (const name of SMALL_NAMES) expect([...b.get(name)!], name).to.deep.equal([...a.get(name)!]);
    expect([...c.get('conv1/kernel')!]).to.not.deep.equal([...a.get('conv1/kernel')!]);
  });

  it('flat weights round trip between models, copied in both directions', () => {
    const source = buildModel('small-cnn', { seed: 5 });
    const target = buildModel('small-cnn', { seed: 6 });
    const weights = getFlatWeights(source);
    expect([...weights.values()].reduce((a, v) => a + v.length, 0)).to.equal(27_809);
    setFlatWeights(target, weights);
    // Reusing the buffers afterwards must not reach into either model.
    for (const v of weights.values()) v.fill(42);
    const fromSource = getFlatWeights(source);
    const fromTarget = getFlatWeights(target);
    for (const name of SMALL_NAMES) {
      expect([...fromTarget.get(name)!], name).to.deep.equal([...fromSource.get(name)!]);
      expect(
        fromSource.get(name)!.some((v) => v === 42),
        name,
      ).to.equal(false);
    }
  });

  it('setFlatWeights rejects missing, mis-sized and unknown variables before assigning any', () => {
    const model = buildModel('small-cnn', { seed: 7 });
    const good = getFlatWeights(model);
    const missing = new Map(good);
    missing.delete('fc1/bias');
    const short = new Map(good).set('conv2/kernel', new Float32Array(10));
    const extra = new Map(good).set('conv9/kernel', new Float32Array(1));
    const poisoned = new Map([...good].map(([k, v]) => [k, new Float32Array(v.length).fill(9)]));
    poisoned.delete('out/bias');
    for (const bad of [missing, short, extra, poisoned])
      expectThrowsCode(() => setFlatWeights(model, bad), 'VALIDATION');
    expect([...getFlatWeights(model).get('conv1/kernel')!]).to.deep.equal([...good.get('conv1/kernel')!]);
  });

  describe('export', () => {
    let tmp: string;
    before(() => {
      tmp = mkdtempSync(join(tmpdir(), 'nodal-model-'));
    });
    after(() => rmSync(tmp, { recursive: true, force: true }));

    it('writes model.json + weights.bin and loads back a model with identical predictions', async () => {
      const model = buildModel('small-cnn', { seed: 8 });
      const labels = synthLabels(4, 8, 'test');
      const x = toModelInput(synthRows(8, 'test', labels, 0, 4));
      const before = predictProbabilities(model, x);
      const dir = join(tmp, 'exported');
      await exportModel(model, dir, { step: 17 });
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
        format: string;
        weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string }> }>;
        userDefinedMetadata: unknown;
      };
      expect(json.format).to.equal('layers-model');
      expect(json.weightsManifest[0].paths).to.deep.equal(['./weights.bin']);
      expect(json.weightsManifest[0].weights.map((w) => w.name)).to.deep.equal(SMALL_NAMES);
      expect(json.userDefinedMetadata).to.deep.equal({ step: 17 });
      expect(readFileSync(join(dir, 'weights.bin')).length).to.equal(27_809 * 4);

      const loaded = await loadModel(pathToFileURL(dir).href);
      expect(variableSpecs(loaded)).to.deep.equal(variableSpecs(model));
      const after = predictProbabilities(loaded, x, 3);
      expect([...after]).to.deep.equal([...before]);
      expect(before.every((p) => p > 0 && p < 1)).to.equal(true);
    });

    it('fails with NOT_FOUND for a missing export and DATA_INVALID for short weights', async () => {
      const dir = join(tmp, 'short');
      await exportModel(buildModel('small-cnn', { seed: 9 }), dir);
      writeFileSync(join(dir, 'weights.bin'), readFileSync(join(dir, 'weights.bin')).subarray(0, 1000));
      for (const [path, code] of [
        [join(tmp, 'nothing-here'), 'NOT_FOUND'],
        [dir, 'DATA_INVALID'],
      ] as const) {
        let caught: unknown;
        try {
          await loadModel(path);
        } catch (e) {
          caught = e;
        }
        expect(caught, path).to.be.instanceOf(NodalError);
        expect((caught as NodalError).code, String(caught)).to.equal(code);
      }
    });
  });

  it('predictProbabilities validates the input shape', () => {
    const model = buildModel('small-cnn', { seed: 1 });
    expectThrowsCode(() => predictProbabilities(model, new Float32Array(100)), 'VALIDATION');
    const wrong = tf.zeros([1, 32, 32, 3]);
    try {
      expectThrowsCode(() => predictProbabilities(model, wrong), 'VALIDATION');
    } finally {
      wrong.dispose();
    }
  });
});
