import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { isNodalError } from '../../../config/errors.js';
import {
  applyOptimizer,
  defaultOptimizer,
  initialSlots,
  slotNames,
  validateOptimizer,
  type OptimizerConfig,
} from '../../../executor/ps/optimizers.js';

const grads = [
  new Float32Array([0.5, -1, 2, 0]),
  new Float32Array([0.25, 0.5, -0.5, 1]),
  new Float32Array([-1, 0.125, 0.75, -0.25]),
];
const start = new Float32Array([1, -2, 0.5, 3]);

function run(c: OptimizerConfig): Float32Array {
  let value: Float32Array = start;
  let slots = initialSlots(c, start.length);
  grads.forEach((g, i) => {
    const r = applyOptimizer(c, value, g, slots, i + 1);
    value = r.value;
    slots = r.slots;
  });
  return value;
}

function tfReference(opt: tf.Optimizer): Float32Array {
  const v = tf.variable(tf.tensor1d(start));
  for (const g of grads) opt.applyGradients([{ name: v.name, tensor: tf.tensor1d(g) }]);
  const out = v.dataSync() as Float32Array;
  v.dispose();
  opt.dispose();
  return Float32Array.from(out);
}

const close = (a: Float32Array, b: Float32Array, tol: number): void => {
  expect(a.length).to.equal(b.length);
  a.forEach((x, i) => expect(x).to.be.closeTo(b[i], tol, `element ${i}`));
};

describe('executor/ps/optimizers', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('SGD: value - lr * grad', () => {
    const c: OptimizerConfig = { kind: 'sgd', learningRate: 0.1 };
    const want = Array.from(start).map((v, i) => v - 0.1 * (grads[0][i] + grads[1][i] + grads[2][i]));
    close(run(c), Float32Array.from(want), 1e-6);
    close(run(c), tfReference(tf.train.sgd(0.1)), 1e-6);
  });

  it('momentum matches tf.train.momentum (plain and Nesterov)', () => {
    close(
      run({ kind: 'momentum', learningRate: 0.05, momentum: 0.9 }),
      tfReference(tf.train.momentum(0.05, 0.9)),
      1e-6,
    );
    close(
      run({ kind: 'momentum', learningRate: 0.05, momentum: 0.9, nesterov: true }),
      tfReference(tf.train.momentum(0.05, 0.9, true)),
      1e-6,
    );
  });

  it('momentum by hand: accumulation = m*acc + g', () => {
    const c: OptimizerConfig = { kind: 'momentum', learningRate: 1, momentum: 0.5 };
    const r1 = applyOptimizer(c, new Float32Array([0]), new Float32Array([1]), initialSlots(c, 1), 1);
    const r2 = applyOptimizer(c, r1.value, new Float32Array([1]), r1.slots, 2);
    expect(Array.from(r1.value)).to.deep.equal([-1]);
    expect(Array.from(r2.value)).to.deep.equal([-2.5]);
    expect(Array.from(r2.slots.momentum)).to.deep.equal([1.5]);
  });

  it('Adam with bias correction matches tf.train.adam', () => {
    const c: OptimizerConfig = { kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    close(run(c), tfReference(tf.train.adam(0.01, 0.9, 0.999, 1e-7)), 1e-6);
  });

  it('Adam first step moves each weight by about lr·sign(g) (bias correction at work)', () => {
    const c = defaultOptimizer('adam', 0.01);
    const r = applyOptimizer(
      c,
      new Float32Array([0, 0]),
      new Float32Array([3, -0.001]),
      initialSlots(c, 2),
      1,
    );
    expect(r.value[0]).to.be.closeTo(-0.01, 1e-6);
    expect(r.value[1]).to.be.closeTo(0.01, 1e-4);
  });

  it('never writes into its inputs', () => {
    for (const kind of ['sgd', 'momentum', 'adam'] as const) {
      const c = defaultOptimizer(kind);
      const v = Float32Array.from(start);
      const g = Float32Array.from(grads[0]);
      const slots = initialSlots(c, 4);
      const copies = Object.fromEntries(Object.entries(slots).map(([k, s]) => [k, Float32Array.from(s)]));
      applyOptimizer(c, v, g, slots, 1);
      expect(Array.from(v)).to.deep.equal(Array.from(start));
      expect(Array.from(g)).to.deep.equal(Array.from(grads[0]));
      for (const k of Object.keys(slots)) expect(Array.from(slots[k])).to.deep.equal(Array.from(copies[k]));
    }
  });

  it('scales the learning rate', () => {
    const c: OptimizerConfig = { kind: 'sgd', learningRate: 1 };
    const r = applyOptimizer(c, new Float32Array([1]), new Float32Array([1]), {}, 1, 0.25);
    expect(r.value[0]).to.equal(0.75);
  });

  it('declares its slots', () => {
    expect(slotNames(defaultOptimizer('sgd'))).to.deep.equal([]);
    expect(slotNames(defaultOptimizer('momentum'))).to.deep.equal(['momentum']);
    expect(slotNames(defaultOptimizer('adam'))).to.deep.equal(['m', 'v']);
  });

  const bad: Array<[string, OptimizerConfig]> = [
    ['zero learning rate', { kind: 'sgd', learningRate: 0 }],
    ['NaN learning rate', { kind: 'sgd', learningRate: NaN }],
    ['momentum 1', { kind: 'momentum', learningRate: 0.1, momentum: 1 }],
    ['beta2 1', { kind: 'adam', learningRate: 0.1, beta1: 0.9, beta2: 1, epsilon: 1e-7 }],
    ['epsilon 0', { kind: 'adam', learningRate: 0.1, beta1: 0.9, beta2: 0.99, epsilon: 0 }],
    ['unknown kind', { kind: 'rmsprop', learningRate: 0.1 } as unknown as OptimizerConfig],
  ];
  for (const [what, c] of bad) {
    it(`rejects ${what}`, () => {
      try {
        validateOptimizer(c);
        expect.fail('should throw');
      } catch (e) {
        expect(isNodalError(e, 'VALIDATION')).to.equal(true);
      }
    });
  }
});
