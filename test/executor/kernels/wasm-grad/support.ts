// Shared by the wasm-grad tests: backends, seeded operands, running one kernel on a backend, comparing.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-layers' bundle registers tfjs-core's gradient functions, which tf.grad and training need.
import '@tensorflow/tfjs-layers';

export { tf };

/** Switches the engine to `name` ('wasm' or 'cpu'). */
export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialise`);
  await tf.ready();
}

/** A deterministic uniform generator in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Operand {
  shape: number[];
  values: Float32Array;
  dtype?: 'float32' | 'int32';
}

/** An operand of `shape` with values uniform in [lo, hi). */
export function uniform(shape: number[], seed: number, lo = -1, hi = 1): Operand {
  const next = rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: size }, () => lo + (hi - lo) * next()) };
}

/** Runs kernel `name` through the engine on `backend`; returns a copy of its output. */
export async function runKernelOn(
  backend: 'wasm' | 'cpu',
  name: string,
  inputs: Record<string, Operand>,
  attrs: Record<string, unknown>,
): Promise<{ shape: number[]; values: Float32Array }> {
  await useBackend(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [k, o] of Object.entries(inputs))
    tensors[k] = tf.tensor(o.values, o.shape, o.dtype ?? 'float32');
  const before = tf.memory().numTensors;
  const out = tf.engine().runKernel(name, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  const result = { shape: out.shape, values: Float32Array.from(out.dataSync()) };
  out.dispose();
  expect(tf.memory().numTensors, `${name} left tensors behind`).to.equal(before);
  tf.dispose(Object.values(tensors));
  return result;
}

/**
 * Asserts equal shapes, NaN at the same places, and |a − e| ≤ rtol · max(1, max|e|) elsewhere (float32
 * sums in a different order differ by rounding only).
 */
export function expectClose(
  actual: { shape: number[]; values: Float32Array },
  expected: { shape: number[]; values: Float32Array },
  rtol = 1e-5,
): void {
  expect(actual.shape).to.deep.equal(expected.shape);
  let scale = 1;
  for (const v of expected.values) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.values.length; i++) {
    const a = actual.values[i];
    const e = expected.values[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      expect(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `element ${i}: ${a} vs ${e}`).to.equal(
        true,
      );
      continue;
    }
    const d = Math.abs(a - e);
    if (!(d <= worst)) {
      worst = d;
      worstAt = i;
    }
  }
  expect(worst, `largest difference at element ${worstAt} (scale ${scale})`).to.be.at.most(rtol * scale);
}
