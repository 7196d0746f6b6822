// The SIMD kernels, emitted as WebAssembly bytecode. Every pointer is a byte offset into the tfjs wasm
// heap; every tensor is float32, NHWC, dense. Vectors run along the innermost (channel) axis, so the
// callers guarantee that the vectorised channel count is a multiple of 4.
import { encodeModule, FunctionBuilder, ValType, type Local } from './wasm-encoder.js';

const { I32, V128 } = ValType;

/** Filter-gradient tile: rows of one tap × consecutive input channels, columns of output channels. */
const STRIP_ROWS = [1, 2, 3, 4] as const;
/** Output channels per tile: two vectors, then one for a remainder of 4. */
const STRIP_COLS = [8, 4] as const;
/** Rows summed in registers before adding into the running total, to keep float32 error small. */
export const SUM_BLOCK_ROWS = 256;

/**
 * `strip_R_N(x, dy, dw, count, xStep, dyStep, dwRowBytes)`: for `count` output pixels,
 * dw[r][c] += Σ x[r] · dy[c] with R rows (input channels, 4 bytes apart in x) and N columns (output
 * channels). The sum over the strip is formed in registers and added to dw once, which both saves
 * memory traffic and keeps the float32 accumulation chains short.
 */
function strip(rows: number, cols: number): FunctionBuilder {
  const f = new FunctionBuilder(`strip_${rows}_${cols}`, [I32, I32, I32, I32, I32, I32, I32], [], false);
  const [x, dy, dw, count, xStep, dyStep, dwRowBytes] = f.params;
  const vectors = cols / 4;
  const acc: Local[][] = [];
  for (let r = 0; r < rows; r++) acc.push(Array.from({ length: vectors }, () => f.local(V128)));
  const d = Array.from({ length: vectors }, () => f.local(V128));
  const s = f.local(V128);
  const i = f.local(I32);
  const row = f.local(I32);

  // Locals start at zero, so the accumulators need no initialisation; count >= 1 always.
  f.i32(0).set(i);
  f.loop();
  for (let c = 0; c < vectors; c++)
    f.get(dy)
      .v128Load(16 * c)
      .set(d[c]);
  for (let r = 0; r < rows; r++) {
    f.get(x)
      .v128Load32Splat(4 * r)
      .set(s);
    for (let c = 0; c < vectors; c++) {
      f.get(acc[r][c]).get(s).get(d[c]).f32x4Mul().f32x4Add().set(acc[r][c]);
    }
  }
  f.addLocal(x, xStep).addLocal(dy, dyStep).addConst(i, 1);
  f.get(i).get(count).i32LtS().brIf(0);
  f.end();

  f.get(dw).set(row);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < vectors; c++) {
      f.get(row)
        .get(row)
        .v128Load(16 * c)
        .get(acc[r][c])
        .f32x4Add()
        .v128Store(16 * c);
    }
    if (r + 1 < rows) f.addLocal(row, dwRowBytes);
  }
  return f;
}

/**
 * `conv_filter_grad(x, dy, dw, batch, outH, outW, inC, outC, kH, kW, xImageBytes, xRowBytes, xStepH,
 * xStepW)`: dw[kh,kw,ci,co] += Σ_{b,oh,ow} x[b, oh·sh + kh, ow·sw + kw, ci] · dy[b,oh,ow,co], where x is
 * already padded so every tap is in bounds (its image/row byte strides are given), `xStepH` = sh·xRowBytes
 * and `xStepW` = sw·inC·4. Requires outC % 4 == 0; `dw` must be zeroed by the caller.
 */
function convFilterGrad(strips: Map<string, number>): FunctionBuilder {
  const f = new FunctionBuilder('conv_filter_grad', Array(14).fill(I32));
  const [x, dy, dw, batch, outH, outW, inC, outC, kH, kW, xImageBytes, xRowBytes, xStepH, xStepW] = f.params;
  const b = f.local(I32);
  const oh = f.local(I32);
  const kh = f.local(I32);
  const kw = f.local(I32);
  const ci = f.local(I32);
  const co = f.local(I32);
  const xImg = f.local(I32);
  const xRow = f.local(I32);
  const dyRow = f.local(I32);
  const xTap = f.local(I32);
  const dwTap = f.local(I32);
  const rowsLeft = f.local(I32);
  const pixBytes = f.local(I32);
  const dyRowBytes = f.local(I32);
  const dwTapBytes = f.local(I32);

  f.get(outC).i32(4).i32Mul().set(pixBytes);
  f.get(outW).get(pixBytes).i32Mul().set(dyRowBytes);
  f.get(inC).get(pixBytes).i32Mul().set(dwTapBytes);
  f.get(dy).set(dyRow);

  // Columns for a tile of `rows` input channels starting at `ci`: 8 at a time, then 4.
  const columns = (rows: number) => {
    f.i32(0).set(co);
    f.block().loop();
    f.get(co).i32(8).i32Add().get(outC).i32GtS().brIf(1);
    emitStripCall(rows, 8);
    f.addConst(co, 8).br(0);
    f.end().end();
    f.get(co).i32(4).i32Add().get(outC).i32LeS().if_();
    emitStripCall(rows, 4);
    f.end();
  };
  const emitStripCall = (rows: number, cols: number) => {
    f.get(xTap).get(ci).i32(4).i32Mul().i32Add();
    f.get(dyRow).get(co).i32(4).i32Mul().i32Add();
    f.get(dwTap).get(ci).get(outC).i32Mul().get(co).i32Add().i32(4).i32Mul().i32Add();
    f.get(outW).get(xStepW).get(pixBytes).get(pixBytes);
    f.call(strips.get(`${rows}_${cols}`)!);
  };

  f.forRange(b, 'zero', batch, () => {
    f.get(x).get(b).get(xImageBytes).i32Mul().i32Add().set(xImg);
    f.forRange(oh, 'zero', outH, () => {
      f.get(xImg).get(oh).get(xStepH).i32Mul().i32Add().set(xRow);
      f.forRange(kh, 'zero', kH, () => {
        f.forRange(kw, 'zero', kW, () => {
          f.get(xRow).get(kh).get(xRowBytes).i32Mul().i32Add();
          f.get(kw).get(inC).i32Mul().i32(4).i32Mul().i32Add().set(xTap);
          f.get(dw).get(kh).get(kW).i32Mul().get(kw).i32Add().get(dwTapBytes).i32Mul().i32Add().set(dwTap);
          // Full tiles of 4 input channels, then one tile of the remaining 1–3.
          f.i32(0).set(ci);
          f.block().loop();
          f.get(ci).i32(4).i32Add().get(inC).i32GtS().brIf(1);
          columns(4);
          f.addConst(ci, 4).br(0);
          f.end().end();
          f.get(inC).get(ci).i32Sub().set(rowsLeft);
          for (const rows of [3, 2, 1]) {
            f.get(rowsLeft).i32(rows).i32Eq().if_();
            columns(rows);
            f.end();
          }
        });
      });
      f.addLocal(dyRow, dyRowBytes);
    });
  });
  return f;
}

/**
 * `max_pool_grad(x, dy, dx, batch, inH, inW, channels, outH, outW, kH, kW, sh, sw, padTop, padLeft)`:
 * routes each dy element to the first element of its window (row-major) that is strictly greater than
 * every earlier one, starting from -Infinity — the cpu backend's rule, so ties go to the first maximum,
 * NaN is never chosen, and a window of only -Infinity/NaN passes no gradient. Overlapping windows add up.
 * Requires channels % 4 == 0; `dx` must be zeroed by the caller.
 */
function maxPoolGrad(): FunctionBuilder {
  const f = new FunctionBuilder('max_pool_grad', Array(15).fill(I32));
  const [x, dy, dx, batch, inH, inW, channels, outH, outW, kH, kW, sh, sw, padTop, padLeft] = f.params;
  const b = f.local(I32);
  const oh = f.local(I32);
  const ow = f.local(I32);
  const cg = f.local(I32);
  const r = f.local(I32);
  const c = f.local(I32);
  const r0 = f.local(I32);
  const c0 = f.local(I32);
  const rMin = f.local(I32);
  const rMax = f.local(I32);
  const cMin = f.local(I32);
  const cMax = f.local(I32);
  const pixBytes = f.local(I32);
  const rowBytes = f.local(I32);
  const imgOff = f.local(I32);
  const off = f.local(I32);
  const dyPtr = f.local(I32);
  const tap = f.local(I32);
  const maxV = f.local(V128);
  const idx = f.local(V128);
  const v = f.local(V128);
  const m = f.local(V128);
  const g = f.local(V128);

  f.get(channels).i32(4).i32Mul().set(pixBytes);
  f.get(inW).get(pixBytes).i32Mul().set(rowBytes);
  f.get(dy).set(dyPtr);

  const clamp = (lo: Local, hi: Local, start: Local, size: Local, limit: Local) => {
    // lo = max(start, 0); hi = min(start + size, limit)
    f.get(start).i32(0).get(start).i32(0).i32GtS().select().set(lo);
    f.get(start).get(size).i32Add().set(hi);
    f.get(hi).get(limit).get(hi).get(limit).i32LtS().select().set(hi);
  };
  // off = imgOff + r·rowBytes + c·pixBytes + cg; tap = (r − r0)·kW + (c − c0)
  const address = () => {
    f.get(imgOff).get(r).get(rowBytes).i32Mul().i32Add().get(c).get(pixBytes).i32Mul().i32Add();
    f.get(cg).i32Add().set(off);
    f.get(r).get(r0).i32Sub().get(kW).i32Mul().get(c).get(c0).i32Sub().i32Add().set(tap);
  };

  f.forRange(b, 'zero', batch, () => {
    f.get(b).get(inH).i32Mul().get(rowBytes).i32Mul().set(imgOff);
    f.forRange(oh, 'zero', outH, () => {
      f.get(oh).get(sh).i32Mul().get(padTop).i32Sub().set(r0);
      clamp(rMin, rMax, r0, kH, inH);
      f.forRange(ow, 'zero', outW, () => {
        f.get(ow).get(sw).i32Mul().get(padLeft).i32Sub().set(c0);
        clamp(cMin, cMax, c0, kW, inW);
        f.i32(0).set(cg);
        f.block().loop();
        f.get(cg).get(pixBytes).i32GeS().brIf(1);
        f.f32Const(-Infinity).f32x4Splat().set(maxV);
        f.i32(-1).i32x4Splat().set(idx);
        f.forRange(r, rMin, rMax, () => {
          f.forRange(c, cMin, cMax, () => {
            address();
            f.get(x).get(off).i32Add().v128Load().set(v);
            f.get(v).get(maxV).f32x4Gt().set(m);
            f.get(v).get(maxV).get(m).v128Bitselect().set(maxV);
            f.get(tap).i32x4Splat().get(idx).get(m).v128Bitselect().set(idx);
          });
        });
        f.get(dyPtr).v128Load().set(g);
        f.forRange(r, rMin, rMax, () => {
          f.forRange(c, cMin, cMax, () => {
            address();
            f.get(dx).get(off).i32Add();
            f.get(dx).get(off).i32Add().v128Load();
            f.get(g).get(idx).get(tap).i32x4Splat().i32x4Eq().v128And();
            f.f32x4Add().v128Store();
          });
        });
        f.addConst(dyPtr, 16).addConst(cg, 16).br(0);
        f.end().end();
      });
    });
  });
  return f;
}

/**
 * `max_pool_grad_2x2(x, dy, dx, batch, inH, inW, channels, outH, outW)`: `max_pool_grad` for 2×2 windows
 * with stride 2 and no padding (the common case), straight-line: the windows tile the input, so each dx
 * element is stored once, without zeroing or accumulating. Elements outside every window (odd inH/inW)
 * are not written: the caller zeroes them. Requires channels % 4 == 0.
 */
function maxPoolGrad2x2(): FunctionBuilder {
  const f = new FunctionBuilder('max_pool_grad_2x2', Array(9).fill(I32));
  const [x, dy, dx, batch, inH, inW, channels, outH, outW] = f.params;
  const b = f.local(I32);
  const oh = f.local(I32);
  const ow = f.local(I32);
  const cg = f.local(I32);
  const pixBytes = f.local(I32);
  const rowBytes = f.local(I32);
  const rowOff = f.local(I32);
  const off = f.local(I32);
  const dyPtr = f.local(I32);
  const g = f.local(V128);
  const best = f.local(V128);
  const v = Array.from({ length: 4 }, () => f.local(V128));
  const sel = Array.from({ length: 4 }, () => f.local(V128));

  f.get(channels).i32(4).i32Mul().set(pixBytes);
  f.get(inW).get(pixBytes).i32Mul().set(rowBytes);
  f.get(dy).set(dyPtr);
  // Byte offset of element k of the window at `off`: 0, +pixel, +row, +row+pixel.
  const at = (base: Local, k: number) => {
    f.get(base).get(off).i32Add();
    if (k & 1) f.get(pixBytes).i32Add();
    if (k & 2) f.get(rowBytes).i32Add();
  };
  f.forRange(b, 'zero', batch, () => {
    f.forRange(oh, 'zero', outH, () => {
      f.get(b).get(inH).i32Mul().get(oh).i32(2).i32Mul().i32Add().get(rowBytes).i32Mul().set(rowOff);
      f.forRange(ow, 'zero', outW, () => {
        f.get(rowOff).get(ow).i32(2).i32Mul().get(pixBytes).i32Mul().i32Add().set(off);
        f.i32(0).set(cg);
        f.block().loop();
        f.get(cg).get(pixBytes).i32GeS().brIf(1);
        // sel[k]: element k beats the running maximum (which starts at -Infinity).
        f.f32Const(-Infinity).f32x4Splat().set(best);
        for (let k = 0; k < 4; k++) {
          at(x, k);
          f.v128Load().set(v[k]);
          f.get(v[k]).get(best).f32x4Gt().set(sel[k]);
          if (k < 3) f.get(v[k]).get(best).get(sel[k]).v128Bitselect().set(best);
        }
        f.get(dyPtr).v128Load().set(g);
        // The winner is the last element that beat the running maximum.
        for (let k = 3; k >= 0; k--) {
          at(dx, k);
          f.get(g).get(sel[k]).v128And();
          for (let later = k + 1; later < 4; later++) f.get(sel[later]).v128Andnot();
          f.v128Store();
        }
        f.addConst(dyPtr, 16).addConst(off, 16).addConst(cg, 16).br(0);
        f.end().end();
      });
    });
  });
  return f;
}

/**
 * `channel_sum_V(x, out, rows, rowBytes)`: out[0..4V) = Σ over `rows` rows of x[row][0..4V), summing
 * blocks of SUM_BLOCK_ROWS rows in registers before adding them to the total (float32 error grows with
 * the block length plus the block count, not the row count).
 */
function channelSum(vectors: number): FunctionBuilder {
  const f = new FunctionBuilder(`channel_sum_${vectors}`, [I32, I32, I32, I32]);
  const [x, out, rows, rowBytes] = f.params;
  const total = Array.from({ length: vectors }, () => f.local(V128));
  const acc = Array.from({ length: vectors }, () => f.local(V128));
  const n = f.local(I32);
  const blockEnd = f.local(I32);
  f.i32(0).set(n);
  f.block().loop();
  f.get(n).get(rows).i32GeS().brIf(1);
  f.get(n).i32(SUM_BLOCK_ROWS).i32Add().set(blockEnd);
  f.get(blockEnd).get(rows).get(blockEnd).get(rows).i32LtS().select().set(blockEnd);
  for (const a of acc) f.v128Zero().set(a);
  f.loop();
  for (let v = 0; v < vectors; v++)
    f.get(acc[v])
      .get(x)
      .v128Load(16 * v)
      .f32x4Add()
      .set(acc[v]);
  f.addLocal(x, rowBytes).addConst(n, 1);
  f.get(n).get(blockEnd).i32LtS().brIf(0);
  f.end();
  for (let v = 0; v < vectors; v++) f.get(total[v]).get(acc[v]).f32x4Add().set(total[v]);
  f.br(0);
  f.end().end();
  for (let v = 0; v < vectors; v++)
    f.get(out)
      .get(total[v])
      .v128Store(16 * v);
  return f;
}

/** Most vectors one channel_sum call handles (more would spill registers). */
export const CHANNEL_SUM_MAX_VECTORS = 4;

/** The encoded module with every kernel; its exports are described by `SimdExports`. */
export function buildSimdModule(): Uint8Array {
  const functions: FunctionBuilder[] = [];
  const strips = new Map<string, number>();
  for (const rows of STRIP_ROWS) {
    for (const cols of STRIP_COLS) {
      strips.set(`${rows}_${cols}`, functions.length);
      functions.push(strip(rows, cols));
    }
  }
  functions.push(convFilterGrad(strips), maxPoolGrad(), maxPoolGrad2x2());
  for (let v = 1; v <= CHANNEL_SUM_MAX_VECTORS; v++) functions.push(channelSum(v));
  return encodeModule(functions);
}

/** The kernels as JavaScript sees them (all arguments are i32; pointers are heap byte offsets). */
export interface SimdExports {
  conv_filter_grad(
    x: number,
    dy: number,
    dw: number,
    batch: number,
    outH: number,
    outW: number,
    inC: number,
    outC: number,
    kH: number,
    kW: number,
    xImageBytes: number,
    xRowBytes: number,
    xStepH: number,
    xStepW: number,
  ): void;
  max_pool_grad(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    outH: number,
    outW: number,
    kH: number,
    kW: number,
    sh: number,
    sw: number,
    padTop: number,
    padLeft: number,
  ): void;
  max_pool_grad_2x2(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    outH: number,
    outW: number,
  ): void;
  channel_sum_1(x: number, out: number, rows: number, rowBytes: number): void;
  channel_sum_2(x: number, out: number, rows: number, rowBytes: number): void;
  channel_sum_3(x: number, out: number, rows: number, rowBytes: number): void;
  channel_sum_4(x: number, out: number, rows: number, rowBytes: number): void;
}
