// The worker's half of a training step (computeGradients; the PS applies them) and batched inference.
// Tensors live only inside tf.tidy or until the explicit dispose below, so the tensor count is the same
// after every step; values leave as plain Float32Arrays.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { NodalError } from '../../config/errors.js';
import { MODEL_INPUT_SHAPE } from './architectures.js';

/** Mean binary cross-entropy of the batch and its gradient for every trainable variable, by spec name. */
export interface LossAndGradients {
  loss: number;
  grads: Map<string, Float32Array>;
}

const PIXELS_PER_PATCH = MODEL_INPUT_SHAPE[0] * MODEL_INPUT_SHAPE[1] * MODEL_INPUT_SHAPE[2];
// Keras' epsilon: keeps log() finite when the sigmoid saturates.
const PROBABILITY_EPSILON = 1e-7;

function batchSize(xs: tf.Tensor | Float32Array): number {
  if (xs instanceof Float32Array) {
    if (xs.length === 0 || xs.length % PIXELS_PER_PATCH !== 0) {
      throw new NodalError(
        'VALIDATION',
        `input length ${xs.length} is not a positive multiple of ${PIXELS_PER_PATCH}`,
      );
    }
    return xs.length / PIXELS_PER_PATCH;
  }
  const [n, ...rest] = xs.shape;
  if (rest.join() !== MODEL_INPUT_SHAPE.join()) {
    throw new NodalError(
      'VALIDATION',
      `input shape [${xs.shape.join(',')}] is not [n,${MODEL_INPUT_SHAPE.join(',')}]`,
    );
  }
  return n;
}

const asInput = (xs: tf.Tensor | Float32Array, n: number): tf.Tensor4D =>
  xs instanceof Float32Array ? tf.tensor4d(xs, [n, ...MODEL_INPUT_SHAPE]) : (xs as tf.Tensor4D);

/** Mean binary cross-entropy between labels `y` (n×1, 0/1) and probabilities `p` (n×1). */
export function binaryCrossEntropy(y: tf.Tensor, p: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const q = tf.clipByValue(p, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
    const ll = tf.add(tf.mul(y, tf.log(q)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, q))));
    return tf.neg(tf.mean(ll)) as tf.Scalar;
  });
}

/**
 * Forward and backward pass on one batch in training mode: `xs` is n×96×96×3 in [0, 1] (a tensor, or a
 * flat Float32Array), `ys` n labels 0/1. Returns the loss and one gradient array per trainable variable,
 * keyed like `variableSpecs`. Leaves no tensor behind; does not change the weights.
 */
export function lossAndGradients(
  model: tfl.LayersModel,
  xs: tf.Tensor | Float32Array,
  ys: tf.Tensor | Uint8Array | Float32Array,
): LossAndGradients {
  const n = batchSize(xs);
  const yCount = ys instanceof tf.Tensor ? ys.size : ys.length;
  if (yCount !== n) throw new NodalError('VALIDATION', `${n} inputs but ${yCount} labels`);
  const trainable = model.trainableWeights;
  const vars = trainable.map((w) => w.read() as tf.Variable);
  // Tensors out of the tidy, values out after it: returning large arrays from tf.tidy walks every element.
  const { value, grads } = tf.tidy(() => {
    const x = asInput(xs, n);
    const y =
      ys instanceof tf.Tensor
        ? tf.reshape(tf.cast(ys, 'float32'), [n, 1])
        : tf.tensor2d(Float32Array.from(ys), [n, 1]);
    return tf.variableGrads(
      () => binaryCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
      vars,
    );
  });
  try {
    const out = new Map<string, Float32Array>();
    trainable.forEach((w, i) => {
      const g = grads[vars[i].name];
      out.set(w.originalName, Float32Array.from(g.dataSync() as Float32Array));
    });
    return { loss: value.dataSync()[0], grads: out };
  } finally {
    value.dispose();
    tf.dispose(Object.values(grads));
  }
}

/** Tumour probabilities for n patches (inference mode), computed `chunkSize` patches at a time. */
export function predictProbabilities(
  model: tfl.LayersModel,
  xs: tf.Tensor | Float32Array,
  chunkSize = 64,
): Float32Array {
  const n = batchSize(xs);
  const out = new Float32Array(n);
  for (let start = 0; start < n; start += chunkSize) {
    const end = Math.min(n, start + chunkSize);
    const p = tf.tidy(() => {
      const chunk =
        xs instanceof Float32Array
          ? tf.tensor4d(xs.subarray(start * PIXELS_PER_PATCH, end * PIXELS_PER_PATCH), [
              end - start,
              ...MODEL_INPUT_SHAPE,
            ])
          : tf.slice(xs, [start, 0, 0, 0], [end - start, -1, -1, -1]);
      return model.apply(chunk, { training: false }) as tf.Tensor;
    });
    out.set(p.dataSync() as Float32Array, start);
    p.dispose();
  }
  return out;
}
