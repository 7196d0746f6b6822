// `nodal predict`: scores PatchCamelyon patches (an HDF5 x file) or a whole image (PNG/JPEG/TIFF) with a
// trained model (TensorFlow.js format), writing a tumour-probability heatmap over the image as a PNG.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { NodalError } from '../../config/errors.js';
import { loadConfig, loggerFromConfig } from '../../config/load.js';
import { toModelInput } from '../../executor/data/normalize.js';
import { readImage, writePng } from '../../executor/predict/image-io.js';
import { overlay, scoreImage } from '../../executor/predict/heatmap.js';
import { binaryMetrics } from '../../executor/metrics/classification.js';

interface PredictFlags {
  model: string;
  out?: string;
  stride: string;
  batch: string;
  backend?: string;
}

const out = (s: string) => process.stdout.write(s + '\n');

export function register(program: Command): void {
  program
    .command('predict <input>')
    .description(
      'score an HDF5 patch file (PatchCamelyon x file) or a whole PNG/JPEG/TIFF image; writes a heatmap PNG for images',
    )
    .requiredOption('--model <dir>', 'model directory (model.json + weights.bin)')
    .option('--out <path>', 'output: heatmap PNG for an image, CSV of probabilities for patches')
    .option('--stride <px>', 'window stride for images (1-96)', '48')
    .option('--batch <n>', 'windows per model call', '64')
    .option('--backend <name>', 'auto | tfjs-node-gpu | tfjs-node | wasm | cpu')
    .action(async (input: string, flags: PredictFlags) => {
      const config = loadConfig(flags.backend ? { overrides: { 'executor.backend': flags.backend } } : {});
      const logger = loggerFromConfig(config);
      const stride = Number(flags.stride);
      const batch = Number(flags.batch);
      if (!Number.isInteger(batch) || batch < 1)
        throw new NodalError('VALIDATION', '--batch must be a positive integer');
      if (!existsSync(join(flags.model, 'model.json')))
        throw new NodalError('NOT_FOUND', `no model.json in ${flags.model}`);
      // TensorFlow.js loads only when a prediction runs, so other commands start fast.
      const { selectBackend } = await import('../../executor/backend/index.js');
      const { loadModel, predictProbabilities } = await import('../../executor/model/index.js');
      const backend = await selectBackend(config.executor.backend, logger);
      const model = await loadModel(flags.model);
      if (/\.h5$/i.test(input)) {
        await predictPatches(
          input,
          flags.out ?? input.replace(/\.h5$/i, '.predictions.csv'),
          (x) => predictProbabilities(model, toModelInput(x)),
          batch,
        );
      } else {
        const img = await readImage(input);
        const started = Date.now();
        const result = await scoreImage(img, (w) => predictProbabilities(model, toModelInput(w)), {
          stride,
          batch,
        });
        const target =
          flags.out ?? join(dirname(input), basename(input).replace(/\.[^.]+$/, '') + '.heatmap.png');
        await writePng(target, overlay(img, result.heat));
        out(
          `${input}: ${img.width}x${img.height}, ${result.windows} windows on ${backend.name} in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
            `max tumour probability ${result.maxProbability.toFixed(3)}, ${(result.tumourFraction * 100).toFixed(1)}% of the area >= 0.5`,
        );
        out(`heatmap written to ${target}`);
      }
    });
}

async function predictPatches(
  xPath: string,
  target: string,
  predict: (x: Uint8Array) => Float32Array,
  batch: number,
): Promise<void> {
  const { openPcamImages, openPcamLabels } = await import('../../executor/data/pcam.js');
  const images = await openPcamImages(xPath);
  const probs = new Float32Array(images.size);
  try {
    for (let start = 0; start < images.size; start += batch) {
      const end = Math.min(images.size, start + batch);
      probs.set(predict(images.readRows(start, end)), start);
    }
  } finally {
    images.close();
  }
  const yPath = xPath.replace(/_x\.h5$/, '_y.h5');
  let labels: Uint8Array | undefined;
  if (yPath !== xPath && existsSync(yPath)) {
    const y = await openPcamLabels(yPath);
    labels = y.labels;
  }
  const lines = ['index,probability' + (labels ? ',label' : '')];
  for (let i = 0; i < probs.length; i++)
    lines.push(`${i},${probs[i]!.toFixed(6)}${labels ? `,${labels[i]}` : ''}`);
  await writeFile(target, lines.join('\n') + '\n');
  out(`${xPath}: ${probs.length} patches scored; probabilities written to ${target}`);
  if (labels) {
    const m = binaryMetrics(probs, labels);
    out(`accuracy ${m.accuracy.toFixed(4)}  AUC ${m.auc.toFixed(4)}  (labels from ${yPath})`);
  }
}
