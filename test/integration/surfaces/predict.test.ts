// `nodal predict` as a pathologist's tool: a small CNN trained briefly on synthetic PCam patches scores a
// whole synthetic slide region (tumour-like left half, normal right half) and the heatmap it writes is
// hotter over the tumour. PNG, TIFF and JPEG inputs all go through the built binary.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { selectBackend } from '../../../executor/backend/index.js';
import { toModelInput } from '../../../executor/data/normalize.js';
import { PATCH_BYTES } from '../../../executor/data/pcam-layout.js';
import { createRng, mixSeed } from '../../../executor/data/rng.js';
import { synthLabels, synthRows } from '../../../executor/data/synth.js';
import { renderSyntheticPatch } from '../../../executor/data/synth-texture.js';
import {
  binaryCrossEntropy,
  buildModel,
  exportModel,
  loadModel,
  predictProbabilities,
} from '../../../executor/model/index.js';
import { scoreImage } from '../../../executor/predict/heatmap.js';
import { readImage, writePng, type RgbImage } from '../../../executor/predict/image-io.js';

const require = createRequire(import.meta.url);
const UTIF = require('utif') as { encodeImage(rgba: Uint8Array, w: number, h: number): ArrayBuffer };
const CLI = fileURLToPath(new URL('../../../cli/nodal.js', import.meta.url));

const PATCH = 96;
const TRAIN_IMAGES = 512;
const BATCH = 32;
const MAX_STEPS = 48;
const TRAIN_BUDGET_MS = 60_000;
const verbose = (what: string, data: unknown) =>
  process.env.NODAL_TEST_VERBOSE && console.log(`    ${what}: ${JSON.stringify(data)}`);

/** `cols`×`rows` tiles of synthetic tissue: the left half tumour-like, the right half normal. */
function halfTumourImage(cols: number, rows: number, seed: number): RgbImage {
  const width = cols * PATCH;
  const height = rows * PATCH;
  const rgb = new Uint8Array(width * height * 3);
  const tile = new Uint8Array(PATCH_BYTES);
  for (let ty = 0; ty < rows; ty++)
    for (let tx = 0; tx < cols; tx++) {
      renderSyntheticPatch(createRng(mixSeed(seed, tx, ty)), tx < cols / 2, tile);
      for (let y = 0; y < PATCH; y++)
        rgb.set(
          tile.subarray(y * PATCH * 3, (y + 1) * PATCH * 3),
          ((ty * PATCH + y) * width + tx * PATCH) * 3,
        );
    }
  return { width, height, rgb };
}

/** Mean of `value(x, y)` over the left and the right half of a `width`×`height` image. */
function halves(
  width: number,
  height: number,
  value: (i: number) => number,
): { left: number; right: number } {
  let left = 0;
  let right = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (x < width / 2) left += value(y * width + x);
      else right += value(y * width + x);
    }
  const n = (width / 2) * height;
  return { left: left / n, right: right / n };
}

/** Red minus blue of the heatmap overlay: hot (red) is high, cold (blue) is low. */
function redness(png: PNG): { left: number; right: number } {
  return halves(png.width, png.height, (i) => png.data[i * 4]! - png.data[i * 4 + 2]!);
}

function toRgba(img: RgbImage): Uint8Array {
  const rgba = new Uint8Array(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    rgba.set(img.rgb.subarray(i * 3, i * 3 + 3), i * 4);
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

function nodal(
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODAL_LOG_LEVEL: 'error' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nodal ${args.join(' ')} ran over ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('nodal predict on a synthetic whole image @integration', function () {
  this.timeout(150_000);
  let dir: string;
  let modelDir: string;
  let image: RgbImage;
  let predict: (windows: Uint8Array) => Float32Array;
  let inputs: { png: string; tiff: string; jpeg: string };

  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'nodal-predict-'));
    modelDir = join(dir, 'model');
    await selectBackend('wasm');
    const labels = synthLabels(TRAIN_IMAGES, 11, 'train');
    const x = toModelInput(synthRows(11, 'train', labels, 0, TRAIN_IMAGES));
    const model = buildModel('small-cnn', { seed: 3 });
    const optimizer = tf.train.adam(0.01);
    const started = Date.now();
    let step = 0;
    for (; step < MAX_STEPS && Date.now() - started < TRAIN_BUDGET_MS; step++) {
      const first = (step * BATCH) % TRAIN_IMAGES;
      tf.tidy(() => {
        const xs = tf.tensor4d(x.subarray(first * PATCH_BYTES, (first + BATCH) * PATCH_BYTES), [
          BATCH,
          PATCH,
          PATCH,
          3,
        ]);
        const ys = tf.tensor2d(Float32Array.from(labels.subarray(first, first + BATCH)), [BATCH, 1]);
        optimizer.minimize(() => binaryCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor));
      });
    }
    optimizer.dispose();
    // The premise of the heatmap assertions: the model tells the classes apart on unseen patches.
    const heldLabels = synthLabels(64, 11, 'valid');
    const held = predictProbabilities(model, toModelInput(synthRows(11, 'valid', heldLabels, 0, 64)));
    const correct = held.filter((p, i) => (p >= 0.5 ? 1 : 0) === heldLabels[i]).length;
    verbose('training', { steps: step, ms: Date.now() - started, heldOutAccuracy: correct / 64 });
    expect(correct / 64, 'held-out accuracy of the briefly trained model').to.be.at.least(0.8);
    await exportModel(model, modelDir, { step: MAX_STEPS });
    model.dispose();
    // Score with the model as exported, exactly what the CLI loads.
    const exported = await loadModel(modelDir);
    predict = (w) => predictProbabilities(exported, toModelInput(w));

    image = halfTumourImage(4, 2, 2024);
    inputs = { png: join(dir, 'slide.png'), tiff: join(dir, 'slide.tif'), jpeg: join(dir, 'slide.jpg') };
    await writePng(inputs.png, image);
    writeFileSync(inputs.tiff, Buffer.from(UTIF.encodeImage(toRgba(image), image.width, image.height)));
    const jpegData = { data: toRgba(image), width: image.width, height: image.height };
    writeFileSync(inputs.jpeg, jpeg.encode(jpegData, 95).data);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('scores the tumour half clearly higher than the normal half', async () => {
    const result = await scoreImage(image, predict, { stride: 48 });
    expect(result.windows).to.equal(7 * 3);
    const heat = halves(image.width, image.height, (i) => result.heat[i]!);
    verbose('mean heat', heat);
    expect(heat.left, JSON.stringify(heat)).to.be.greaterThan(0.6);
    expect(heat.right, JSON.stringify(heat)).to.be.lessThan(0.4);
    expect(heat.left - heat.right).to.be.greaterThan(0.35);
  });

  it('`nodal predict` writes a heatmap PNG that is redder over the tumour (PNG, TIFF and JPEG in)', async () => {
    for (const input of [inputs.png, inputs.tiff, inputs.jpeg]) {
      const out = `${input}.heat.png`;
      const r = await nodal(['predict', '--model', modelDir, '--backend', 'wasm', input, '--out', out]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include(`${input}: 384x192, 21 windows on wasm`);
      expect(r.stdout).to.include(`heatmap written to ${out}`);
      const fraction = Number(/, ([\d.]+)% of the area >= 0\.5/.exec(r.stdout)?.[1]);
      expect(fraction, r.stdout).to.be.within(25, 75);
      const heat = PNG.sync.read(readFileSync(out));
      expect([heat.width, heat.height]).to.deep.equal([384, 192]);
      const red = redness(heat);
      verbose(`redness ${input.slice(-4)}`, red);
      expect(red.left - red.right, `${input}: ${JSON.stringify(red)}`).to.be.greaterThan(60);
    }
  });

  it('decodes TIFF exactly and JPEG closely to the original pixels', async () => {
    const tiff = await readImage(inputs.tiff);
    expect([tiff.width, tiff.height]).to.deep.equal([384, 192]);
    expect(Buffer.from(tiff.rgb).equals(Buffer.from(image.rgb))).to.equal(true);
    const jpg = await readImage(inputs.jpeg);
    expect([jpg.width, jpg.height]).to.deep.equal([384, 192]);
    let err = 0;
    for (let i = 0; i < jpg.rgb.length; i++) err += Math.abs(jpg.rgb[i]! - image.rgb[i]!);
    expect(err / jpg.rgb.length, 'mean absolute JPEG error').to.be.lessThan(8);
  });
});
