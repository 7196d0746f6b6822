// `nodal data inspect`: what a PCam file or directory holds (shape, dtype, rows, label balance) and a
// grid of sample patches as a PNG, each framed red (tumour) or green (normal) when labels are known.
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import { NodalError } from '../../config/errors.js';
import { hdf5Call, openHdf5 } from './hdf5.js';
import { openPcamImages, openPcamLabels } from './pcam.js';
import {
  PATCH_BYTES,
  PATCH_HEIGHT,
  PATCH_SHAPE,
  PATCH_WIDTH,
  parsePcamFileName,
  pcamFileName,
} from './pcam-layout.js';

export interface ImagesSummary {
  kind: 'images';
  path: string;
  shape: number[];
  dtype: 'uint8';
  rows: number;
  compression: string;
}

export interface LabelsSummary {
  kind: 'labels';
  path: string;
  shape: number[];
  dtype: 'uint8';
  rows: number;
  positives: number;
  negatives: number;
}

export type FileSummary = ImagesSummary | LabelsSummary;

/** Validates and summarises one PCam file, telling images from labels by its dataset (`x` or `y`). */
export async function summarizePcamFile(path: string): Promise<FileSummary> {
  const file = await openHdf5(path, 'r');
  let keys: string[];
  try {
    keys = hdf5Call(path, 'cannot list datasets', () => file.keys());
  } finally {
    file.close();
  }
  if (keys.includes('x')) {
    const images = await openPcamImages(path);
    images.close();
    return {
      kind: 'images',
      path,
      shape: [images.size, ...PATCH_SHAPE],
      dtype: 'uint8',
      rows: images.size,
      compression: images.compression,
    };
  }
  if (keys.includes('y')) {
    const labels = await openPcamLabels(path);
    const rows = labels.labels.length;
    return {
      kind: 'labels',
      path,
      shape: labels.shape,
      dtype: 'uint8',
      rows,
      positives: labels.positives,
      negatives: rows - labels.positives,
    };
  }
  throw new NodalError(
    'DATA_INVALID',
    `${path}: neither an image file (dataset 'x') nor a label file (dataset 'y')`,
    {
      file: path,
      found: keys,
    },
  );
}

/** The PCam files to inspect for a path: the file itself, or every PCam-named file in a directory. */
export function pcamFilesAt(target: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(target).isDirectory();
  } catch {
    throw new NodalError('NOT_FOUND', `${target}: no such file or directory`, { file: target });
  }
  if (!isDir) return [target];
  const files = readdirSync(target)
    .filter((name) => parsePcamFileName(name) !== null)
    .sort()
    .map((name) => join(target, name));
  if (files.length === 0)
    throw new NodalError('DATA_INVALID', `${target}: no camelyonpatch_level_2_split_*_{x,y}.h5 files`, {
      file: target,
    });
  return files;
}

/** The label file beside an image file (`…_x.h5` → `…_y.h5`), or null when the name is not a PCam name. */
export function siblingLabelsPath(imagesPath: string): string | null {
  const parsed = parsePcamFileName(basename(imagesPath));
  return parsed && parsed.array === 'x' ? join(dirname(imagesPath), pcamFileName(parsed.split, 'y')) : null;
}

/** `count` indices spread evenly over [0, n), first and last included when count > 1. */
export function sampleIndices(n: number, count: number): number[] {
  const k = Math.min(n, count);
  if (k <= 1) return k === 1 ? [0] : [];
  return Array.from({ length: k }, (_, i) => Math.round((i * (n - 1)) / (k - 1)));
}

const FRAME_PX = 3;
const GAP_PX = 2;
const FRAME: Record<number, [number, number, number]> = { 0: [40, 170, 60], 1: [220, 30, 30] };

/**
 * Lays out n patches (uint8 n × 96 × 96 × 3) in a grid PNG, `columns` wide, each framed by its label's
 * colour (red = 1 tumour, green = 0 normal) or grey when labels are null.
 */
export function renderGridPng(x: Uint8Array, labels: Uint8Array | null, columns = 8): Buffer {
  const n = x.length / PATCH_BYTES;
  const cols = Math.max(1, Math.min(columns, n));
  const rows = Math.max(1, Math.ceil(n / cols));
  const cell = PATCH_WIDTH + 2 * FRAME_PX + GAP_PX;
  const png = new PNG({ width: cols * cell + GAP_PX, height: rows * cell + GAP_PX });
  png.data.fill(255);
  for (let k = 0; k < n; k++) {
    const left = GAP_PX + (k % cols) * cell;
    const top = GAP_PX + Math.floor(k / cols) * cell;
    const frame = labels ? FRAME[labels[k]] : ([128, 128, 128] as [number, number, number]);
    for (let y = 0; y < PATCH_HEIGHT + 2 * FRAME_PX; y++) {
      for (let xx = 0; xx < PATCH_WIDTH + 2 * FRAME_PX; xx++) {
        const q = ((top + y) * png.width + left + xx) * 4;
        const py = y - FRAME_PX;
        const px = xx - FRAME_PX;
        const inside = py >= 0 && py < PATCH_HEIGHT && px >= 0 && px < PATCH_WIDTH;
        const rgb = inside
          ? x.subarray(
              k * PATCH_BYTES + (py * PATCH_WIDTH + px) * 3,
              k * PATCH_BYTES + (py * PATCH_WIDTH + px) * 3 + 3,
            )
          : frame;
        png.data[q] = rgb[0];
        png.data[q + 1] = rgb[1];
        png.data[q + 2] = rgb[2];
        png.data[q + 3] = 255;
      }
    }
  }
  return PNG.sync.write(png);
}

/** Reads `count` evenly spaced samples of an image file (and their labels from `labelsPath` if given). */
export async function readSamples(
  imagesPath: string,
  labelsPath: string | null,
  count: number,
): Promise<{ x: Uint8Array; labels: Uint8Array | null; indices: number[] }> {
  const images = await openPcamImages(imagesPath);
  try {
    const indices = sampleIndices(images.size, count);
    const x = new Uint8Array(indices.length * PATCH_BYTES);
    indices.forEach((i, k) => x.set(images.readRows(i, i + 1), k * PATCH_BYTES));
    let labels: Uint8Array | null = null;
    if (labelsPath) {
      const all = (await openPcamLabels(labelsPath)).labels;
      if (all.length !== images.size) {
        throw new NodalError(
          'DATA_INVALID',
          `${imagesPath}: has ${images.size} rows but ${labelsPath} has ${all.length}`,
          {
            file: imagesPath,
          },
        );
      }
      labels = Uint8Array.from(indices, (i) => all[i]);
    }
    return { x, labels, indices };
  } finally {
    images.close();
  }
}
