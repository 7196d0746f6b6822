// The data a task trains or evaluates on. A synthetic set is generated once per host into a shared cache
// directory named by a hash of its spec: each executor writes into its own temporary directory and renames
// it into place, so executors starting together on one host never see a half-written set (the loser of
// the rename race drops its copy). A real data set is a directory of PCam files, opened as it is.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import { pcamPath, type PcamSplitName } from '../data/pcam-layout.js';
import { openPcamSplit, type PcamSplit } from '../data/pcam.js';
import { writeSyntheticPcam } from '../data/synth.js';
import type { DataSource } from './task-config.js';

/** Bumped when the generator's output changes, so old caches are not reused. */
export const SYNTH_CACHE_VERSION = 1;

/** The cache root when none is configured. */
export const defaultDataCacheDir = (): string => join(tmpdir(), 'nodal-data');

/** The cache directory name of a synthetic spec: `synthetic-<16 hex of sha256>`. */
export function syntheticCacheName(s: Extract<DataSource, { kind: 'synthetic' }>): string {
  const key = JSON.stringify({
    v: SYNTH_CACHE_VERSION,
    train: s.train,
    valid: s.valid,
    test: s.test,
    seed: s.seed,
  });
  return `synthetic-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/**
 * The directory holding the PCam files of `source`, generating a synthetic set into `cacheDir` if it is
 * not there yet. Throws UNAVAILABLE when aborted, DATA_INVALID when the generator fails.
 */
export async function prepareData(
  source: DataSource,
  cacheDir: string,
  opts: { signal?: AbortSignal; logger?: Logger } = {},
): Promise<string> {
  if (source.kind === 'path') return resolve(source.path);
  const log = (opts.logger ?? silentLogger).child({ component: 'data-cache' });
  const final = join(cacheDir, syntheticCacheName(source));
  if (existsSync(final)) {
    log.info('synthetic data reused', { dir: final });
    return final;
  }
  await mkdir(cacheDir, { recursive: true });
  const tmp = await mkdtemp(join(cacheDir, `.${syntheticCacheName(source)}-`));
  const started = Date.now();
  try {
    if (opts.signal?.aborted) throw new NodalError('UNAVAILABLE', 'data preparation aborted');
    await writeSyntheticPcam(tmp, source);
    await rename(tmp, final);
    log.info('synthetic data generated', { dir: final, ms: Date.now() - started, ...source });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    // Another executor renamed its copy first: theirs is complete and identical.
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(final)) return final;
    throw e;
  }
  return final;
}

/** Whether both files of a split are in `dir`. */
export const hasSplit = (dir: string, split: PcamSplitName): boolean =>
  existsSync(pcamPath(dir, split, 'x')) && existsSync(pcamPath(dir, split, 'y'));

/** Opens a split when both its files exist; undefined otherwise (a synthetic split of 0 is not written). */
export async function openSplitIfPresent(dir: string, split: PcamSplitName): Promise<PcamSplit | undefined> {
  return hasSplit(dir, split) ? openPcamSplit(dir, split) : undefined;
}
