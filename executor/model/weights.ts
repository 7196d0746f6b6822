// Model variables as flat Float32Arrays keyed by stable names: the currency between workers, parameter
// server shards, checkpoints and the wire. Names are the layers' original weight names (`conv1/kernel`),
// not the engine's variable names, which get `_1` suffixes when a process builds a second model.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { NodalError } from '../../config/errors.js';

/** One variable of a model. `bytes` is the size of its float32 values. */
export interface VariableSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
  bytes: number;
}

/** Every weight of `model` in layer order (kernel before bias); the same order in every process. */
export function variableSpecs(model: tfl.LayersModel): VariableSpec[] {
  return model.weights.map((w) => {
    if (w.dtype !== 'float32')
      throw new NodalError('INTERNAL', `variable ${w.originalName} is ${w.dtype}, not float32`);
    // A weight's shape is always fully defined; `null` only appears in layer output shapes.
    const shape = w.shape.map((d) => d ?? 1);
    const size = shape.reduce((a, d) => a * d, 1);
    return { name: w.originalName, shape, dtype: 'float32', bytes: size * 4 };
  });
}

/** Total parameter count of a list of specs. */
export const parameterCount = (specs: readonly VariableSpec[]): number =>
  specs.reduce((a, s) => a + s.bytes / 4, 0);

/** A copy of every weight's values, keyed by spec name (copies: the cpu backend hands out its own storage). */
export function getFlatWeights(model: tfl.LayersModel): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const w of model.weights)
    out.set(w.originalName, Float32Array.from(w.read().dataSync() as Float32Array));
  return out;
}

/**
 * Assigns weights from flat arrays keyed by spec name. Every weight must be present with the right length
 * (throws VALIDATION otherwise, before anything is assigned); extra names are rejected too. The arrays are
 * copied, so callers may reuse them (the cpu backend would otherwise keep the caller's buffer).
 */
export function setFlatWeights(model: tfl.LayersModel, values: ReadonlyMap<string, Float32Array>): void {
  const specs = variableSpecs(model);
  for (const s of specs) {
    const v = values.get(s.name);
    if (!v) throw new NodalError('VALIDATION', `weights lack variable ${s.name}`, { name: s.name });
    if (v.length * 4 !== s.bytes) {
      throw new NodalError('VALIDATION', `variable ${s.name} needs ${s.bytes / 4} values, got ${v.length}`, {
        name: s.name,
      });
    }
  }
  if (values.size !== specs.length) {
    const known = new Set(specs.map((s) => s.name));
    const extra = [...values.keys()].filter((k) => !known.has(k));
    throw new NodalError('VALIDATION', `weights name unknown variables: ${extra.join(', ')}`, { extra });
  }
  model.weights.forEach((w, i) => {
    const t = tf.tensor(values.get(specs[i].name)!.slice(), specs[i].shape, 'float32');
    w.write(t);
    t.dispose();
  });
}
