// MaxPoolGrad for the wasm backend. The stock kernel routes the gradient wrongly when a window's maximum
// is ≤ 0 (TFJS-NOTES); ours follows the cpu backend's rule exactly: each dy element goes to the first
// element of its window, in row-major order, that is strictly greater than all before it (starting
// from −∞). So ties go to the first maximum, NaN is never chosen, and an all −∞/NaN window passes
// nothing. Overlapping windows add up.
import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, heapOffset, type WasmBackend } from './wasm-backend.js';
import type { SimdExports } from './simd/programs.js';

type PoolInfo = backend_util.Conv2DInfo;

/** Scalar implementation of the rule above (any channel count); `dx` must be zeroed. */
function maxPoolGradScalar(heap: Float32Array, x: number, dy: number, dx: number, info: PoolInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const { filterHeight: kH, filterWidth: kW, strideHeight: sh, strideWidth: sw, padInfo } = info;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const r0 = oh * sh - padInfo.top;
      const rMin = Math.max(r0, 0);
      const rMax = Math.min(r0 + kH, inHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const c0 = ow * sw - padInfo.left;
        const cMin = Math.max(c0, 0);
        const cMax = Math.min(c0 + kW, inWidth);
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let r = rMin; r < rMax; r++) {
            for (let col = cMin; col < cMax; col++) {
              const i = ((b * inHeight + r) * inWidth + col) * c + ch;
              if (heap[x + i] > best) {
                best = heap[x + i];
                at = i;
              }
            }
          }
          if (at >= 0) heap[dx + at] += heap[dy + ((b * outHeight + oh) * outWidth + ow) * c + ch];
        }
      }
    }
  }
}

/** True when the windows are 2×2, stride 2, unpadded and inside the input: they tile it. */
function tiles2x2(info: PoolInfo): boolean {
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  return (
    filterHeight === 2 &&
    filterWidth === 2 &&
    strideHeight === 2 &&
    strideWidth === 2 &&
    padInfo.top === 0 &&
    padInfo.left === 0 &&
    2 * info.outHeight <= info.inHeight &&
    2 * info.outWidth <= info.inWidth
  );
}

/**
 * dx for `max_pool(input)` given dy, by the SIMD kernels where channels % 4 == 0 and `simd` is given,
 * by a scalar loop otherwise. `info` is `computePool2DInfo(input.shape, …)` (dilation 1, NHWC).
 */
export function maxPoolGrad(
  backend: WasmBackend,
  simd: SimdExports | null,
  dy: TensorInfo,
  input: TensorInfo,
  info: PoolInfo,
): TensorInfo {
  const dx = backend.makeOutput(input.shape, 'float32');
  const heap = heapF32(backend);
  const dxOff = heapOffset(backend, dx);
  const vectorised = simd !== null && info.inChannels % 4 === 0;
  const fast2x2 = vectorised && tiles2x2(info);
  const fullyCovered = fast2x2 && 2 * info.outHeight === info.inHeight && 2 * info.outWidth === info.inWidth;
  if (!fullyCovered) heap.fill(0, dxOff / 4, dxOff / 4 + input.shape.reduce((a, b) => a * b, 1));
  if (fast2x2) {
    simd.max_pool_grad_2x2(
      heapOffset(backend, input),
      heapOffset(backend, dy),
      dxOff,
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
    );
  } else if (vectorised) {
    simd.max_pool_grad(
      heapOffset(backend, input),
      heapOffset(backend, dy),
      dxOff,
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
      info.filterHeight,
      info.filterWidth,
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top,
      info.padInfo.left,
    );
  } else {
    maxPoolGradScalar(heap, heapOffset(backend, input) / 4, heapOffset(backend, dy) / 4, dxOff / 4, info);
  }
  return dx;
}
