// A minimal WebAssembly binary encoder: just enough to emit our SIMD kernels as a module that imports the
// tfjs-backend-wasm memory, so the kernels read and write tensors in place on the wasm heap. Hand-emitting
// bytecode keeps the project free of a C toolchain; the opcode tables follow the WebAssembly 2.0 spec
// (core + fixed-width SIMD + bulk memory).

/** Value types (their binary encodings). */
export const ValType = { I32: 0x7f, F32: 0x7d, V128: 0x7b } as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Unsigned LEB128. */
function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

/** Signed LEB128 for a 32-bit integer. */
function sleb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

function section(out: number[], id: number, body: number[]): void {
  out.push(id);
  uleb(out, body.length);
  for (const b of body) out.push(b);
}

/** A local variable (parameters first, in declaration order) of the function being built. */
export type Local = number & { readonly __local: unique symbol };

const SIMD = 0xfd;

/**
 * Builds one function body. Methods emit instructions in stack-machine order and return `this`, so a
 * kernel reads top to bottom like the wasm text format.
 */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];
  readonly params: Local[];

  constructor(
    readonly name: string,
    readonly paramTypes: ValType[],
    readonly resultTypes: ValType[] = [],
    readonly exported = true,
  ) {
    this.params = paramTypes.map((_, i) => i as Local);
  }

  /** Declares a new local of `type` and returns its index. */
  local(type: ValType): Local {
    this.localTypes.push(type);
    return (this.paramTypes.length + this.localTypes.length - 1) as Local;
  }

  private op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
  private simd(opcode: number): this {
    this.code.push(SIMD);
    uleb(this.code, opcode);
    return this;
  }
  private memarg(alignLog2: number, offset: number): this {
    uleb(this.code, alignLog2);
    uleb(this.code, offset);
    return this;
  }

  // control
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  if_(): this {
    return this.op(0x04, 0x40);
  }
  else_(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    this.op(0x0c);
    uleb(this.code, depth);
    return this;
  }
  brIf(depth: number): this {
    this.op(0x0d);
    uleb(this.code, depth);
    return this;
  }
  call(funcIndex: number): this {
    this.op(0x10);
    uleb(this.code, funcIndex);
    return this;
  }

  // locals
  get(l: Local): this {
    this.op(0x20);
    uleb(this.code, l);
    return this;
  }
  set(l: Local): this {
    this.op(0x21);
    uleb(this.code, l);
    return this;
  }
  tee(l: Local): this {
    this.op(0x22);
    uleb(this.code, l);
    return this;
  }

  // i32
  i32(value: number): this {
    this.op(0x41);
    sleb(this.code, value);
    return this;
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32Eq(): this {
    return this.op(0x46);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32GtS(): this {
    return this.op(0x4a);
  }
  i32LeS(): this {
    return this.op(0x4c);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  select(): this {
    return this.op(0x1b);
  }

  // f32 scalar
  f32Load(offset = 0): this {
    return this.op(0x2a).memarg(2, offset);
  }
  f32Store(offset = 0): this {
    return this.op(0x38).memarg(2, offset);
  }

  // bulk memory
  memoryFill(): this {
    this.op(0xfc);
    uleb(this.code, 11);
    return this.op(0x00);
  }

  // SIMD
  v128Load(offset = 0): this {
    return this.simd(0x00).memarg(4, offset);
  }
  v128Load32Splat(offset = 0): this {
    return this.simd(0x09).memarg(2, offset);
  }
  v128Store(offset = 0): this {
    return this.simd(0x0b).memarg(4, offset);
  }
  v128Zero(): this {
    this.simd(0x0c);
    for (let i = 0; i < 16; i++) this.code.push(0);
    return this;
  }
  i32x4Splat(): this {
    return this.simd(0x11);
  }
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f32x4ExtractLane(lane: number): this {
    return this.simd(0x1f).op(lane);
  }
  i32x4Eq(): this {
    return this.simd(0x37);
  }
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  v128Andnot(): this {
    return this.simd(0x4f);
  }
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32Const(value: number): this {
    this.op(0x43);
    const bytes = new Uint8Array(new Float32Array([value]).buffer);
    for (const b of bytes) this.code.push(b);
    return this;
  }

  /** `l += delta` for i32 locals. */
  addLocal(l: Local, delta: Local): this {
    return this.get(l).get(delta).i32Add().set(l);
  }
  /** `l += k` for an i32 local and a constant. */
  addConst(l: Local, k: number): this {
    return this.get(l).i32(k).i32Add().set(l);
  }

  /**
   * Counted loop `for (i = from; i < to; i += 1) body()`, `from` a local or 0; `to` is read every
   * iteration. Does nothing when `from >= to`. (Locals and constants are both numbers at run time, hence
   * the explicit 0.)
   */
  forRange(i: Local, from: Local | 'zero', to: Local, body: () => void): this {
    if (from === 'zero') this.i32(0);
    else this.get(from);
    this.set(i);
    this.block();
    this.get(i).get(to).i32GeS().brIf(0);
    this.loop();
    body();
    this.addConst(i, 1);
    this.get(i).get(to).i32LtS().brIf(0);
    this.end();
    this.end();
    return this;
  }

  encodeBody(): number[] {
    const out: number[] = [];
    // Run-length encode the local declarations.
    const groups: Array<[number, ValType]> = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(out, groups.length);
    for (const [count, type] of groups) {
      uleb(out, count);
      out.push(type);
    }
    for (const b of this.code) out.push(b);
    out.push(0x0b);
    const sized: number[] = [];
    uleb(sized, out.length);
    return sized.concat(out);
  }
}

/**
 * Encodes a module whose functions are `functions` (indices in array order, usable with `call`), all
 * importing the non-shared memory `env.memory`. Functions flagged `exported` are exported by name.
 */
export function encodeModule(functions: FunctionBuilder[]): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

  const types: number[] = [];
  uleb(types, functions.length);
  for (const f of functions) {
    types.push(0x60);
    uleb(types, f.paramTypes.length);
    types.push(...f.paramTypes);
    uleb(types, f.resultTypes.length);
    types.push(...f.resultTypes);
  }
  section(out, 1, types);

  const imports: number[] = [];
  uleb(imports, 1);
  name(imports, 'env');
  name(imports, 'memory');
  imports.push(0x02, 0x00); // memory, limits without maximum
  uleb(imports, 1);
  section(out, 2, imports);

  const funcs: number[] = [];
  uleb(funcs, functions.length);
  functions.forEach((_, i) => uleb(funcs, i));
  section(out, 3, funcs);

  const exported = functions.map((f, i) => [f, i] as const).filter(([f]) => f.exported);
  const exports: number[] = [];
  uleb(exports, exported.length);
  for (const [f, i] of exported) {
    name(exports, f.name);
    exports.push(0x00);
    uleb(exports, i);
  }
  section(out, 7, exports);

  const code: number[] = [];
  uleb(code, functions.length);
  for (const f of functions) for (const b of f.encodeBody()) code.push(b);
  section(out, 10, code);

  return Uint8Array.from(out);
}
