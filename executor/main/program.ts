// `nodal executor` as a lifecycle object: subscribes to the agent, runs each launched task (TaskRunner),
// passes KILL, SHUTDOWN and the scheduler's messages (cluster spec, ended workers) on, and exits only once
// every task is terminal and the agent has acknowledged every update (REFERENCE §0 rule 12), with a bound
// on that wait.
//
// States: created → connecting → subscribed ⇄ reconnecting (checkpointing frameworks only) → draining
// (all tasks terminal, or shutting down: waiting for acknowledgements) → stopped.
import { exitCodeOf, NodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import type { ExecutorEvent, TaskInfo } from '../../protos/mesos/v1/types.js';
import type { WireFormat } from '../../protos/wire/codec.js';
import { ExecutorClient } from '../mesos/client.js';
import type { ExecutorEnvironment } from '../mesos/environment.js';
import type { ExecutorClientEvent } from '../mesos/events.js';
import { decodeSchedulerMessage } from './messages.js';
import type { ExecutorSettings } from './roles/index.js';
import { isTerminalPhase, type StatusChange } from './task-life.js';
import { graceMsOf, KILL_REPORT_MARGIN_MS, TaskRunner } from './task-runner.js';

export type ExecutorProgramState =
  'created' | 'connecting' | 'subscribed' | 'reconnecting' | 'draining' | 'stopped';

/** Longest wait for the agent to acknowledge the last updates before exiting anyway. */
export const ACK_WAIT_MS = 10_000;
/** How long tasks get to stop when the agent is gone for good (nothing can be reported any more). */
export const AGENT_LOST_STOP_MS = 3_000;
/** Exit status when a task failed (the agent and scheduler learn why from TASK_FAILED). */
export const EXIT_TASK_FAILED = 1;

type Env = Readonly<Record<string, string | undefined>>;

export interface ExecutorProgramOptions {
  /** The MESOS_* environment (readExecutorEnvironment). */
  readonly environment: ExecutorEnvironment;
  /** Where the tasks' NODAL_* variables are (process.env: they come with the ExecutorInfo's command). */
  readonly taskEnv: Env;
  readonly settings: ExecutorSettings;
  readonly logger?: Logger;
  /** Encoding toward the agent (default protobuf). */
  readonly format?: WireFormat;
  readonly ackWaitMs?: number;
  readonly progressMinIntervalMs?: number;
}

/** The executor program. `create`, then `run()` (resolves with the exit status); `shutdown()` on SIGTERM. */
export class ExecutorProgram {
  private current: ExecutorProgramState = 'created';
  private readonly client: ExecutorClient;
  private readonly runners = new Map<string, TaskRunner>();
  private readonly log: Logger;
  private updates: Promise<void> = Promise.resolve();
  private draining: Promise<void> | undefined;
  private exitCode: number | undefined;
  private running: Promise<number> | undefined;
  private shutdownDeadline: number | undefined;

  private constructor(private readonly opts: ExecutorProgramOptions) {
    this.log = (opts.logger ?? silentLogger).child({ component: 'executor' });
    this.client = ExecutorClient.create({
      environment: opts.environment,
      format: opts.format ?? 'protobuf',
      logger: opts.logger,
    });
  }

  /** A program for this environment; nothing happens before `run()`. */
  static create(opts: ExecutorProgramOptions): ExecutorProgram {
    return new ExecutorProgram(opts);
  }

  get state(): ExecutorProgramState {
    return this.current;
  }

  /** Subscribes and serves until every task is done or the executor is shut down; resolves with the exit status. */
  run(): Promise<number> {
    this.running ??= this.loop();
    return this.running;
  }

  /**
   * Kills every task within the executor's shutdown grace period, then exits after the acknowledgements
   * (SHUTDOWN event, SIGTERM). Resolves when `run()` has finished. Idempotent.
   */
  async shutdown(): Promise<void> {
    this.shutdownAll('shutdown requested');
    await this.running?.catch(() => {});
  }

  private transition(to: ExecutorProgramState, meta: Record<string, unknown> = {}): void {
    if (this.current === to) return;
    this.log.info('executor state changed', { from: this.current, to, ...meta });
    this.current = to;
  }

  private async loop(): Promise<number> {
    this.transition('connecting', { agent: this.opts.environment.agentUrl.host });
    const clientDone = this.client.run().catch((e: unknown) => {
      this.log.error('executor connection failed', { error: e });
      this.exitCode ??= exitCodeOf(e);
    });
    for await (const item of this.client.events) this.onClientEvent(item);
    await clientDone;
    const live = [...this.runners.values()].filter((r) => !isTerminalPhase(r.phase));
    if (live.length > 0) {
      // The agent is gone without checkpointing: nothing more reaches it; stop the roles and leave.
      this.log.warn('agent connection lost with live tasks; stopping them', {
        tasks: live.map((r) => r.taskId),
      });
      this.exitCode ??= exitCodeOf(new NodalError('UNAVAILABLE', 'agent lost'));
      for (const r of live) r.kill(AGENT_LOST_STOP_MS);
      await Promise.all(live.map((r) => r.done));
    }
    this.transition('stopped');
    return this.exitCode ?? 0;
  }

  private onClientEvent(item: ExecutorClientEvent): void {
    switch (item.kind) {
      case 'connected':
        if (this.current !== 'draining') this.transition('subscribed', { agentId: item.agentInfo.id?.value });
        break;
      case 'disconnected':
        this.log.warn('disconnected from the agent', {
          reason: item.reason,
          detail: item.detail,
          willReconnect: item.willReconnect,
        });
        if (this.current !== 'draining') this.transition('reconnecting');
        break;
      case 'error':
        this.log.warn('executor connection error', {
          code: item.code,
          detail: item.message,
          fatal: item.fatal,
        });
        break;
      case 'event':
        this.onEvent(item.event);
        break;
      case 'closed':
        break;
    }
  }

  private onEvent(event: ExecutorEvent): void {
    switch (event.type) {
      case 'LAUNCH':
        if (event.launch) this.launch(event.launch.task);
        break;
      case 'LAUNCH_GROUP':
        for (const task of event.launch_group?.task_group.tasks ?? []) this.launch(task);
        break;
      case 'KILL': {
        const taskId = event.kill?.task_id.value ?? '';
        const runner = this.runners.get(taskId);
        if (!runner) {
          this.log.warn('KILL for an unknown task', { taskId });
          break;
        }
        const ns = event.kill?.kill_policy?.grace_period?.nanoseconds;
        this.log.info('kill requested', { taskId, gracePeriodNs: ns });
        runner.kill(ns === undefined ? undefined : graceMsOf(ns, 0));
        break;
      }
      case 'MESSAGE':
        if (event.message) this.onSchedulerMessage(event.message.data);
        break;
      case 'SHUTDOWN':
        this.shutdownAll('SHUTDOWN from the agent');
        break;
      default:
        break; // ACKNOWLEDGED is tracked by the client; HEARTBEAT needs nothing.
    }
  }

  private launch(task: TaskInfo): void {
    const taskId = task.task_id.value;
    if (this.runners.has(taskId)) {
      this.log.warn('task launched twice; the second launch is ignored', { taskId });
      return;
    }
    if (this.shutdownDeadline !== undefined || this.draining) {
      void this.sendStatus(taskId, { state: 'TASK_KILLED', message: 'the executor is shutting down' });
      return;
    }
    const runner = new TaskRunner({
      task,
      taskEnv: this.opts.taskEnv,
      settings: this.opts.settings,
      sendStatus: (id, change) => this.sendStatus(id, change),
      sendMessage: (data) => this.sendMessage(data),
      logger: this.opts.logger,
      ...(this.opts.progressMinIntervalMs !== undefined
        ? { progressMinIntervalMs: this.opts.progressMinIntervalMs }
        : {}),
    });
    this.runners.set(taskId, runner);
    this.log.info('task launched', { taskId, name: task.name });
    void runner.done.then((phase) => {
      if (phase === 'failed') this.exitCode ??= EXIT_TASK_FAILED;
      this.maybeDrain();
    });
    runner.start();
  }

  private onSchedulerMessage(data: Uint8Array): void {
    let m;
    try {
      m = decodeSchedulerMessage(data);
    } catch (e) {
      this.log.warn('scheduler message ignored', { error: (e as Error).message, bytes: data.byteLength });
      return;
    }
    if (m.type === 'workersEnded') {
      this.log.info('ended workers received', { jobId: m.jobId, taskIds: m.taskIds });
      for (const r of this.runners.values()) r.workersEnded(m);
      return;
    }
    this.log.info('cluster spec received', { version: m.spec.version });
    for (const r of this.runners.values()) r.updateCluster(m.spec);
  }

  private shutdownAll(why: string): void {
    if (this.shutdownDeadline !== undefined) return;
    const graceMs = this.opts.environment.shutdownGracePeriodMs;
    this.shutdownDeadline = Date.now() + graceMs;
    this.log.info('shutting down', { why, graceMs, tasks: this.runners.size });
    for (const r of this.runners.values()) r.kill(Math.max(0, graceMs - KILL_REPORT_MARGIN_MS));
    this.maybeDrain(true);
  }

  /** Once every task is terminal (or there never was one and we are shutting down), wait for acks and close. */
  private maybeDrain(shuttingDown = false): void {
    if (this.draining) return;
    const runners = [...this.runners.values()];
    const allDone = runners.every((r) => isTerminalPhase(r.phase));
    if (!allDone || (runners.length === 0 && !shuttingDown)) return;
    this.draining = this.drain();
  }

  private async drain(): Promise<void> {
    this.transition('draining');
    await this.updates;
    const left = this.shutdownDeadline === undefined ? Infinity : this.shutdownDeadline - Date.now();
    const waitMs = Math.max(0, Math.min(this.opts.ackWaitMs ?? ACK_WAIT_MS, left));
    try {
      await this.client.waitForAcknowledgements(waitMs);
    } catch (e) {
      this.log.error('updates not acknowledged before exit', { error: e });
      this.exitCode ??= exitCodeOf(e);
    }
    await this.client.close();
  }

  /** Updates go one at a time: calls on separate connections may overtake each other. */
  private sendStatus(taskId: string, change: StatusChange): Promise<void> {
    const status = {
      task_id: { value: taskId },
      state: change.state,
      ...(change.message !== undefined ? { message: change.message } : {}),
      ...(change.reason !== undefined ? { reason: change.reason } : {}),
      ...(change.healthy !== undefined ? { healthy: change.healthy } : {}),
      ...(change.data !== undefined ? { data: change.data } : {}),
    };
    this.updates = this.updates.then(async () => {
      try {
        const receipt = await this.client.update(status);
        this.log.debug('update sent', { taskId, state: change.state, delivery: receipt.delivery });
      } catch (e) {
        // Unless refused, the client keeps it and re-sends it on the next SUBSCRIBE.
        this.log.warn('update not sent', { taskId, state: change.state, error: (e as Error).message });
      }
    });
    return this.updates;
  }

  private sendMessage(data: Uint8Array): void {
    this.client.message(data).catch((e: unknown) => {
      this.log.debug('progress message not sent', { error: (e as Error).message });
    });
  }
}
