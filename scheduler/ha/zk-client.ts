// A small promise API over node-zookeeper-client with the behaviour HA code needs and the library lacks:
// a bounded first connection, operations that wait for a connection only so long, errors as NodalError
// with the ZooKeeper code kept, and session loss made explicit. The library notices an expired session only
// when the server says so after a reconnect; like Curator we also declare the session lost once we have been
// disconnected for a whole session timeout, because by then the server may have expired it and another
// scheduler may be leading. After a loss a fresh session is opened; owners of ephemeral nodes and watches
// (the election, the master detector) listen for `expired` and start over.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import zookeeper from 'node-zookeeper-client';
import { NodalError, type ErrorCode } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import type { ZkDigestAuth } from './zk-url.js';

/** Default session timeout; the server clamps it to [2, 20] × its tickTime. */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
/** Default bound on the first connection. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** ZooKeeper's default jute.maxbuffer: the largest znode (and request) a default server accepts. */
export const ZNODE_MAX_BYTES = 1_048_575;

/**
 * connecting → connected ⇄ disconnected → expired → connecting …; `auth-failed` and `closed` are final.
 * `expired` means every ephemeral node and watch of the old session is gone.
 */
export type ZkConnectionState =
  'connecting' | 'connected' | 'disconnected' | 'expired' | 'auth-failed' | 'closed';

export type ZkCreateMode = 'persistent' | 'persistent-sequential' | 'ephemeral' | 'ephemeral-sequential';

export interface ZkStat {
  readonly version: number;
  readonly cversion: number;
  readonly dataLength: number;
  readonly numChildren: number;
  /** The owning session id (hex) of an ephemeral node; all zeros otherwise. */
  readonly ephemeralOwner: string;
}

export interface ZkWatchEvent {
  readonly type: 'created' | 'deleted' | 'data-changed' | 'children-changed';
  readonly path: string;
}

/** A one-shot watch, as in ZooKeeper. It does not fire after the session is lost. */
export type ZkWatcher = (event: ZkWatchEvent) => void;

/** One operation of an atomic multi. Versions: -1 (the default) matches any version. */
export type ZkOp =
  | { readonly op: 'create'; readonly path: string; readonly data?: Buffer; readonly mode?: ZkCreateMode }
  | { readonly op: 'set'; readonly path: string; readonly data: Buffer; readonly version?: number }
  | { readonly op: 'check'; readonly path: string; readonly version?: number }
  | { readonly op: 'remove'; readonly path: string; readonly version?: number };

export interface ZkClientOptions {
  /** `host:port[,host:port…]`, as parseZkUrl's `connectString`. */
  readonly connectString: string;
  readonly sessionTimeoutMs?: number;
  /** How long `connectZk` waits for the first session. */
  readonly connectTimeoutMs?: number;
  /** How long an operation waits for a connection and then for its reply; default the session timeout. */
  readonly opTimeoutMs?: number;
  /** Digest credentials; nodes we create then get the creator-only ACL. Never logged. */
  readonly auth?: ZkDigestAuth;
  readonly logger?: Logger;
}

type StateListener = (state: ZkConnectionState, sessionId: string) => void;

const { CreateMode, ACL, Id, Permission } = zookeeper;
const CREATE_MODES: Record<ZkCreateMode, number> = {
  persistent: CreateMode.PERSISTENT,
  'persistent-sequential': CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeral: CreateMode.EPHEMERAL,
  'ephemeral-sequential': CreateMode.EPHEMERAL_SEQUENTIAL,
};
const OPEN_ACL = [new ACL(Permission.ALL, new Id('world', 'anyone'))];
const CREATOR_ALL_ACL = [new ACL(Permission.ALL, new Id('auth', ''))];
const WATCH_TYPES: Record<number, ZkWatchEvent['type']> = {
  1: 'created',
  2: 'deleted',
  3: 'data-changed',
  4: 'children-changed',
};
const ZK_CODE_TO_ERROR: Record<string, ErrorCode> = {
  NO_NODE: 'NOT_FOUND',
  NODE_EXISTS: 'CONFLICT',
  BAD_VERSION: 'CONFLICT',
  NOT_EMPTY: 'CONFLICT',
  NO_CHILDREN_FOR_EPHEMERALS: 'VALIDATION',
  BAD_ARGUMENTS: 'VALIDATION',
  INVALID_ACL: 'VALIDATION',
  NO_AUTH: 'FORBIDDEN',
  AUTH_FAILED: 'UNAUTHORIZED',
  CONNECTION_LOSS: 'UNAVAILABLE',
  SESSION_EXPIRED: 'UNAVAILABLE',
  OPERATION_TIMEOUT: 'TIMEOUT',
};

/** The ZooKeeper error name (`NO_NODE`, `BAD_VERSION`, …) a ZkClient error carries, if any. */
export function zkCodeOf(e: unknown): string | undefined {
  return e instanceof NodalError && typeof e.details?.zkCode === 'string' ? e.details.zkCode : undefined;
}

/** Connects and resolves once the first session is established. Throws NodalError TIMEOUT/UNAUTHORIZED. */
export async function connectZk(options: ZkClientOptions): Promise<ZkClient> {
  const client = new ZkClient(options);
  await client.start();
  return client;
}

/** A ZooKeeper session holder; see the file comment. Create with `connectZk`, end with `close()`. */
export class ZkClient {
  private readonly logger: Logger;
  private readonly sessionTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly opTimeoutMs: number;
  private readonly acl: typeof OPEN_ACL;
  private readonly listeners = new Set<StateListener>();
  private readonly id = randomUUID().slice(0, 8);
  private raw: zookeeper.Client | undefined;
  private current: ZkConnectionState = 'connecting';
  private lossTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<() => boolean>();

  /** Use connectZk. */
  constructor(private readonly options: ZkClientOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'zk-client', client: this.id });
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.opTimeoutMs = options.opTimeoutMs ?? this.sessionTimeoutMs;
    this.acl = options.auth ? CREATOR_ALL_ACL : OPEN_ACL;
  }

  /** Opens the first session; used by connectZk. */
  async start(): Promise<void> {
    this.open();
    try {
      await this.waitConnected(this.connectTimeoutMs);
    } catch (e) {
      await this.close();
      if (e instanceof NodalError && e.code === 'UNAUTHORIZED') throw e;
      throw new NodalError(
        'TIMEOUT',
        `could not connect to ZooKeeper at ${this.options.connectString} within ${this.connectTimeoutMs} ms`,
        { connectString: this.options.connectString, connectTimeoutMs: this.connectTimeoutMs },
        { cause: e },
      );
    }
  }

  get state(): ZkConnectionState {
    return this.current;
  }

  /** The current session id in hex ('' before the first session). */
  get sessionId(): string {
    const id = this.raw?.getSessionId();
    return id && this.current !== 'connecting' ? id.toString('hex') : '';
  }

  /** The session timeout the server granted (or the requested one before connecting). */
  get negotiatedSessionTimeoutMs(): number {
    return this.raw?.getSessionTimeout() ?? this.sessionTimeoutMs;
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onStateChange(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The node's stat, or undefined when it does not exist (the watch then fires on creation). */
  async exists(path: string, watch?: ZkWatcher): Promise<ZkStat | undefined> {
    const stat = await this.call<zookeeper.Stat | null>('exists', path, (c, cb) =>
      watch ? c.exists(path, toRawWatcher(watch), cb) : c.exists(path, cb),
    );
    return stat ? toStat(stat) : undefined;
  }

  /** The node's data and stat. Throws NodalError NOT_FOUND (zkCode NO_NODE) when it does not exist. */
  async getData(path: string, watch?: ZkWatcher): Promise<{ data: Buffer; stat: ZkStat }> {
    const [data, stat] = await this.call<[Buffer | null, zookeeper.Stat]>('getData', path, (c, cb) => {
      const done = (e: unknown, d: Buffer | null, s: zookeeper.Stat) => cb(e, [d, s]);
      if (watch) c.getData(path, toRawWatcher(watch), done);
      else c.getData(path, done);
    });
    return { data: data ?? Buffer.alloc(0), stat: toStat(stat) };
  }

  /** The node's child names (unsorted). Throws NodalError NOT_FOUND when it does not exist. */
  async getChildren(path: string, watch?: ZkWatcher): Promise<string[]> {
    return this.call<string[]>('getChildren', path, (c, cb) => {
      const done = (e: unknown, children: string[]) => cb(e, children);
      if (watch) c.getChildren(path, toRawWatcher(watch), done);
      else c.getChildren(path, done);
    });
  }

  /** Creates a node and returns its actual path (with the sequence suffix for sequential modes). */
  async create(
    path: string,
    data: Buffer = Buffer.alloc(0),
    mode: ZkCreateMode = 'persistent',
  ): Promise<string> {
    return this.call<string>('create', path, (c, cb) =>
      c.create(path, data, this.acl, CREATE_MODES[mode], cb),
    );
  }

  /** Creates `path` and its missing ancestors as empty persistent nodes; existing ones are left alone. */
  async mkdirp(path: string): Promise<void> {
    let prefix = '';
    for (const segment of path.split('/').slice(1)) {
      prefix += `/${segment}`;
      // Checking first matters: creating an existing node under a parent we may not create in is NO_AUTH.
      if (await this.exists(prefix)) continue;
      try {
        await this.create(prefix);
      } catch (e) {
        if (zkCodeOf(e) !== 'NODE_EXISTS') throw e;
      }
    }
  }

  /** Sets the node's data if its version is `version` (-1: any). Throws CONFLICT (BAD_VERSION), NOT_FOUND. */
  async setData(path: string, data: Buffer, version = -1): Promise<ZkStat> {
    const stat = await this.call<zookeeper.Stat>('setData', path, (c, cb) =>
      c.setData(path, data, version, cb),
    );
    return toStat(stat);
  }

  /** Deletes the node if its version is `version` (-1: any). Throws NOT_FOUND, CONFLICT (NOT_EMPTY). */
  async remove(path: string, version = -1): Promise<void> {
    await this.call<void>('remove', path, (c, cb) => c.remove(path, version, (e) => cb(e, undefined)));
  }

  /** Deletes the node and everything below it; a missing node is not an error. */
  async removeRecursive(path: string): Promise<void> {
    let children: string[];
    try {
      children = await this.getChildren(path);
    } catch (e) {
      if (zkCodeOf(e) === 'NO_NODE') return;
      throw e;
    }
    await Promise.all(children.map((child) => this.removeRecursive(`${path}/${child}`)));
    try {
      await this.remove(path);
    } catch (e) {
      if (zkCodeOf(e) !== 'NO_NODE') throw e;
    }
  }

  /**
   * Runs `ops` atomically (ZooKeeper multi): all apply or none. On failure the NodalError's details carry
   * `zkCode` and `opIndex`/`path` of the operation that failed.
   */
  async multi(ops: readonly ZkOp[]): Promise<void> {
    const first = ops[0]?.path ?? '/';
    await this.call<void>('multi', first, (c, cb) => {
      const tx = c.transaction();
      for (const op of ops) addOp(tx, op, this.acl);
      tx.commit((error, results: unknown) => {
        if (!error) return cb(null, undefined);
        const opIndex = failedOpIndex(results);
        cb(error, undefined, opIndex === undefined ? {} : { opIndex, path: ops[opIndex]?.path });
      });
    });
  }

  /** Ends the session (its ephemeral nodes go at once) and stops reconnecting. Idempotent. */
  async close(): Promise<void> {
    if (this.current === 'closed') return;
    const raw = this.raw;
    const wasConnected = this.current === 'connected';
    this.setState('closed');
    this.clearLossTimer();
    this.stopProbe();
    this.stopHandshakeWatchdog();
    this.raw = undefined;
    if (!raw) return;
    if (wasConnected) {
      // Wait for the server to close the session so that our ephemeral nodes are gone when we return.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(this.opTimeoutMs, 2_000));
        raw.once('disconnected', () => {
          clearTimeout(timer);
          resolve();
        });
        raw.close();
      });
    } else {
      raw.close();
    }
    destroySocket(raw);
    raw.removeAllListeners();
  }

  private open(): void {
    const raw = zookeeper.createClient(this.options.connectString, {
      sessionTimeout: this.sessionTimeoutMs,
      spinDelay: 200,
      retries: 0,
    });
    this.raw = raw;
    if (this.options.auth) {
      raw.addAuthInfo(this.options.auth.scheme, Buffer.from(this.options.auth.credentials));
    }
    raw.on('state', (s: zookeeper.State) => {
      if (this.raw !== raw) return;
      this.onRawState(s.name);
    });
    this.setState('connecting');
    raw.connect();
    this.stopHandshakeWatchdog();
    this.startHandshakeWatchdog();
  }

  private onRawState(name: string): void {
    switch (name) {
      case 'SYNC_CONNECTED':
        this.clearLossTimer();
        this.stopHandshakeWatchdog();
        this.setState('connected');
        this.startProbe();
        break;
      case 'DISCONNECTED':
        this.stopProbe();
        this.startHandshakeWatchdog();
        if (this.current === 'connected') {
          this.setState('disconnected');
          this.lossTimer = setTimeout(
            () => this.sessionLost('disconnected for a session timeout'),
            this.sessionTimeoutMs,
          );
        }
        break;
      case 'EXPIRED':
        this.sessionLost('the server expired the session');
        break;
      case 'AUTH_FAILED':
        this.logger.error('zookeeper authentication failed', { connectString: this.options.connectString });
        this.clearLossTimer();
        this.setState('auth-failed');
        this.discardRaw();
        break;
      default:
        break;
    }
  }

  private sessionLost(why: string): void {
    if (this.current === 'closed' || this.current === 'auth-failed' || this.current === 'expired') return;
    this.logger.warn('zookeeper session lost', { why, sessionId: this.sessionId });
    this.clearLossTimer();
    this.discardRaw();
    this.setState('expired');
    if ((this.current as ZkConnectionState) === 'expired') this.open();
  }

  private discardRaw(): void {
    this.stopProbe();
    this.stopHandshakeWatchdog();
    const raw = this.raw;
    this.raw = undefined;
    if (!raw) return;
    raw.removeAllListeners();
    raw.close();
    destroySocket(raw);
  }

  /**
   * The library has no read timeout: a server that hangs, or a network that drops packets, leaves the socket
   * open and us believing we are connected while the server expires our session. Like ZooKeeper's own
   * client, treat 2/3 of the session timeout without an answer as a lost connection.
   */
  private startProbe(): void {
    this.stopProbe();
    const raw = this.raw;
    if (!raw) return;
    const timeoutMs = this.negotiatedSessionTimeoutMs;
    let inFlight = false;
    this.probeTimer = setInterval(
      () => {
        if (inFlight || this.raw !== raw || this.current !== 'connected') return;
        inFlight = true;
        const deadline = setTimeout(
          () => {
            if (this.raw !== raw || this.current !== 'connected') return;
            this.logger.warn('zookeeper server stopped answering', {
              timeoutMs: Math.floor((timeoutMs * 2) / 3),
            });
            destroySocket(raw);
          },
          Math.floor((timeoutMs * 2) / 3),
        );
        raw.exists('/', () => {
          clearTimeout(deadline);
          inFlight = false;
        });
      },
      Math.max(50, Math.floor(timeoutMs / 3)),
    );
    this.probeTimer.unref();
  }

  /**
   * The library bounds a connection attempt only until TCP connects; a server that accepts the socket but
   * never answers the session handshake (one still starting up does this) leaves it waiting forever. Drop
   * a socket that has been open without a session for a whole watchdog period so the library tries again.
   */
  private startHandshakeWatchdog(): void {
    if (this.handshakeTimer) return;
    const raw = this.raw;
    let seen: Socket | undefined;
    this.handshakeTimer = setInterval(
      () => {
        if (!raw || this.raw !== raw) return this.stopHandshakeWatchdog();
        const socket = rawSocket(raw);
        if (socket && socket === seen && socket.readyState === 'open') {
          this.logger.debug('zookeeper handshake unanswered; reconnecting');
          socket.destroy();
        }
        seen = socket;
      },
      Math.max(250, Math.floor(this.sessionTimeoutMs / 4)),
    );
    this.handshakeTimer.unref();
  }

  private stopHandshakeWatchdog(): void {
    if (this.handshakeTimer) clearInterval(this.handshakeTimer);
    this.handshakeTimer = undefined;
  }

  private stopProbe(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  private clearLossTimer(): void {
    if (this.lossTimer) clearTimeout(this.lossTimer);
    this.lossTimer = undefined;
  }

  private setState(next: ZkConnectionState): void {
    if (next === this.current) return;
    const from = this.current;
    this.current = next;
    const sessionId = this.sessionId;
    this.logger.info('zookeeper connection state', { from, to: next, sessionId });
    for (const wake of [...this.waiters]) wake();
    for (const listener of [...this.listeners]) {
      try {
        listener(next, sessionId);
      } catch (e) {
        this.logger.error('zookeeper state listener threw', { error: e });
      }
    }
  }

  /** Resolves when connected; rejects at the deadline or when the client can no longer connect. */
  private waitConnected(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = (): boolean => {
        const failure = this.unusableError();
        if (this.current !== 'connected' && failure === undefined) return false;
        clearTimeout(timer);
        this.waiters.delete(settle);
        if (failure) reject(failure);
        else resolve();
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(settle);
        reject(
          new NodalError('UNAVAILABLE', `no ZooKeeper connection within ${timeoutMs} ms`, {
            state: this.current,
            zkCode: 'CONNECTION_LOSS',
          }),
        );
      }, timeoutMs);
      if (!settle()) this.waiters.add(settle);
    });
  }

  /** Why no operation can run any more, or undefined while a connection may still come. */
  private unusableError(): NodalError | undefined {
    if (this.current === 'closed') return new NodalError('UNAVAILABLE', 'ZooKeeper client is closed');
    if (this.current === 'auth-failed') {
      return new NodalError('UNAUTHORIZED', 'ZooKeeper rejected the credentials', { zkCode: 'AUTH_FAILED' });
    }
    return undefined;
  }

  /** Runs one library call once connected, bounded by the operation timeout, with errors mapped. */
  private async call<T>(
    op: string,
    path: string,
    run: (
      raw: zookeeper.Client,
      cb: (error: unknown, value: T, extra?: Record<string, unknown>) => void,
    ) => void,
  ): Promise<T> {
    const deadline = Date.now() + this.opTimeoutMs;
    await this.waitConnected(this.opTimeoutMs);
    const raw = this.raw;
    if (!raw) throw new NodalError('UNAVAILABLE', 'ZooKeeper client is closed', { op, path });
    return new Promise<T>((resolve, reject) => {
      // A request already sent cannot be recalled: after a timeout it may still apply. Callers that care
      // (the store) make their writes conditional, so a late write fails its version or fence check.
      const timer = setTimeout(
        () =>
          reject(
            new NodalError('TIMEOUT', `ZooKeeper ${op} timed out`, {
              op,
              path,
              zkCode: 'OPERATION_TIMEOUT',
              timeoutMs: this.opTimeoutMs,
            }),
          ),
        Math.max(1, deadline - Date.now()),
      );
      try {
        run(raw, (error, value, extra) => {
          clearTimeout(timer);
          if (error) reject(toNodalError(error, op, path, extra));
          else resolve(value);
        });
      } catch (e) {
        // The library asserts its arguments synchronously (bad path, data over 1 MB).
        clearTimeout(timer);
        reject(
          new NodalError(
            'VALIDATION',
            `invalid ZooKeeper ${op}: ${errorMessage(e)}`,
            { op, path },
            { cause: e },
          ),
        );
      }
    });
  }
}

function addOp(tx: zookeeper.Transaction, op: ZkOp, acl: typeof OPEN_ACL): void {
  switch (op.op) {
    case 'create':
      tx.create(op.path, op.data ?? Buffer.alloc(0), acl, CREATE_MODES[op.mode ?? 'persistent']);
      return;
    case 'set':
      tx.setData(op.path, op.data, op.version ?? -1);
      break;
    case 'check':
      tx.check(op.path, op.version ?? -1);
      break;
    case 'remove':
      tx.remove(op.path, op.version ?? -1);
      break;
  }
  // node-zookeeper-client 1.1.3 turns version 0 into -1 (`version || -1`) in transactions, which would make
  // a conditional write on a fresh node unconditional; put the real version back.
  const ops = (tx as unknown as { ops?: { version?: number }[] }).ops;
  const last = ops?.[ops.length - 1];
  if (op.version === 0 && last) last.version = 0;
}

function failedOpIndex(results: unknown): number | undefined {
  if (!Array.isArray(results)) return undefined;
  const index = results.findIndex(
    (r: { type?: number; err?: number }) => r && r.type === -1 && typeof r.err === 'number' && r.err !== 0,
  );
  return index < 0 ? undefined : index;
}

function toNodalError(
  error: unknown,
  op: string,
  path: string,
  extra: Record<string, unknown> = {},
): NodalError {
  const e = error as { code?: number; name?: string };
  const zkCode = typeof e?.name === 'string' && typeof e.code === 'number' ? e.name : undefined;
  if (zkCode === undefined) {
    return new NodalError(
      'INTERNAL',
      `ZooKeeper ${op} failed: ${errorMessage(error)}`,
      { op, path },
      { cause: error },
    );
  }
  const code = ZK_CODE_TO_ERROR[zkCode] ?? 'INTERNAL';
  const where = (extra.path as string | undefined) ?? path;
  return new NodalError(code, `ZooKeeper ${op} on ${where} failed: ${zkCode}`, {
    op,
    path: where,
    zkCode,
    ...extra,
  });
}

function toRawWatcher(watch: ZkWatcher): (event: zookeeper.Event) => void {
  return (event) => {
    const type = WATCH_TYPES[event.getType()];
    if (type) watch({ type, path: event.getPath() });
  };
}

function toStat(s: zookeeper.Stat): ZkStat {
  return {
    version: s.version,
    cversion: s.cversion,
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    ephemeralOwner: Buffer.from(s.ephemeralOwner).toString('hex'),
  };
}

/** The library's current socket (an internal: the library offers no way to drop a connection). */
function rawSocket(raw: zookeeper.Client): Socket | undefined {
  return (raw as unknown as { connectionManager?: { socket?: Socket } }).connectionManager?.socket;
}

/** The library retries a closed-but-connecting socket forever; make sure nothing keeps the process alive. */
function destroySocket(raw: zookeeper.Client): void {
  rawSocket(raw)?.destroy();
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
