// The model API the worker, parameter server and evaluator code against. Backend-agnostic: it runs on
// whichever backend executor/backend selected, through the one shared tfjs-core engine.
import type * as tfl from '@tensorflow/tfjs-layers';
import { NodalError } from '../../config/errors.js';
import { MODEL_NAMES, largeCnn, smallCnn, type ModelName } from './architectures.js';

export { MODEL_INPUT_SHAPE, MODEL_NAMES, type ModelName } from './architectures.js';
export {
  variableSpecs,
  getFlatWeights,
  setFlatWeights,
  parameterCount,
  type VariableSpec,
} from './weights.js';
export {
  lossAndGradients,
  predictProbabilities,
  binaryCrossEntropy,
  type LossAndGradients,
} from './train-step.js';
export { exportModel, loadModel, fileIO, MODEL_JSON, WEIGHTS_BIN } from './file-io.js';

export interface BuildOptions {
  /** Seed of the initial weights: the same seed gives the same weights in every process. */
  seed?: number;
}

/**
 * Builds an uncompiled model (the trainer computes gradients itself): `small-cnn` (27,809 parameters,
 * the default on CPUs) or `large-cnn` (for GPUs). Throws VALIDATION for an unknown name.
 */
export function buildModel(name: ModelName, opts: BuildOptions = {}): tfl.LayersModel {
  switch (name) {
    case 'small-cnn':
      return smallCnn(opts.seed);
    case 'large-cnn':
      return largeCnn(opts.seed);
    default:
      throw new NodalError('VALIDATION', `unknown model ${String(name)}; known: ${MODEL_NAMES.join(', ')}`);
  }
}

/** The model a backend trains well by default: the large one where a GPU does the work. */
export const defaultModelFor = (backendName: string): ModelName =>
  backendName === 'tfjs-node-gpu' ? 'large-cnn' : 'small-cnn';
