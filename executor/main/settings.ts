// The executor's settings from the configuration (`executor.*`), with the empty-means-default keys resolved.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../../config/load.js';
import { defaultDataCacheDir } from './data-cache.js';
import type { ExecutorSettings } from './roles/index.js';

/** The checkpoint root when none is configured. */
export const defaultCheckpointRoot = (): string => join(tmpdir(), 'nodal');

/** Settings from a loaded configuration; relative directories are made absolute against the working dir. */
export function executorSettings(config: Config): ExecutorSettings {
  const e = config.executor;
  return Object.freeze({
    backend: e.backend,
    bindHost: e.bindHost,
    dataCacheDir: resolve(e.dataCacheDir || defaultDataCacheDir()),
    checkpointRoot: resolve(e.checkpointRoot || defaultCheckpointRoot()),
    leaseTimeoutMs: e.leaseTimeoutMs,
  });
}
