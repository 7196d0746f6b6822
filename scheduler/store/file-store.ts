// A Store in one directory: `state.json` is always a complete state. A save writes a temporary file,
// fsyncs it, keeps the current file as `state.prev.json`, renames the new one over `state.json` and
// fsyncs the directory (rename is atomic on POSIX; the directory fsync makes the rename durable). A
// corrupt file is reported, never deleted: an operator may still recover it (or the previous one).
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { NodalError } from '../../config/errors.js';
import type { StoredState } from '../core/index.js';
import type { Store } from './store.js';

export const STATE_FILE = 'state.json';
export const PREVIOUS_FILE = 'state.prev.json';

export class FileStore implements Store {
  private queue: Promise<void> = Promise.resolve();
  private seq = 0;

  /** `dir` is created on the first save. */
  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, STATE_FILE);
  }

  async load(): Promise<StoredState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new NodalError(
        'UNAVAILABLE',
        `cannot read the state file ${this.path}`,
        { path: this.path },
        { cause: e },
      );
    }
    return parseStored(text, this.path);
  }

  save(state: StoredState): Promise<void> {
    // Serialised: two overlapping saves must not interleave their renames.
    const run = this.queue.then(() => this.write(state));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(state: StoredState): Promise<void> {
    const tmp = join(this.dir, `${STATE_FILE}.tmp-${process.pid}-${++this.seq}`);
    try {
      await mkdir(this.dir, { recursive: true });
      const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
      try {
        await fh.writeFile(JSON.stringify(state), 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.keepPrevious();
      await rename(tmp, this.path);
      await syncDir(this.dir);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw new NodalError(
        'UNAVAILABLE',
        `cannot save the state file ${this.path}`,
        { path: this.path },
        { cause: e },
      );
    }
  }

  // A hard link keeps state.json in place the whole time (a rename would leave a moment without it).
  private async keepPrevious(): Promise<void> {
    const prevTmp = join(this.dir, `${PREVIOUS_FILE}.tmp-${process.pid}-${this.seq}`);
    try {
      await link(this.path, prevTmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    await rename(prevTmp, join(this.dir, PREVIOUS_FILE));
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } catch (e) {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL' && (e as NodeJS.ErrnoException).code !== 'EISDIR')
      throw e;
  } finally {
    await fh.close();
  }
}

/** Parses and shape-checks a saved state; throws NodalError DATA_INVALID naming the file. */
export function parseStored(text: string, path: string): StoredState {
  const corrupt = (why: string, cause?: unknown): NodalError =>
    new NodalError(
      'DATA_INVALID',
      `state file ${path} is corrupt (${why}); it was left in place`,
      { path },
      { cause },
    );
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw corrupt('not JSON', e);
  }
  const isObj = (x: unknown): x is Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObj(v)) throw corrupt('not an object');
  if (v.version !== 1) throw corrupt(`unsupported version ${JSON.stringify(v.version)}`);
  if (v.frameworkId !== undefined && typeof v.frameworkId !== 'string')
    throw corrupt('frameworkId is not a string');
  if (!isObj(v.jobs) || !isObj(v.tasks)) throw corrupt('jobs or tasks missing');
  for (const [id, job] of Object.entries(v.jobs))
    if (
      !isObj(job) ||
      job.id !== id ||
      !isObj(job.spec) ||
      !Array.isArray(job.slots) ||
      !Array.isArray(job.conditions)
    )
      throw corrupt(`job ${id} malformed`);
  for (const [id, task] of Object.entries(v.tasks))
    if (
      !isObj(task) ||
      task.taskId !== id ||
      typeof task.jobId !== 'string' ||
      typeof task.agentId !== 'string'
    )
      throw corrupt(`task ${id} malformed`);
  return v as unknown as StoredState;
}
