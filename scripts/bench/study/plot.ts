// Line plots drawn into an RGBA raster and encoded as PNG (pngjs): axes with round-number ticks, a light
// grid, one polyline with point markers per series (solid or dashed), a legend and a title. Everything but
// `encodePng` is pure, so the geometry is testable pixel by pixel.
import { PNG } from 'pngjs';
import { NodalError } from '../../../config/errors.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from './font.js';

export type Rgb = readonly [number, number, number];

export interface Series {
  readonly label: string;
  readonly color: Rgb;
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly dashed?: boolean;
}

export interface PlotSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly width?: number;
  readonly height?: number;
  /** Axis ranges; default: the data's, with 0 included on x and a margin on y. */
  readonly x?: readonly [number, number];
  readonly y?: readonly [number, number];
}

/** An image as 8-bit RGBA rows, top row first. */
export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Where the data area sits in the raster. */
export interface PlotFrame {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
}

/** Colours for series in order, distinguishable on white. */
export const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [214, 39, 40],
  [44, 160, 44],
  [255, 127, 14],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [23, 190, 207],
];

const BLACK: Rgb = [0, 0, 0];
const GRID: Rgb = [225, 225, 225];
const MARGIN = { left: 64, right: 16, top: 34, bottom: 44 };
const DEFAULT_WIDTH = 900;
const DEFAULT_HEIGHT = 440;

/** A blank white raster; throws VALIDATION for a size that is not a positive integer. */
export function blankRaster(width: number, height: number): Raster {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
    throw new NodalError('VALIDATION', `raster size ${width}x${height} is not positive`);
  return { width, height, data: new Uint8Array(width * height * 4).fill(255) };
}

/** Sets one pixel (ignored outside the raster). */
export function setPixel(r: Raster, x: number, y: number, c: Rgb): void {
  const xi = Math.round(x);
  const yi = Math.round(y);
  if (xi < 0 || yi < 0 || xi >= r.width || yi >= r.height) return;
  const o = (yi * r.width + xi) * 4;
  r.data[o] = c[0];
  r.data[o + 1] = c[1];
  r.data[o + 2] = c[2];
  r.data[o + 3] = 255;
}

/** The colour at (x, y). */
export function pixelAt(r: Raster, x: number, y: number): Rgb {
  const o = (y * r.width + x) * 4;
  return [r.data[o], r.data[o + 1], r.data[o + 2]];
}

function fillRect(r: Raster, x0: number, y0: number, w: number, h: number, c: Rgb): void {
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) setPixel(r, x, y, c);
}

/** Draws `text` with its top-left corner at (x, y). */
export function drawText(r: Raster, text: string, x: number, y: number, c: Rgb, scale = 1): void {
  let cx = Math.round(x);
  for (const ch of text) {
    const rows = glyph(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++)
      for (let gx = 0; gx < GLYPH_WIDTH; gx++)
        if (rows[gy] & (0x10 >> gx))
          fillRect(r, cx + gx * scale, Math.round(y) + gy * scale, scale, scale, c);
    cx += (GLYPH_WIDTH + 1) * scale;
  }
}

/** Draws `text` rotated a quarter turn counter-clockwise (reading bottom to top), its bottom-left at (x, y). */
function drawTextVertical(r: Raster, text: string, x: number, y: number, c: Rgb): void {
  let cy = Math.round(y);
  for (const ch of text) {
    const rows = glyph(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++)
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) if (rows[gy] & (0x10 >> gx)) setPixel(r, x + gy, cy - gx, c);
    cy -= GLYPH_WIDTH + 1;
  }
}

/**
 * A line from (x0, y0) to (x1, y1) of `thickness` pixels (Bresenham with a square brush), optionally
 * dashed (6 on, 4 off), clipped to `clip` when given.
 */
export function drawLine(
  r: Raster,
  from: readonly [number, number],
  to: readonly [number, number],
  c: Rgb,
  opts: {
    thickness?: number;
    dashed?: boolean;
    clip?: Pick<PlotFrame, 'left' | 'top' | 'right' | 'bottom'>;
  } = {},
): void {
  let [x0, y0] = [Math.round(from[0]), Math.round(from[1])];
  const [x1, y1] = [Math.round(to[0]), Math.round(to[1])];
  const t = opts.thickness ?? 1;
  const half = Math.floor((t - 1) / 2);
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  const clip = opts.clip;
  const brush = (cx: number, cy: number): void => {
    for (let y = cy - half; y < cy - half + t; y++)
      for (let x = cx - half; x < cx - half + t; x++)
        if (!clip || (x >= clip.left && x <= clip.right && y >= clip.top && y <= clip.bottom))
          setPixel(r, x, y, c);
  };
  for (let n = 0; ; n++) {
    if (!opts.dashed || n % 10 < 6) brush(x0, y0);
    if (x0 === x1 && y0 === y1) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

/** Round-number ticks covering [min, max] (steps of 1, 2, 2.5 or 5 × 10^k), at most about `count`. */
export function niceTicks(min: number, max: number, count = 6): { ticks: number[]; step: number } {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || max < min)
    throw new NodalError('VALIDATION', `bad axis range [${min}, ${max}]`);
  const span = max - min || Math.abs(max) || 1;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  const first = Math.ceil(min / step - 1e-9) * step;
  for (let v = first; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return { ticks, step };
}

/** A tick's text: as many decimals as the step needs (0.25 needs two, 0.5 one, 10 none; at most 6). */
export function tickLabel(v: number, step: number): string {
  let decimals = 0;
  while (decimals < 6 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6)
    decimals++;
  return v.toFixed(decimals);
}

function dataRange(values: number[], includeZero: boolean, pad: number): [number, number] {
  let lo = Math.min(...values, ...(includeZero ? [0] : []));
  let hi = Math.max(...values, ...(includeZero ? [0] : []));
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const m = (hi - lo) * pad;
  return [includeZero && lo >= 0 ? lo : lo - m, hi + m];
}

/** An axis range over `values` widened to whole ticks ([0, 1] without values). */
function autoRange(values: number[], includeZero: boolean, pad: number): [number, number] {
  const [lo, hi] = values.length ? dataRange(values, includeZero, pad) : [0, 1];
  const { step } = niceTicks(lo, hi);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/** Width of the legend column right of the data area (0 without series). */
const legendWidth = (spec: PlotSpec): number =>
  spec.series.length ? Math.max(...spec.series.map((s) => textWidth(s.label))) + 40 : 0;

/** The data area and axis ranges of `spec` (given ranges as they are, automatic ones widened to ticks). */
export function plotFrame(spec: PlotSpec): PlotFrame {
  const width = spec.width ?? DEFAULT_WIDTH;
  const height = spec.height ?? DEFAULT_HEIGHT;
  return {
    left: MARGIN.left,
    top: MARGIN.top,
    right: width - MARGIN.right - legendWidth(spec),
    bottom: height - MARGIN.bottom,
    x:
      spec.x ??
      autoRange(
        spec.series.flatMap((s) => s.points.map((p) => p[0])),
        true,
        0,
      ),
    y:
      spec.y ??
      autoRange(
        spec.series.flatMap((s) => s.points.map((p) => p[1])),
        false,
        0.05,
      ),
  };
}

/** Raster coordinates of a data point. */
export function toPixel(f: PlotFrame, p: readonly [number, number]): [number, number] {
  const px = f.left + ((p[0] - f.x[0]) / (f.x[1] - f.x[0] || 1)) * (f.right - f.left);
  const py = f.bottom - ((p[1] - f.y[0]) / (f.y[1] - f.y[0] || 1)) * (f.bottom - f.top);
  return [px, py];
}

/** Draws the whole plot. Throws VALIDATION for a non-finite point. */
export function renderPlot(spec: PlotSpec): Raster {
  for (const s of spec.series)
    for (const p of s.points)
      if (!(Number.isFinite(p[0]) && Number.isFinite(p[1])))
        throw new NodalError('VALIDATION', `series ${s.label} has a non-finite point`);
  const r = blankRaster(spec.width ?? DEFAULT_WIDTH, spec.height ?? DEFAULT_HEIGHT);
  const f = plotFrame(spec);
  const xt = niceTicks(f.x[0], f.x[1]);
  const yt = niceTicks(f.y[0], f.y[1]);
  for (const v of xt.ticks) {
    const [px] = toPixel(f, [v, f.y[0]]);
    drawLine(r, [px, f.top], [px, f.bottom], GRID);
    drawLine(r, [px, f.bottom], [px, f.bottom + 4], BLACK);
    const label = tickLabel(v, xt.step);
    drawText(r, label, px - textWidth(label) / 2, f.bottom + 8, BLACK);
  }
  for (const v of yt.ticks) {
    const [, py] = toPixel(f, [f.x[0], v]);
    drawLine(r, [f.left, py], [f.right, py], GRID);
    drawLine(r, [f.left - 4, py], [f.left, py], BLACK);
    const label = tickLabel(v, yt.step);
    drawText(r, label, f.left - 7 - textWidth(label), py - GLYPH_HEIGHT / 2, BLACK);
  }
  drawLine(r, [f.left, f.top], [f.left, f.bottom], BLACK);
  drawLine(r, [f.left, f.bottom], [f.right, f.bottom], BLACK);
  drawText(r, spec.title, (r.width - textWidth(spec.title, 2)) / 2, 8, BLACK, 2);
  drawText(r, spec.xLabel, (f.left + f.right - textWidth(spec.xLabel)) / 2, r.height - 14, BLACK);
  drawTextVertical(r, spec.yLabel, 8, (f.top + f.bottom + textWidth(spec.yLabel)) / 2, BLACK);

  for (const s of spec.series) {
    const px = s.points.map((p) => toPixel(f, p));
    for (let i = 1; i < px.length; i++)
      drawLine(r, px[i - 1], px[i], s.color, { thickness: 2, dashed: s.dashed, clip: f });
    for (const [x, y] of px)
      if (x >= f.left && x <= f.right && y >= f.top && y <= f.bottom)
        fillRect(r, Math.round(x) - 2, Math.round(y) - 2, 5, 5, s.color);
  }

  // The legend sits right of the data area, so it never hides a line.
  const rowH = GLYPH_HEIGHT + 6;
  spec.series.forEach((s, i) => {
    const y = f.top + 6 + i * rowH;
    drawLine(r, [f.right + 14, y + 3], [f.right + 34, y + 3], s.color, { thickness: 2, dashed: s.dashed });
    drawText(r, s.label, f.right + 38, y, BLACK);
  });
  return r;
}

/** PNG bytes of a raster. */
export function encodePng(r: Raster): Buffer {
  const png = new PNG({ width: r.width, height: r.height });
  png.data = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
  return PNG.sync.write(png);
}
