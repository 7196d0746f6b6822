// Identity (tf.clone, used by tfjs-layers on every layer output in training) and Cast to the same dtype
// copy the whole tensor on stock wasm. Tensors are immutable and the wasm backend already shares data
// between tensors (Reshape does), so these share it too — what the cpu and webgl backends do.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackend } from './wasm-backend.js';

/** A new TensorInfo on x's data (reference-counted), for a non-string x. */
export function sharedView(backend: WasmBackend, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
