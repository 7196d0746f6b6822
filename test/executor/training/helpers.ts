// Fixtures for the training-role tests: a model small enough to train on the pure-JS cpu backend in
// seconds (the roles are model-agnostic; the default CNNs need the wasm kernels or tfjs-node), and a
// synthetic PCam dataset written with the real writer and read with the real loader.
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../../executor/backend/index.js';
import { openPcamSplit, type PcamSplit } from '../../../executor/data/pcam.js';
import { writeSyntheticPcam } from '../../../executor/data/synth.js';
import { tfjsTrainable, type Trainable } from '../../../executor/training/trainable.js';

/**
 * Average-pool 8×8 → centre (stain colours sit near 0.7; uncentred inputs leave the problem so badly
 * conditioned that a few dozen steps barely move the decision threshold) → dense 16 → dense 1. Learns the
 * synthetic tumour/normal difference in a few dozen steps.
 */
export function tinyTrainable(seed = 1): Trainable {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: seed * 10 + k });
  const model = tfl.sequential({
    layers: [
      tfl.layers.averagePooling2d({ name: 'pool', poolSize: 8, inputShape: [96, 96, 3] }),
      tfl.layers.rescaling({ name: 'centre', scale: 4, offset: -2.8 }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ name: 'fc', units: 16, activation: 'relu', kernelInitializer: init(1) }),
      tfl.layers.dense({ name: 'out', units: 1, activation: 'sigmoid', kernelInitializer: init(2) }),
    ],
  });
  return tfjsTrainable(model);
}

export async function useCpuBackend(): Promise<void> {
  await selectBackend('cpu');
}

export interface SynthSplits {
  train: PcamSplit;
  valid: PcamSplit;
  test: PcamSplit;
  close(): void;
}

export async function synthSplits(
  dir: string,
  sizes: { train: number; valid: number; test: number },
  seed = 11,
): Promise<SynthSplits> {
  await writeSyntheticPcam(dir, { ...sizes, seed });
  const [train, valid, test] = await Promise.all([
    openPcamSplit(dir, 'train'),
    openPcamSplit(dir, 'valid'),
    openPcamSplit(dir, 'test'),
  ]);
  return {
    train,
    valid,
    test,
    close() {
      train.close();
      valid.close();
      test.close();
    },
  };
}
