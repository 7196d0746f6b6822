// Synthetic H&E-like tissue patches. Tumour-like patches carry dense, large, irregular, dark nuclei;
// normal-like ones sparse, small, round, paler nuclei; both on a pink stroma with stain variation per
// patch. Class evidence is in nuclear size, density, shape and darkness, so a CNN has to look at
// texture, while a crude dark-pixel count already separates most patches (the learnability check).
import type { Rng } from './rng.js';
import { PATCH_BYTES, PATCH_HEIGHT, PATCH_WIDTH } from './pcam-layout.js';

type Rgb = [number, number, number];

interface NucleusStyle {
  count: [number, number];
  radius: [number, number];
  /** Minor/major axis ratio range. */
  aspect: [number, number];
  /** Amplitude of the boundary's low harmonics (0 = ellipse). */
  irregularity: [number, number];
  /** How far a nucleus moves from stroma colour to hematoxylin (0..1). */
  darkness: [number, number];
  /** Nuclei gathered around a few centres (tumour sheets) rather than spread out. */
  clusters: [number, number];
}

const TUMOUR: NucleusStyle = {
  count: [26, 50],
  radius: [3.8, 6.8],
  aspect: [0.55, 0.95],
  irregularity: [0.08, 0.22],
  darkness: [0.78, 0.95],
  clusters: [1, 3],
};
const NORMAL: NucleusStyle = {
  count: [8, 24],
  radius: [1.8, 3.3],
  aspect: [0.8, 1],
  irregularity: [0, 0.05],
  darkness: [0.55, 0.8],
  clusters: [0, 0],
};

const clamp255 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
const jitter = (rng: Rng, c: Rgb, amount: number): Rgb =>
  c.map((v) => v + rng.uniform(-amount, amount)) as Rgb;

/** Smooth random field in [0, 1] (value noise on a coarse grid, smoothstep-interpolated). */
function valueNoise(rng: Rng, cells: number): Float32Array {
  const g = cells + 1;
  const grid = new Float32Array(g * g);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next();
  const out = new Float32Array(PATCH_HEIGHT * PATCH_WIDTH);
  const step = (PATCH_WIDTH - 1) / cells;
  for (let y = 0; y < PATCH_HEIGHT; y++) {
    const gy = y / step;
    const y0 = Math.min(Math.floor(gy), cells - 1);
    const ty = gy - y0;
    const sy = ty * ty * (3 - 2 * ty);
    for (let x = 0; x < PATCH_WIDTH; x++) {
      const gx = x / step;
      const x0 = Math.min(Math.floor(gx), cells - 1);
      const tx = gx - x0;
      const sx = tx * tx * (3 - 2 * tx);
      const a = grid[y0 * g + x0] + (grid[y0 * g + x0 + 1] - grid[y0 * g + x0]) * sx;
      const b = grid[(y0 + 1) * g + x0] + (grid[(y0 + 1) * g + x0 + 1] - grid[(y0 + 1) * g + x0]) * sx;
      out[y * PATCH_WIDTH + x] = a + (b - a) * sy;
    }
  }
  return out;
}

/** Pink stroma with fibre streaks and a few pale gaps, as float RGB. */
function paintStroma(rng: Rng, eosin: Rgb, rgb: Float32Array): void {
  const density = valueNoise(rng, 4);
  const grain = valueNoise(rng, 16);
  const angle = rng.uniform(0, Math.PI);
  const freq = rng.uniform(0.25, 0.6);
  const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
  const phase = rng.uniform(0, 2 * Math.PI);
  const white: Rgb = [246, 240, 244];
  for (let p = 0; p < PATCH_HEIGHT * PATCH_WIDTH; p++) {
    const x = p % PATCH_WIDTH;
    const y = (p - x) / PATCH_WIDTH;
    const fibre = 0.5 + 0.5 * Math.sin((x * ca + y * sa) * freq + phase + 3 * grain[p]);
    // Stain amount: mostly eosin, thinning in low-density areas (loose tissue, small gaps).
    const d = Math.min(1, Math.max(0, 0.35 + 0.55 * density[p] + 0.18 * fibre - 0.1 * grain[p]));
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = white[c] + (eosin[c] - white[c]) * d;
  }
}

/** One nucleus: an ellipse whose radius wobbles with angle, with mottled chromatin. */
function paintNucleus(
  rng: Rng,
  style: NucleusStyle,
  cx: number,
  cy: number,
  hema: Rgb,
  rgb: Float32Array,
): void {
  const r = rng.uniform(style.radius[0], style.radius[1]);
  const a = r;
  const b = r * rng.uniform(style.aspect[0], style.aspect[1]);
  const theta = rng.uniform(0, Math.PI);
  const [ct, st] = [Math.cos(theta), Math.sin(theta)];
  const irr = rng.uniform(style.irregularity[0], style.irregularity[1]);
  const harmonics = [2, 3, 4].map((k) => ({
    k,
    amp: irr * rng.uniform(0.3, 1),
    phase: rng.uniform(0, 2 * Math.PI),
  }));
  const dark = rng.uniform(style.darkness[0], style.darkness[1]);
  const reach = Math.ceil(a * (1 + irr * 3) + 1);
  for (
    let y = Math.max(0, Math.floor(cy - reach));
    y <= Math.min(PATCH_HEIGHT - 1, Math.ceil(cy + reach));
    y++
  ) {
    for (
      let x = Math.max(0, Math.floor(cx - reach));
      x <= Math.min(PATCH_WIDTH - 1, Math.ceil(cx + reach));
      x++
    ) {
      const dx = x - cx;
      const dy = y - cy;
      const u = (dx * ct + dy * st) / a;
      const v = (-dx * st + dy * ct) / b;
      const phi = Math.atan2(v, u);
      let edge = 1;
      for (const h of harmonics) edge += h.amp * Math.cos(h.k * phi + h.phase);
      const rho = Math.sqrt(u * u + v * v) / edge;
      if (rho >= 1.15) continue;
      // Soft rim over the outer 15 %, so edges are not aliased.
      const cover = rho <= 1 ? 1 : (1.15 - rho) / 0.15;
      const m = cover * Math.min(1, dark * (0.85 + 0.3 * rng.next()));
      const p = (y * PATCH_WIDTH + x) * 3;
      for (let c = 0; c < 3; c++) rgb[p + c] += (hema[c] - rgb[p + c]) * m;
    }
  }
}

/**
 * Renders one 96×96×3 patch of class `tumour` into `out` at `offset` (uint8 RGB, row-major), drawing
 * every random number from `rng` (so the bytes depend only on the rng's seed).
 */
export function renderSyntheticPatch(rng: Rng, tumour: boolean, out: Uint8Array, offset = 0): void {
  const style = tumour ? TUMOUR : NORMAL;
  // Stain variation between slides/scanners: every patch gets its own shades.
  const eosin = jitter(rng, [232, 150, 196], 14);
  const hema = jitter(rng, [68, 38, 118], 16);
  const rgb = new Float32Array(PATCH_BYTES);
  paintStroma(rng, eosin, rgb);
  const nClusters = rng.int(style.clusters[0], style.clusters[1]);
  const centres = Array.from({ length: nClusters }, () => [rng.uniform(16, 80), rng.uniform(16, 80)]);
  const count = rng.int(style.count[0], style.count[1]);
  for (let i = 0; i < count; i++) {
    let cx: number;
    let cy: number;
    if (centres.length > 0 && rng.next() < 0.7) {
      const [gx, gy] = centres[rng.int(0, centres.length - 1)];
      cx = gx + rng.normal() * 14;
      cy = gy + rng.normal() * 14;
    } else {
      cx = rng.uniform(-2, PATCH_WIDTH + 2);
      cy = rng.uniform(-2, PATCH_HEIGHT + 2);
    }
    paintNucleus(rng, style, cx, cy, hema, rgb);
  }
  const noise = rng.uniform(3, 7);
  for (let i = 0; i < PATCH_BYTES; i++) out[offset + i] = clamp255(rgb[i] + rng.normal() * noise);
}
