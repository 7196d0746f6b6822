// An in-memory SchedulerFacade for the HTTP layer's tests: it records calls and emits events, so each
// route can be checked for status codes, bodies and auth without a Mesos cluster.
import { NodalError } from '../../../config/errors.js';
import type {
  JobStatus,
  SchedulerEvent,
  SchedulerFacade,
  TaskSandbox,
} from '../../../scheduler/api/types.js';

export function jobStatus(id: string, over: Partial<JobStatus> = {}): JobStatus {
  return {
    id,
    name: id,
    state: 'running',
    createdAt: '2026-11-29T00:00:00.000Z',
    workers: { min: 1, max: 4, desired: 2, running: 2 },
    step: 10,
    examplesSeen: 320,
    loss: 0.5,
    valAccuracy: 0.8,
    valAuc: 0.85,
    restarts: 1,
    spec: { name: id },
    conditions: [],
    progress: { step: 10, examplesSeen: 320, epoch: 0, imagesPerSec: 50, staleness: { mean: 0.5, max: 2 } },
    history: {
      loss: [
        [1, 0.7],
        [10, 0.5],
      ],
      valAccuracy: [[10, 0.8]],
      valAuc: [[10, 0.85]],
      valLoss: [],
    },
    tasks: [
      {
        taskId: `${id}.ps-0.a`,
        role: 'ps',
        index: 0,
        state: 'TASK_RUNNING',
        agentId: 'S0',
        hostname: 'h',
        restarts: 0,
      },
    ],
    ...over,
  };
}

export class FakeFacade implements SchedulerFacade {
  readonly jobs = new Map<string, JobStatus>();
  readonly calls: string[] = [];
  healthy = true;
  sandbox?: TaskSandbox;
  private listeners = new Set<(e: SchedulerEvent) => void>();

  emit(e: SchedulerEvent): void {
    for (const l of this.listeners) l(e);
  }
  private job(id: string): JobStatus {
    const j = this.jobs.get(id);
    if (!j) throw new NodalError('NOT_FOUND', `no job '${id}'`);
    return j;
  }
  async submitJob(spec: unknown): Promise<JobStatus> {
    this.calls.push('submit');
    const name = (spec as { name?: unknown }).name;
    if (typeof name !== 'string')
      throw new NodalError('VALIDATION', 'name: required string', { errors: ['name: required string'] });
    if (this.jobs.has(name)) throw new NodalError('CONFLICT', `job '${name}' exists`);
    const j = jobStatus(name, { state: 'pending' });
    this.jobs.set(name, j);
    this.emit({ kind: 'job', job: j });
    return j;
  }
  listJobs() {
    return [...this.jobs.values()];
  }
  getJob(id: string) {
    return this.job(id);
  }
  async scaleJob(id: string, workers: number) {
    const j = this.job(id);
    if (workers < j.workers.min || workers > j.workers.max)
      throw new NodalError('VALIDATION', `workers must be within [${j.workers.min}, ${j.workers.max}]`);
    j.workers.desired = workers;
    this.calls.push(`scale ${id} ${workers}`);
    return j;
  }
  async killJob(id: string) {
    const j = this.job(id);
    j.state = 'killed';
    this.calls.push(`kill ${id}`);
    return j;
  }
  clusterSpec(id: string) {
    this.job(id);
    return { jobId: id, ps: ['127.0.0.1:31000'], coordinator: '127.0.0.1:31000', workers: [], version: 1 };
  }
  taskSandbox(id: string, taskId: string) {
    this.job(id);
    if (!this.sandbox) throw new NodalError('NOT_FOUND', `no sandbox for ${taskId}`);
    return this.sandbox;
  }
  health() {
    return { subscribed: this.healthy, storeReachable: true, leader: true, frameworkId: 'fw-1' };
  }
  metrics() {
    return {
      tasksByRoleAndState: [{ role: 'worker' as const, state: 'TASK_RUNNING', count: 2 }],
      restartsTotal: [{ jobId: 'j1', role: 'worker' as const, count: 3 }],
      offersAcceptedTotal: 5,
      offersDeclinedTotal: 7,
      jobs: [
        {
          jobId: 'j1',
          state: 'running' as const,
          stepRate: 1.5,
          imagesPerSec: 48,
          valAccuracy: 0.9,
          stalenessMean: 0.4,
          stalenessMax: 2,
          step: 10,
        },
      ],
    };
  }
  subscribe(l: (e: SchedulerEvent) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
