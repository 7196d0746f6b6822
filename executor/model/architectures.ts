// The CNN architectures, in tfjs layers. Layer names are fixed so that variable names (`conv1/kernel`)
// are the same in every process: workers, parameter-server shards and the exported model agree on them.
// No batch normalization: its moving statistics are state outside the gradients the PS applies, and on
// wasm its backward pass alone costs more than the convolutions (TFJS-NOTES).
import * as tfl from '@tensorflow/tfjs-layers';
import { mixSeed } from '../data/rng.js';

export const MODEL_NAMES = ['small-cnn', 'large-cnn'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Input of every model: one 96×96 RGB patch scaled to [0, 1]. */
export const MODEL_INPUT_SHAPE: [number, number, number] = [96, 96, 3];

type Seeded = (offset: number) => ReturnType<typeof tfl.initializers.glorotUniform> | 'glorotUniform';

/** Glorot-uniform kernels, each layer with its own seed derived from `seed` (random when undefined). */
const initializerFrom =
  (seed: number | undefined): Seeded =>
  (offset) =>
    seed === undefined ? 'glorotUniform' : tfl.initializers.glorotUniform({ seed: mixSeed(seed, offset) });

function conv(name: string, filters: number, init: Seeded, offset: number, inputShape?: number[]) {
  return tfl.layers.conv2d({
    name,
    filters,
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
    kernelInitializer: init(offset),
    ...(inputShape ? { inputShape } : {}),
  });
}

/**
 * Default for CPUs: 3 × (conv 3×3 same + ReLU + max-pool 2) with 16/32/64 filters on the full 96×96 input,
 * global average pooling, dense 64 ReLU, dense 1 sigmoid — 27,809 parameters.
 */
export function smallCnn(seed?: number): tfl.Sequential {
  const init = initializerFrom(seed);
  return tfl.sequential({
    name: 'small_cnn',
    layers: [
      conv('conv1', 16, init, 1, MODEL_INPUT_SHAPE),
      tfl.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      conv('conv2', 32, init, 2),
      tfl.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
      conv('conv3', 64, init, 3),
      tfl.layers.maxPooling2d({ name: 'pool3', poolSize: 2 }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ name: 'fc1', units: 64, activation: 'relu', kernelInitializer: init(4) }),
      tfl.layers.dense({ name: 'out', units: 1, activation: 'sigmoid', kernelInitializer: init(5) }),
    ],
  });
}

/**
 * For GPUs: 4 blocks of two 3×3 convolutions (32/64/128/256 filters) with max-pooling, global average
 * pooling, dense 256 ReLU, dropout 0.3, dense 1 sigmoid — about 1.24 M parameters.
 */
export function largeCnn(seed?: number): tfl.Sequential {
  const init = initializerFrom(seed);
  const layers: tfl.layers.Layer[] = [];
  [32, 64, 128, 256].forEach((filters, b) => {
    const block = `block${b + 1}`;
    layers.push(conv(`${block}_conv1`, filters, init, 10 * b + 1, b === 0 ? MODEL_INPUT_SHAPE : undefined));
    layers.push(conv(`${block}_conv2`, filters, init, 10 * b + 2));
    layers.push(tfl.layers.maxPooling2d({ name: `${block}_pool`, poolSize: 2 }));
  });
  layers.push(tfl.layers.globalAveragePooling2d({ name: 'gap' }));
  layers.push(tfl.layers.dense({ name: 'fc1', units: 256, activation: 'relu', kernelInitializer: init(91) }));
  // Unseeded on purpose: a seeded tfjs dropout draws the same mask on every step.
  layers.push(tfl.layers.dropout({ name: 'drop1', rate: 0.3 }));
  layers.push(
    tfl.layers.dense({ name: 'out', units: 1, activation: 'sigmoid', kernelInitializer: init(93) }),
  );
  return tfl.sequential({ name: 'large_cnn', layers });
}
