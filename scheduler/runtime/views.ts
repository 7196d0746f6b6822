// The API's views (scheduler/api/types.ts) of the core's state and the runtime's records (pure).
import { phaseOf, conditionOf, type CoreState, type Job, type TaskRecord } from '../core/index.js';
import type {
  ClusterSpecView,
  JobCondition,
  JobProgress,
  JobStatus,
  JobSummary,
  MetricsSnapshot,
  Role,
  TaskView,
} from '../api/types.js';
import { JobHistory, type RuntimeRecords } from './job-history.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const EMPTY_HISTORY = new JobHistory();

const tasksOf = (state: CoreState, jobId: string): TaskRecord[] =>
  Object.values(state.tasks).filter((t) => t.jobId === jobId);

const endpointOf = (t: TaskRecord): string | undefined =>
  t.ports.length > 0 ? `${t.hostname}:${t.ports[0]}` : undefined;

/** When the job reached its terminal condition, if it did. */
function finishedAtMs(job: Job): number | undefined {
  for (const type of ['Succeeded', 'Failed', 'Killed'] as const) {
    const c = conditionOf(job.conditions, type);
    if (c?.status) return c.lastTransitionMs;
  }
  return undefined;
}

/** The job's line in lists and in the event stream. */
export function jobSummary(state: CoreState, records: RuntimeRecords, job: Job): JobSummary {
  const h = records.peek(job.id) ?? EMPTY_HISTORY;
  const { phase, reason } = phaseOf(job.conditions);
  const w = job.spec.roles.worker;
  const running = tasksOf(state, job.id).filter(
    (t) => t.role === 'worker' && t.state === 'TASK_RUNNING' && t.killRequestedAtMs === undefined,
  ).length;
  const step = Math.max(h.step, job.progress?.step ?? 0);
  const finished = finishedAtMs(job);
  const latest = { ...(job.progress?.metrics ?? {}), ...h.latest };
  return {
    id: job.id,
    name: job.spec.name,
    state: phase,
    ...(reason ? { reason } : {}),
    createdAt: iso(job.submittedAtMs),
    ...(finished !== undefined ? { finishedAt: iso(finished) } : {}),
    workers: { min: w.min, max: w.max, desired: job.desiredWorkers, running },
    step,
    examplesSeen: latest.examplesSeen ?? 0,
    ...(latest.loss !== undefined ? { loss: latest.loss } : {}),
    ...(latest.valAccuracy !== undefined ? { valAccuracy: latest.valAccuracy } : {}),
    ...(latest.valAuc !== undefined ? { valAuc: latest.valAuc } : {}),
    restarts: h.totalRestarts(),
  };
}

/** One task of a job, with its slot's restarts and last failure. */
export function taskView(records: RuntimeRecords, t: TaskRecord): TaskView {
  const h = records.peek(t.jobId) ?? EMPTY_HISTORY;
  const failure = h.lastFailureOf(t.role, t.index);
  const started = h.startedAtMs(t.taskId);
  const endpoint = endpointOf(t);
  return {
    taskId: t.taskId,
    role: t.role,
    index: t.index,
    state: t.state,
    agentId: t.agentId,
    hostname: t.hostname,
    restarts: h.restartsOf(t.role, t.index),
    ...(failure
      ? {
          lastFailure: {
            state: failure.state,
            ...(failure.reason !== undefined ? { reason: failure.reason } : {}),
            ...(failure.message !== undefined ? { message: failure.message } : {}),
            at: iso(failure.atMs),
          },
        }
      : {}),
    ...(started !== undefined ? { startedAt: iso(started) } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

const ROLE_ORDER: Record<Role, number> = { ps: 0, evaluator: 1, worker: 2 };

/** The job's progress block. */
export function progressView(job: Job, h: JobHistory, nowMs: number): JobProgress {
  const latest = { ...(job.progress?.metrics ?? {}), ...h.latest };
  const staleness = h.staleness(nowMs);
  const training = job.spec.training;
  const totalExamples =
    latest.totalExamples ??
    ('synthetic' in job.spec.data && training.epochs !== undefined
      ? job.spec.data.synthetic.train * training.epochs
      : undefined);
  const totalSteps = latest.totalSteps ?? training.steps;
  const imagesPerSec = h.imagesPerSec(nowMs);
  return {
    step: Math.max(h.step, job.progress?.step ?? 0),
    examplesSeen: latest.examplesSeen ?? 0,
    epoch: Math.max(h.epoch, job.progress?.epoch ?? 0),
    ...(totalExamples !== undefined ? { totalExamples } : {}),
    ...(totalSteps !== undefined ? { totalSteps } : {}),
    ...(latest.loss !== undefined ? { loss: latest.loss } : {}),
    ...(imagesPerSec > 0 || latest.imagesPerSec !== undefined ? { imagesPerSec } : {}),
    ...(staleness ? { staleness } : {}),
    ...(latest.testAccuracy !== undefined ? { testAccuracy: latest.testAccuracy } : {}),
    ...(latest.testAuc !== undefined ? { testAuc: latest.testAuc } : {}),
    ...(h.modelPath ? { modelPath: h.modelPath } : {}),
  };
}

/** Everything the API shows of one job. */
export function jobStatus(state: CoreState, records: RuntimeRecords, job: Job, nowMs: number): JobStatus {
  const h = records.peek(job.id) ?? EMPTY_HISTORY;
  const conditions: JobCondition[] = job.conditions.map((c) => ({
    type: c.type,
    status: c.status,
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.message ? { message: c.message } : {}),
    at: iso(c.lastTransitionMs),
  }));
  const tasks = tasksOf(state, job.id)
    .sort(
      (a, b) =>
        ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.index - b.index || a.launchedAtMs - b.launchedAtMs,
    )
    .map((t) => taskView(records, t));
  return {
    ...jobSummary(state, records, job),
    // JobSpec holds no secret (the job's secret lives beside it, in Job.secret).
    spec: job.spec,
    conditions,
    progress: progressView(job, h, nowMs),
    history: {
      loss: h.series.loss.map((p) => [p[0], p[1]]),
      valAccuracy: h.series.valAccuracy.map((p) => [p[0], p[1]]),
      valAuc: h.series.valAuc.map((p) => [p[0], p[1]]),
      valLoss: h.series.valLoss.map((p) => [p[0], p[1]]),
    },
    tasks,
  };
}

/** Where the job's tasks serve: PS shards and coordinator as the tasks were last told, workers as placed. */
export function clusterSpecView(state: CoreState, job: Job): ClusterSpecView {
  const spec = job.clusterSpec;
  const workers = tasksOf(state, job.id)
    .filter((t) => t.role === 'worker' && t.killRequestedAtMs === undefined && !t.replaced)
    .sort((a, b) => a.index - b.index)
    .map(endpointOf)
    .filter((e): e is string => e !== undefined);
  return {
    jobId: job.id,
    ps: [...spec.ps],
    ...(spec.coordinator ? { coordinator: spec.coordinator } : {}),
    workers,
    ...(spec.evaluator ? { evaluator: spec.evaluator } : {}),
    version: spec.version,
  };
}

/** Counters and gauges for `/metrics`. */
export function metricsSnapshot(state: CoreState, records: RuntimeRecords, nowMs: number): MetricsSnapshot {
  const byRoleState = new Map<string, { role: Role; state: string; count: number }>();
  for (const t of Object.values(state.tasks)) {
    const key = `${t.role}/${t.state}`;
    const entry = byRoleState.get(key) ?? { role: t.role, state: t.state, count: 0 };
    entry.count++;
    byRoleState.set(key, entry);
  }
  const restartsTotal: MetricsSnapshot['restartsTotal'] = [];
  const jobs: MetricsSnapshot['jobs'] = [];
  for (const job of Object.values(state.jobs)) {
    const h = records.peek(job.id) ?? EMPTY_HISTORY;
    for (const [role, count] of h.restartsByRole()) restartsTotal.push({ jobId: job.id, role, count });
    const staleness = h.staleness(nowMs);
    const latest = { ...(job.progress?.metrics ?? {}), ...h.latest };
    jobs.push({
      jobId: job.id,
      state: phaseOf(job.conditions).phase,
      stepRate: h.stepRate(nowMs),
      imagesPerSec: h.imagesPerSec(nowMs),
      ...(latest.valAccuracy !== undefined ? { valAccuracy: latest.valAccuracy } : {}),
      ...(staleness ? { stalenessMean: staleness.mean, stalenessMax: staleness.max } : {}),
      step: Math.max(h.step, job.progress?.step ?? 0),
    });
  }
  return {
    tasksByRoleAndState: [...byRoleState.values()],
    restartsTotal,
    offersAcceptedTotal: records.offersAccepted,
    offersDeclinedTotal: records.offersDeclined,
    jobs,
  };
}
