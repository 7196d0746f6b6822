// Who may act as the framework. With the file (or an injected) store this scheduler is the only one
// and always leads. With the ZooKeeper store schedulers contend in a leader election; only the leader
// subscribes and writes, and each write is fenced by its election node, so a deposed leader cannot
// overwrite its successor's state.
import type { Logger } from '../../config/logger.js';
import { create as createElection, type LeaderElection } from '../ha/leader-election.js';
import { connectZk, type ZkClient } from '../ha/zk-client.js';
import { ZookeeperStore } from '../ha/zookeeper-store.js';
import type { Store } from '../store/store.js';

export interface LeadershipEvents {
  /** This scheduler leads from now on (load the store, subscribe). */
  onLeader(): void;
  /** It leads no more: stop acting at once. */
  onDeposed(reason: string): void;
  /** Leadership can no longer be decided (ZooKeeper unusable): the scheduler cannot go on. */
  onFailed(error: unknown): void;
}

export interface Leadership {
  /** The store to load from and save to while leading. */
  readonly store: Store;
  /** True when other schedulers may contend (a standby answers the API with the leader's address). */
  readonly contended: boolean;
  start(events: LeadershipEvents): Promise<void>;
  /** Whether the coordination service (if any) is reachable. */
  reachable(): boolean;
  /** The leader's API address as last seen (contended leadership only). */
  leaderAddress(): string | undefined;
  stop(): Promise<void>;
}

/** The only scheduler: leads as soon as it starts. */
export class SoleLeadership implements Leadership {
  readonly contended = false;
  constructor(readonly store: Store) {}
  async start(events: LeadershipEvents): Promise<void> {
    events.onLeader();
  }
  reachable(): boolean {
    return true;
  }
  leaderAddress(): string | undefined {
    return undefined;
  }
  async stop(): Promise<void> {}
}

export interface ZkLeadershipOptions {
  readonly connectString: string;
  /** Root znode: the election lives in `<root>/leader`, the state in `<root>/state`. */
  readonly root: string;
  readonly sessionTimeoutMs: number;
  /** This scheduler's API URL, stored in its election node for standbys to point at. */
  readonly id: string;
  readonly logger: Logger;
}

const LEADER_REFRESH_MS = 2_000;

/** Leader election and state in ZooKeeper. */
export class ZkLeadership implements Leadership {
  readonly contended = true;
  readonly store: Store;
  private readonly election: LeaderElection;
  private readonly log: Logger;
  private events: LeadershipEvents | undefined;
  private leaderId: string | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly client: ZkClient,
    o: ZkLeadershipOptions,
  ) {
    this.log = o.logger.child({ component: 'leadership' });
    const root = o.root.replace(/\/+$/, '');
    this.election = createElection({
      client,
      path: `${root}/leader`,
      id: o.id,
      logger: o.logger,
      onLeader: () => this.events?.onLeader(),
      onDeposed: (reason) => this.events?.onDeposed(reason),
    });
    this.store = new ZookeeperStore({
      client,
      root: `${root}/state`,
      fence: () => this.election.leaderNode(),
      logger: o.logger,
    });
  }

  /** Connects to ZooKeeper; throws NodalError TIMEOUT/UNAUTHORIZED when it cannot. */
  static async connect(o: ZkLeadershipOptions): Promise<ZkLeadership> {
    const client = await connectZk({
      connectString: o.connectString,
      sessionTimeoutMs: o.sessionTimeoutMs,
      logger: o.logger,
    });
    return new ZkLeadership(client, o);
  }

  async start(events: LeadershipEvents): Promise<void> {
    this.events = events;
    this.election.run().catch((e: unknown) => {
      if (!this.stopped) events.onFailed(e);
    });
    this.refreshLeader();
  }

  reachable(): boolean {
    return this.client.state === 'connected';
  }

  leaderAddress(): string | undefined {
    return this.election.isLeader() ? undefined : this.leaderId;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.refreshTimer);
    await this.election.shutdown();
    await this.client.close();
  }

  // Standbys point API users at the leader; its address is re-read every few seconds.
  private refreshLeader(): void {
    if (this.stopped) return;
    this.election
      .currentLeader()
      .then((leader) => (this.leaderId = leader?.id))
      .catch((e: unknown) => this.log.debug('could not read the current leader', { error: e }))
      .finally(() => {
        if (this.stopped) return;
        this.refreshTimer = setTimeout(() => this.refreshLeader(), LEADER_REFRESH_MS);
        this.refreshTimer.unref();
      });
  }
}
