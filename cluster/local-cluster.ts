// The embedded Mesos-compatible cluster as a library: one master and N agents on loopback, speaking the
// real v1 wire, with fault injection for tests and demos. `stop()` leaves no process or server behind.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodalError } from '../config/errors.js';
import { silentLogger, type Logger } from '../config/logger.js';
import type { Attribute, Resource, TaskState, TaskStatus } from '../protos/mesos/v1/types.js';
import { Agent } from './agent/agent.js';
import { startServer, type RunningServer } from './http/server.js';
import { handleMasterRequest } from './master/master-http.js';
import { Master, type MasterEvents } from './master/master.js';
import { masterState } from './master/state-json.js';
import {
  DEFAULTS,
  resolveAgent,
  type AgentSpec,
  type LocalClusterOptions,
  type ResolvedOptions,
} from './options.js';

/** An agent as users of the cluster see it. */
export interface ClusterAgent {
  id: string;
  hostname: string;
  /** `host:port` of the agent's HTTP server (MESOS_AGENT_ENDPOINT). */
  endpoint: string;
  url: string;
  resources: Resource[];
  attributes: Attribute[];
  /** The agent's own directory; every sandbox it creates is below it. */
  directory: string;
}

const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

export class LocalCluster extends EventEmitter<MasterEvents> {
  private readonly agentsById = new Map<string, Agent>();
  private agentOrdinal = 0;
  private stopping?: Promise<void>;
  private readonly exitHook = () => {
    for (const a of this.agentsById.values()) a.killAllSync();
  };

  private constructor(
    private readonly master: Master,
    private readonly server: RunningServer,
    readonly options: ResolvedOptions,
    private readonly initialAgentCount: number,
    private readonly ownsWorkDir: boolean,
    private readonly log: Logger,
  ) {
    super();
    for (const event of ['task-status', 'framework', 'agent', 'offers'] as const)
      master.on(event, (...args: unknown[]) =>
        (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
      );
    process.on('exit', this.exitHook);
  }

  /** Starts the master and the agents; rejects (after cleaning up) if a server cannot listen. */
  static async start(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
    const logger = (opts.logger ?? silentLogger).child({ component: 'local-cluster' });
    const ownsWorkDir = opts.workDir === undefined;
    const workDir = path.resolve(opts.workDir ?? mkdtempSync(path.join(os.tmpdir(), 'nodal-cluster-')));
    const resolved: ResolvedOptions = {
      ...DEFAULTS,
      ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
      workDir,
      pathPrepend: (opts.pathPrepend ?? []).map((p) => path.resolve(p)),
    } as ResolvedOptions;
    const master = new Master({
      host: resolved.host,
      heartbeatIntervalMs: resolved.heartbeatIntervalMs,
      allocationIntervalMs: resolved.allocationIntervalMs,
      offerRefuseDefaultMs: resolved.offerRefuseDefaultMs,
      masterId: opts.masterId,
      logger,
    });
    const specs = Array.isArray(opts.agents)
      ? opts.agents
      : Array.from({ length: opts.agents ?? 1 }, () => ({}));
    let cluster: LocalCluster | undefined;
    const state = () => masterState(master, flagsOf(resolved));
    const server = await startServer(
      resolved.host,
      resolved.port,
      (req, res, url) => handleMasterRequest(master, state, req, res, url),
      logger,
    );
    try {
      master.start(server.port);
      cluster = new LocalCluster(master, server, resolved, specs.length, ownsWorkDir, logger);
      for (const spec of specs) await cluster.addAgent(spec);
      logger.info('cluster started', { masterUrl: cluster.masterUrl, agents: specs.length, workDir });
      return cluster;
    } catch (e) {
      if (cluster) await cluster.stop();
      else {
        master.stop();
        await server.close();
      }
      throw e;
    }
  }

  get masterUrl(): string {
    return `http://${urlHost(this.options.host)}:${this.server.port}`;
  }

  get masterId(): string {
    return this.master.ids.masterId;
  }

  /** The agents that are up (lost agents are gone). */
  get agents(): ClusterAgent[] {
    return [...this.agentsById.values()].map((a) => this.describe(a));
  }

  private describe(a: Agent): ClusterAgent {
    const endpoint = `${urlHost(a.host)}:${a.port}`;
    return {
      id: a.id,
      hostname: a.info.hostname,
      endpoint,
      url: `http://${endpoint}`,
      resources: a.info.resources ?? [],
      attributes: a.info.attributes ?? [],
      directory: a.directory,
    };
  }

  /** The document `/master/state` serves. */
  state(): Record<string, unknown> {
    return masterState(this.master, flagsOf(this.options));
  }

  /** Fault injection: adds an agent (default resources as at start; its own port block). */
  async addAgent(spec: AgentSpec = {}): Promise<ClusterAgent> {
    const o = this.options;
    const index = this.agentOrdinal++;
    const r = resolveAgent(spec, index, this.initialAgentCount, o.host, o.workDir);
    const wantedId = r.idSuffix && `${this.masterId}-${r.idSuffix}`;
    if (wantedId && this.master.agents.has(wantedId))
      throw new NodalError('CONFLICT', `Agent ${wantedId} already exists`);
    const agent = await Agent.start({
      host: o.host,
      hostname: r.hostname,
      resources: r.resources,
      attributes: r.attributes,
      workDir: o.workDir,
      pathPrepend: o.pathPrepend,
      statusUpdateRetryMs: o.statusUpdateRetryMs,
      statusUpdateRetryMaxMs: o.statusUpdateRetryMaxMs,
      executorRegistrationTimeoutMs: o.executorRegistrationTimeoutMs,
      executorShutdownGracePeriodMs: o.executorShutdownGracePeriodMs,
      killGracePeriodMs: o.killGracePeriodMs,
      executorHeartbeatIntervalMs: o.executorHeartbeatIntervalMs,
      logger: this.log,
    });
    const record = this.master.registerAgent({
      idSuffix: r.idSuffix,
      hostname: r.hostname,
      port: agent.port,
      resources: r.resources,
      attributes: r.attributes,
      link: agent,
    });
    agent.attach(record.id, this.master);
    this.agentsById.set(record.id, agent);
    return this.describe(agent);
  }

  /**
   * Fault injection: the agent disappears (its processes die with it). The master marks it unreachable:
   * its tasks become TASK_UNREACHABLE (PARTITION_AWARE frameworks) or TASK_LOST, its offers are rescinded.
   */
  async loseAgent(agentId: string): Promise<void> {
    const agent = this.agentsById.get(agentId);
    if (!agent) throw new NodalError('NOT_FOUND', `No running agent ${agentId}`);
    this.agentsById.delete(agentId);
    this.master.loseAgent(agentId);
    await agent.stop();
  }

  /** Fault injection: signals the process running the task (default SIGKILL). False when none runs it. */
  killTask(taskId: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
    for (const agent of this.agentsById.values()) if (agent.signalTask(taskId, signal)) return true;
    return false;
  }

  /** Fault injection: breaks the framework's subscription connection (failover timer starts). */
  dropSchedulerStream(frameworkId: string): boolean {
    return this.master.dropStream(frameworkId);
  }

  /**
   * Resolves with the first status of `taskId` in one of `states` (one already recorded counts);
   * rejects with NodalError TIMEOUT after `timeoutMs`.
   */
  waitForTaskState(taskId: string, states: TaskState | TaskState[], timeoutMs = 10_000): Promise<TaskStatus> {
    const wanted = new Set(Array.isArray(states) ? states : [states]);
    for (const fw of [...this.master.frameworks.values(), ...this.master.completedFrameworks]) {
      const t =
        fw.tasks.get(taskId) ??
        fw.unreachableTasks.get(taskId) ??
        fw.completedTasks.find((c) => c.info.task_id.value === taskId);
      const hit = t?.statuses.find((s) => wanted.has(s.state));
      if (hit) return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const onStatus = (e: MasterEvents['task-status'][0]) => {
        if (e.status.task_id.value !== taskId || !wanted.has(e.status.state)) return;
        clearTimeout(timer);
        this.off('task-status', onStatus);
        resolve(e.status);
      };
      const timer = setTimeout(() => {
        this.off('task-status', onStatus);
        reject(
          new NodalError(
            'TIMEOUT',
            `Task ${taskId} did not reach ${[...wanted].join('/')} within ${timeoutMs}ms`,
          ),
        );
      }, timeoutMs);
      this.on('task-status', onStatus);
    });
  }

  /** Stops everything: kills every process the agents started, closes every server, waits for both. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.master.stop();
      await Promise.all([...this.agentsById.values()].map((a) => a.stop()));
      this.agentsById.clear();
      await this.server.close();
      process.off('exit', this.exitHook);
      if (this.ownsWorkDir) rmSync(this.options.workDir, { recursive: true, force: true });
      this.log.info('cluster stopped', {});
    })();
    return this.stopping;
  }
}

function flagsOf(o: ResolvedOptions): Record<string, unknown> {
  return {
    hostname: o.host,
    port: o.port,
    work_dir: o.workDir,
    allocation_interval: `${o.allocationIntervalMs}ms`,
    heartbeat_interval: `${o.heartbeatIntervalMs}ms`,
    executor_registration_timeout: `${o.executorRegistrationTimeoutMs}ms`,
    executor_shutdown_grace_period: `${o.executorShutdownGracePeriodMs}ms`,
  };
}
