// One launched task: reads its NODAL_* configuration, starts its role, runs its health check, forwards its
// progress (rate-limited) and turns what happens into status updates through the pure task life cycle
// (task-life.ts). TASK_STARTING goes out as soon as the task arrives; a configuration error is a TASK_FAILED
// naming every problem.
import { NodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import type { TaskInfo } from '../../protos/mesos/v1/types.js';
import { parseClusterSpec, type ClusterSpec } from '../training/cluster-spec.js';
import { HealthChecker, healthCheckPlan } from './health.js';
import {
  encodeProgressMessage,
  METRICS,
  type ClusterSpecWire,
  type WorkersEndedMessage,
} from './messages.js';
import { startRole, type ExecutorSettings, type ProgressReport, type RunningRole } from './roles/index.js';
import { taskName } from './roles/types.js';
import { readTaskConfig, type TaskConfig } from './task-config.js';
import {
  isTerminalPhase,
  stepTask,
  type StatusChange,
  type TaskInput,
  type TaskLife,
  type TaskPhase,
} from './task-life.js';
import { Throttle } from './throttle.js';

/** Kill grace period of a task whose TaskInfo has no kill policy. */
export const DEFAULT_KILL_GRACE_MS = 5_000;
/** Kept back from a grace period to send TASK_KILLED before the agent's deadline. */
export const KILL_REPORT_MARGIN_MS = 500;
/** At most this many progress messages per second per task, important ones aside. */
export const PROGRESS_MIN_INTERVAL_MS = 500;
/** Status messages longer than this are cut (an error can quote a whole stack of causes). */
const MAX_STATUS_MESSAGE_CHARS = 2_000;

type Env = Readonly<Record<string, string | undefined>>;

/** What a runner needs from the executor around it. */
export interface TaskRunnerDeps {
  readonly task: TaskInfo;
  readonly taskEnv: Env;
  readonly settings: ExecutorSettings;
  /** Sends a status update (in order with the executor's other updates); resolves once handed to the agent. */
  sendStatus(taskId: string, change: StatusChange): Promise<void>;
  /** Sends MESSAGE data to the scheduler, best effort; never throws. */
  sendMessage(data: Uint8Array): void;
  readonly logger?: Logger;
  readonly progressMinIntervalMs?: number;
}

/** Nanoseconds of a kill policy's grace period as milliseconds. */
export const graceMsOf = (ns: number | undefined, fallbackMs: number): number =>
  ns === undefined || !Number.isFinite(ns) || ns < 0 ? fallbackMs : Math.round(ns / 1e6);

/** Where to probe a task listening on `bindHost` (a wildcard address is probed on loopback). */
export const probeHost = (bindHost: string): string =>
  bindHost === '' || bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost;

const clip = (s: string): string =>
  s.length > MAX_STATUS_MESSAGE_CHARS ? `${s.slice(0, MAX_STATUS_MESSAGE_CHARS - 1)}…` : s;
const errorText = (e: unknown): string =>
  e instanceof NodalError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);

/**
 * One task. `start()`, then `kill()` / `updateCluster()` / `workersEnded()` as events arrive; `done` resolves
 * when terminal.
 */
export class TaskRunner {
  readonly taskId: string;
  /** Resolves with the terminal phase once its update has been handed to the agent. */
  readonly done: Promise<TaskPhase>;
  private life: TaskLife = { phase: 'starting' };
  private config: TaskConfig | undefined;
  private spec: ClusterSpec | undefined;
  private role: RunningRole | undefined;
  private health: HealthChecker | undefined;
  private lastReport: ProgressReport = { step: 0, metrics: {} };
  private killGraceMs: number;
  private stopping = false;
  private startKillTimer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private readonly throttle: Throttle<ProgressReport>;
  private readonly log: Logger;
  private settle!: (phase: TaskPhase) => void;

  constructor(private readonly deps: TaskRunnerDeps) {
    this.taskId = deps.task.task_id.value;
    this.log = (deps.logger ?? silentLogger).child({ component: 'task', taskId: this.taskId });
    this.done = new Promise((r) => (this.settle = r));
    this.killGraceMs = graceMsOf(deps.task.kill_policy?.grace_period?.nanoseconds, DEFAULT_KILL_GRACE_MS);
    this.throttle = new Throttle(deps.progressMinIntervalMs ?? PROGRESS_MIN_INTERVAL_MS, (r) =>
      this.sendProgress(r),
    );
  }

  get phase(): TaskPhase {
    return this.life.phase;
  }

  /** Sends TASK_STARTING and starts the role; everything after is reported through status updates. */
  start(): void {
    void this.deps.sendStatus(this.taskId, { state: 'TASK_STARTING', message: 'preparing the task' });
    void this.main().catch((e: unknown) => {
      this.log.error('task runner failed', { error: e });
      this.apply({ kind: 'failed', message: `internal error: ${errorText(e)}` });
    });
  }

  /** KILL (or SHUTDOWN): stop within `graceMs` (default: the task's kill policy), then TASK_KILLED. */
  kill(graceMs?: number): void {
    if (graceMs !== undefined) this.killGraceMs = graceMs;
    this.apply({ kind: 'kill' });
  }

  /** A newer spec from the scheduler; stale versions and other jobs' specs are ignored. */
  updateCluster(wire: ClusterSpecWire): void {
    let spec: ClusterSpec;
    try {
      spec = parseClusterSpec(wire);
    } catch (e) {
      this.log.warn('cluster spec refused', { error: errorText(e) });
      return;
    }
    if (this.config && spec.jobId !== this.config.jobId) {
      this.log.warn('cluster spec of another job ignored', { jobId: spec.jobId });
      return;
    }
    if (this.spec && spec.version <= this.spec.version) {
      this.log.info('stale cluster spec ignored', { version: spec.version, current: this.spec.version });
      return;
    }
    this.spec = spec;
    try {
      this.role?.updateCluster(spec);
    } catch (e) {
      this.log.warn('cluster spec not applicable', { error: errorText(e), version: spec.version });
      return;
    }
    this.log.info('cluster spec applied', { version: spec.version, ps: spec.ps });
    // Tell the scheduler at once which version this task runs with.
    if (!isTerminalPhase(this.life.phase)) this.throttle.offer(this.lastReport, true);
  }

  /**
   * The scheduler says these worker tasks of the job ended: passed to a role that can act on it (ps-0's
   * coordinator releases their leases); ignored, with a debug log, by any other task or another job's.
   */
  workersEnded(m: WorkersEndedMessage): void {
    const role = this.role;
    if (
      !this.config ||
      m.jobId !== this.config.jobId ||
      !role?.workersEnded ||
      isTerminalPhase(this.life.phase)
    ) {
      this.log.debug('ended workers ignored: not a running ps-0 of their job', {
        jobId: m.jobId,
        taskIds: m.taskIds,
      });
      return;
    }
    try {
      role.workersEnded(m.taskIds);
    } catch (e) {
      this.log.warn('ended workers not applied', { error: errorText(e), taskIds: m.taskIds });
    }
  }

  private async main(): Promise<void> {
    let config: TaskConfig;
    try {
      config = readTaskConfig(this.deps.taskEnv, this.taskId);
    } catch (e) {
      this.apply({ kind: 'failed', message: errorText(e) });
      return;
    }
    this.config = config;
    if (!this.spec || this.spec.jobId !== config.jobId || this.spec.version < config.clusterSpec.version)
      this.spec = config.clusterSpec;
    this.log.info('task configured', {
      jobId: config.jobId,
      role: config.role,
      index: config.index,
      port: config.port,
      clusterSpecVersion: this.spec.version,
    });
    let role: RunningRole;
    try {
      role = await startRole({
        config,
        settings: this.deps.settings,
        logger: this.log.child({ role: config.role, index: config.index }),
        signal: this.abort.signal,
        killGraceMs: this.killGraceMs,
        clusterSpec: () => this.spec!,
        report: (r, important) => this.report(r, important),
      });
    } catch (e) {
      if (this.life.phase === 'killing') this.apply({ kind: 'stopped', message: 'killed while starting' });
      else this.apply({ kind: 'failed', message: `${taskName(config)} could not start: ${errorText(e)}` });
      return;
    }
    this.role = role;
    if (this.life.phase !== 'starting') {
      // Killed while starting: stop it now (already reported TASK_KILLED if the start took too long).
      if (this.life.phase === 'killing') await this.stopRole();
      else void role.shutdown().catch(() => {});
      return;
    }
    this.apply({ kind: 'started', message: role.summary });
    this.startHealthCheck();
    role.ended.then(
      (end) => {
        if (end.final) this.report(end.final, true);
        const data = end.final ? this.encode(end.final) : undefined;
        this.apply({ kind: 'completed', message: end.message, ...(data ? { data } : {}) });
      },
      (e: unknown) => this.apply({ kind: 'failed', message: `${taskName(config)} failed: ${errorText(e)}` }),
    );
  }

  private startHealthCheck(): void {
    const hc = this.deps.task.health_check;
    if (!hc) return;
    try {
      const plan = healthCheckPlan(hc);
      this.health = new HealthChecker(
        plan,
        probeHost(this.deps.settings.bindHost),
        (r) => this.apply({ kind: 'health', ...r }),
        this.log,
      );
      this.health.start();
    } catch (e) {
      this.log.warn('health check not run', { error: errorText(e) });
    }
  }

  /** Feeds the life cycle and carries out what it decides. */
  private apply(input: TaskInput): void {
    const step = stepTask(this.life, input);
    this.life = step.life;
    if (step.stopRole) void this.stopRole();
    if (isTerminalPhase(this.life.phase)) {
      this.health?.stop();
      this.throttle.flush();
      this.throttle.stop();
    }
    if (!step.update) return;
    const u = step.update;
    this.log.info('task state', { state: u.state, statusMessage: u.message, healthy: u.healthy });
    const sent = this.deps.sendStatus(
      this.taskId,
      u.message === undefined ? u : { ...u, message: clip(u.message) },
    );
    if (isTerminalPhase(this.life.phase)) {
      const phase = this.life.phase;
      void sent.finally(() => this.settle(phase));
    }
  }

  /** Stops the role within the kill grace period (less a margin to report), then reports `stopped`. */
  private async stopRole(): Promise<void> {
    this.health?.stop();
    this.abort.abort();
    const role = this.role;
    const budgetMs = Math.max(0, this.killGraceMs - KILL_REPORT_MARGIN_MS);
    if (!role) {
      // main() sees the abort when the role's start returns; a start that cannot be interrupted (data
      // generation) still ends in TASK_KILLED within the grace period.
      this.startKillTimer ??= setTimeout(
        () => this.apply({ kind: 'stopped', message: 'killed while starting' }),
        budgetMs,
      ).unref();
      return;
    }
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.startKillTimer);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      role.shutdown().then(
        () => 'stopped' as const,
        (e: unknown) => {
          this.log.warn('role shutdown failed', { error: errorText(e) });
          return 'failed' as const;
        },
      ),
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), budgetMs))),
    ]);
    clearTimeout(timer);
    const name = this.config ? taskName(this.config) : 'the task';
    const message =
      outcome === 'stopped'
        ? `${name} killed; stopped cleanly`
        : outcome === 'failed'
          ? `${name} killed; its shutdown reported an error`
          : `${name} killed; still stopping after ${budgetMs} ms`;
    this.apply({ kind: 'stopped', message });
  }

  private report(r: ProgressReport, important = false): void {
    this.lastReport = r;
    this.throttle.offer(r, important);
  }

  private encode(r: ProgressReport): Uint8Array | undefined {
    const c = this.config;
    if (!c) return undefined;
    try {
      return encodeProgressMessage({
        jobId: c.jobId,
        taskId: c.taskId,
        role: c.role,
        index: c.index,
        step: r.step,
        ...(r.epoch !== undefined ? { epoch: r.epoch } : {}),
        metrics: { ...r.metrics, [METRICS.clusterSpecVersion]: this.spec?.version ?? 0 },
        ...(r.finished ? { finished: true } : {}),
        ...(r.failed ? { failed: true } : {}),
        ...(r.message !== undefined ? { message: clip(r.message) } : {}),
        ...(r.modelPath !== undefined ? { modelPath: r.modelPath } : {}),
      });
    } catch (e) {
      this.log.warn('progress not encodable', { error: errorText(e) });
      return undefined;
    }
  }

  private sendProgress(r: ProgressReport): void {
    const data = this.encode(r);
    if (data) this.deps.sendMessage(data);
  }
}
