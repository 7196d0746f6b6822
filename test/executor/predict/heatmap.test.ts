import { expect } from 'chai';
import {
  PATCH,
  accumulateHeat,
  extractWindows,
  heatColour,
  overlay,
  scoreImage,
  windowGrid,
} from '../../../executor/predict/heatmap.js';
import type { RgbImage } from '../../../executor/predict/image-io.js';

function image(width: number, height: number, f: (x: number, y: number) => number): RgbImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rgb.fill(f(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { width, height, rgb };
}

describe('executor/predict/heatmap', () => {
  it('window grid covers the whole image, last window flush with the edge', () => {
    expect(windowGrid(96, 96, 48)).to.deep.equal({ xs: [0], ys: [0] });
    expect(windowGrid(200, 100, 48)).to.deep.equal({ xs: [0, 48, 96, 104], ys: [0, 4] });
    expect(() => windowGrid(95, 200, 48)).to.throw(/smaller than one/);
    expect(() => windowGrid(200, 200, 0)).to.throw(/stride/);
  });

  it('extracts windows pixel-exactly', () => {
    const img = image(130, 100, (x, y) => (x * 7 + y * 13) % 256);
    const grid = windowGrid(130, 100, 34);
    const n = grid.xs.length * grid.ys.length;
    const all = extractWindows(img, grid, 0, n);
    for (let w = 0; w < n; w++) {
      const x0 = grid.xs[w % grid.xs.length]!;
      const y0 = grid.ys[Math.floor(w / grid.xs.length)]!;
      for (const [dx, dy] of [
        [0, 0],
        [95, 95],
        [40, 7],
      ] as const) {
        expect(all[((w * PATCH + dy) * PATCH + dx) * 3]).to.equal(((x0 + dx) * 7 + (y0 + dy) * 13) % 256);
      }
    }
  });

  it('per-pixel heat is the mean of the covering windows', () => {
    const grid = windowGrid(144, 96, 48); // windows at x = 0 and 48
    const heat = accumulateHeat(144, 96, grid, new Float32Array([0.2, 0.8]));
    expect(heat[10]).to.be.closeTo(0.2, 1e-6); // only window 0
    expect(heat[60]).to.be.closeTo(0.5, 1e-6); // both
    expect(heat[140]).to.be.closeTo(0.8, 1e-6); // only window 1
  });

  it('scores an image in bounded batches; heat follows the predictor', async () => {
    // Dark left half, light right half; the stand-in predictor says "dark = tumour".
    const img = image(384, 192, (x) => (x < 192 ? 40 : 220));
    const calls: number[] = [];
    const result = await scoreImage(
      img,
      (w, n) => {
        calls.push(n);
        const out = new Float32Array(n);
        for (let k = 0; k < n; k++) {
          let s = 0;
          for (let i = 0; i < PATCH * PATCH * 3; i++) s += w[k * PATCH * PATCH * 3 + i]!;
          out[k] = 1 - s / (PATCH * PATCH * 3 * 255);
        }
        return out;
      },
      { stride: 48, batch: 5 },
    );
    expect(Math.max(...calls)).to.be.at.most(5);
    expect(calls.reduce((a, b) => a + b, 0)).to.equal(result.windows);
    const at = (x: number, y: number) => result.heat[y * 384 + x]!;
    expect(at(20, 100)).to.be.greaterThan(0.8);
    expect(at(360, 100)).to.be.lessThan(0.2);
    expect(result.tumourFraction).to.be.closeTo(0.5, 0.15);
    const over = overlay(img, result.heat);
    expect(over.rgb.length).to.equal(img.rgb.length);
    // Hot pixels are tinted red, cold ones blue.
    const px = (x: number) => Array.from(over.rgb.subarray((100 * 384 + x) * 3, (100 * 384 + x) * 3 + 3));
    expect(px(20)[0]!).to.be.greaterThan(px(20)[2]!);
    expect(px(360)[2]!).to.be.greaterThan(px(360)[0]!);
  });

  it('colour map runs blue → yellow → red', () => {
    expect(heatColour(0)[2]).to.be.greaterThan(heatColour(0)[0]);
    expect(heatColour(1)[0]).to.equal(255);
    expect(heatColour(1)[1]).to.be.lessThan(heatColour(0.5)[1]);
  });
});
