// h5wasm at the edge: opening files and turning HDF5's error stack into NodalError DATA_INVALID that names
// the file. h5wasm's default error handler prints the stack to stderr and then returns an invalid id (or
// throws an unrelated message), so every call here runs with its throwing handler active instead.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { Dataset, File as H5File } from 'h5wasm/node';
import { NodalError } from '../../config/errors.js';

export type { Dataset, H5File };

type H5Module = Awaited<typeof h5wasm.ready>;
let loaded: H5Module | undefined;

/** The deepest HDF5 message in an error stack ("truncated file: eof = …"), which is the one that explains. */
export function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = [...text.matchAll(/#\d+:.* in [\w.]+\(\): (.+)$/gm)].map((m) => m[1].trim());
  return lines.length > 0 ? lines[lines.length - 1] : text.split('\n')[0].trim() || 'unknown HDF5 error';
}

/**
 * Runs `fn` (h5wasm calls on a file opened with `openHdf5`) with h5wasm throwing instead of printing;
 * a failure becomes DATA_INVALID "`path`: `what`: reason".
 */
export function hdf5Call<T>(path: string, what: string, fn: () => T): T {
  if (!loaded) throw new NodalError('INTERNAL', 'h5wasm used before openHdf5');
  loaded.activate_throwing_error_handler();
  try {
    return fn();
  } catch (e) {
    if (e instanceof NodalError) throw e;
    throw new NodalError('DATA_INVALID', `${path}: ${what}: ${hdf5Reason(e)}`, { file: path }, { cause: e });
  } finally {
    loaded.deactivate_throwing_error_handler();
  }
}

/**
 * Opens an HDF5 file. Mode `r` requires an existing regular file and throws DATA_INVALID for a missing
 * file, a file that is not HDF5, or one that is truncated or corrupt; mode `w` creates or truncates.
 */
export async function openHdf5(path: string, mode: 'r' | 'w'): Promise<H5File> {
  const abs = resolve(path);
  if (mode === 'r') {
    let isFile: boolean;
    try {
      isFile = statSync(abs).isFile();
    } catch {
      throw new NodalError('DATA_INVALID', `${path}: file not found`, { file: path });
    }
    if (!isFile) throw new NodalError('DATA_INVALID', `${path}: not a regular file`, { file: path });
  }
  loaded ??= await h5wasm.ready;
  const file = hdf5Call(path, mode === 'r' ? 'cannot open HDF5 file' : 'cannot create HDF5 file', () => {
    return new h5wasm.File(abs, mode);
  });
  // h5wasm signals some failures only through a negative id.
  if (file.file_id < 0n)
    throw new NodalError('DATA_INVALID', `${path}: cannot open HDF5 file`, { file: path });
  return file;
}
