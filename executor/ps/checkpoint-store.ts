// Durable checkpoints of one shard under `<dir>/ps-<i>/`: `ckpt-<step>.bin` files plus a `latest` pointer.
// Each file is written to a temporary name, fsynced, renamed into place and the directory fsynced, then
// `latest` is replaced the same way, so a crash at any moment leaves the previous checkpoint readable.
// The last `keep` checkpoints stay; older ones are deleted only after the new one is in place.
import { constants as fsConstants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { NodalError, isNodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import { decodeCheckpoint, encodeCheckpoint, type ShardSnapshot } from './checkpoint-format.js';

/** The file operations a store uses; tests replace them to simulate a full disk. */
export interface CheckpointIo {
  /** Creates `path` with `chunks` and fsyncs it before resolving. */
  writeFileDurable(path: string, chunks: readonly Uint8Array[]): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  readFile(path: string): Promise<Buffer>;
  mkdir(dir: string): Promise<void>;
  /** fsyncs a directory so a rename in it survives a power cut (best effort where unsupported). */
  fsyncDir(dir: string): Promise<void>;
}

export const nodeCheckpointIo: CheckpointIo = {
  async writeFileDurable(path, chunks) {
    const fh = await fsp.open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC, 0o600);
    try {
      for (const c of chunks) {
        let done = 0;
        while (done < c.byteLength) done += (await fh.write(c, done, c.byteLength - done)).bytesWritten;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  readdir: (dir) => fsp.readdir(dir),
  readFile: (path) => fsp.readFile(path),
  mkdir: async (dir) => {
    await fsp.mkdir(dir, { recursive: true });
  },
  async fsyncDir(dir) {
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(dir, 'r');
      await fh.sync();
    } catch {
      // Some filesystems refuse fsync on directories; the rename is still atomic there.
    } finally {
      await fh?.close();
    }
  },
};

export interface CheckpointStoreOptions {
  /** The job's checkpoint root; this shard writes under `<dir>/ps-<shardIndex>/`. */
  dir: string;
  shardIndex: number;
  /** Checkpoints kept (default 2). */
  keep?: number;
  io?: CheckpointIo;
  logger?: Logger;
}

export interface WrittenCheckpoint {
  path: string;
  step: number;
  bytes: number;
}

const LATEST = 'latest';
const FILE_RE = /^ckpt-(\d+)\.bin$/;
export const checkpointFileName = (step: number): string => `ckpt-${step}.bin`;

/** One shard's checkpoint directory. Writes are serialized by the caller (ParameterShard). */
export class CheckpointStore {
  readonly shardDir: string;
  private readonly keep: number;
  private readonly io: CheckpointIo;
  private readonly log: Logger;
  private tmpCounter = 0;

  constructor(opts: CheckpointStoreOptions) {
    this.shardDir = join(opts.dir, `ps-${opts.shardIndex}`);
    this.keep = Math.max(1, opts.keep ?? 2);
    this.io = opts.io ?? nodeCheckpointIo;
    this.log = (opts.logger ?? silentLogger).child({ component: 'checkpoint' });
  }

  /**
   * Writes `snapshot` atomically and points `latest` at it, then prunes old files. On failure (e.g. ENOSPC)
   * removes the partial file, leaves the previous checkpoint and `latest` as they were, and throws
   * UNAVAILABLE with the cause.
   */
  async write(snapshot: ShardSnapshot): Promise<WrittenCheckpoint> {
    const name = checkpointFileName(snapshot.step);
    const path = join(this.shardDir, name);
    const tmp = join(this.shardDir, `.${name}.tmp-${process.pid}-${this.tmpCounter++}`);
    const chunks = encodeCheckpoint(snapshot);
    const bytes = chunks.reduce((n, c) => n + c.byteLength, 0);
    try {
      await this.io.mkdir(this.shardDir);
      await this.io.writeFileDurable(tmp, chunks);
      await this.io.rename(tmp, path);
      await this.io.fsyncDir(this.shardDir);
      await this.writePointer(name);
    } catch (e) {
      await this.io.unlink(tmp).catch(() => {});
      const code = (e as NodeJS.ErrnoException).code;
      this.log.error('checkpoint write failed; previous checkpoint kept', {
        step: snapshot.step,
        path,
        code,
        error: e,
      });
      throw new NodalError(
        'UNAVAILABLE',
        `cannot write checkpoint ${path}: ${(e as Error).message}`,
        { code, path },
        { cause: e },
      );
    }
    await this.prune(snapshot.step);
    this.log.info('checkpoint written', { step: snapshot.step, path, bytes });
    return { path, step: snapshot.step, bytes };
  }

  private async writePointer(name: string): Promise<void> {
    const tmp = join(this.shardDir, `.${LATEST}.tmp-${process.pid}-${this.tmpCounter++}`);
    try {
      await this.io.writeFileDurable(tmp, [Buffer.from(name + '\n', 'utf8')]);
      await this.io.rename(tmp, join(this.shardDir, LATEST));
      await this.io.fsyncDir(this.shardDir);
    } catch (e) {
      await this.io.unlink(tmp).catch(() => {});
      throw e;
    }
  }

  /** Steps of the checkpoint files present, newest first. */
  async list(): Promise<number[]> {
    let names: string[];
    try {
      names = await this.io.readdir(this.shardDir);
    } catch {
      return [];
    }
    return names
      .map((n) => FILE_RE.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => b - a);
  }

  private async prune(currentStep: number): Promise<void> {
    const steps = await this.list();
    // Keep the newest `keep` files, and never the one just written (clock or step could go backwards).
    for (const step of steps.slice(this.keep)) {
      if (step === currentStep) continue;
      await this.io.unlink(join(this.shardDir, checkpointFileName(step))).catch((e: unknown) => {
        this.log.warn('cannot delete old checkpoint', { step, error: e });
      });
    }
  }

  /**
   * The newest readable checkpoint: the one `latest` names, else the newest file that verifies (a damaged
   * one is skipped with a warning). Null when there is none.
   */
  async readLatest(): Promise<{ snapshot: ShardSnapshot; path: string } | null> {
    const candidates: string[] = [];
    try {
      const pointed = (await this.io.readFile(join(this.shardDir, LATEST))).toString('utf8').trim();
      if (FILE_RE.test(pointed)) candidates.push(pointed);
    } catch {
      // No pointer yet (or it was lost): fall back to scanning.
    }
    for (const step of await this.list()) {
      const name = checkpointFileName(step);
      if (!candidates.includes(name)) candidates.push(name);
    }
    for (const name of candidates) {
      const path = join(this.shardDir, name);
      try {
        return { snapshot: decodeCheckpoint(await this.io.readFile(path)), path };
      } catch (e) {
        this.log.warn('checkpoint unreadable; trying an older one', {
          path,
          error: isNodalError(e) ? e.message : e,
        });
      }
    }
    return null;
  }
}
