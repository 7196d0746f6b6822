// The level-triggered part of every step (kubeflow's ReconcileJobs): for each job, compare desired
// with observed and emit what is missing — worker slots for the desired count, kills for workers
// scaled in and for every task of an ended job, conditions, the PS deadline, cluster-spec messages,
// and the message telling ps-0 which workers ended in this step.
import { currentClusterSpec } from './cluster-spec.js';
import { isTerminal } from './conditions.js';
import type { Draft } from './draft.js';
import type { Job, Slot, TaskRecord } from './state.js';
import { requestKill, setJobCondition } from './task-life.js';

/** Runs the sync for every job; `tasksByJob` is computed once per step. */
export function syncJobs(d: Draft): void {
  const tasksByJob = new Map<string, TaskRecord[]>();
  for (const t of Object.values(d.tasks)) {
    const list = tasksByJob.get(t.jobId) ?? [];
    list.push(t);
    tasksByJob.set(t.jobId, list);
  }
  for (const id of Object.keys(d.jobs)) syncJob(d, id, tasksByJob.get(id) ?? []);
}

function syncJob(d: Draft, jobId: string, tasks: readonly TaskRecord[]): void {
  let job = d.jobs[jobId]!;
  if (!isTerminal(job.conditions)) {
    job = syncWorkerSlots(d, job);
    job = syncConditions(d, job);
  }
  if (isTerminal(job.conditions)) {
    // Training is over (or abandoned): every remaining task — PS and evaluator included — stops and
    // gives its resources back. Parameter servers that never exit are a known plague of PS training.
    for (const t of tasks)
      if (d.tasks[t.taskId] && t.killRequestedAtMs === undefined) requestKill(d, d.tasks[t.taskId]!);
    return;
  }
  syncClusterSpec(d, job);
  tellEndedWorkers(d, job);
}

function syncWorkerSlots(d: Draft, job: Job): Job {
  const { min, max } = job.spec.roles.worker;
  const reachableMax = max - job.retiredWorkers;
  if (reachableMax < min)
    return setJobCondition(
      d,
      job,
      'Failed',
      true,
      'RestartLimitReached',
      `only ${reachableMax} worker slots left, fewer than min ${min}`,
    );
  // Slots given up on count against the desired number (a worker under policy `never` is not
  // replaced by a fresh slot), but the job keeps at least `min` while that many slots remain possible.
  const target = Math.max(min, Math.min(job.desiredWorkers - job.retiredWorkers, reachableMax));
  const workers = job.slots.filter((s) => s.role === 'worker');
  if (workers.length === target) return job;
  let slots: Slot[] = [...job.slots];
  if (workers.length > target) {
    // Scale in: drop slots still waiting for a task first, then the newest workers (least progress lost).
    const launchedAt = (s: Slot) => (s.taskId ? (d.tasks[s.taskId]?.launchedAtMs ?? Infinity) : Infinity);
    const victims = [...workers]
      .sort((a, b) => launchedAt(b) - launchedAt(a) || b.index - a.index)
      .slice(0, workers.length - target);
    for (const v of victims) {
      const task = v.taskId ? d.tasks[v.taskId] : undefined;
      if (task && task.killRequestedAtMs === undefined) requestKill(d, task);
    }
    slots = slots.filter((s) => !victims.includes(s));
  } else {
    const used = new Set(workers.map((s) => s.index));
    let next = 0;
    for (let n = workers.length; n < target; n++) {
      while (used.has(next)) next++;
      used.add(next);
      slots.push({ role: 'worker', index: next, restartTimesMs: [] });
    }
  }
  const next = { ...job, slots };
  d.setJob(next);
  return next;
}

function syncConditions(d: Draft, job: Job): Job {
  const taskOf = (s: Slot) => (s.taskId ? d.tasks[s.taskId] : undefined);
  const running = (s: Slot) => taskOf(s)?.state === 'TASK_RUNNING';
  const workers = job.slots.filter((s) => s.role === 'worker');
  // With an evaluator the job ends on its `finished` report (final test evaluation and model export),
  // not when the last worker completes: killing it then would lose the test metrics and the model.
  const hasEvaluator = job.slots.some((s) => s.role === 'evaluator');
  if (!hasEvaluator && workers.length > 0 && workers.every((s) => s.completed))
    return setJobCondition(
      d,
      job,
      'Succeeded',
      true,
      'AllWorkersCompleted',
      `all ${workers.length} workers finished`,
    );
  const ps = job.slots.filter((s) => s.role === 'ps');
  const allPsRunning = ps.every(running);
  const runningWorkers = workers.filter(running).length;
  const needWorkers = Math.min(job.spec.roles.worker.min, workers.length);
  if (allPsRunning && runningWorkers >= needWorkers && runningWorkers > 0) {
    job = setJobCondition(
      d,
      job,
      'Running',
      true,
      'JobRunning',
      `${ps.length} PS shards and ${runningWorkers} workers running`,
    );
    if (!job.everRunning || job.psDownSinceMs !== undefined) {
      const { psDownSinceMs: _, ...rest } = job;
      job = { ...rest, everRunning: true };
      d.setJob(job);
    }
    return job;
  }
  if (!job.everRunning) return job;
  // Every worker is done and the evaluator is running its final test evaluation: still Running.
  if (workers.length > 0 && workers.every((s) => s.completed) && allPsRunning)
    return setJobCondition(
      d,
      job,
      'Running',
      true,
      'FinalEvaluation',
      'training done; evaluating the test split',
    );
  const waiting = job.slots.filter((s) => !s.completed && !running(s)).map((s) => `${s.role}-${s.index}`);
  job = setJobCondition(d, job, 'Restarting', true, 'TasksRestarting', `waiting for ${waiting.join(', ')}`);
  if (allPsRunning) {
    if (job.psDownSinceMs !== undefined) {
      const { psDownSinceMs: _, ...rest } = job;
      job = rest;
      d.setJob(job);
    }
    return job;
  }
  if (job.psDownSinceMs === undefined) {
    job = { ...job, psDownSinceMs: d.nowMs };
    d.setJob(job);
  }
  const timeoutMs = job.spec.psUnavailableTimeoutSeconds * 1000;
  if (d.nowMs - job.psDownSinceMs! >= timeoutMs)
    return setJobCondition(
      d,
      job,
      'Failed',
      true,
      'ParameterServerUnavailable',
      `a PS shard has not been running for ${job.spec.psUnavailableTimeoutSeconds} s`,
    );
  return job;
}

// Tasks whose executor runs (STARTING/RUNNING) and that hold an older spec are told the new one;
// tasks still staging get it when they start. This is how workers learn that a PS moved.
function syncClusterSpec(d: Draft, job: Job): void {
  const spec = currentClusterSpec(job, d.tasks);
  if (!spec) return;
  if (spec !== job.clusterSpec) {
    job = { ...job, clusterSpec: spec };
    d.setJob(job);
    d.event(job.id, { kind: 'clusterSpec', version: spec.version });
  }
  const targets: TaskRecord[] = [];
  for (const s of job.slots) {
    const t = s.taskId ? d.tasks[s.taskId] : undefined;
    if (
      t &&
      t.clusterSpecVersion < spec.version &&
      (t.state === 'TASK_RUNNING' || t.state === 'TASK_STARTING')
    )
      targets.push(t);
  }
  if (targets.length === 0 || !d.meta.subscribed) return;
  for (const t of targets) d.setTask({ ...t, clusterSpecVersion: spec.version }, { persist: false });
  d.call({
    type: 'sendClusterSpec',
    jobId: job.id,
    spec,
    targets: targets.map((t) => ({ taskId: t.taskId, agentId: t.agentId, executorId: t.executorId })),
  });
}

// Workers that ended (or were given up on) in this step: ps-0's coordinator releases their data leases at
// once, so the rest of the job does not wait out the lease timeout for them. Only a running ps-0 can act
// on it; a ps-0 that is (re)starting restores its lease book from a checkpoint without any live lease.
function tellEndedWorkers(d: Draft, job: Job): void {
  const taskIds = d.endedWorkers.get(job.id);
  if (!taskIds || taskIds.length === 0 || !d.meta.subscribed) return;
  const psSlot = job.slots.find((s) => s.role === 'ps' && s.index === 0);
  const ps = psSlot?.taskId ? d.tasks[psSlot.taskId] : undefined;
  if (!ps || ps.state !== 'TASK_RUNNING' || ps.replaced || ps.killRequestedAtMs !== undefined) return;
  d.call({
    type: 'sendWorkersEnded',
    jobId: job.id,
    taskIds: [...taskIds],
    target: { taskId: ps.taskId, agentId: ps.agentId, executorId: ps.executorId },
  });
  d.notice('info', 'Telling ps-0 which workers ended', { jobId: job.id, taskIds: [...taskIds] });
}
