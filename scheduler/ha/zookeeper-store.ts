// The scheduler's state (framework id, jobs, task map) in ZooKeeper, for schedulers that fail over.
//
// Layout under the root (default /nodal/state):
//   current                      pointer: {"format":1,"generation":"g-0000000042","chunks":3,"bytes":…,"sha256":…}
//   generations/g-0000000042/c-00000 … c-00002   the state's JSON in chunks of at most 512 KiB
// A znode holds at most ~1 MB and so does one request, so a large state cannot go in one write or one multi.
// A save writes a new generation nobody points at yet, then flips `current` in one multi that also checks
//   - the pointer's version is the one we last read or wrote (another writer did not get there first), and
//   - the fencing node exists: the election node of the leader we believe we are, which vanishes with our
//     session, so a deposed leader's save fails rather than overwrites its successor's state;
// and only then deletes older generations. Readers that lose a race with that deletion read again.
import { createHash } from 'node:crypto';
import { NodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import type { StoredState } from '../core/index.js';
import { parseStored } from '../store/file-store.js';
import type { Store } from '../store/store.js';
import { zkCodeOf, type ZkClient, type ZkOp } from './zk-client.js';

/** Default root znode of the state. */
export const DEFAULT_STATE_ROOT = '/nodal/state';
/** Default chunk size: half of ZooKeeper's default 1 MB request limit leaves room for the request framing. */
export const DEFAULT_CHUNK_BYTES = 512 * 1024;
const POINTER_FORMAT = 1;
const LOAD_ATTEMPTS = 3;
const GENERATION = /^g-(\d{10})$/;

export interface ZookeeperStoreOptions {
  readonly client: ZkClient;
  /** Root znode; created on the first save. */
  readonly root?: string;
  /**
   * The path of a node that must exist for a save to apply, normally `() => election.leaderNode()`.
   * When it returns undefined (not leading) `save` refuses without writing. Omit for a single scheduler.
   */
  readonly fence?: () => string | undefined;
  /** At most `ZNODE_MAX_BYTES` minus framing; the default suits a default server. */
  readonly chunkBytes?: number;
  readonly logger?: Logger;
}

/** What `current` holds. */
interface Pointer {
  readonly format: typeof POINTER_FORMAT;
  readonly generation: string;
  readonly chunks: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** The pointer's version we expect: a number, or 'absent' when no state was ever saved. */
type ExpectedVersion = number | 'absent';

/** The Store over ZooKeeper: `load()` then `save()` as often as the state changes. */
export class ZookeeperStore implements Store {
  private readonly client: ZkClient;
  private readonly root: string;
  private readonly pointerPath: string;
  private readonly generationsPath: string;
  private readonly chunkBytes: number;
  private readonly logger: Logger;
  private expected: ExpectedVersion | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ZookeeperStoreOptions) {
    this.client = options.client;
    this.root = (options.root ?? DEFAULT_STATE_ROOT).replace(/\/+$/, '');
    this.pointerPath = `${this.root}/current`;
    this.generationsPath = `${this.root}/generations`;
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!Number.isInteger(this.chunkBytes) || this.chunkBytes < 1 || this.chunkBytes > 1_000_000) {
      throw new NodalError('CONFIG_INVALID', 'chunkBytes must be an integer in [1, 1000000]', {
        chunkBytes: this.chunkBytes,
      });
    }
    this.logger = (options.logger ?? silentLogger).child({ component: 'zookeeper-store', root: this.root });
  }

  /**
   * The last saved state, or undefined when none was ever saved. Remembers the version it read, which the
   * next save requires. Throws NodalError DATA_INVALID (corrupt state), UNAVAILABLE/TIMEOUT, FORBIDDEN.
   */
  load(): Promise<StoredState | undefined> {
    return this.serialised(() => this.loadNow());
  }

  /**
   * Replaces the stored state atomically. Throws NodalError CONFLICT when this writer is fenced off (not
   * leader any more) or another writer saved since our last load/save (load again to go on); UNAVAILABLE or
   * TIMEOUT when ZooKeeper cannot be reached (nothing was applied, or the write is fenced as above).
   */
  save(state: StoredState): Promise<void> {
    return this.serialised(() => this.saveNow(state));
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async loadNow(): Promise<StoredState | undefined> {
    for (let attempt = 1; attempt <= LOAD_ATTEMPTS; attempt++) {
      let pointerData: Buffer;
      let version: number;
      try {
        const { data, stat } = await this.client.getData(this.pointerPath);
        pointerData = data;
        version = stat.version;
      } catch (e) {
        if (zkCodeOf(e) !== 'NO_NODE') throw e;
        this.expected = 'absent';
        return undefined;
      }
      const pointer = parsePointer(pointerData);
      const generation = `${this.generationsPath}/${pointer.generation}`;
      let chunks: Buffer[];
      try {
        chunks = await Promise.all(
          Array.from({ length: pointer.chunks }, (_, i) => this.client.getData(chunkPath(generation, i))),
        ).then((rs) => rs.map((r) => r.data));
      } catch (e) {
        // A newer save replaced this generation between our two reads: read the new pointer.
        if (zkCodeOf(e) !== 'NO_NODE') throw e;
        this.logger.debug('state generation replaced while loading; reading again', { attempt });
        continue;
      }
      const state = decodeState(Buffer.concat(chunks), pointer, generation);
      this.expected = version;
      this.logger.info('state loaded', { generation: pointer.generation, bytes: pointer.bytes, version });
      return state;
    }
    throw new NodalError('UNAVAILABLE', `stored state kept changing during ${LOAD_ATTEMPTS} loads`, {
      root: this.root,
    });
  }

  private async saveNow(state: StoredState): Promise<void> {
    const fenceNode = this.fenceNode();
    const bytes = Buffer.from(JSON.stringify(state), 'utf8');
    const expected = this.expected ?? (await this.pointerVersion());
    await this.client.mkdirp(this.generationsPath);
    const generation = await this.client.create(
      `${this.generationsPath}/g-`,
      Buffer.alloc(0),
      'persistent-sequential',
    );
    const name = generation.slice(this.generationsPath.length + 1);
    const chunks = split(bytes, this.chunkBytes);
    const pointer: Pointer = {
      format: POINTER_FORMAT,
      generation: name,
      chunks: chunks.length,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    let flipSent = false;
    try {
      await Promise.all(chunks.map((chunk, i) => this.client.create(chunkPath(generation, i), chunk)));
      flipSent = true;
      await this.client.multi([...this.fenceOps(fenceNode), this.pointerOp(expected, pointer)]);
    } catch (e) {
      if (flipSent && !definitelyNotApplied(e)) {
        // The flip may still have applied (its reply was lost): keep the generation it may point to and
        // read the pointer's version afresh next time; the fence still guards that next write.
        this.expected = undefined;
      } else {
        await this.client.removeRecursive(generation).catch((cleanup: unknown) =>
          this.logger.warn('could not remove an unused state generation', {
            generation: name,
            error: cleanup,
          }),
        );
      }
      throw this.saveError(e, fenceNode);
    }
    this.expected = expected === 'absent' ? 0 : expected + 1;
    this.logger.debug('state saved', { generation: name, bytes: bytes.length, chunks: chunks.length });
    await this.removeOlderGenerations(name);
  }

  private fenceNode(): string | undefined {
    if (!this.options.fence) return undefined;
    const node = this.options.fence();
    if (node === undefined) {
      throw new NodalError('CONFLICT', 'refusing to save: this scheduler is not the leader', {
        reason: 'fenced',
      });
    }
    return node;
  }

  private fenceOps(fenceNode: string | undefined): ZkOp[] {
    return fenceNode === undefined ? [] : [{ op: 'check', path: fenceNode }];
  }

  private pointerOp(expected: ExpectedVersion, pointer: Pointer): ZkOp {
    const data = Buffer.from(JSON.stringify(pointer));
    return expected === 'absent'
      ? { op: 'create', path: this.pointerPath, data }
      : { op: 'set', path: this.pointerPath, data, version: expected };
  }

  private async pointerVersion(): Promise<ExpectedVersion> {
    const stat = await this.client.exists(this.pointerPath);
    return stat ? stat.version : 'absent';
  }

  private saveError(e: unknown, fenceNode: string | undefined): unknown {
    const zkCode = zkCodeOf(e);
    const failedPath = e instanceof NodalError ? e.details?.path : undefined;
    if (fenceNode !== undefined && failedPath === fenceNode && zkCode === 'NO_NODE') {
      return new NodalError(
        'CONFLICT',
        'state not saved: this scheduler is no longer the leader (its election node is gone)',
        { reason: 'fenced', fenceNode },
        { cause: e },
      );
    }
    if (
      failedPath === this.pointerPath &&
      (zkCode === 'BAD_VERSION' || zkCode === 'NODE_EXISTS' || zkCode === 'NO_NODE')
    ) {
      return new NodalError(
        'CONFLICT',
        'state not saved: another writer saved since this one last loaded',
        { reason: 'stale', zkCode },
        { cause: e },
      );
    }
    return e;
  }

  /** Best effort: a failure leaves garbage for the next save to collect, never a wrong state. */
  private async removeOlderGenerations(keep: string): Promise<void> {
    const keepSeq = Number(GENERATION.exec(keep)?.[1] ?? -1);
    try {
      const names = await this.client.getChildren(this.generationsPath);
      const older = names.filter((n) => {
        const m = GENERATION.exec(n);
        return m !== null && Number(m[1]) < keepSeq;
      });
      await Promise.all(older.map((n) => this.client.removeRecursive(`${this.generationsPath}/${n}`)));
    } catch (e) {
      this.logger.warn('could not remove old state generations', { error: e });
    }
  }
}

/** A multi that failed with a ZooKeeper verdict (not a lost connection or timeout) applied nothing. */
function definitelyNotApplied(e: unknown): boolean {
  const zkCode = zkCodeOf(e);
  return (
    zkCode !== undefined &&
    zkCode !== 'CONNECTION_LOSS' &&
    zkCode !== 'OPERATION_TIMEOUT' &&
    zkCode !== 'SESSION_EXPIRED'
  );
}

function chunkPath(generation: string, index: number): string {
  return `${generation}/c-${String(index).padStart(5, '0')}`;
}

function split(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size)
    chunks.push(bytes.subarray(offset, offset + size));
  return chunks.length > 0 ? chunks : [Buffer.alloc(0)];
}

function parsePointer(data: Buffer): Pointer {
  let p: Partial<Pointer>;
  try {
    p = JSON.parse(data.toString('utf8')) as Partial<Pointer>;
  } catch (e) {
    throw new NodalError('DATA_INVALID', 'stored state pointer is not JSON', {}, { cause: e });
  }
  if (
    p?.format !== POINTER_FORMAT ||
    typeof p.generation !== 'string' ||
    !GENERATION.test(p.generation) ||
    !Number.isInteger(p.chunks) ||
    p.chunks! < 1 ||
    !Number.isInteger(p.bytes) ||
    typeof p.sha256 !== 'string'
  ) {
    throw new NodalError('DATA_INVALID', 'stored state pointer is malformed', { format: p?.format });
  }
  return p as Pointer;
}

function decodeState(bytes: Buffer, pointer: Pointer, generationPath: string): StoredState {
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== pointer.bytes || digest !== pointer.sha256) {
    throw new NodalError('DATA_INVALID', 'stored state does not match its checksum', {
      generation: pointer.generation,
      bytes: bytes.length,
      expectedBytes: pointer.bytes,
    });
  }
  // The same shape check as the file store's, so both stores refuse the same corrupt states.
  return parseStored(bytes.toString('utf8'), `zookeeper:${generationPath}`);
}
