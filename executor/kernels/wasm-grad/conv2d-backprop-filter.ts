// Conv2DBackpropFilter for the wasm backend (stock tfjs-backend-wasm has none).
//
// Fast path: one SIMD pass that forms dW = Σ x-patch ⊗ dy directly from a zero-padded copy of x (an
// implicit im2col: no patch matrix, no transposes, no weight packing), for any stride and padding.
// Fallback (no wasm SIMD): the filter gradient as one XNNPACK forward convolution of the transposed
// input with the transposed dy as filter, dilated by the stride.
import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, heapOffset, release, runWasmKernel, type WasmBackend } from './wasm-backend.js';
import type { SimdExports } from './simd/programs.js';

/**
 * Copies rows [0, rows) × cols [0, cols) of the image (b, ·, ·, ·) of NHWC `src` shifted down/right by
 * (padTop, padLeft) into `dst` (rows × cols), zero where the source is out of bounds.
 */
function padInto(
  heap: Float32Array,
  src: number,
  dst: number,
  [batch, inH, inW, channels]: number[],
  rows: number,
  cols: number,
  padTop: number,
  padLeft: number,
): void {
  const colLo = Math.min(cols, padLeft);
  const colHi = Math.max(colLo, Math.min(cols, inW + padLeft));
  const rowFloats = cols * channels;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < rows; i++) {
      const d = dst + (b * rows + i) * rowFloats;
      const srcRow = i - padTop;
      if (srcRow < 0 || srcRow >= inH) {
        heap.fill(0, d, d + rowFloats);
        continue;
      }
      const s = src + ((b * inH + srcRow) * inW + (colLo - padLeft)) * channels;
      heap.fill(0, d, d + colLo * channels);
      heap.copyWithin(d + colLo * channels, s, s + (colHi - colLo) * channels);
      heap.fill(0, d + colHi * channels, d + rowFloats);
    }
  }
}

/** Copies the channels of NHWC `src` (C) into `dst` (C4 ≥ C), zero-filling the extra channels. */
function widenChannels(
  heap: Float32Array,
  src: number,
  dst: number,
  pixels: number,
  c: number,
  c4: number,
): void {
  for (let p = 0; p < pixels; p++) {
    heap.copyWithin(dst + p * c4, src + p * c, src + (p + 1) * c);
    heap.fill(0, dst + p * c4 + c, dst + (p + 1) * c4);
  }
}

/** dW (filterShape [kH,kW,inC,outC]) of an NHWC conv with dilation 1, by the SIMD kernel. */
export function conv2dBackpropFilterSimd(
  backend: WasmBackend,
  simd: SimdExports,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const out = backend.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  if (batchSize * outHeight * outWidth === 0) {
    const o = heapOffset(backend, out) / 4;
    heapF32(backend).fill(0, o, o + filterHeight * filterWidth * inChannels * outChannels);
    return out;
  }
  // Rows/cols of x the taps reach; pad (or crop) x to exactly that so the kernel never bounds-checks.
  const rows = (outHeight - 1) * strideHeight + filterHeight;
  const cols = (outWidth - 1) * strideWidth + filterWidth;
  const usesXInPlace = padInfo.top === 0 && padInfo.left === 0 && rows <= inHeight && cols <= inWidth;
  const outC4 = Math.ceil(outChannels / 4) * 4;
  const scratch: TensorInfo[] = [];
  const xp = usesXInPlace ? x : backend.makeOutput([batchSize, rows, cols, inChannels], 'float32');
  if (!usesXInPlace) scratch.push(xp);
  const dy4 =
    outC4 === outChannels ? dy : backend.makeOutput([batchSize, outHeight, outWidth, outC4], 'float32');
  if (dy4 !== dy) scratch.push(dy4);
  const dw4 =
    outC4 === outChannels
      ? out
      : backend.makeOutput([filterHeight, filterWidth, inChannels, outC4], 'float32');
  if (dw4 !== out) scratch.push(dw4);

  const heap = heapF32(backend); // after the last allocation
  if (!usesXInPlace) {
    padInto(
      heap,
      heapOffset(backend, x) / 4,
      heapOffset(backend, xp) / 4,
      x.shape,
      rows,
      cols,
      padInfo.top,
      padInfo.left,
    );
  }
  if (dy4 !== dy) {
    widenChannels(
      heap,
      heapOffset(backend, dy) / 4,
      heapOffset(backend, dy4) / 4,
      batchSize * outHeight * outWidth,
      outChannels,
      outC4,
    );
  }
  const dwOff = heapOffset(backend, dw4) / 4;
  heap.fill(0, dwOff, dwOff + filterHeight * filterWidth * inChannels * outC4);

  const xRowBytes = (usesXInPlace ? inWidth : cols) * inChannels * 4;
  const xImageBytes = (usesXInPlace ? inHeight : rows) * xRowBytes;
  simd.conv_filter_grad(
    heapOffset(backend, xp),
    heapOffset(backend, dy4),
    heapOffset(backend, dw4),
    batchSize,
    outHeight,
    outWidth,
    inChannels,
    outC4,
    filterHeight,
    filterWidth,
    xImageBytes,
    xRowBytes,
    strideHeight * xRowBytes,
    strideWidth * inChannels * 4,
  );

  if (dw4 !== out) {
    const o = heapOffset(backend, out) / 4;
    const taps = filterHeight * filterWidth * inChannels;
    for (let r = 0; r < taps; r++)
      heap.copyWithin(o + r * outChannels, dwOff + r * outC4, dwOff + r * outC4 + outChannels);
  }
  release(backend, ...scratch);
  return out;
}

/**
 * dW of an NHWC conv with dilation 1 as an XNNPACK convolution: input xᵀ [inC, H, W, batch], filter
 * dyᵀ [outH, outW, batch, outC] dilated by the stride, output [inC, kH, kW, outC] transposed to dW.
 */
export function conv2dBackpropFilterComposed(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const {
    inHeight,
    inWidth,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    padInfo,
  } = info;
  // Rows/cols of padded x the taps reach; negative bottom/right padding means unused rows: crop them.
  const padBottom = (outHeight - 1) * strideHeight + filterHeight - inHeight - padInfo.top;
  const padRight = (outWidth - 1) * strideWidth + filterWidth - inWidth - padInfo.left;
  const scratch: TensorInfo[] = [];
  let xUsed = x;
  if (padBottom < 0 || padRight < 0) {
    xUsed = runWasmKernel(
      'Slice',
      backend,
      { x },
      {
        begin: [0, 0, 0, 0],
        size: [x.shape[0], inHeight + Math.min(0, padBottom), inWidth + Math.min(0, padRight), x.shape[3]],
      },
    );
    scratch.push(xUsed);
  }
  const xT = runWasmKernel('Transpose', backend, { x: xUsed }, { perm: [3, 1, 2, 0] });
  const dyT = runWasmKernel('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const conv = runWasmKernel(
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [padInfo.top, Math.max(0, padBottom)],
        [padInfo.left, Math.max(0, padRight)],
        [0, 0],
      ],
      dilations: [strideHeight, strideWidth],
      dataFormat: 'NHWC',
    },
  );
  const dw = runWasmKernel('Transpose', backend, { x: conv }, { perm: [1, 2, 0, 3] });
  release(backend, xT, dyT, conv, ...scratch);
  return dw;
}
