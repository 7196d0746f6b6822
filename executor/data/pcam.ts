// Reads a PatchCamelyon split (x and y HDF5 files) with h5wasm, validating the layout on open so a bad
// file fails at start with a message naming it, never as a shape error deep inside training.
import { NodalError } from '../../config/errors.js';
import { hdf5Call, openHdf5, type Dataset, type H5File } from './hdf5.js';
import { PATCH_BYTES, PATCH_SHAPE, pcamPath, type PcamSplitName } from './pcam-layout.js';

/** A batch of patches (n × 96 × 96 × 3 uint8, row-major NHWC) and their labels (n × uint8 0/1). */
export interface PcamBatch {
  x: Uint8Array;
  y: Uint8Array;
}

/** One open split. Not safe for concurrent use from several threads (h5wasm is single-threaded). */
export interface PcamSplit {
  readonly split: PcamSplitName;
  /** Number of examples N. */
  readonly size: number;
  /** Examples labelled 1 (tumour). */
  readonly positives: number;
  readonly files: { x: string; y: string };
  /** Rows `indices` in the given order (repeats allowed); throws VALIDATION for an index outside [0, size). */
  readBatch(indices: readonly number[]): PcamBatch;
  /** Closes both files; later reads throw. Idempotent. */
  close(): void;
}

/** An open image file: its `x` dataset validated as uint8 (N,96,96,3). */
export interface PcamImages {
  readonly path: string;
  readonly size: number;
  readonly compression: string;
  /** Rows [start, end) as one contiguous read; throws VALIDATION for an empty or out-of-range span. */
  readRows(start: number, end: number): Uint8Array;
  close(): void;
}

/** An opened and fully read label file: `y` validated as uint8 (N,1,1,1) or (N,) with values 0/1. */
export interface PcamLabels {
  readonly path: string;
  readonly shape: number[];
  readonly labels: Uint8Array;
  readonly positives: number;
}

const invalid = (path: string, problem: string, details: Record<string, unknown> = {}): NodalError =>
  new NodalError('DATA_INVALID', `${path}: ${problem}`, { file: path, ...details });

/** Human name of an HDF5 datatype from h5wasm metadata (H5T class 0 = integer, 1 = float). */
export function dtypeName(meta: { type: number; size: number; signed: boolean }): string {
  if (meta.type === 0) return `${meta.signed ? 'int' : 'uint'}${meta.size * 8}`;
  if (meta.type === 1) return `float${meta.size * 8}`;
  const classes: Record<number, string> = {
    2: 'time',
    3: 'string',
    4: 'bitfield',
    5: 'opaque',
    6: 'compound',
  };
  return classes[meta.type] ?? `HDF5 type class ${meta.type}`;
}

function getDataset(file: H5File, path: string, name: 'x' | 'y'): Dataset {
  const entity = hdf5Call(path, `cannot read dataset '${name}'`, () => file.get(name));
  if (entity && (entity as Dataset).type === 'Dataset') return entity as Dataset;
  const keys = hdf5Call(path, 'cannot list datasets', () => file.keys());
  const other = name === 'x' ? 'y' : 'x';
  const hint = keys.includes(other)
    ? ` (it has '${other}': is this the ${other === 'y' ? 'label' : 'image'} file?)`
    : ` (found: ${keys.length ? keys.map((k) => `'${k}'`).join(', ') : 'nothing'})`;
  throw invalid(path, `no dataset '${name}'${hint}`, { found: keys });
}

function checkUint8(ds: Dataset, path: string, name: string): void {
  const meta = hdf5Call(path, `cannot read dataset '${name}' type`, () => ds.metadata);
  if (meta.type !== 0 || meta.size !== 1 || meta.signed) {
    throw invalid(path, `dataset '${name}' has dtype ${dtypeName(meta)}, expected uint8`, {
      dtype: dtypeName(meta),
    });
  }
}

const fmtShape = (s: readonly number[] | null): string => (s ? `(${s.join(',')})` : 'scalar');

/** Opens and validates an image file; throws DATA_INVALID naming the file and the problem. */
export async function openPcamImages(path: string): Promise<PcamImages> {
  const file = await openHdf5(path, 'r');
  try {
    const ds = getDataset(file, path, 'x');
    const shape = hdf5Call(path, "cannot read dataset 'x' shape", () => ds.shape);
    const ok = shape?.length === 4 && PATCH_SHAPE.every((d, i) => shape[i + 1] === d);
    if (!shape || !ok) {
      throw invalid(path, `dataset 'x' has shape ${fmtShape(shape)}, expected (N,${PATCH_SHAPE.join(',')})`, {
        shape,
      });
    }
    checkUint8(ds, path, 'x');
    const size = shape[0];
    if (size === 0) throw invalid(path, "dataset 'x' has no rows");
    const filters = hdf5Call(path, "cannot read dataset 'x' filters", () => ds.filters);
    const compression = filters.map((f) => f.name).join('+') || 'none';
    let open = true;
    return {
      path,
      size,
      compression,
      readRows(start, end) {
        if (!open) throw new NodalError('VALIDATION', `${path}: read after close`);
        if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start || end > size) {
          throw new NodalError('VALIDATION', `${path}: rows [${start}, ${end}) outside [0, ${size})`);
        }
        const rows = hdf5Call(path, `cannot read rows ${start}..${end - 1}`, () => ds.slice([[start, end]]));
        if (!(rows instanceof Uint8Array) || rows.length !== (end - start) * PATCH_BYTES) {
          throw invalid(path, `rows ${start}..${end - 1} read back with the wrong size`);
        }
        return rows;
      },
      close() {
        if (open) file.close();
        open = false;
      },
    };
  } catch (e) {
    file.close();
    throw e;
  }
}

/** Opens, reads and validates a label file, then closes it; throws DATA_INVALID naming the file. */
export async function openPcamLabels(path: string): Promise<PcamLabels> {
  const file = await openHdf5(path, 'r');
  try {
    const ds = getDataset(file, path, 'y');
    const shape = hdf5Call(path, "cannot read dataset 'y' shape", () => ds.shape);
    const ok = shape && (shape.length === 1 || (shape.length === 4 && shape.slice(1).every((d) => d === 1)));
    if (!shape || !ok) {
      throw invalid(path, `dataset 'y' has shape ${fmtShape(shape)}, expected (N,1,1,1) or (N,)`, { shape });
    }
    checkUint8(ds, path, 'y');
    if (shape[0] === 0) throw invalid(path, "dataset 'y' has no rows");
    const value = hdf5Call(path, "cannot read dataset 'y'", () => ds.value);
    if (!(value instanceof Uint8Array) || value.length !== shape[0]) {
      throw invalid(path, "dataset 'y' read back with the wrong size");
    }
    let positives = 0;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (v > 1)
        throw invalid(path, `label values must be 0 or 1, found ${v} at row ${i}`, { row: i, value: v });
      positives += v;
    }
    return { path, shape, labels: value, positives };
  } finally {
    file.close();
  }
}

/** Sorted distinct indices grouped into runs of consecutive rows: [start, end) pairs. */
export function coalesceRuns(sortedDistinct: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const i of sortedDistinct) {
    const last = runs[runs.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  return runs;
}

/**
 * Opens split `split` of the PCam layout in `dir` (`camelyonpatch_level_2_split_<split>_{x,y}.h5`).
 * Throws DATA_INVALID naming the file for: a missing, non-HDF5, truncated or corrupt file; a wrong shape or
 * dtype; label values other than 0/1; x and y with different row counts.
 */
export async function openPcamSplit(dir: string, split: PcamSplitName): Promise<PcamSplit> {
  const files = { x: pcamPath(dir, split, 'x'), y: pcamPath(dir, split, 'y') };
  const labels = await openPcamLabels(files.y);
  const images = await openPcamImages(files.x);
  if (images.size !== labels.labels.length) {
    images.close();
    throw invalid(files.x, `has ${images.size} rows but ${files.y} has ${labels.labels.length}`, {
      xRows: images.size,
      yRows: labels.labels.length,
    });
  }
  const size = images.size;
  const y = labels.labels;
  let closed = false;
  return {
    split,
    size,
    positives: labels.positives,
    files,
    readBatch(indices) {
      if (closed) throw new NodalError('VALIDATION', `${files.x}: read after close`);
      for (const i of indices) {
        if (!Number.isInteger(i) || i < 0 || i >= size) {
          throw new NodalError('VALIDATION', `${files.x}: index ${i} outside [0, ${size})`, { index: i });
        }
      }
      const n = indices.length;
      const outY = new Uint8Array(n);
      for (let k = 0; k < n; k++) outY[k] = y[indices[k]];
      // A lease of consecutive rows is one read that can be returned as is.
      if (n > 0 && indices.every((v, k) => v === indices[0] + k)) {
        return { x: images.readRows(indices[0], indices[0] + n), y: outY };
      }
      const sorted = [...new Set(indices)].sort((a, b) => a - b);
      const rowOf = new Map<number, Uint8Array>();
      for (const [start, end] of coalesceRuns(sorted)) {
        const rows = images.readRows(start, end);
        for (let r = start; r < end; r++) {
          rowOf.set(r, rows.subarray((r - start) * PATCH_BYTES, (r - start + 1) * PATCH_BYTES));
        }
      }
      const outX = new Uint8Array(n * PATCH_BYTES);
      for (let k = 0; k < n; k++) outX.set(rowOf.get(indices[k])!, k * PATCH_BYTES);
      return { x: outX, y: outY };
    },
    close() {
      closed = true;
      images.close();
    },
  };
}
