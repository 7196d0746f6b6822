// The study's data: a directory of PatchCamelyon files every run reads. Either the user's (real PCam, or
// any set in its layout), checked once here so a bad path fails before any cluster starts, or a synthetic
// set generated into the executors' shared cache (and reused by later studies with the same sizes).
import { resolve } from 'node:path';
import { NodalError } from '../../../config/errors.js';
import { silentLogger, type Logger } from '../../../config/logger.js';
import { openPcamSplit } from '../../../executor/data/pcam.js';
import { defaultDataCacheDir, hasSplit, prepareData } from '../../../executor/main/data-cache.js';

export interface StudyData {
  readonly dir: string;
  readonly synthetic: boolean;
  readonly sizes: { readonly train: number; readonly valid: number; readonly test: number };
}

export interface SyntheticSizes {
  readonly train: number;
  readonly valid: number;
  readonly test: number;
  readonly seed: number;
}

async function splitSize(dir: string, split: 'train' | 'valid' | 'test'): Promise<number> {
  const s = await openPcamSplit(dir, split);
  try {
    return s.size;
  } finally {
    s.close();
  }
}

/**
 * The data directory of the study: `dataDir` when given (DATA_INVALID when it lacks the train, valid or
 * test split or a file is not in the PCam layout), else a synthetic set of `synthetic` sizes.
 */
export async function prepareStudyData(
  dataDir: string | undefined,
  synthetic: SyntheticSizes,
  logger: Logger = silentLogger,
): Promise<StudyData> {
  const dir = dataDir
    ? resolve(dataDir)
    : await prepareData({ kind: 'synthetic', ...synthetic }, defaultDataCacheDir(), { logger });
  for (const split of ['train', 'valid', 'test'] as const) {
    if (!hasSplit(dir, split))
      throw new NodalError('DATA_INVALID', `${dir}: the study needs the ${split} split (x and y files)`);
  }
  const [train, valid, test] = await Promise.all([
    splitSize(dir, 'train'),
    splitSize(dir, 'valid'),
    splitSize(dir, 'test'),
  ]);
  return { dir, synthetic: !dataDir, sizes: { train, valid, test } };
}
