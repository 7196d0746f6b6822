// One reduce step's working copy of the state: records are replaced (never mutated), changes are
// tracked for the `persist` command, and commands are collected in three lanes so the final order is
// always persist → Mesos calls → acknowledgements → events and notices.
import type { Command, JobEvent } from './commands.js';
import type { CoreOptions } from './options.js';
import type { CoreState, Job, Reconciliation, TaskRecord } from './state.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

export class Draft {
  readonly jobs: Record<string, Job>;
  readonly tasks: Record<string, TaskRecord>;
  readonly meta: Writable<Omit<CoreState, 'jobs' | 'tasks' | 'gpuAgents'>>;
  gpuAgents: Readonly<Record<string, true>>;
  private readonly calls: Command[] = [];
  private readonly acks: Command[] = [];
  private readonly events: Command[] = [];
  private readonly changedJobs = new Set<string>();
  private readonly changedTasks = new Set<string>();
  private frameworkIdChanged = false;
  /** Worker tasks that ended or were replaced in this step, by job (job-sync tells ps-0). */
  readonly endedWorkers = new Map<string, string[]>();

  constructor(
    base: CoreState,
    readonly nowMs: number,
    readonly opts: CoreOptions,
  ) {
    const { jobs, tasks, gpuAgents, ...meta } = base;
    this.jobs = { ...jobs };
    this.tasks = { ...tasks };
    this.gpuAgents = gpuAgents;
    this.meta = { ...meta };
  }

  setFrameworkId(id: string): void {
    if (this.meta.frameworkId === id) return;
    this.meta.frameworkId = id;
    this.frameworkIdChanged = true;
  }

  setJob(job: Job, opts: { persist?: boolean } = {}): void {
    this.jobs[job.id] = job;
    if (opts.persist ?? true) this.changedJobs.add(job.id);
  }

  setTask(task: TaskRecord, opts: { persist?: boolean } = {}): void {
    this.tasks[task.taskId] = task;
    if (opts.persist ?? true) this.changedTasks.add(task.taskId);
  }

  removeTask(taskId: string): void {
    if (!(taskId in this.tasks)) return;
    delete this.tasks[taskId];
    this.changedTasks.add(taskId);
  }

  /** Notes that a worker task of `jobId` ended or was given up on (its leases can be released). */
  workerEnded(jobId: string, taskId: string): void {
    const list = this.endedWorkers.get(jobId) ?? [];
    if (!list.includes(taskId)) list.push(taskId);
    this.endedWorkers.set(jobId, list);
  }

  set reconciliation(r: Reconciliation | undefined) {
    if (r) this.meta.reconciliation = r;
    else delete this.meta.reconciliation;
  }
  get reconciliation(): Reconciliation | undefined {
    return this.meta.reconciliation;
  }

  /** A Mesos call; dropped while unsubscribed (kills and reconciliation are re-sent after subscribing). */
  call(cmd: Command): void {
    if (this.meta.subscribed) this.calls.push(cmd);
  }

  acknowledge(agentId: string, taskId: string, uuid: string): void {
    if (this.meta.subscribed) this.acks.push({ type: 'acknowledge', agentId, taskId, uuid });
  }

  event(jobId: string, event: JobEvent): void {
    this.events.push({ type: 'jobEvent', jobId, atMs: this.nowMs, event });
  }

  notice(level: 'info' | 'warn', message: string, meta: Record<string, unknown>): void {
    this.events.push({ type: 'notice', level, message, meta });
  }

  /** The next state and the ordered commands. */
  finish(): { state: CoreState; commands: Command[] } {
    const commands: Command[] = [];
    if (this.frameworkIdChanged || this.changedJobs.size > 0 || this.changedTasks.size > 0)
      commands.push({
        type: 'persist',
        frameworkId: this.frameworkIdChanged,
        jobIds: [...this.changedJobs],
        taskIds: [...this.changedTasks],
      });
    commands.push(...this.calls, ...this.acks, ...this.events);
    const state: CoreState = { ...this.meta, jobs: this.jobs, tasks: this.tasks, gpuAgents: this.gpuAgents };
    return { state, commands };
  }
}
