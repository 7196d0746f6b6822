// Writes a synthetic dataset in the PatchCamelyon layout, so the one HDF5 loader is always exercised.
// Every patch depends only on (seed, split, index), never on batching, so any two runs agree byte for byte.
import { mkdirSync } from 'node:fs';
import { NodalError } from '../../config/errors.js';
import { hdf5Call, openHdf5 } from './hdf5.js';
import { PATCH_BYTES, PATCH_SHAPE, PCAM_SPLITS, pcamPath, type PcamSplitName } from './pcam-layout.js';
import { createRng, mixSeed } from './rng.js';
import { renderSyntheticPatch } from './synth-texture.js';

export interface SynthOptions {
  train: number;
  valid: number;
  test: number;
  seed: number;
  /** gzip-compress the datasets (level 4) as the published files are; default false. */
  gzip?: boolean;
}

/** Rows rendered and written at a time; bounds memory for any split size. */
const WRITE_BATCH_ROWS = 256;
const GZIP_LEVEL = 4;

/** Balanced 0/1 labels in a seeded random order (PCam's splits are 50/50). */
export function synthLabels(n: number, seed: number, split: PcamSplitName): Uint8Array {
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % 2;
  const rng = createRng(mixSeed(seed, PCAM_SPLITS.indexOf(split), 0x1abe1));
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  return labels;
}

/** Renders rows [start, end) of a split whose labels are `labels`. */
export function synthRows(
  seed: number,
  split: PcamSplitName,
  labels: Uint8Array,
  start: number,
  end: number,
): Uint8Array {
  const out = new Uint8Array((end - start) * PATCH_BYTES);
  const splitIndex = PCAM_SPLITS.indexOf(split);
  for (let i = start; i < end; i++) {
    renderSyntheticPatch(
      createRng(mixSeed(seed, splitIndex, i + 1)),
      labels[i] === 1,
      out,
      (i - start) * PATCH_BYTES,
    );
  }
  return out;
}

async function writeSplit(
  dir: string,
  split: PcamSplitName,
  n: number,
  seed: number,
  gzip: boolean,
): Promise<void> {
  const labels = synthLabels(n, seed, split);
  const compression = gzip ? { compression: 'gzip' as const, compression_opts: GZIP_LEVEL } : {};

  const yPath = pcamPath(dir, split, 'y');
  const yFile = await openHdf5(yPath, 'w');
  try {
    hdf5Call(yPath, 'cannot write labels', () =>
      yFile.create_dataset({
        name: 'y',
        data: labels,
        shape: [n, 1, 1, 1],
        dtype: '<B',
        chunks: gzip ? [n, 1, 1, 1] : null,
        ...compression,
      }),
    );
  } finally {
    yFile.close();
  }

  const xPath = pcamPath(dir, split, 'x');
  const xFile = await openHdf5(xPath, 'w');
  try {
    // Chunked one patch per chunk (reads of any row range touch only those rows) and grown batch by batch.
    const first = Math.min(n, WRITE_BATCH_ROWS);
    const ds = hdf5Call(xPath, 'cannot write patches', () =>
      xFile.create_dataset({
        name: 'x',
        data: synthRows(seed, split, labels, 0, first),
        shape: [first, ...PATCH_SHAPE],
        maxshape: [n, ...PATCH_SHAPE],
        dtype: '<B',
        chunks: [1, ...PATCH_SHAPE],
        ...compression,
      }),
    );
    for (let start = first; start < n; start += WRITE_BATCH_ROWS) {
      const end = Math.min(n, start + WRITE_BATCH_ROWS);
      const rows = synthRows(seed, split, labels, start, end);
      hdf5Call(xPath, 'cannot write patches', () => {
        ds.resize([end, ...PATCH_SHAPE]);
        ds.write_slice([[start, end]], rows);
      });
    }
  } finally {
    xFile.close();
  }
}

/**
 * Writes `camelyonpatch_level_2_split_{train,valid,test}_{x,y}.h5` into `dir` (created if missing) with
 * the given number of examples per split, deterministic from `seed`. A split of 0 examples is not written.
 * Throws VALIDATION for a negative or fractional count.
 */
export async function writeSyntheticPcam(
  dir: string,
  opts: SynthOptions,
): Promise<Record<PcamSplitName, string[]>> {
  for (const split of PCAM_SPLITS) {
    const n = opts[split];
    if (!Number.isInteger(n) || n < 0)
      throw new NodalError('VALIDATION', `${split} count must be an integer >= 0, got ${n}`);
  }
  if (!Number.isFinite(opts.seed))
    throw new NodalError('VALIDATION', `seed must be a finite number, got ${opts.seed}`);
  mkdirSync(dir, { recursive: true });
  const written = { train: [], valid: [], test: [] } as Record<PcamSplitName, string[]>;
  for (const split of PCAM_SPLITS) {
    if (opts[split] === 0) continue;
    await writeSplit(dir, split, opts[split], opts.seed, opts.gzip ?? false);
    written[split] = [pcamPath(dir, split, 'x'), pcamPath(dir, split, 'y')];
  }
  return written;
}
