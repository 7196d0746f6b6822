// Finds the leading Mesos master from `zk://host:port[,…]/mesos`: the lowest `json.info_<seq>` child of the
// path is the leader and its data is its MasterInfo. Watches the children and the leader's node, and reports
// every change (a new leader URL, or undefined while no master leads). The credentials in the URL are used
// for ZooKeeper's digest auth and never logged: logs carry the redacted URL.
import { NodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import { CoalescingRunner } from './coalescing-runner.js';
import { leaderNodeName, masterUrlFromInfo } from './master-info.js';
import { connectZk, zkCodeOf, type ZkClient, type ZkConnectionState } from './zk-client.js';
import { parseZkUrl, type ZkUrl } from './zk-url.js';

export interface MasterDetectorOptions {
  /** `zk://[user:password@]host:port[,host:port]/path`. */
  readonly url: string;
  readonly logger?: Logger;
  readonly sessionTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** The scheme masters serve their API on. Default http. */
  readonly scheme?: 'http' | 'https';
  /** Called with the leader's base URL (`http://host:port`) on every change; undefined: no leader now. */
  readonly onChange?: (leader: string | undefined) => void;
}

/** idle → running → stopped */
export type DetectorState = 'idle' | 'running' | 'stopped';

const RETRY_DELAY_MS = 500;

/** Parses the URL now (throws NodalError CONFIG_INVALID); `run()` connects. */
export function createMasterDetector(options: MasterDetectorOptions): MasterDetector {
  return new MasterDetector(options, parseZkUrl(options.url));
}

/** Lifecycle: `createMasterDetector` → `run()` (resolves after `shutdown()`) → `shutdown()`. */
export class MasterDetector {
  private readonly logger: Logger;
  private readonly runner: CoalescingRunner;
  private client: ZkClient | undefined;
  private current: DetectorState = 'idle';
  private leaderUrl: string | undefined;
  private leaderNode: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private finish: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private readonly changeWaiters = new Set<() => void>();
  private readonly onWatch = () => this.runner.kick();

  constructor(
    private readonly options: MasterDetectorOptions,
    private readonly zk: ZkUrl,
  ) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'master-detector', url: zk.redacted });
    this.runner = new CoalescingRunner(
      () => this.pass(),
      (e) => this.onPassError(e),
    );
  }

  get state(): DetectorState {
    return this.current;
  }

  /** The leader's base URL as last seen, or undefined. */
  leader(): string | undefined {
    return this.leaderUrl;
  }

  /**
   * Connects and follows the leader until `shutdown()`. Rejects with NodalError TIMEOUT when ZooKeeper
   * cannot be reached within the connect timeout, UNAVAILABLE when the client becomes unusable.
   */
  async run(): Promise<void> {
    if (this.current !== 'idle') throw new NodalError('CONFLICT', 'master detector already started');
    this.current = 'running';
    const done = new Promise<void>((resolve, reject) => (this.finish = { resolve, reject }));
    let client: ZkClient;
    try {
      client = await connectZk({
        connectString: this.zk.connectString,
        ...(this.zk.auth ? { auth: this.zk.auth } : {}),
        ...(this.options.sessionTimeoutMs !== undefined
          ? { sessionTimeoutMs: this.options.sessionTimeoutMs }
          : {}),
        ...(this.options.connectTimeoutMs !== undefined
          ? { connectTimeoutMs: this.options.connectTimeoutMs }
          : {}),
        logger: this.logger,
      });
    } catch (e) {
      this.current = 'stopped';
      throw e;
    }
    if ((this.current as DetectorState) === 'stopped') {
      await client.close();
      return;
    }
    this.client = client;
    client.onStateChange((state) => this.onConnection(state));
    this.logger.info('detecting mesos master', { path: this.zk.path });
    this.runner.kick();
    return done;
  }

  /** Resolves with the leader's URL as soon as there is one; rejects with TIMEOUT after `timeoutMs`. */
  waitForLeader(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.leaderUrl === undefined) return false;
        clearTimeout(timer);
        this.changeWaiters.delete(check);
        resolve(this.leaderUrl);
        return true;
      };
      const timer = setTimeout(() => {
        this.changeWaiters.delete(check);
        reject(
          new NodalError('TIMEOUT', `no leading Mesos master within ${timeoutMs} ms`, {
            url: this.zk.redacted,
          }),
        );
      }, timeoutMs);
      if (!check()) this.changeWaiters.add(check);
    });
  }

  /** Stops watching and closes the ZooKeeper session. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.current === 'stopped') return;
    this.current = 'stopped';
    clearTimeout(this.retryTimer);
    await this.runner.settled();
    await this.client?.close();
    this.finish?.resolve();
  }

  private async fail(error: NodalError): Promise<void> {
    const finish = this.finish;
    this.finish = undefined;
    await this.shutdown();
    finish?.reject(error);
  }

  private onConnection(state: ZkConnectionState): void {
    // Watches survive a reconnection but not a new session; reading again is cheap either way.
    if (state === 'connected') this.runner.kick();
    if ((state === 'closed' || state === 'auth-failed') && this.current === 'running') {
      this.logger.error('zookeeper client unusable; master detection stopped', { state });
      void this.fail(
        new NodalError('UNAVAILABLE', `master detection stopped: ZooKeeper client ${state}`, { state }),
      );
    }
  }

  private async pass(): Promise<void> {
    const client = this.client;
    if (this.current !== 'running' || !client || client.state !== 'connected') return;
    let children: string[];
    try {
      children = await client.getChildren(this.zk.path, this.onWatch);
    } catch (e) {
      if (zkCodeOf(e) !== 'NO_NODE') throw e;
      // No master has ever registered: wait for the path to appear.
      if (await client.exists(this.zk.path, this.onWatch)) return this.runner.kick();
      return this.report(undefined, undefined);
    }
    const name = leaderNodeName(children);
    if (name === undefined) return this.report(undefined, undefined);
    const node = `${this.zk.path}/${name}`;
    let data: Buffer;
    try {
      ({ data } = await client.getData(node, this.onWatch));
    } catch (e) {
      if (zkCodeOf(e) === 'NO_NODE') return this.runner.kick();
      throw e;
    }
    let url: string | undefined;
    try {
      url = masterUrlFromInfo(data.toString('utf8'), this.options.scheme);
    } catch (e) {
      this.logger.error('leading master info unreadable', { node, error: e });
    }
    this.report(url, node);
  }

  private report(url: string | undefined, node: string | undefined): void {
    if (this.current !== 'running' || (url === this.leaderUrl && node === this.leaderNode)) return;
    const changed = url !== this.leaderUrl;
    this.leaderUrl = url;
    this.leaderNode = node;
    if (!changed) return;
    if (url === undefined) this.logger.warn('no leading mesos master', { path: this.zk.path });
    else this.logger.info('leading mesos master', { leader: url, node });
    for (const wake of [...this.changeWaiters]) wake();
    try {
      this.options.onChange?.(url);
    } catch (e) {
      this.logger.error('master detector listener threw', { error: e });
    }
  }

  private onPassError(e: unknown): void {
    if (this.current !== 'running') return;
    if (e instanceof NodalError && e.code === 'FORBIDDEN') {
      this.logger.error('not allowed to read the mesos master znodes', { path: this.zk.path, error: e });
      void this.fail(e);
      return;
    }
    if (this.client?.state !== 'connected') return; // resumes on the next `connected`
    this.logger.warn('master detection pass failed; retrying', { error: e, retryInMs: RETRY_DELAY_MS });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.runner.kick(), RETRY_DELAY_MS);
  }
}
