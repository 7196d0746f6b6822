// Operator and executor inputs about jobs: submit, scale, kill, progress.
import { emptyClusterSpec } from '../cluster-spec.js';
import { isTerminal } from '../conditions.js';
import type { Draft } from '../draft.js';
import type { Input } from '../inputs.js';
import type { Job, Slot } from '../state.js';
import { setJobCondition } from '../task-life.js';

/** Creates the job with its PS and evaluator slots; worker slots follow desiredWorkers in the sync. */
export function onSubmitJob(d: Draft, input: Extract<Input, { type: 'submitJob' }>): void {
  const id = input.jobId ?? input.spec.id ?? d.opts.ids.jobId();
  if (d.jobs[id]) {
    d.event(id, { kind: 'rejected', reason: 'AlreadyExists', message: `job ${id} already exists` });
    return;
  }
  const { ps, evaluator, worker } = input.spec.roles;
  const slots: Slot[] = [];
  for (let i = 0; i < ps.count; i++) slots.push({ role: 'ps', index: i, restartTimesMs: [] });
  for (let i = 0; i < evaluator.count; i++) slots.push({ role: 'evaluator', index: i, restartTimesMs: [] });
  const job: Job = {
    id,
    spec: { ...input.spec, id },
    secret: d.opts.ids.jobSecret(),
    submittedAtMs: d.nowMs,
    conditions: [],
    desiredWorkers: worker.desired,
    retiredWorkers: 0,
    slots,
    agentFailures: {},
    clusterSpec: emptyClusterSpec(id),
    everRunning: false,
  };
  d.setJob(job);
  d.event(id, { kind: 'submitted', desiredWorkers: worker.desired });
  setJobCondition(d, job, 'Created', true, 'JobCreated', `job ${id} created`);
}

/** Sets the desired worker count, clamped to [min, max]; the sync launches or gracefully kills workers. */
export function onScaleJob(d: Draft, jobId: string, requested: number): void {
  const job = activeJob(d, jobId);
  if (!job) return;
  const { min, max } = job.spec.roles.worker;
  const desiredWorkers = Math.max(min, Math.min(max, Math.round(requested)));
  if (desiredWorkers !== job.desiredWorkers) d.setJob({ ...job, desiredWorkers });
  d.event(jobId, { kind: 'scaled', desiredWorkers, requested });
}

/** Marks the job Killed; the sync kills its tasks. Killing a finished job changes nothing. */
export function onKillJob(d: Draft, jobId: string, message: string | undefined): void {
  const job = d.jobs[jobId];
  if (!job) {
    d.event(jobId, { kind: 'rejected', reason: 'UnknownJob', message: `no job ${jobId}` });
    return;
  }
  setJobCondition(d, job, 'Killed', true, 'KilledByOperator', message ?? 'killed by the operator');
}

/**
 * Records progress (not persisted by itself: it is refreshed every few seconds); `finished` makes the
 * job Succeeded and `failed` makes it Failed, after which the sync stops every remaining task.
 */
export function onProgress(d: Draft, p: Extract<Input, { type: 'progress' }>): void {
  const job = d.jobs[p.jobId];
  if (!job || isTerminal(job.conditions)) return;
  const progress = {
    step: p.step,
    ...(p.epoch !== undefined ? { epoch: p.epoch } : {}),
    metrics: p.metrics ?? {},
    updatedAtMs: d.nowMs,
  };
  const next = { ...job, progress };
  d.setJob(next, { persist: false });
  d.event(job.id, { kind: 'progress', progress });
  if (p.failed) setJobCondition(d, next, 'Failed', true, 'TrainingFailed', p.message ?? 'training failed');
  else if (p.finished)
    setJobCondition(
      d,
      next,
      'Succeeded',
      true,
      'TrainingCompleted',
      p.message ?? `training completed at step ${p.step}`,
    );
}

function activeJob(d: Draft, jobId: string): Job | undefined {
  const job = d.jobs[jobId];
  if (!job) d.event(jobId, { kind: 'rejected', reason: 'UnknownJob', message: `no job ${jobId}` });
  else if (isTerminal(job.conditions))
    d.event(jobId, { kind: 'rejected', reason: 'JobFinished', message: `job ${jobId} has ended` });
  else return job;
  return undefined;
}
