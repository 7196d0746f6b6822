import { expect } from 'chai';
import {
  WASM_GRADIENT_KERNELS,
  registerWasmGradientKernels,
  unregisterWasmGradientKernels,
} from '../../../../executor/kernels/wasm-grad/index.js';
import { tf } from './support.js';

describe('registerWasmGradientKernels', () => {
  const current = () => WASM_GRADIENT_KERNELS.map((name) => tf.getKernel(name, 'wasm'));

  after(() => registerWasmGradientKernels(tf));

  it('registers every kernel for wasm and returns their names', () => {
    const { registered } = registerWasmGradientKernels(tf);
    expect(registered).to.deep.equal([...WASM_GRADIENT_KERNELS]);
    for (const config of current()) expect(config?.backendName).to.equal('wasm');
  });

  it('is idempotent: a second call changes nothing', () => {
    registerWasmGradientKernels(tf);
    const first = current().map((c) => c?.kernelFunc);
    expect(registerWasmGradientKernels(tf).registered).to.deep.equal([...WASM_GRADIENT_KERNELS]);
    expect(current().map((c) => c?.kernelFunc)).to.deep.equal(first);
  });

  it('switches between SIMD and fallback kernels without stacking them', () => {
    registerWasmGradientKernels(tf);
    const simd = current().map((c) => c?.kernelFunc);
    registerWasmGradientKernels(tf, { simd: false });
    const fallback = current().map((c) => c?.kernelFunc);
    fallback.forEach((f, i) => expect(f).to.not.equal(simd[i]));
    unregisterWasmGradientKernels(tf);
    // One unregister restores stock: our SIMD kernels were not kept underneath the fallback ones.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).to.equal(undefined);
    expect(tf.getKernel('Sum', 'wasm')?.kernelFunc).to.not.be.oneOf([...simd, ...fallback]);
  });

  it('keeps the stock setup hooks of the kernels it replaces', () => {
    unregisterWasmGradientKernels(tf);
    const stock = tf.getKernel('Sum', 'wasm');
    expect(stock?.setupFunc).to.be.a('function');
    registerWasmGradientKernels(tf);
    expect(tf.getKernel('Sum', 'wasm')?.setupFunc).to.equal(stock?.setupFunc);
    unregisterWasmGradientKernels(tf);
    expect(tf.getKernel('Sum', 'wasm')).to.equal(stock);
  });
});
