// Which TensorFlow.js backends to try, in order. Pure: the loading happens in index.ts.

/** A backend as configured (`executor.backend`). */
export type BackendPreference = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
/** A concrete backend: the name reported to operators. */
export type BackendName = Exclude<BackendPreference, 'auto'>;

/** The tfjs engine's name for each backend (both tfjs-node packages register `tensorflow`). */
export const ENGINE_BACKEND: Record<BackendName, string> = {
  'tfjs-node-gpu': 'tensorflow',
  'tfjs-node': 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

/** The npm package that provides each backend. */
export const BACKEND_PACKAGE: Record<BackendName, string> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/**
 * Backends to try for a preference, best first. `auto` ends with the pure-JS cpu backend only as a last
 * resort (about 200x slower than wasm for training); an explicit choice is tried alone.
 */
export function backendCandidates(pref: BackendPreference): BackendName[] {
  return pref === 'auto' ? ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] : [pref];
}
