import { expect } from 'chai';
import { buildSimdModule } from '../../../../../executor/kernels/wasm-grad/simd/programs.js';
import {
  FunctionBuilder,
  ValType,
  encodeModule,
} from '../../../../../executor/kernels/wasm-grad/simd/wasm-encoder.js';

interface Wasm {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (b: Uint8Array) => object;
  Instance: new (m: object, i: object) => { exports: Record<string, (...a: number[]) => number> };
  validate(b: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

function instantiate(bytes: Uint8Array) {
  const memory = new wasm.Memory({ initial: 1 });
  return { memory, exports: new wasm.Instance(new wasm.Module(bytes), { env: { memory } }).exports };
}

describe('wasm encoder', () => {
  it('encodes loops, locals and large constants that run as written', () => {
    const f = new FunctionBuilder('sum_below', [ValType.I32], [ValType.I32]);
    const [n] = f.params;
    const i = f.local(ValType.I32);
    const total = f.local(ValType.I32);
    f.i32(-300000).set(total); // a multi-byte negative LEB
    f.forRange(i, 'zero', n, () => f.addLocal(total, i));
    f.get(total);
    const { exports } = instantiate(encodeModule([f]));
    expect(exports.sum_below(1000)).to.equal(499500 - 300000);
    expect(exports.sum_below(0)).to.equal(-300000);
  });

  it('encodes SIMD loads, arithmetic and stores on the imported memory', () => {
    const f = new FunctionBuilder('axpy4', [ValType.I32, ValType.I32, ValType.I32]);
    const [a, b, out] = f.params;
    f.get(out)
      .get(a)
      .v128Load()
      .get(b)
      .v128Load32Splat()
      .f32x4Mul()
      .get(a)
      .v128Load(16)
      .f32x4Add()
      .v128Store();
    const { memory, exports } = instantiate(encodeModule([f]));
    const heap = new Float32Array(memory.buffer);
    heap.set([1, 2, 3, 4, 10, 20, 30, 40], 0);
    heap[16] = 0.5;
    exports.axpy4(0, 64, 128);
    expect(Array.from(heap.subarray(32, 36))).to.deep.equal([10.5, 21, 31.5, 42]);
  });

  it('produces a valid kernel module', () => {
    expect(wasm.validate(buildSimdModule())).to.equal(true);
  });
});
