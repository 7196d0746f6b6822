// The SchedulerFacade the HTTP API serves: requests become core inputs fed through the current term's
// driver (so they queue behind Mesos events, and are kept while disconnected), views are built from the
// committed state, and every committed step is turned into the API's events.
import { NodalError } from '../../config/errors.js';
import { executorIdFor, parseJobSpec, type Command, type CoreState, type JobEvent } from '../core/index.js';
import type {
  ClusterSpecView,
  HealthView,
  JobStatus,
  JobSummary,
  MetricsSnapshot,
  SchedulerEvent,
  SchedulerFacade,
  TaskSandbox,
  TaskView,
} from '../api/types.js';
import type { CoreDriver, StepResult } from './core-driver.js';
import type { RuntimeRecords } from './job-history.js';
import { clusterSpecView, jobStatus, jobSummary, metricsSnapshot, progressView, taskView } from './views.js';

/** What the facade needs from the scheduler that owns it. */
export interface FacadeHost {
  /** The driver of the current term of leadership; throws NodalError UNAVAILABLE when there is none. */
  activeDriver(): CoreDriver;
  health(): HealthView;
  now(): number;
  /** A fresh job id for specs that name none. */
  newJobId(): string;
  /** Starts finding the sandbox of `executorId` on the agent at `agentUrl` (asynchronously). */
  locateSandbox(agentUrl: string, executorId: string): void;
}

export class RuntimeFacade implements SchedulerFacade {
  private readonly listeners = new Set<(event: SchedulerEvent) => void>();

  constructor(private readonly host: FacadeHost) {}

  async submitJob(raw: unknown): Promise<JobStatus> {
    const spec = parseJobSpec(raw);
    const driver = this.host.activeDriver();
    const jobId = spec.id ?? this.host.newJobId();
    const result = await driver.feed({ type: 'submitJob', spec, jobId });
    throwIfRejected(result, jobId);
    return this.statusFrom(driver, result.state, jobId);
  }

  listJobs(): JobSummary[] {
    const driver = this.host.activeDriver();
    const state = driver.state;
    return Object.values(state.jobs)
      .sort((a, b) => a.submittedAtMs - b.submittedAtMs || (a.id < b.id ? -1 : 1))
      .map((j) => jobSummary(state, driver.records, j));
  }

  getJob(jobId: string): JobStatus {
    const driver = this.host.activeDriver();
    return this.statusFrom(driver, driver.state, jobId);
  }

  async scaleJob(jobId: string, workers: number): Promise<JobStatus> {
    const driver = this.host.activeDriver();
    this.requireJob(driver.state, jobId);
    const result = await driver.feed({ type: 'scaleJob', jobId, desiredWorkers: workers });
    throwIfRejected(result, jobId);
    return this.statusFrom(driver, result.state, jobId);
  }

  async killJob(jobId: string): Promise<JobStatus> {
    const driver = this.host.activeDriver();
    this.requireJob(driver.state, jobId);
    const result = await driver.feed({ type: 'killJob', jobId, message: 'killed through the API' });
    throwIfRejected(result, jobId);
    return this.statusFrom(driver, result.state, jobId);
  }

  clusterSpec(jobId: string): ClusterSpecView {
    const driver = this.host.activeDriver();
    return clusterSpecView(driver.state, this.requireJob(driver.state, jobId));
  }

  taskSandbox(jobId: string, taskId: string): TaskSandbox {
    const driver = this.host.activeDriver();
    this.requireJob(driver.state, jobId);
    const placed = driver.state.tasks[taskId] ?? driver.records.launched.get(taskId);
    if (!placed || placed.jobId !== jobId)
      throw new NodalError('NOT_FOUND', `job ${jobId} has no task ${taskId}`);
    const agentUrl = driver.records.agentUrls.get(placed.agentId);
    if (!agentUrl)
      throw new NodalError('UNAVAILABLE', `the address of agent ${placed.agentId} is not known (yet)`);
    const executorId = executorIdFor(taskId);
    const directory = driver.records.sandboxes.get(executorId);
    if (!directory) {
      this.host.locateSandbox(agentUrl, executorId);
      throw new NodalError('UNAVAILABLE', `the sandbox of ${taskId} is being looked up; try again shortly`);
    }
    return { agentUrl, directory };
  }

  health(): HealthView {
    return this.host.health();
  }

  metrics(): MetricsSnapshot {
    const driver = this.host.activeDriver();
    return metricsSnapshot(driver.state, driver.records, this.host.now());
  }

  subscribe(listener: (event: SchedulerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Turns one committed step's job events into API events (at most one job and one progress event per job). */
  publish(commands: readonly Command[], state: CoreState, records: RuntimeRecords): void {
    if (this.listeners.size === 0) return;
    const events = apiEvents(commands, state, records, this.host.now());
    for (const event of events)
      for (const listener of [...this.listeners]) {
        try {
          listener(event);
        } catch {
          // A broken listener (a closed SSE client) must not stop the others or the scheduler.
        }
      }
  }

  private requireJob(state: CoreState, jobId: string) {
    const job = state.jobs[jobId];
    if (!job) throw new NodalError('NOT_FOUND', `no job ${jobId}`);
    return job;
  }

  private statusFrom(driver: CoreDriver, state: CoreState, jobId: string): JobStatus {
    return jobStatus(state, driver.records, this.requireJob(state, jobId), this.host.now());
  }
}

/** A `rejected` job event of this step about `jobId` becomes the API's error. */
function throwIfRejected(result: StepResult, jobId: string): void {
  for (const c of result.commands) {
    if (c.type !== 'jobEvent' || c.jobId !== jobId || c.event.kind !== 'rejected') continue;
    const code = c.event.reason === 'UnknownJob' ? 'NOT_FOUND' : 'CONFLICT';
    throw new NodalError(code, c.event.message, { reason: c.event.reason });
  }
}

const JOB_KINDS: ReadonlySet<JobEvent['kind']> = new Set([
  'submitted',
  'condition',
  'scaled',
  'restartScheduled',
  'slotGivenUp',
]);

/** The API events of one step, built from the state it produced. */
export function apiEvents(
  commands: readonly Command[],
  state: CoreState,
  records: RuntimeRecords,
  nowMs: number,
): SchedulerEvent[] {
  const out: SchedulerEvent[] = [];
  const jobChanged = new Set<string>();
  const progressed = new Set<string>();
  const tasks = new Map<string, { jobId: string; view: TaskView }>();
  for (const c of commands) {
    if (c.type !== 'jobEvent' || !state.jobs[c.jobId]) continue;
    const e = c.event;
    if (JOB_KINDS.has(e.kind)) jobChanged.add(c.jobId);
    else if (e.kind === 'progress') progressed.add(c.jobId);
    else if (e.kind === 'taskLaunched' || e.kind === 'taskState') {
      const record = state.tasks[e.taskId];
      const view: TaskView = record
        ? taskView(records, record)
        : {
            taskId: e.taskId,
            role: e.role,
            index: e.index,
            state: e.kind === 'taskState' ? e.state : 'TASK_STAGING',
            restarts: records.peek(c.jobId)?.restartsOf(e.role, e.index) ?? 0,
          };
      tasks.set(e.taskId, { jobId: c.jobId, view });
      // The running-worker count of the job's summary may have changed.
      jobChanged.add(c.jobId);
    }
  }
  for (const jobId of jobChanged)
    out.push({ kind: 'job', job: jobSummary(state, records, state.jobs[jobId]!) });
  for (const { jobId, view } of tasks.values()) out.push({ kind: 'task', jobId, task: view });
  for (const jobId of progressed)
    out.push({
      kind: 'progress',
      jobId,
      progress: progressView(state.jobs[jobId]!, records.job(jobId), nowMs),
    });
  return out;
}
