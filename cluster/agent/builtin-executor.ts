// The agent playing Mesos' built-in executors. `command`: a command task (TaskInfo.command, no executor) is
// one process in the executor's sandbox; `default`: the tasks of LAUNCH_GROUPs with a DEFAULT executor, each
// a process in `tasks/<taskId>` of the executor's sandbox, where a task that fails or is killed takes its
// group down with it. Both report TASK_STARTING, TASK_RUNNING, then FINISHED / FAILED / KILLED.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type {
  ExecutorInfo,
  KillPolicy,
  TaskInfo,
  TaskState,
  TaskStatusReason,
} from '../../protos/mesos/v1/types.js';
import { hasCapability } from '../capabilities.js';
import { isTerminal } from '../task-states.js';
import { commandLine } from './command-line.js';
import { describeExit, type ContainerProcess } from './containerizer.js';
import { taskEnvironment } from './environment.js';
import { durationMs, runStatus, type ExecutorHost, type ExecutorRun, type RunTask } from './executor-run.js';
import { fetchUris } from './fetcher.js';

interface TaskProcess {
  task: RunTask;
  group?: string;
  proc?: ContainerProcess;
  killRequested: boolean;
  killGraceMs?: number;
}

export class BuiltinExecutorRun implements ExecutorRun {
  readonly tasks = new Map<string, RunTask>();
  private readonly procs = new Map<string, TaskProcess>();
  private readonly groupMembers = new Map<string, string[]>();
  private shuttingDown = false;
  private finished = false;
  private destroyed = false;
  private lastWaitStatus?: number;

  constructor(
    private readonly host: ExecutorHost,
    readonly kind: 'command' | 'default',
    readonly frameworkId: string,
    readonly info: ExecutorInfo,
    readonly containerId: string,
    readonly directory: string,
  ) {}

  get executorId(): string {
    return this.info.executor_id.value;
  }
  get closing(): boolean {
    return this.shuttingDown || this.finished;
  }

  launch(tasks: TaskInfo[], group: boolean): void {
    const groupKey = group ? tasks[0]!.task_id.value : undefined;
    if (groupKey)
      this.groupMembers.set(
        groupKey,
        tasks.map((t) => t.task_id.value),
      );
    for (const info of tasks) {
      const task: RunTask = { info, state: 'TASK_STAGING', delivered: true };
      this.tasks.set(info.task_id.value, task);
      this.procs.set(info.task_id.value, { task, group: groupKey, killRequested: false });
    }
    for (const info of tasks) void this.runTask(this.procs.get(info.task_id.value)!);
  }

  private sandboxOf(taskId: string): string {
    return this.kind === 'command' ? this.directory : path.join(this.directory, 'tasks', taskId);
  }

  private update(
    tp: TaskProcess,
    state: TaskState,
    message?: string,
    opts: { reason?: TaskStatusReason; agent?: boolean } = {},
  ): void {
    if (this.destroyed || isTerminal(tp.task.state)) return;
    tp.task.state = state;
    this.host.statusUpdate(
      this.frameworkId,
      runStatus({
        run: this,
        agentId: this.host.agentId,
        taskId: tp.task.info.task_id.value,
        state,
        source: opts.agent ? 'SOURCE_AGENT' : 'SOURCE_EXECUTOR',
        message,
        reason: opts.reason,
        executorPid: tp.proc?.pid,
      }),
    );
  }

  private async runTask(tp: TaskProcess): Promise<void> {
    const info = tp.task.info;
    const taskId = info.task_id.value;
    const dir = this.sandboxOf(taskId);
    const command = info.command!;
    const line = commandLine(command);
    const launchFailed = (message: string) =>
      this.update(tp, 'TASK_FAILED', message, { reason: 'REASON_CONTAINER_LAUNCH_FAILED', agent: true });
    try {
      await mkdir(dir, { recursive: true });
      this.update(tp, 'TASK_STARTING');
      if ('problem' in line) throw new Error(line.problem);
      await fetchUris(command, dir);
    } catch (e) {
      launchFailed(`Failed to launch container: ${(e as Error).message}`);
      return this.afterTask();
    }
    if (tp.killRequested) {
      this.update(tp, 'TASK_KILLED', 'Task killed before it started', {
        reason: 'REASON_TASK_KILLED_DURING_LAUNCH',
      });
      return this.afterTask();
    }
    try {
      tp.proc = await this.host.containerizer.spawn({
        ...line,
        cwd: dir,
        stdoutPath: path.join(dir, 'stdout'),
        stderrPath: path.join(dir, 'stderr'),
        env: taskEnvironment({
          base: process.env,
          pathPrepend: this.host.pathPrepend,
          frameworkId: this.frameworkId,
          executorId: this.executorId,
          agentId: this.host.agentId,
          taskId,
          hostname: this.host.agentInfo.hostname,
          directory: dir,
          resources: info.resources ?? [],
          portMappings: [
            ...(info.container?.docker?.port_mappings ?? []),
            ...(info.container?.network_infos ?? []).flatMap((n) => n.port_mappings ?? []),
          ],
          command,
        }),
      });
    } catch (e) {
      this.update(tp, 'TASK_FAILED', `Failed to launch task: ${(e as Error).message}`, {
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
      });
      return this.afterTask();
    }
    if (this.destroyed) tp.proc.signal('SIGKILL');
    else if (tp.killRequested) void tp.proc.stop(tp.killGraceMs ?? this.host.timings.killGracePeriodMs);
    else this.update(tp, 'TASK_RUNNING');
    const exit = await tp.proc.exited;
    this.lastWaitStatus = exit.waitStatus;
    const state: TaskState = tp.killRequested
      ? 'TASK_KILLED'
      : exit.code === 0 && !exit.signal
        ? 'TASK_FINISHED'
        : 'TASK_FAILED';
    this.update(tp, state, `Command ${describeExit(exit)}`);
    if (this.kind === 'default' && tp.group && (state === 'TASK_FAILED' || state === 'TASK_KILLED'))
      for (const other of this.groupMembers.get(tp.group) ?? [])
        if (other !== taskId) this.killOne(other, undefined);
    this.afterTask();
  }

  private afterTask(): void {
    if (this.finished || [...this.tasks.values()].some((t) => !isTerminal(t.state))) return;
    this.finished = true;
    if (!this.destroyed) this.host.runTerminated(this, this.lastWaitStatus);
  }

  private killOne(taskId: string, graceMs: number | undefined): void {
    const tp = this.procs.get(taskId);
    if (!tp || tp.killRequested || isTerminal(tp.task.state)) return;
    tp.killRequested = true;
    tp.killGraceMs =
      graceMs ?? durationMs(tp.task.info.kill_policy?.grace_period, this.host.timings.killGracePeriodMs);
    if (
      tp.task.state === 'TASK_RUNNING' &&
      hasCapability(this.host.frameworkInfo(this.frameworkId), 'TASK_KILLING_STATE')
    )
      this.update(tp, 'TASK_KILLING');
    if (tp.proc) void tp.proc.stop(tp.killGraceMs);
  }

  kill(taskId: string, killPolicy?: KillPolicy): void {
    const grace = killPolicy?.grace_period ? durationMs(killPolicy.grace_period, 0) : undefined;
    const group = this.procs.get(taskId)?.group;
    // The default executor kills a whole task group when one of its tasks is killed.
    const targets = this.kind === 'default' && group ? (this.groupMembers.get(group) ?? [taskId]) : [taskId];
    for (const id of targets) this.killOne(id, grace);
  }

  shutdown(): void {
    if (this.closing) return;
    this.shuttingDown = true;
    const grace = durationMs(
      this.info.shutdown_grace_period,
      this.host.timings.executorShutdownGracePeriodMs,
    );
    for (const id of this.tasks.keys()) this.killOne(id, grace);
  }

  message(): void {
    // The built-in executors have no use for framework messages (Mesos' command executor drops them too).
  }

  signalTask(taskId: string, signal: NodeJS.Signals): boolean {
    const proc = this.procs.get(taskId)?.proc;
    if (!proc || proc.hasExited) return false;
    proc.signal(signal);
    return true;
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    const procs = [...this.procs.values()]
      .map((tp) => tp.proc)
      .filter((p): p is ContainerProcess => p !== undefined);
    for (const p of procs) p.signal('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
  }
}
