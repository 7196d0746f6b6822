// The PatchCamelyon file layout (Veeling et al., github.com/basveeling/pcam): one HDF5 file per split and
// array, `x` holding uint8 RGB patches (N,96,96,3) and `y` uint8 labels (N,1,1,1), 1 = tumour.
import { join } from 'node:path';

export const PCAM_SPLITS = ['train', 'valid', 'test'] as const;
export type PcamSplitName = (typeof PCAM_SPLITS)[number];
export type PcamArray = 'x' | 'y';

export const PATCH_HEIGHT = 96;
export const PATCH_WIDTH = 96;
export const PATCH_CHANNELS = 3;
/** Shape of one patch, height × width × channels. */
export const PATCH_SHAPE = [PATCH_HEIGHT, PATCH_WIDTH, PATCH_CHANNELS] as const;
/** Bytes of one uint8 patch. */
export const PATCH_BYTES = PATCH_HEIGHT * PATCH_WIDTH * PATCH_CHANNELS;

/** `camelyonpatch_level_2_split_<split>_<array>.h5`, the names of the published files. */
export function pcamFileName(split: PcamSplitName, array: PcamArray): string {
  return `camelyonpatch_level_2_split_${split}_${array}.h5`;
}

/** Path of one split's `x` or `y` file inside `dir`. */
export function pcamPath(dir: string, split: PcamSplitName, array: PcamArray): string {
  return join(dir, pcamFileName(split, array));
}

/** Parses a PCam file name back into its split and array; null for any other name. */
export function parsePcamFileName(name: string): { split: PcamSplitName; array: PcamArray } | null {
  const m = /^camelyonpatch_level_2_split_(train|valid|test)_(x|y)\.h5$/.exec(name);
  return m ? { split: m[1] as PcamSplitName, array: m[2] as PcamArray } : null;
}
