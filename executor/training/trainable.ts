// What the worker and evaluator need from a model, as one small interface over plain arrays, so the
// loops do not depend on tfjs (tests and benchmarks can hand in any model; production wraps a tfjs one).
import type * as tfl from '@tensorflow/tfjs-layers';
import { NodalError } from '../../config/errors.js';
import {
  getFlatWeights,
  lossAndGradients,
  predictProbabilities,
  setFlatWeights,
  variableSpecs,
} from '../model/index.js';
import type { VariableSpec } from '../ps/specs.js';

export interface Trainable {
  /** Every variable, in model order; all are trained (gradients cover them all). */
  readonly specs: readonly VariableSpec[];
  getWeights(): Map<string, Float32Array>;
  /** Copies `values` into the model; every variable must be present. */
  setWeights(values: ReadonlyMap<string, Float32Array>): void;
  /** Mean loss of a batch (x: n×96×96×3 in [0, 1]; y: n labels 0/1) and a gradient per variable. */
  lossAndGradients(x: Float32Array, y: Uint8Array): { loss: number; grads: Map<string, Float32Array> };
  /** Probabilities of class 1 for n inputs. */
  predict(x: Float32Array): Float32Array;
}

/**
 * A Trainable over a tfjs layers model (built on the selected backend). Throws VALIDATION when the model
 * has non-trainable weights: the PS holds every variable and applies gradients to all of them.
 */
export function tfjsTrainable(model: tfl.LayersModel): Trainable {
  const specs = variableSpecs(model);
  if (model.trainableWeights.length !== model.weights.length) {
    throw new NodalError(
      'VALIDATION',
      `model ${model.name} has non-trainable weights; the parameter server trains every variable`,
    );
  }
  return {
    specs,
    getWeights: () => getFlatWeights(model),
    setWeights: (values) => setFlatWeights(model, values),
    lossAndGradients: (x, y) => lossAndGradients(model, x, y),
    predict: (x) => predictProbabilities(model, x),
  };
}
