// A custom executor: the ExecutorInfo's command runs as a child process that must SUBSCRIBE to the agent's
// executor API within the registration timeout. Tasks wait in a queue until it has subscribed; when the
// process ends, tasks it did not finish are reported by the agent (SOURCE_AGENT) and the scheduler gets a
// FAILURE with the raw wait status.
import type http from 'node:http';
import path from 'node:path';
import type { WireFormat } from '../../protos/wire/codec.js';
import type {
  ExecutorCall,
  ExecutorEvent,
  ExecutorInfo,
  KillPolicy,
  TaskInfo,
  TaskStatus,
  TaskStatusReason,
} from '../../protos/mesos/v1/types.js';
import { formatMesosDuration } from '../../protos/wire/duration.js';
import { EventStream } from '../http/event-stream.js';
import { hasCapability } from '../capabilities.js';
import { isTerminal } from '../task-states.js';
import { commandLine } from './command-line.js';
import type { ContainerProcess } from './containerizer.js';
import { executorEnvironment } from './environment.js';
import { durationMs, runStatus, type ExecutorHost, type ExecutorRun, type RunTask } from './executor-run.js';
import { fetchUris } from './fetcher.js';

type Phase = 'launching' | 'registering' | 'subscribed' | 'terminating' | 'terminated';

/** Recovery settings a checkpointing executor is told about (agent flags' defaults). */
const RECOVERY_TIMEOUT_MS = 15 * 60_000;
const SUBSCRIPTION_BACKOFF_MAX_MS = 2_000;

export class CustomExecutorRun implements ExecutorRun {
  readonly kind = 'custom' as const;
  readonly tasks = new Map<string, RunTask>();
  private readonly groups = new Map<string, TaskInfo[]>();
  private phase: Phase = 'launching';
  private process?: ContainerProcess;
  private spawning?: Promise<ContainerProcess>;
  private stream?: EventStream<ExecutorEvent>;
  private registrationTimer?: NodeJS.Timeout;
  private shutdownTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private terminationReason?: { reason: TaskStatusReason; message: string };
  private destroyed = false;

  constructor(
    private readonly host: ExecutorHost,
    readonly frameworkId: string,
    readonly info: ExecutorInfo,
    readonly containerId: string,
    readonly directory: string,
  ) {}

  get executorId(): string {
    return this.info.executor_id.value;
  }
  get closing(): boolean {
    return this.phase === 'terminating' || this.phase === 'terminated';
  }
  /** Whether the executor has a live subscription (it may still send updates while shutting down). */
  get subscribed(): boolean {
    return this.stream !== undefined && !this.stream.closed;
  }

  private get shutdownGraceMs(): number {
    return durationMs(this.info.shutdown_grace_period, this.host.timings.executorShutdownGracePeriodMs);
  }

  /** Fetches URIs and starts the executor process; failures end the run with REASON_CONTAINER_LAUNCH_FAILED. */
  async start(): Promise<void> {
    const fw = this.host.frameworkInfo(this.frameworkId);
    const cmd = this.info.command!;
    const line = commandLine(cmd);
    try {
      if ('problem' in line) throw new Error(line.problem);
      await fetchUris(cmd, this.directory);
      if (this.closing) return this.finish(undefined);
      this.spawning = this.host.containerizer.spawn({
        ...line,
        cwd: this.directory,
        stdoutPath: path.join(this.directory, 'stdout'),
        stderrPath: path.join(this.directory, 'stderr'),
        env: executorEnvironment({
          base: process.env,
          pathPrepend: this.host.pathPrepend,
          frameworkId: this.frameworkId,
          executorId: this.executorId,
          agentId: this.host.agentId,
          agentHost: this.host.host,
          agentPort: this.host.port,
          directory: this.directory,
          checkpoint: Boolean(fw.checkpoint),
          shutdownGraceMs: this.shutdownGraceMs,
          recoveryTimeoutMs: RECOVERY_TIMEOUT_MS,
          subscriptionBackoffMaxMs: SUBSCRIPTION_BACKOFF_MAX_MS,
          command: cmd,
        }),
      });
      this.process = await this.spawning;
    } catch (e) {
      this.terminationReason = {
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        message: `Failed to launch container: ${(e as Error).message}`,
      };
      return this.finish(undefined);
    }
    if (this.phase === 'launching') this.phase = 'registering';
    this.host.log.info('executor started', {
      executorId: this.executorId,
      pid: this.process.pid,
      directory: this.directory,
    });
    this.registrationTimer = setTimeout(() => {
      if (this.phase !== 'registering') return;
      this.terminationReason = {
        reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
        message: `Executor did not register within ${formatMesosDuration(this.host.timings.executorRegistrationTimeoutMs)}`,
      };
      this.process?.signal('SIGKILL');
    }, this.host.timings.executorRegistrationTimeoutMs);
    if (this.phase === 'terminating') this.process.signal('SIGKILL'); // shut down while starting
    const exit = await this.process.exited;
    this.finish(exit.waitStatus);
  }

  launch(tasks: TaskInfo[], group: boolean): void {
    for (const t of tasks)
      this.tasks.set(t.task_id.value, { info: t, state: 'TASK_STAGING', delivered: false });
    if (group) this.groups.set(tasks[0]!.task_id.value, tasks);
    if (this.phase === 'subscribed') this.deliver(tasks, group);
  }

  private deliver(tasks: TaskInfo[], group: boolean): void {
    for (const t of tasks) this.tasks.get(t.task_id.value)!.delivered = true;
    if (group) this.stream!.send({ type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks } } });
    else for (const task of tasks) this.stream!.send({ type: 'LAUNCH', launch: { task } });
  }

  kill(taskId: string, killPolicy?: KillPolicy): void {
    const task = this.tasks.get(taskId);
    if (!task || isTerminal(task.state)) return;
    if (!task.delivered) {
      this.agentUpdate(
        task,
        'TASK_KILLED',
        'REASON_TASK_KILLED_DURING_LAUNCH',
        'Task killed before it was delivered to the executor',
      );
      if (![...this.tasks.values()].some((t) => !isTerminal(t.state))) this.shutdown();
      return;
    }
    this.stream?.send({
      type: 'KILL',
      kill: { task_id: { value: taskId }, ...(killPolicy ? { kill_policy: killPolicy } : {}) },
    });
  }

  shutdown(): void {
    if (this.closing) return;
    const wasSubscribed = this.subscribed;
    this.phase = 'terminating';
    if (!this.process) return; // start() sees the phase and stops
    if (wasSubscribed) {
      this.stream?.send({ type: 'SHUTDOWN' });
      this.shutdownTimer = setTimeout(() => this.process?.signal('SIGKILL'), this.shutdownGraceMs);
    } else void this.process.stop(this.shutdownGraceMs); // no stream to ask on: SIGTERM, then SIGKILL
  }

  message(data: Uint8Array): void {
    this.stream?.send({ type: 'MESSAGE', message: { data } });
  }

  signalTask(taskId: string, signal: NodeJS.Signals): boolean {
    if (!this.tasks.has(taskId) || !this.process || this.process.hasExited) return false;
    this.process.signal(signal);
    return true;
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    this.phase = 'terminating';
    this.clearTimers();
    this.stream?.destroy();
    const proc = this.process ?? (await this.spawning?.catch(() => undefined));
    proc?.signal('SIGKILL');
    await proc?.exited;
  }

  /** SUBSCRIBE from the executor (first or again): SUBSCRIBED, then every task it has not received. */
  subscribe(sub: NonNullable<ExecutorCall['subscribe']>, format: WireFormat, res: http.ServerResponse): void {
    const previous = this.stream;
    const stream: EventStream<ExecutorEvent> = new EventStream<ExecutorEvent>(
      res,
      'mesos.v1.executor.Event',
      format,
      {},
      () => this.onStreamClosed(stream),
    );
    this.stream = stream;
    previous?.end();
    clearTimeout(this.registrationTimer);
    const fw = this.host.frameworkInfo(this.frameworkId);
    stream.send({
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: this.info,
        framework_info: fw,
        agent_info: this.host.agentInfo,
        container_id: { value: this.containerId },
      },
    });
    if (this.closing) {
      stream.send({ type: 'SHUTDOWN' });
      return;
    }
    this.phase = 'subscribed';
    // Re-sent updates are handled like fresh UPDATE calls, ACKNOWLEDGED included (slave.cpp does the same):
    // the executor cannot know which of them the agent had already stored.
    for (const u of sub.unacknowledged_updates ?? []) this.update(u.status);
    for (const t of sub.unacknowledged_tasks ?? []) {
      const known = this.tasks.get(t.task_id.value);
      if (known) known.delivered = true;
    }
    const inGroups = new Set([...this.groups.values()].flat().map((t) => t.task_id.value));
    for (const tasks of this.groups.values()) {
      const pending = tasks.filter((t) => !this.tasks.get(t.task_id.value)!.delivered);
      if (pending.length === tasks.length) this.deliver(tasks, true);
    }
    for (const t of this.tasks.values())
      if (!t.delivered && !inGroups.has(t.info.task_id.value)) this.deliver([t.info], false);
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(
      () => this.stream?.send({ type: 'HEARTBEAT' }),
      this.host.timings.executorHeartbeatIntervalMs,
    );
    this.host.log.info('executor subscribed', { executorId: this.executorId, frameworkId: this.frameworkId });
  }

  /** An UPDATE call that passed validation: the agent has it, so the executor gets ACKNOWLEDGED. */
  update(status: TaskStatus): void {
    this.acceptUpdate(status);
    this.stream?.send({
      type: 'ACKNOWLEDGED',
      acknowledged: { task_id: status.task_id, uuid: status.uuid! },
    });
  }

  private acceptUpdate(status: TaskStatus): void {
    const task = this.tasks.get(status.task_id.value);
    if (task && !isTerminal(task.state)) task.state = status.state;
    const full: TaskStatus = {
      ...status,
      agent_id: { value: this.host.agentId },
      executor_id: { value: this.executorId },
    };
    this.host.statusUpdate(this.frameworkId, full);
  }

  private onStreamClosed(stream: EventStream<ExecutorEvent>): void {
    if (this.stream !== stream || this.destroyed) return;
    this.stream = undefined;
    clearInterval(this.heartbeat);
    if (this.phase !== 'subscribed') return;
    // A non-checkpointing framework's executor will not re-subscribe: it must exit, and the agent destroys it
    // if it has not within the shutdown grace period. Not at once: an executor that finished cleanly closes
    // its connection as it exits, and killing it then would report a clean exit as death by SIGKILL.
    if (!this.host.frameworkInfo(this.frameworkId).checkpoint) {
      this.host.log.warn('executor disconnected; shutting it down (framework does not checkpoint)', {
        executorId: this.executorId,
      });
      this.phase = 'terminating';
      this.shutdownTimer = setTimeout(() => this.process?.signal('SIGKILL'), this.shutdownGraceMs);
    } else this.phase = 'registering';
  }

  private agentUpdate(
    task: RunTask,
    state: TaskStatus['state'],
    reason: TaskStatusReason,
    message: string,
  ): void {
    task.state = state;
    this.host.statusUpdate(
      this.frameworkId,
      runStatus({
        run: this,
        agentId: this.host.agentId,
        taskId: task.info.task_id.value,
        state,
        source: 'SOURCE_AGENT',
        reason,
        message,
      }),
    );
  }

  private clearTimers(): void {
    clearTimeout(this.registrationTimer);
    clearTimeout(this.shutdownTimer);
    clearInterval(this.heartbeat);
  }

  /** The container ended: unfinished tasks get agent-generated terminal updates, then the host is told. */
  private finish(waitStatus: number | undefined): void {
    if (this.phase === 'terminated') return;
    this.phase = 'terminated';
    this.clearTimers();
    this.stream?.end();
    this.stream = undefined;
    if (this.destroyed) return;
    const why = this.terminationReason ?? {
      reason: 'REASON_EXECUTOR_TERMINATED' as const,
      message: 'Executor terminated',
    };
    const pa = hasCapability(this.host.frameworkInfo(this.frameworkId), 'PARTITION_AWARE');
    for (const task of this.tasks.values()) {
      if (isTerminal(task.state)) continue;
      const state =
        task.delivered || why.reason !== 'REASON_EXECUTOR_TERMINATED'
          ? 'TASK_FAILED'
          : pa
            ? 'TASK_DROPPED'
            : 'TASK_LOST';
      this.agentUpdate(task, state, why.reason, why.message);
    }
    this.host.log.info('executor terminated', { executorId: this.executorId, waitStatus });
    this.host.runTerminated(this, waitStatus);
  }
}
