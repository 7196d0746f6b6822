// Conv2DBackpropInput for the wasm backend as an XNNPACK forward convolution: dx is dy (zero-dilated by
// the stride) convolved with the filter rotated 180° and with in/out channels swapped, padded so the
// output is the input's size. The stock kernel is a scalar loop about 10x slower per FLOP.
import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, heapOffset, release, runWasmKernel, type WasmBackend } from './wasm-backend.js';

/** Paddings of the equivalent forward convolution, or null where they would be negative. */
export function backpropInputPadding(info: backend_util.Conv2DInfo): [number, number, number, number] | null {
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } =
    info;
  const top = filterHeight - 1 - info.padInfo.top;
  const left = filterWidth - 1 - info.padInfo.left;
  const dilatedH = (outHeight - 1) * strideHeight + 1;
  const dilatedW = (outWidth - 1) * strideWidth + 1;
  const bottom = inHeight + filterHeight - 1 - top - dilatedH;
  const right = inWidth + filterWidth - 1 - left - dilatedW;
  return top < 0 || left < 0 || bottom < 0 || right < 0 ? null : [top, bottom, left, right];
}

/** filter [kH,kW,inC,outC] → [kH,kW,outC,inC] rotated by 180° in (kH,kW). */
function rotatedTransposedFilter(backend: WasmBackend, filter: TensorInfo): TensorInfo {
  const [kH, kW, inC, outC] = filter.shape;
  const out = backend.makeOutput([kH, kW, outC, inC], 'float32');
  const heap = heapF32(backend);
  const src = heapOffset(backend, filter) / 4;
  const dst = heapOffset(backend, out) / 4;
  for (let a = 0; a < kH; a++) {
    for (let c = 0; c < kW; c++) {
      const s = src + ((kH - 1 - a) * kW + (kW - 1 - c)) * inC * outC;
      const d = dst + (a * kW + c) * outC * inC;
      for (let ci = 0; ci < inC; ci++) {
        for (let co = 0; co < outC; co++) heap[d + co * inC + ci] = heap[s + ci * outC + co];
      }
    }
  }
  return out;
}

/** dy [B,outH,outW,C] spread to [B,(outH−1)·sh+1,(outW−1)·sw+1,C] with zeros between the pixels. */
function dilate(backend: WasmBackend, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [batch, outH, outW, c] = dy.shape;
  const h = (outH - 1) * sh + 1;
  const w = (outW - 1) * sw + 1;
  const out = backend.makeOutput([batch, h, w, c], 'float32');
  const heap = heapF32(backend);
  const src = heapOffset(backend, dy) / 4;
  const dst = heapOffset(backend, out) / 4;
  heap.fill(0, dst, dst + batch * h * w * c);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        const s = src + ((b * outH + i) * outW + j) * c;
        heap.copyWithin(dst + ((b * h + i * sh) * w + j * sw) * c, s, s + c);
      }
    }
  }
  return out;
}

/**
 * dx of an NHWC conv (dilation 1) by XNNPACK; the caller checks `backpropInputPadding(info)` is non-null.
 */
export function conv2dBackpropInputComposed(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  padding: [number, number, number, number],
): TensorInfo {
  const [top, bottom, left, right] = padding;
  const scratch: TensorInfo[] = [];
  const stride1 = info.strideHeight === 1 && info.strideWidth === 1;
  const spread = stride1 ? dy : dilate(backend, dy, info.strideHeight, info.strideWidth);
  if (!stride1) scratch.push(spread);
  const rotated = rotatedTransposedFilter(backend, filter);
  scratch.push(rotated);
  const dx = runWasmKernel(
    'Conv2D',
    backend,
    { x: spread, filter: rotated },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dilations: [1, 1],
      dataFormat: 'NHWC',
    },
  );
  release(backend, ...scratch);
  return dx;
}
