// Scheduler leader election, the ZooKeeper recipe: every contender creates an ephemeral sequential znode
// under the election path and the lowest sequence leads; the others each watch only their predecessor, so a
// leader's death wakes one standby, not all of them. The node's data is the contender's id (its API address)
// so a standby can tell users where the leader is.
//
// Leadership lasts only while we are connected and own the lowest node. A disconnection deposes at once
// (we cannot know whether the server still counts our session) and a reconnection within the session
// timeout, with the node still first, makes us leader again; a lost session deletes the node, so we create
// a new one at the back of the line. Node names carry a per-session random prefix so a create whose reply
// was lost can be recognised, and a node left by an abandoned session can be removed rather than blocking
// the line until the server expires it.
import { randomUUID } from 'node:crypto';
import { NodalError, isNodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import { CoalescingRunner } from './coalescing-runner.js';
import { zkCodeOf, type ZkClient, type ZkConnectionState } from './zk-client.js';

/** idle → contending ⇄ leading; leading → suspended (disconnected) → leading | contending; any → stopped. */
export type ElectionState = 'idle' | 'contending' | 'leading' | 'suspended' | 'stopped';

/** Why leadership ended: the caller must stop acting as leader in every case. */
export type DeposedReason =
  'disconnected' | 'session-expired' | 'node-deleted' | 'shutdown' | 'client-closed';

export interface LeaderElectionOptions {
  readonly client: ZkClient;
  /** The election znode, e.g. `/nodal/leader`; created if missing. */
  readonly path: string;
  /** This contender's identity, stored as its node's data: the scheduler's API address. */
  readonly id: string;
  readonly logger?: Logger;
  /** Called each time this contender becomes leader. */
  readonly onLeader?: () => void;
  /** Called each time leadership ends; act on it synchronously. */
  readonly onDeposed?: (reason: DeposedReason) => void;
}

/** Who leads, as its node says. */
export interface LeaderRecord {
  readonly id: string;
  /** The leader's znode path. */
  readonly node: string;
}

const NODE_SEQ = /-n_(\d{10})$/;
const RETRY_DELAY_MS = 500;

/** The contender nodes among `children`, in election order (lowest sequence first). */
export function electionOrder(children: readonly string[]): string[] {
  return children
    .filter((c) => NODE_SEQ.test(c))
    .sort((a, b) => Number(NODE_SEQ.exec(a)![1]) - Number(NODE_SEQ.exec(b)![1]));
}

/** A leader election contender; call `run()` to contend. */
export function create(options: LeaderElectionOptions): LeaderElection {
  return new LeaderElection(options);
}

/** Lifecycle: `create` → `run()` (resolves after `shutdown()`) → `shutdown()`. */
export class LeaderElection {
  private readonly client: ZkClient;
  private readonly path: string;
  private readonly logger: Logger;
  private readonly runner: CoalescingRunner;
  private current: ElectionState = 'idle';
  private prefix = newPrefix();
  private ownNode: string | undefined;
  private staleNode: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private finish: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private readonly onWatch = () => this.runner.kick();

  constructor(private readonly options: LeaderElectionOptions) {
    this.client = options.client;
    this.path = options.path.replace(/\/+$/, '');
    this.logger = (options.logger ?? silentLogger).child({ component: 'leader-election', path: this.path });
    this.runner = new CoalescingRunner(
      () => this.pass(),
      (e) => this.onPassError(e),
    );
  }

  get state(): ElectionState {
    return this.current;
  }

  isLeader(): boolean {
    return this.current === 'leading';
  }

  /**
   * Our node's path while leading, else undefined. The store checks that this node still exists in the same
   * transaction as each write: a deposed leader's session, and so its node, is gone, and its write fails.
   */
  leaderNode(): string | undefined {
    return this.current === 'leading' ? this.ownNode : undefined;
  }

  /** Contends until `shutdown()`. Rejects with NodalError when the client becomes unusable (closed, auth). */
  run(): Promise<void> {
    if (this.current !== 'idle') throw new NodalError('CONFLICT', 'leader election already started');
    this.transition('contending');
    this.unsubscribe = this.client.onStateChange((state) => this.onConnection(state));
    const done = new Promise<void>((resolve, reject) => (this.finish = { resolve, reject }));
    this.runner.kick();
    return done;
  }

  /** Resolves when this contender leads; rejects with TIMEOUT after `timeoutMs` or if stopped. */
  async whenLeader(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.current !== 'leading') {
      if (this.current === 'stopped') throw new NodalError('UNAVAILABLE', 'leader election stopped');
      if (Date.now() >= deadline) throw new NodalError('TIMEOUT', `not leader within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The current leader as ZooKeeper says, or undefined when nobody contends. */
  async currentLeader(): Promise<LeaderRecord | undefined> {
    let children: string[];
    try {
      children = await this.client.getChildren(this.path);
    } catch (e) {
      if (zkCodeOf(e) === 'NO_NODE') return undefined;
      throw e;
    }
    for (const name of electionOrder(children)) {
      const node = `${this.path}/${name}`;
      try {
        const { data } = await this.client.getData(node);
        return { id: data.toString('utf8'), node };
      } catch (e) {
        // It went away between the listing and the read: the next one is the leader now.
        if (zkCodeOf(e) !== 'NO_NODE') throw e;
      }
    }
    return undefined;
  }

  /** Leaves the election: deposes (reason `shutdown`) and deletes our node. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.current === 'stopped') return;
    this.stop('shutdown');
    await this.runner.settled();
    const node = this.ownNode;
    this.ownNode = undefined;
    if (node && this.client.state === 'connected') {
      await this.client.remove(node).catch((e: unknown) => {
        if (zkCodeOf(e) !== 'NO_NODE') this.logger.warn('could not delete election node', { node, error: e });
      });
    }
    this.finish?.resolve();
  }

  private onConnection(state: ZkConnectionState): void {
    switch (state) {
      case 'connected':
        this.runner.kick();
        break;
      case 'disconnected':
        if (this.current === 'leading') {
          this.transition('suspended');
          this.depose('disconnected');
        }
        break;
      case 'expired':
        // The node died with the session (or will when the server notices); use a new name from now on.
        this.staleNode = this.ownNode;
        this.ownNode = undefined;
        this.prefix = newPrefix();
        if (this.current === 'leading') this.depose('session-expired');
        if (this.current === 'leading' || this.current === 'suspended') this.transition('contending');
        break;
      case 'closed':
      case 'auth-failed':
        this.stop('client-closed');
        this.finish?.reject(
          new NodalError('UNAVAILABLE', `leader election stopped: ZooKeeper client ${state}`, { state }),
        );
        break;
      default:
        break;
    }
  }

  /** One look at the election: join if needed, then lead or watch the predecessor. */
  private async pass(): Promise<void> {
    if (this.current === 'stopped' || this.client.state !== 'connected') return;
    await this.client.mkdirp(this.path);
    if (this.staleNode) {
      await this.client.remove(this.staleNode).catch((e: unknown) => {
        if (zkCodeOf(e) !== 'NO_NODE') throw e;
      });
      this.staleNode = undefined;
    }
    const children = await this.client.getChildren(this.path);
    if (!this.ownNode) {
      const adopted = children.find((c) => c.startsWith(this.prefix));
      this.ownNode = adopted
        ? `${this.path}/${adopted}`
        : await this.client.create(
            `${this.path}/${this.prefix}-n_`,
            Buffer.from(this.options.id),
            'ephemeral-sequential',
          );
      this.logger.info('joined leader election', { node: this.ownNode, id: this.options.id });
      if (!adopted) return this.runner.kick();
    }
    if (this.isStopped()) return;
    const order = electionOrder(children);
    const mine = order.indexOf(this.ownNode.slice(this.path.length + 1));
    if (mine < 0) {
      // Someone deleted our node (an operator, or a lost session we have not heard of yet): rejoin.
      this.logger.warn('election node vanished', { node: this.ownNode });
      if (this.current === 'leading') this.depose('node-deleted');
      this.ownNode = undefined;
      this.prefix = newPrefix();
      this.transition('contending');
      return this.runner.kick();
    }
    if (mine === 0) {
      // Watch our own node too: its deletion must depose us even while the connection stays up.
      if (!(await this.client.exists(this.ownNode, this.onWatch))) return this.runner.kick();
      if (this.current !== 'leading' && !this.isStopped() && this.client.state === 'connected') {
        this.transition('leading');
        this.logger.info('elected leader', { node: this.ownNode, id: this.options.id });
        this.callback(() => this.options.onLeader?.());
      }
      return;
    }
    if (this.current === 'suspended') this.transition('contending');
    const predecessor = `${this.path}/${order[mine - 1]}`;
    if (!(await this.client.exists(predecessor, this.onWatch))) return this.runner.kick();
    this.logger.debug('waiting for predecessor', { node: this.ownNode, predecessor });
  }

  /** A method, not an inline comparison: the state changes across the awaits of a pass. */
  private isStopped(): boolean {
    return this.current === 'stopped';
  }

  private onPassError(e: unknown): void {
    if (this.current === 'stopped') return;
    if (isNodalError(e, 'FORBIDDEN') || isNodalError(e, 'VALIDATION')) {
      this.logger.error('leader election failed', { error: e });
      this.stop('client-closed');
      this.finish?.reject(e);
      return;
    }
    // Connection trouble resumes on the next `connected`; anything else is retried shortly.
    if (isNodalError(e, 'UNAVAILABLE') && this.client.state !== 'connected') return;
    this.logger.warn('leader election pass failed; retrying', { error: e, retryInMs: RETRY_DELAY_MS });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.runner.kick(), RETRY_DELAY_MS);
  }

  private stop(reason: DeposedReason): void {
    const wasLeading = this.current === 'leading';
    clearTimeout(this.retryTimer);
    this.unsubscribe?.();
    this.transition('stopped');
    if (wasLeading) this.depose(reason);
  }

  private depose(reason: DeposedReason): void {
    this.logger.warn('deposed', { reason, node: this.ownNode });
    this.callback(() => this.options.onDeposed?.(reason));
  }

  private callback(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.logger.error('leader election callback threw', { error: e });
    }
  }

  private transition(to: ElectionState): void {
    if (to === this.current) return;
    this.logger.info('election state', { from: this.current, to });
    this.current = to;
  }
}

function newPrefix(): string {
  return `c_${randomUUID()}`;
}
