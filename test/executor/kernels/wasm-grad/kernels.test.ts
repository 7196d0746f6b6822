import { expect } from 'chai';
import {
  registerWasmGradientKernels,
  unregisterWasmGradientKernels,
} from '../../../../executor/kernels/wasm-grad/index.js';
import { SUM_BLOCK_ROWS } from '../../../../executor/kernels/wasm-grad/simd/programs.js';
import { expectClose, runKernelOn, tf, uniform, useBackend, type Operand } from './support.js';

type Pad = 'same' | 'valid' | number[][];
interface ConvCase {
  x: number[];
  filter: number[];
  strides: number | [number, number];
  pad: Pad;
  format?: 'NHWC' | 'NCHW';
  why: string;
}

// Shapes are small (the cpu reference is slow) but cover every code path of both kernels.
const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 8], strides: 1, pad: 'same', why: '3 input channels (a tail tile)' },
  {
    x: [2, 7, 7, 4],
    filter: [3, 3, 4, 5],
    strides: 1,
    pad: 'valid',
    why: '5 output channels (widened to 8)',
  },
  { x: [3, 6, 6, 16], filter: [3, 3, 16, 32], strides: 1, pad: 'same', why: 'the model’s full tiles' },
  { x: [1, 8, 8, 6], filter: [2, 2, 6, 12], strides: 2, pad: 'valid', why: '8 + 4 output channel tiles' },
  { x: [2, 9, 8, 5], filter: [3, 3, 5, 4], strides: 2, pad: 'same', why: 'stride 2, odd sizes' },
  { x: [2, 10, 9, 3], filter: [5, 3, 3, 7], strides: [2, 3], pad: 'same', why: 'unequal strides and kernel' },
  { x: [2, 10, 10, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid', why: 'unused last row/column' },
  { x: [2, 6, 6, 1], filter: [1, 1, 1, 4], strides: 1, pad: 'valid', why: '1x1 filter, 1 channel' },
  {
    x: [2, 7, 7, 2],
    filter: [3, 3, 2, 4],
    strides: 1,
    pad: [
      [0, 0],
      [2, 1],
      [0, 2],
      [0, 0],
    ],
    why: 'explicit asymmetric padding',
  },
  {
    x: [1, 6, 6, 3],
    filter: [3, 3, 3, 4],
    strides: 1,
    pad: [
      [0, 0],
      [3, 0],
      [0, 0],
      [0, 0],
    ],
    why: 'padding beyond the filter (dx falls back to the stock kernel)',
  },
  { x: [2, 3, 7, 7], filter: [3, 3, 3, 4], strides: 1, pad: 'same', format: 'NCHW', why: 'NCHW' },
];

function outputShape(c: ConvCase): number[] {
  type Shape4 = [number, number, number, number];
  const nhwc = (c.format === 'NCHW' ? [c.x[0], c.x[2], c.x[3], c.x[1]] : c.x) as Shape4;
  const probe = tf.tidy(() =>
    tf.conv2d(
      tf.zeros(nhwc) as tf.Tensor4D,
      tf.zeros(c.filter as Shape4) as tf.Tensor4D,
      c.strides,
      c.pad as 'same',
    ),
  );
  const [b, h, w, ch] = probe.shape as Shape4;
  probe.dispose();
  return c.format === 'NCHW' ? [b, ch, h, w] : [b, h, w, ch];
}

interface PoolCase {
  x: Operand;
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid';
  why: string;
}

/** Values in {-2,…,2}: most windows have ties. */
function ties(shape: number[], seed: number): Operand {
  const o = uniform(shape, seed, -2, 3);
  o.values = o.values.map(Math.floor);
  return o;
}

/** Negative values, with some windows all −∞ and some NaN (cpu: NaN never wins, −∞ windows pass nothing). */
function nonFinite(shape: number[], seed: number): Operand {
  const o = uniform(shape, seed, -3, -0.5);
  for (let i = 0; i < o.values.length; i++) {
    if (i % 7 === 0) o.values[i] = NaN;
    if (Math.floor(i / (shape[3] * 2)) % 5 === 1) o.values[i] = -Infinity;
  }
  return o;
}

const POOL_CASES: PoolCase[] = [
  {
    x: uniform([2, 8, 8, 4], 1),
    filterSize: 2,
    strides: 2,
    pad: 'valid',
    why: '2x2/2 (straight-line kernel)',
  },
  {
    x: uniform([2, 8, 8, 8], 2, -3, -0.1),
    filterSize: 2,
    strides: 2,
    pad: 'valid',
    why: 'all windows negative (stock wasm is wrong here)',
  },
  {
    x: uniform([2, 9, 7, 8], 3),
    filterSize: 2,
    strides: 2,
    pad: 'valid',
    why: '2x2/2 leaving a row and column out',
  },
  { x: ties([2, 8, 8, 4], 4), filterSize: 2, strides: 2, pad: 'valid', why: 'ties go to the first maximum' },
  { x: nonFinite([2, 6, 6, 4], 5), filterSize: 2, strides: 2, pad: 'valid', why: 'NaN and −∞ (2x2 kernel)' },
  { x: uniform([2, 7, 7, 8], 6, -2, -1), filterSize: 3, strides: 2, pad: 'same', why: 'overlapping, padded' },
  { x: ties([1, 5, 5, 4], 7), filterSize: 3, strides: 1, pad: 'same', why: 'heavy overlap with ties' },
  {
    x: nonFinite([1, 6, 6, 4], 8),
    filterSize: [3, 2],
    strides: [1, 2],
    pad: 'valid',
    why: 'NaN/−∞, generic kernel',
  },
  {
    x: uniform([2, 6, 6, 3], 9, -1, -0.2),
    filterSize: 2,
    strides: 2,
    pad: 'valid',
    why: '3 channels (scalar path)',
  },
  { x: ties([2, 5, 5, 3], 10), filterSize: 3, strides: 2, pad: 'same', why: 'scalar path, overlapping ties' },
];

interface SumCase {
  x: Operand;
  axis: number | number[] | null;
  keepDims: boolean;
  why: string;
}

const SUM_CASES: SumCase[] = [
  { x: uniform([4, 5, 16], 11), axis: [0, 1], keepDims: false, why: 'bias gradient of a conv' },
  { x: uniform([4, 5, 16], 12), axis: [1, 0], keepDims: true, why: 'keepDims, axes unordered' },
  { x: uniform([3, 8], 13), axis: 0, keepDims: false, why: 'bias gradient of a dense layer' },
  { x: uniform([2, 3, 4, 80], 14), axis: [-4, -3, -2], keepDims: false, why: '80 channels: 64 + 16 chunks' },
  { x: uniform([2 * SUM_BLOCK_ROWS + 37, 12], 15), axis: 0, keepDims: false, why: 'several row blocks' },
  { x: uniform([2, 2, 6], 16), axis: [0, 1], keepDims: false, why: '6 channels (stock)' },
  { x: uniform([3, 4, 8], 17), axis: [1], keepDims: false, why: 'inner axis (stock)' },
  { x: uniform([3, 4, 8], 18), axis: null, keepDims: false, why: 'all axes (stock)' },
  {
    x: { shape: [5, 4], values: Float32Array.from({ length: 20 }, (_, i) => i - 7), dtype: 'int32' },
    axis: 0,
    keepDims: false,
    why: 'int32 (stock)',
  },
];

for (const simd of [true, false]) {
  describe(`wasm gradient kernels match the cpu backend (${simd ? 'SIMD' : 'fallback'} path)`, function () {
    this.timeout(30000);
    let previous: string;

    before(async () => {
      previous = tf.getBackend();
      await useBackend('wasm');
      registerWasmGradientKernels(tf, { simd });
    });
    after(async () => {
      registerWasmGradientKernels(tf);
      if (previous) await tf.setBackend(previous);
    });

    describe('Conv2DBackpropFilter', () => {
      CONV_CASES.forEach((c, i) => {
        it(`${c.why}: x ${c.x} filter ${c.filter} stride ${c.strides}`, async () => {
          const x = uniform(c.x, 100 + i);
          const dy = uniform(outputShape(c), 200 + i);
          const attrs = {
            strides: c.strides,
            pad: c.pad,
            dataFormat: c.format ?? 'NHWC',
            filterShape: c.filter,
          };
          const expected = await runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
          const actual = await runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
          expectClose(actual, expected);
        });
      });
    });

    describe('Conv2DBackpropInput', () => {
      CONV_CASES.forEach((c, i) => {
        it(`${c.why}: x ${c.x} filter ${c.filter} stride ${c.strides}`, async () => {
          const filter = uniform(c.filter, 300 + i);
          const dy = uniform(outputShape(c), 400 + i);
          const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.format ?? 'NHWC', inputShape: c.x };
          const expected = await runKernelOn('cpu', 'Conv2DBackpropInput', { dy, filter }, attrs);
          const actual = await runKernelOn('wasm', 'Conv2DBackpropInput', { dy, filter }, attrs);
          expectClose(actual, expected);
        });
      });
    });

    describe('MaxPoolGrad', () => {
      POOL_CASES.forEach((c, i) => {
        it(`${c.why}: x ${c.x.shape} window ${c.filterSize} stride ${c.strides} ${c.pad}`, async () => {
          await useBackend('cpu');
          const y = tf.maxPool(tf.tensor4d(c.x.values, c.x.shape as never), c.filterSize, c.strides, c.pad);
          const output: Operand = { shape: y.shape, values: Float32Array.from(y.dataSync()) };
          y.dispose();
          const dy = uniform(output.shape, 500 + i, 0.5, 1.5);
          const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
          const inputs = { dy, input: c.x, output };
          const expected = await runKernelOn('cpu', 'MaxPoolGrad', inputs, attrs);
          const actual = await runKernelOn('wasm', 'MaxPoolGrad', inputs, attrs);
          expectClose(actual, expected, 1e-6);
          // The gradient is routed, not spread: every dy element lands in dx once, unless its window
          // held nothing but −∞/NaN.
          const routed = actual.values.reduce((a, v) => a + v, 0);
          expect(routed).to.be.at.most(dy.values.reduce((a, v) => a + v, 0) + 1e-3);
        });
      });
    });

    describe('Sum', () => {
      SUM_CASES.forEach((c) => {
        it(`${c.why}: x ${c.x.shape} axis ${JSON.stringify(c.axis)}${c.keepDims ? ' keepDims' : ''}`, async () => {
          const attrs = { axis: c.axis ?? [...c.x.shape.keys()], keepDims: c.keepDims };
          const expected = await runKernelOn('cpu', 'Sum', { x: c.x }, attrs);
          const actual = await runKernelOn('wasm', 'Sum', { x: c.x }, attrs);
          expectClose(actual, expected);
        });
      });

      // Only ours: the stock kernel sums sequentially (about 1e-5 here).
      if (!simd) return;
      it('keeps float32 error small over 300k rows (blocked accumulation)', async () => {
        const x = uniform([300000, 4], 19, 0.05, 0.15);
        const exact = [0, 0, 0, 0];
        x.values.forEach((v, i) => (exact[i % 4] += v));
        const actual = await runKernelOn('wasm', 'Sum', { x }, { axis: 0, keepDims: false });
        actual.values.forEach((v, c) => expect(Math.abs(v - exact[c]) / exact[c]).to.be.below(2e-6));
      });
    });
  });
}

describe('wasm Identity and same-dtype Cast share data', () => {
  let previous: string;
  before(async () => {
    previous = tf.getBackend();
    await useBackend('wasm');
    registerWasmGradientKernels(tf);
  });
  after(async () => {
    if (previous) await tf.setBackend(previous);
  });

  it('a clone or a same-dtype cast outlives its source and frees the data with the last user', () => {
    const buffers = tf.engine().backend.numDataIds();
    const x = tf.tensor2d([1.5, -2, 3, 4.25], [2, 2]);
    const copies = [tf.clone(x), tf.cast(x, 'float32')];
    expect(tf.engine().backend.numDataIds()).to.equal(buffers + 1);
    x.dispose();
    for (const c of copies) expect(Array.from(c.dataSync())).to.deep.equal([1.5, -2, 3, 4.25]);
    copies[0].dispose();
    expect(Array.from(copies[1].dataSync())).to.deep.equal([1.5, -2, 3, 4.25]);
    copies[1].dispose();
    expect(tf.engine().backend.numDataIds()).to.equal(buffers);
  });

  it('casts to another dtype with the stock kernel', async () => {
    const x = uniform([3, 5], 21, -3, 3);
    const expected = await runKernelOn('cpu', 'Cast', { x }, { dtype: 'int32' });
    const actual = await runKernelOn('wasm', 'Cast', { x }, { dtype: 'int32' });
    expectClose(actual, expected, 0);
  });
});

describe('wasm gradient kernels: stock kernels come back', () => {
  it('after unregistering, the stock Sum runs and Conv2DBackpropFilter is gone', async () => {
    await useBackend('wasm');
    registerWasmGradientKernels(tf);
    unregisterWasmGradientKernels(tf);
    try {
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).to.equal(undefined);
      const s = await runKernelOn('wasm', 'Sum', { x: uniform([4, 8], 20) }, { axis: 0, keepDims: false });
      expect(s.shape).to.deep.equal([8]);
    } finally {
      registerWasmGradientKernels(tf);
    }
  });
});
