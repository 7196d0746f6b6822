// Sum over every axis but the last — the bias gradient of a conv or dense layer. Stock wasm Sum first
// transposes the reduced axes to the end, which for a conv activation costs more than the sum itself;
// here it is one streaming SIMD pass, in blocks that keep float32 error small.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackend } from './wasm-backend.js';
import { CHANNEL_SUM_MAX_VECTORS, type SimdExports } from './simd/programs.js';

/** True when `Sum(x, axis)` reduces exactly the leading axes of a float32 x whose last dim is a multiple of 4. */
export function isLeadingAxesSum(x: TensorInfo, axis: number | number[]): boolean {
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || rank < 2 || x.shape[rank - 1] % 4 !== 0) return false;
  const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
  return axes.length === rank - 1 && axes.every((a, i) => a === i);
}

/** Σ of x over its leading axes, shape [C] or, with keepDims, [1,…,1,C]; needs `isLeadingAxesSum`. */
export function leadingAxesSum(
  backend: WasmBackend,
  simd: SimdExports,
  x: TensorInfo,
  keepDims: boolean,
): TensorInfo {
  const rank = x.shape.length;
  const channels = x.shape[rank - 1];
  const rows = util.sizeFromShape(x.shape) / channels;
  const out = backend.makeOutput(keepDims ? [...Array(rank - 1).fill(1), channels] : [channels], 'float32');
  const src = heapOffset(backend, x);
  const dst = heapOffset(backend, out);
  const sums = [simd.channel_sum_1, simd.channel_sum_2, simd.channel_sum_3, simd.channel_sum_4];
  for (let c = 0; c < channels; c += 4 * CHANNEL_SUM_MAX_VECTORS) {
    const vectors = Math.min(CHANNEL_SUM_MAX_VECTORS, (channels - c) / 4);
    sums[vectors - 1](src + 4 * c, dst + 4 * c, rows, 4 * channels);
  }
  return out;
}
