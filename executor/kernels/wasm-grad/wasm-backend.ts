// The slice of tfjs-backend-wasm's backend object our kernels touch, and helpers to run its stock kernels
// and manage scratch tensors without going through the engine (no tape, no tensor bookkeeping).
import type { DataId, DataType, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-core';
import { NodalError } from '../../../config/errors.js';
import { backendMemory } from './simd/instance.js';

/** Structural view of `BackendWasm` (tfjs-backend-wasm 4.x). */
export interface WasmBackend {
  wasm: object;
  dataIdMap: { get(dataId: DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
}

/** A kernel function as the registry stores it, narrowed to what we call. */
export type KernelFn = (args: {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs?: NamedAttrMap;
}) => TensorInfo | TensorInfo[];

/** Byte offset of a tensor's data on the wasm heap. */
export function heapOffset(backend: WasmBackend, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new NodalError('INTERNAL', 'tensor is not on the wasm backend', { shape: t.shape });
  return data.memoryOffset;
}

/**
 * A float32 view of the whole heap. Take it after the last allocation of a kernel: growing the heap
 * detaches earlier views.
 */
export function heapF32(backend: WasmBackend): Float32Array {
  const memory = backendMemory(backend.wasm);
  if (!memory) throw new NodalError('INTERNAL', 'the wasm backend heap is not reachable');
  return new Float32Array(memory.buffer);
}

/** Runs a kernel registered for 'wasm' (by name, at call time) directly on the backend. */
export function runWasmKernel(
  name: string,
  backend: WasmBackend,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const config = tfc.getKernel(name, 'wasm');
  if (!config) throw new NodalError('UNAVAILABLE', `no '${name}' kernel registered for wasm`);
  return (config.kernelFunc as unknown as KernelFn)({ inputs, backend, attrs }) as TensorInfo;
}

/** Frees intermediate results made by kernels called directly (never a kernel's own inputs). */
export function release(backend: WasmBackend, ...tensors: TensorInfo[]): void {
  for (const t of tensors) backend.disposeData(t.dataId);
}

/** The same data under another shape (no copy: the caller must not dispose the view). */
export const reshaped = (t: TensorInfo, shape: number[]): TensorInfo => ({ ...t, shape });
