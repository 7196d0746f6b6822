// Gradient kernels that make the tfjs WASM backend able to train CNNs, and fast at it.
//
// Contract: `registerWasmGradientKernels(tf?)` registers, for backend 'wasm' in the tfjs kernel registry,
//   - Conv2DBackpropFilter (missing from stock wasm): a SIMD implicit-im2col kernel, any stride/padding;
//   - Conv2DBackpropInput: an XNNPACK forward convolution of the (stride-dilated) dy with the rotated
//     filter, where that convolution's padding is non-negative; the stock kernel otherwise;
//   - MaxPoolGrad: a SIMD kernel with the cpu backend's routing rule (stock wasm is wrong for windows
//     whose maximum is ≤ 0);
//   - Sum: a SIMD pass for sums over all leading axes (bias gradients); the stock kernel otherwise;
//   - Identity, and Cast to the same dtype: share the input's data instead of copying it (as the cpu and
//     webgl backends do; tfjs-layers clones every layer output in training);
// so standard tfjs ops, layers and optimizers use them unchanged. Results match the cpu backend to float32
// rounding. Where wasm SIMD is unavailable the filter gradient is one XNNPACK convolution and the others
// take scalar or stock paths: slower, never a different answer. NHWC is the fast layout (NCHW: the
// filter gradient transposes to NHWC, the input gradient uses the stock kernel). Idempotent; the replaced stock kernels stay reachable for the fallbacks and are put
// back by `unregisterWasmGradientKernels`. Kernels are per process (the registry is global): call it once
// after loading @tensorflow/tfjs-backend-wasm, before or after `setBackend('wasm')`.
import * as tfc from '@tensorflow/tfjs-core';
import type {
  CastAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
  MaxPoolGradAttrs,
  NamedAttrMap,
  SumAttrs,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { NodalError } from '../../../config/errors.js';
import { conv2dBackpropFilterComposed, conv2dBackpropFilterSimd } from './conv2d-backprop-filter.js';
import { backpropInputPadding, conv2dBackpropInputComposed } from './conv2d-backprop-input.js';
import { maxPoolGrad } from './max-pool-grad.js';
import { simdKernelsFor } from './simd/instance.js';
import type { SimdExports } from './simd/programs.js';
import { sharedView } from './share.js';
import { isLeadingAxesSum, leadingAxesSum } from './sum.js';
import { release, runWasmKernel, type KernelFn, type WasmBackend } from './wasm-backend.js';

/** The kernel names we register for 'wasm', in registration order. */
export const WASM_GRADIENT_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'MaxPoolGrad',
  'Sum',
  'Identity',
  'Cast',
] as const;
export type WasmGradientKernelName = (typeof WASM_GRADIENT_KERNELS)[number];

/** The registry functions used; defaults to this project's @tensorflow/tfjs-core. */
export type KernelRegistry = Pick<typeof tfc, 'getKernel' | 'registerKernel' | 'unregisterKernel'>;

export interface WasmGradientKernelOptions {
  /** Use the SIMD kernels where the engine supports them (default true); false forces the fallbacks. */
  simd?: boolean;
}

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: NamedAttrMap;
}
type Impl = (args: Args, stock: KernelFn | undefined, simd: SimdExports | null) => TensorInfo;

const MARK = Symbol.for('nodal.wasmGradientKernel');
interface Marked {
  [MARK]?: { simd: boolean; stock: KernelConfig | undefined };
}

function callStock(stock: KernelFn | undefined, name: string, args: Args): TensorInfo {
  if (!stock) throw new NodalError('UNAVAILABLE', `no stock wasm '${name}' kernel to fall back to`);
  return stock(args) as TensorInfo;
}

const conv2dBackpropFilter: Impl = ({ inputs, backend, attrs }, _stock, simd) => {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as Conv2DBackpropFilterAttrs;
  let { x, dy } = inputs;
  const scratch: TensorInfo[] = [];
  if (tfc.backend_util.convertConv2DDataFormat(dataFormat) === 'channelsFirst') {
    x = runWasmKernel('Transpose', backend, { x }, { perm: [0, 2, 3, 1] });
    dy = runWasmKernel('Transpose', backend, { x: dy }, { perm: [0, 2, 3, 1] });
    scratch.push(x, dy);
  }
  const info = tfc.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const dw = simd
    ? conv2dBackpropFilterSimd(backend, simd, x, dy, info)
    : conv2dBackpropFilterComposed(backend, x, dy, info);
  release(backend, ...scratch);
  return dw;
};

const conv2dBackpropInput: Impl = (args, stock) => {
  const { inputs, backend, attrs } = args;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
    attrs as unknown as Conv2DBackpropInputAttrs;
  if (tfc.backend_util.convertConv2DDataFormat(dataFormat) !== 'channelsLast') {
    return callStock(stock, 'Conv2DBackpropInput', args);
  }
  const filter = inputs.filter;
  const info = tfc.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const padding = backpropInputPadding(info);
  if (!padding || inputs.dy.dtype !== 'float32') return callStock(stock, 'Conv2DBackpropInput', args);
  return conv2dBackpropInputComposed(backend, inputs.dy, filter, info, padding);
};

const maxPoolGradKernel: Impl = (args, stock, simd) => {
  const { inputs, backend, attrs } = args;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const { dy, input } = inputs;
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') return callStock(stock, 'MaxPoolGrad', args);
  const info = tfc.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  return maxPoolGrad(backend, simd, dy, input, info);
};

const sum: Impl = (args, stock, simd) => {
  const { axis, keepDims } = args.attrs as unknown as SumAttrs;
  const x = args.inputs.x;
  if (simd && isLeadingAxesSum(x, axis)) return leadingAxesSum(args.backend, simd, x, keepDims);
  return callStock(stock, 'Sum', args);
};

const identity: Impl = (args, stock) =>
  args.inputs.x.dtype === 'string'
    ? callStock(stock, 'Identity', args)
    : sharedView(args.backend, args.inputs.x);

const cast: Impl = (args, stock) => {
  const x = args.inputs.x;
  const { dtype } = args.attrs as unknown as CastAttrs;
  const same = dtype === x.dtype && dtype !== 'string' && dtype !== 'complex64';
  return same ? sharedView(args.backend, x) : callStock(stock, 'Cast', args);
};

const IMPLEMENTATIONS: Record<WasmGradientKernelName, Impl> = {
  Conv2DBackpropFilter: conv2dBackpropFilter,
  Conv2DBackpropInput: conv2dBackpropInput,
  MaxPoolGrad: maxPoolGradKernel,
  Sum: sum,
  Identity: identity,
  Cast: cast,
};

function makeKernel(
  name: WasmGradientKernelName,
  useSimd: boolean,
  stock: KernelConfig | undefined,
): KernelFunc {
  const impl = IMPLEMENTATIONS[name];
  const stockFn = stock?.kernelFunc as unknown as KernelFn | undefined;
  const kernelFunc = ((args: Args) =>
    impl(args, stockFn, useSimd ? simdKernelsFor(args.backend.wasm) : null)) as unknown as KernelFunc &
    Marked;
  kernelFunc[MARK] = { simd: useSimd, stock };
  return kernelFunc;
}

/**
 * Registers the kernels above for 'wasm' (see the contract at the top of this file) and returns their
 * names. Calling it again is a no-op, or switches the SIMD option; it never stacks kernels.
 */
export function registerWasmGradientKernels(
  tf: KernelRegistry = tfc,
  options: WasmGradientKernelOptions = {},
): { registered: string[] } {
  const useSimd = options.simd ?? true;
  for (const name of WASM_GRADIENT_KERNELS) {
    const existing = tf.getKernel(name, 'wasm');
    const mark = (existing?.kernelFunc as Marked | undefined)?.[MARK];
    if (mark && mark.simd === useSimd) continue;
    const stock = mark ? mark.stock : existing;
    if (existing) tf.unregisterKernel(name, 'wasm');
    // Keep the stock setup/dispose hooks: a wasm backend initialised later must still set up the stock
    // kernel our fallbacks call.
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: makeKernel(name, useSimd, stock),
      ...(stock?.setupFunc ? { setupFunc: stock.setupFunc } : {}),
      ...(stock?.disposeFunc ? { disposeFunc: stock.disposeFunc } : {}),
    });
  }
  return { registered: [...WASM_GRADIENT_KERNELS] };
}

/** Removes our kernels and puts back the stock ones they replaced (for tests and comparisons). */
export function unregisterWasmGradientKernels(tf: KernelRegistry = tfc): void {
  for (const name of WASM_GRADIENT_KERNELS) {
    const existing = tf.getKernel(name, 'wasm');
    const mark = (existing?.kernelFunc as Marked | undefined)?.[MARK];
    if (!mark) continue;
    tf.unregisterKernel(name, 'wasm');
    if (mark.stock) tf.registerKernel(mark.stock);
  }
}
