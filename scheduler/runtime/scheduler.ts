// The scheduler process as a lifecycle object: the HTTP API, leadership (always, or by ZooKeeper
// election), and — for each term of leadership — the store loaded into a CoreDriver and a Mesos
// subscription feeding it. See scheduler/core/README.md for the contract this shell fulfils.
//
//   created → starting → leading ⇄ standby → stopping → stopped
//                       ↘ failed (store corrupt, ZooKeeper unusable, framework taken over, …)
//
// `stop()` closes the subscription without TEARDOWN, so tasks keep running for failover_timeout and a
// restarted scheduler re-attaches to them; `teardown()` is the explicit way to end the framework.
import os from 'node:os';
import { NodalError } from '../../config/errors.js';
import type { Config } from '../../config/load.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import { readFile } from 'node:fs/promises';
import { ApiServer } from '../api/server.js';
import type { HealthView, SchedulerFacade } from '../api/types.js';
import {
  fromStored,
  initialState,
  isTerminal,
  type Command,
  type CoreOptions,
  type CoreState,
  type IdSource,
} from '../core/index.js';
import { buildFrameworkInfo } from '../launch/framework-info.js';
import { randomIds } from '../launch/random-ids.js';
import type { TaskInfoOptions } from '../launch/task-info.js';
import type { SchedulerClientInput } from '../mesos/options.js';
import { FileStore } from '../store/file-store.js';
import type { Store } from '../store/store.js';
import { CoreDriver, type RuntimeProbe } from './core-driver.js';
import { executorCommandFrom, executorEnvironment, type ExecutorCommand } from './executor-command.js';
import { RuntimeFacade } from './facade.js';
import { SoleLeadership, ZkLeadership, type Leadership } from './leadership.js';
import { masterSourceFor, type MasterSource } from './master-source.js';
import { MesosSession } from './mesos-session.js';
import { SandboxLocator } from './sandbox-locator.js';

/** See the module comment. */
export type SchedulerState =
  'created' | 'starting' | 'standby' | 'leading' | 'stopping' | 'stopped' | 'failed';

/** Client settings a caller may tune beyond the configuration (tests use short timers). */
export type ClientOverrides = Partial<
  Pick<
    SchedulerClientInput,
    'subscribeTimeoutMs' | 'callTimeoutMs' | 'backoffInitialMs' | 'backoffMaxMs' | 'heartbeatMissLimit'
  >
>;

export interface SchedulerOptions {
  readonly config: Config;
  readonly logger?: Logger;
  /** Use this store and lead without an election (`store.kind` is ignored). */
  readonly store?: Store;
  /** Subscribe to these masters instead of `mesos.master` (e.g. the embedded cluster's URL). */
  readonly masters?: readonly string[];
  /** Core timers and filters (tests and the embedded cluster shorten them). */
  readonly core?: Partial<Omit<CoreOptions, 'ids'>>;
  /** Default: random ids and 256-bit job secrets. */
  readonly ids?: IdSource;
  readonly client?: ClientOverrides;
  /** How agents start `nodal executor` (default: `executor.command`, else this installation's binary). */
  readonly executorCommand?: ExecutorCommand;
  /** Extra environment for every executor, on top of the defaults. */
  readonly executorEnv?: Readonly<Record<string, string>>;
  readonly probe?: RuntimeProbe;
  readonly now?: () => number;
}

/** A retry of a term that could not begin (store unreadable) while still leading. */
const TERM_RETRY_MS = 2_000;

interface Term {
  readonly driver: CoreDriver;
  readonly masters: MasterSource;
  session: MesosSession | undefined;
  /** Serialises subscription switches (master changes). */
  switching: Promise<void>;
  ended: boolean;
}

export class Scheduler {
  private lifecycle: SchedulerState = 'created';
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly ids: IdSource;
  private readonly facadeImpl: RuntimeFacade;
  private api: ApiServer | undefined;
  private apiUrlValue: string | undefined;
  private leadership: Leadership | undefined;
  private term: Term | undefined;
  private termChain: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private failure: unknown;
  private settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private readonly finished: Promise<void>;
  private leading = false;
  private readonly locators = new WeakMap<CoreDriver, SandboxLocator>();

  private constructor(private readonly opts: SchedulerOptions) {
    this.log = (opts.logger ?? silentLogger).child({ component: 'scheduler' });
    this.now = opts.now ?? Date.now;
    this.ids = opts.ids ?? randomIds();
    this.finished = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // run() may never be called (a library user awaiting stop()): never leave an unhandled rejection.
    this.finished.catch(() => undefined);
    this.facadeImpl = new RuntimeFacade({
      activeDriver: () => this.activeDriver(),
      health: () => this.healthView(),
      now: () => this.now(),
      newJobId: () => this.ids.jobId(),
      locateSandbox: (agentUrl, executorId) => this.sandboxLocator()?.locate(agentUrl, executorId),
    });
  }

  /** Builds a scheduler; nothing listens or connects before `start()`. */
  static create(opts: SchedulerOptions): Scheduler {
    return new Scheduler(opts);
  }

  get state(): SchedulerState {
    return this.lifecycle;
  }

  /** What the HTTP API serves; in-process users (`nodal local`) submit and watch jobs through it. */
  get facade(): SchedulerFacade {
    return this.facadeImpl;
  }

  /** The API's URL once started. */
  get apiUrl(): string | undefined {
    return this.apiUrlValue;
  }

  /** The framework id while leading and known. */
  get frameworkId(): string | undefined {
    return this.term?.driver.state.frameworkId;
  }

  /**
   * Serves the API, then leads (or stands by). With a sole store the first term has begun when this
   * resolves (the store is loaded and the subscription started). Throws NodalError CONFIG_INVALID,
   * DATA_INVALID (corrupt store), UNAVAILABLE/TIMEOUT (store or ZooKeeper unreachable).
   */
  async start(): Promise<{ apiUrl: string }> {
    if (this.lifecycle !== 'created') throw new NodalError('CONFLICT', 'scheduler already started');
    this.transition('starting');
    try {
      const apiUrl = await this.startApi();
      this.leadership = await this.createLeadership(apiUrl);
      await this.leadership.start({
        onLeader: () => this.onLeader(),
        onDeposed: (reason) => this.onDeposed(reason),
        onFailed: (e) => this.fail(e),
      });
      await this.termChain;
      if (this.failure !== undefined) throw this.failure;
      if ((this.lifecycle as SchedulerState) === 'starting') this.transition('standby');
      return { apiUrl };
    } catch (e) {
      await this.shutdown();
      this.transition('failed');
      this.settle?.reject(e);
      throw e;
    }
  }

  /** Resolves once stopped; rejects with the error that made the scheduler fail. */
  run(): Promise<void> {
    return this.finished;
  }

  /** Stops serving and leading without TEARDOWN (tasks keep running). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.lifecycle !== 'failed') this.transition('stopping');
      await this.shutdown();
      if (this.lifecycle !== 'failed') this.transition('stopped');
      this.settle?.resolve();
    })();
    return this.stopping;
  }

  /**
   * Ends the framework for good: kills every active job, sends TEARDOWN (Mesos kills every task), saves
   * the jobs without a framework id or tasks, then stops. Throws NOT_SUBSCRIBED when not subscribed.
   */
  async teardown(): Promise<void> {
    const term = this.term;
    if (!term?.session?.master) throw new NodalError('NOT_SUBSCRIBED', 'not subscribed to a Mesos master');
    for (const job of Object.values(term.driver.state.jobs))
      if (!isTerminal(job.conditions))
        await term.driver.feed({ type: 'killJob', jobId: job.id, message: 'framework torn down' });
    await term.session.teardown();
    const state = term.driver.state;
    await this.leadership!.store.save({ version: 1, jobs: state.jobs, tasks: {} });
    await this.stop();
  }

  // ---- API and health --------------------------------------------------------------------------------

  private async startApi(): Promise<string> {
    const c = this.opts.config.api;
    const tls =
      c.tlsCertFile && c.tlsKeyFile
        ? { cert: await readFile(c.tlsCertFile), key: await readFile(c.tlsKeyFile) }
        : undefined;
    if (Boolean(c.tlsCertFile) !== Boolean(c.tlsKeyFile))
      throw new NodalError('CONFIG_INVALID', 'api.tlsCertFile and api.tlsKeyFile must be given together');
    this.api = new ApiServer({
      facade: this.facadeImpl,
      logger: this.opts.logger ?? silentLogger,
      host: c.host,
      port: c.port,
      token: c.token,
      authDisabled: c.authDisabled,
      ...(tls ? { tls } : {}),
    });
    this.apiUrlValue = advertisedUrl(await this.api.start());
    return this.apiUrlValue;
  }

  private healthView(): HealthView {
    const reachable = this.leadership?.reachable() ?? false;
    const term = this.term;
    if (term && this.lifecycle === 'leading') {
      const state = term.driver.state;
      return {
        subscribed: state.subscribed,
        storeReachable: reachable && term.driver.storeReachable,
        leader: true,
        ...(state.frameworkId ? { frameworkId: state.frameworkId } : {}),
        ...(term.session?.master ? { master: term.session.master } : {}),
      };
    }
    // A standby is healthy while it can take over: it reports `subscribed` so Marathon keeps it.
    return {
      subscribed: this.lifecycle === 'standby' && reachable,
      storeReachable: reachable,
      leader: false,
    };
  }

  private activeDriver(): CoreDriver {
    const term = this.term;
    if (term && !term.ended && this.lifecycle === 'leading') return term.driver;
    if (this.lifecycle === 'standby' || (this.leading && !term)) {
      const leader = this.leadership?.leaderAddress();
      throw new NodalError(
        'UNAVAILABLE',
        leader
          ? `this scheduler is a standby; the leader is at ${leader}`
          : 'this scheduler is a standby; no leader is known yet',
        leader ? { leader } : undefined,
      );
    }
    throw new NodalError('UNAVAILABLE', `the scheduler is ${this.lifecycle}`);
  }

  private sandboxLocator(): SandboxLocator | undefined {
    return this.term ? this.locators.get(this.term.driver) : undefined;
  }

  // ---- leadership and terms --------------------------------------------------------------------------

  private async createLeadership(apiUrl: string): Promise<Leadership> {
    if (this.opts.store) return new SoleLeadership(this.opts.store);
    const c = this.opts.config;
    if (c.store.kind === 'file') return new SoleLeadership(new FileStore(c.store.path));
    return ZkLeadership.connect({
      connectString: c.zookeeper.connect,
      root: c.zookeeper.path,
      sessionTimeoutMs: c.zookeeper.sessionTimeoutMs,
      id: apiUrl,
      logger: this.opts.logger ?? silentLogger,
    });
  }

  private onLeader(): void {
    this.leading = true;
    this.log.info('leading');
    this.chain(() => this.beginTerm());
  }

  private onDeposed(reason: string): void {
    this.leading = false;
    this.log.warn('no longer leading', { reason });
    this.chain(() => this.endTerm());
  }

  private chain(step: () => Promise<void>): void {
    this.termChain = this.termChain.then(step).catch((e: unknown) => this.fail(e));
  }

  private async beginTerm(): Promise<void> {
    if (!this.leading || this.term || this.isStopping()) return;
    const leadership = this.leadership!;
    let stored;
    try {
      stored = await leadership.store.load();
    } catch (e) {
      // A sole scheduler cannot go on without its state; a contender retries while it still leads.
      if (!leadership.contended) throw e;
      this.log.error('could not load the stored state; retrying', { error: e, retryInMs: TERM_RETRY_MS });
      this.retryTimer = setTimeout(() => this.chain(() => this.beginTerm()), TERM_RETRY_MS);
      return;
    }
    // Deposed (or stopped) while loading: subscribing now could take the framework from the new leader.
    if (!this.leading || this.isStopping()) return;
    const initial = stored ? fromStored(stored) : initialState();
    const driver = this.newDriver(initial, leadership.store);
    const masters = masterSourceFor(
      this.opts.masters ?? this.opts.config.mesos.master,
      this.opts.logger ?? silentLogger,
      this.opts.config.zookeeper.sessionTimeoutMs,
    );
    const term: Term = { driver, masters, session: undefined, switching: Promise.resolve(), ended: false };
    this.term = term;
    this.transition('leading');
    this.log.info('term started', {
      frameworkId: initial.frameworkId,
      jobs: Object.keys(initial.jobs).length,
      tasks: Object.keys(initial.tasks).length,
    });
    masters.start(
      (urls) => {
        term.switching = term.switching
          .then(() => this.subscribe(term, urls))
          .catch((e: unknown) => this.fail(e));
      },
      (e) => this.fail(e),
    );
  }

  private newDriver(initial: CoreState, store: Store): CoreDriver {
    const c = this.opts.config;
    const taskInfo: TaskInfoOptions = {
      executorCommand: this.opts.executorCommand ?? executorCommandFrom(c.executor.command),
      defaultImage: c.executor.image,
      extraEnv: { ...executorEnvironment(c, this.apiUrlValue), ...(this.opts.executorEnv ?? {}) },
    };
    const driver: CoreDriver = new CoreDriver({
      logger: this.opts.logger ?? silentLogger,
      store,
      initial,
      core: { ...(this.opts.core ?? {}), ids: this.ids },
      taskInfo,
      now: this.now,
      ...(this.opts.probe ? { probe: this.opts.probe } : {}),
      onFenced: (e) => this.onFenced(e),
      onCommitted: (commands, state) => this.afterStep(driver, commands, state),
    });
    this.locators.set(driver, new SandboxLocator(this.log, driver.records.sandboxes));
    return driver;
  }

  private afterStep(driver: CoreDriver, commands: readonly Command[], state: CoreState): void {
    this.facadeImpl.publish(commands, state, driver.records);
    // Find sandboxes while their tasks start, so log requests need not wait for a lookup.
    for (const c of commands) {
      if (c.type !== 'jobEvent' || c.event.kind !== 'taskState' || c.event.state !== 'TASK_RUNNING') continue;
      const task = state.tasks[c.event.taskId];
      const agentUrl = task && driver.records.agentUrls.get(task.agentId);
      if (task && agentUrl) this.locators.get(driver)?.locate(agentUrl, task.executorId);
    }
  }

  /** Replaces the term's subscription with one to `urls` (none: just drop it). */
  private async subscribe(term: Term, urls: readonly string[]): Promise<void> {
    if (term.ended) return;
    if (term.session) {
      await term.session.close();
      term.session = undefined;
    }
    if (urls.length === 0) {
      this.log.warn('no Mesos master known; waiting');
      return;
    }
    const c = this.opts.config;
    const frameworkId = term.driver.state.frameworkId;
    const frameworkInfo = buildFrameworkInfo({
      user: c.mesos.user || os.userInfo().username,
      name: c.mesos.frameworkName,
      roles: [c.mesos.role],
      failoverTimeoutMs: c.mesos.failoverTimeoutMs,
      ...(this.apiUrlValue ? { webuiUrl: this.apiUrlValue } : {}),
      ...(c.mesos.principal ? { principal: c.mesos.principal } : {}),
      hostname: os.hostname(),
      ...(frameworkId ? { frameworkId } : {}),
    });
    const session = new MesosSession({
      driver: term.driver,
      logger: this.opts.logger ?? silentLogger,
      onFatal: (e) => this.onSessionFatal(term, e),
      client: {
        masters: urls,
        frameworkInfo,
        ...(frameworkId ? { frameworkId } : {}),
        format: c.mesos.contentType,
        ...(c.mesos.principal
          ? { credentials: { principal: c.mesos.principal, secret: c.mesos.secret } }
          : {}),
        heartbeatMissLimit: c.mesos.heartbeatMissLimit,
        callTimeoutMs: c.mesos.callTimeoutMs,
        backoffInitialMs: c.mesos.backoffInitialMs,
        backoffMaxMs: c.mesos.backoffMaxMs,
        logger: this.opts.logger ?? silentLogger,
        ...(this.opts.client ?? {}),
      },
    });
    term.session = session;
    session.start();
  }

  private async endTerm(): Promise<void> {
    const term = this.term;
    if (!term) return;
    term.ended = true;
    this.term = undefined;
    clearTimeout(this.retryTimer);
    await term.masters.stop();
    await term.switching;
    await term.session?.close();
    await term.driver.stop();
    this.log.info('term ended');
    if (!this.isStopping() && this.lifecycle !== 'failed') this.transition('standby');
  }

  // The store refused a save because another scheduler leads (or wrote) now: act no more in this term;
  // begin a fresh one (reloading the state) if the election still says we lead.
  private onFenced(e: NodalError): void {
    this.log.error('state write fenced off; ending this term', { error: e });
    this.chain(() => this.endTerm());
    if (this.leadership?.contended) this.chain(() => this.beginTerm());
    else this.fail(e);
  }

  private onSessionFatal(term: Term, e: NodalError): void {
    if (term.ended) return;
    // Another instance subscribed with our framework id: under an election it is the new leader and
    // we are about to be deposed; alone, something else is running as this framework.
    if (this.leadership?.contended && isConflict(e)) {
      this.log.warn('framework taken over by another scheduler; ending this term', { error: e });
      this.chain(() => this.endTerm());
      return;
    }
    this.fail(e);
  }

  private fail(e: unknown): void {
    if (this.isStopping() || this.lifecycle === 'failed') return;
    this.log.error('scheduler failed', { error: e });
    this.failure = e;
    if (this.lifecycle === 'starting') return; // start() rethrows it
    this.transition('failed');
    void this.shutdown().then(() => this.settle?.reject(e));
  }

  private async shutdown(): Promise<void> {
    this.leading = false;
    clearTimeout(this.retryTimer);
    await this.termChain.catch(() => undefined);
    await this.endTerm();
    await this.leadership
      ?.stop()
      .catch((e: unknown) => this.log.warn('leadership stop failed', { error: e }));
    await this.api?.stop();
  }

  private isStopping(): boolean {
    return this.lifecycle === 'stopping' || this.lifecycle === 'stopped' || this.stopping !== undefined;
  }

  private transition(to: SchedulerState): void {
    if (to === this.lifecycle) return;
    this.log.info('scheduler state', { from: this.lifecycle, to });
    this.lifecycle = to;
  }
}

const isConflict = (e: NodalError): boolean => e.code === 'CONFLICT';

/**
 * The API URL others should use: a wildcard bind address (0.0.0.0, ::) is replaced by this host's name,
 * since it is what goes into the framework's webui_url, the executors' NODAL_SCHEDULER_URL and the
 * election node standbys point users at.
 */
export function advertisedUrl(boundUrl: string): string {
  const url = new URL(boundUrl);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = os.hostname();
  return url.origin;
}
