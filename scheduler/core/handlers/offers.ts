// OFFERS: every offer is used at once or declined; the core never holds one (held offers count
// against our role and block other frameworks). Launch intent is persisted before the ACCEPT.
import { clusterSpecJson, currentClusterSpec, type ClusterSpec } from '../cluster-spec.js';
import type { TaskLaunch } from '../commands.js';
import { isTerminal } from '../conditions.js';
import type { Site } from '../constraints.js';
import type { Draft } from '../draft.js';
import { executorIdFor, taskIdFor } from '../ids.js';
import type { Job, Slot, TaskRecord } from '../state.js';
import type { JobSpec, Role } from '../job-spec.js';
import type { DomainOffer } from '../offer.js';
import { placeTasks, type Assignment, type PlacementRequest } from '../placement.js';
import { avoidedAgents } from '../restart-policy.js';
import { holdingLaunches } from './reconcile.js';

const ROLE_ORDER: readonly Role[] = ['ps', 'evaluator', 'worker'];

/** True when the slot wants a task now. */
export const wantsLaunch = (slot: Slot, nowMs: number): boolean =>
  slot.taskId === undefined && !slot.completed && (slot.backoffUntilMs ?? 0) <= nowMs;

/** Jobs in submission order, the active ones only. */
export const activeJobs = (jobs: Readonly<Record<string, Job>>): Job[] =>
  Object.values(jobs)
    .filter((j) => !isTerminal(j.conditions))
    .sort((a, b) => a.submittedAtMs - b.submittedAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

export function onOffers(d: Draft, offers: readonly DomainOffer[]): void {
  const newGpuAgents = offers.filter((o) => o.resources.gpus > 0 && !d.gpuAgents[o.agentId]);
  if (newGpuAgents.length > 0) {
    const gpuAgents: Record<string, true> = { ...d.gpuAgents };
    for (const o of newGpuAgents) gpuAgents[o.agentId] = true;
    d.gpuAgents = gpuAgents;
  }
  const gpuAgents = d.gpuAgents;
  if (offers.length === 0) return;
  if (holdingLaunches(d)) {
    decline(
      d,
      offers.map((o) => o.id),
      d.opts.refuseSecondsWhileReconciling,
    );
    return;
  }
  const requests = placementRequests(d);
  if (requests.length === 0) {
    decline(
      d,
      offers.map((o) => o.id),
      d.opts.refuseSecondsWhenIdle,
    );
    return;
  }
  const result = placeTasks(offers, requests, { gpuAgents });
  const byOffer = new Map<string, Array<{ record: TaskRecord; executor: Assignment['executor'] }>>();
  const filled = new Map<string, Map<string, string>>(); // job → "<role>-<index>" → task id
  for (const a of result.assignments) {
    const record = recordFor(d, a);
    const list = byOffer.get(a.offer.id) ?? [];
    list.push({ record, executor: a.executor });
    byOffer.set(a.offer.id, list);
    const slots = filled.get(record.jobId) ?? new Map<string, string>();
    slots.set(`${record.role}-${record.index}`, record.taskId);
    filled.set(record.jobId, slots);
  }
  // One new slots array per job, not one per task.
  for (const [jobId, taskIds] of filled) {
    const job = d.jobs[jobId]!;
    const slots = job.slots.map((s) => {
      const taskId = taskIds.get(`${s.role}-${s.index}`);
      if (taskId === undefined) return s;
      const { backoffUntilMs: _, ...rest } = s;
      return { ...rest, taskId };
    });
    d.setJob({ ...job, slots });
  }
  // Addresses of PS shards placed just now belong in the spec the new tasks start with.
  const specs = new Map<string, ClusterSpec | undefined>();
  for (const records of byOffer.values())
    for (const { record: r } of records)
      if (!specs.has(r.jobId)) specs.set(r.jobId, refreshClusterSpec(d, r.jobId));
  const envCache = new Map<string, JobEnv>();
  for (const o of offers) {
    const records = byOffer.get(o.id);
    if (!records) continue;
    const launches = records.map(({ record, executor }) => {
      let env = envCache.get(record.jobId);
      if (!env) envCache.set(record.jobId, (env = jobEnv(d.jobs[record.jobId]!, specs.get(record.jobId))));
      return launchFor(d, record, executor, specs.get(record.jobId), env);
    });
    d.call({ type: 'launch', offerIds: [o.id], agentId: o.agentId, tasks: launches });
    for (const l of launches)
      d.event(l.jobId, {
        kind: 'taskLaunched',
        taskId: l.taskId,
        role: l.role,
        index: l.index,
        agentId: l.agentId,
        hostname: l.hostname,
      });
  }
  decline(
    d,
    result.unusedOfferIds,
    result.unplaced > 0 ? d.opts.refuseSecondsWhilePending : d.opts.refuseSecondsWhenIdle,
  );
}

function decline(d: Draft, offerIds: readonly string[], refuseSeconds: number): void {
  if (offerIds.length > 0) d.call({ type: 'decline', offerIds, refuseSeconds });
}

// One request per (job, role) with free slots. Workers and the evaluator wait for every PS shard to
// have a task (placed earlier or in this very call): their cluster spec must be complete, and
// launching them first could take the room a restarting PS needs.
function placementRequests(d: Draft): PlacementRequest[] {
  const sitesByKey = new Map<string, Array<Site & { agentId: string }>>();
  for (const t of Object.values(d.tasks)) {
    if (t.killRequestedAtMs !== undefined || t.replaced) continue;
    const key = `${t.jobId}/${t.role}`;
    const list = sitesByKey.get(key) ?? [];
    list.push({ agentId: t.agentId, hostname: t.hostname, attributes: t.attributes });
    sitesByKey.set(key, list);
  }
  const out: PlacementRequest[] = [];
  for (const job of activeJobs(d.jobs)) {
    const psKey = `${job.id}/ps`;
    const psFilled = job.slots.every((s) => s.role !== 'ps' || s.taskId !== undefined);
    const psPlaceable = job.slots.some((s) => s.role === 'ps' && wantsLaunch(s, d.nowMs));
    const avoid = avoidedAgents(job.agentFailures, d.nowMs);
    for (const role of ROLE_ORDER) {
      const indices = job.slots.filter((s) => s.role === role && wantsLaunch(s, d.nowMs)).map((s) => s.index);
      if (indices.length === 0) continue;
      if (role !== 'ps' && !psFilled && !psPlaceable) continue; // a PS is in backoff: wait for it
      const rs = job.spec.roles[role];
      const key = `${job.id}/${role}`;
      out.push({
        key,
        indices: indices.sort((a, b) => a - b),
        task: { cpus: rs.cpus, mem: rs.mem, disk: rs.disk, gpus: rs.gpus, ports: rs.ports },
        executor: { cpus: d.opts.executorCpus, mem: d.opts.executorMemMb },
        constraints: rs.constraints,
        ...(job.spec.mesosRole !== undefined ? { allocationRole: job.spec.mesosRole } : {}),
        avoidAgents: avoid,
        spread: role === 'ps',
        placed: sitesByKey.get(key) ?? [],
        ...(role !== 'ps' && !psFilled ? { after: psKey } : {}),
      });
    }
  }
  return out;
}

// The task record (the launch intent) and the slot pointing at it.
function recordFor(d: Draft, a: Assignment): TaskRecord {
  const [jobId, role] = a.key.split('/') as [string, Role];
  const job = d.jobs[jobId]!;
  const taskId = taskIdFor(jobId, role, a.index, d.opts.ids.taskSuffix());
  const rs = job.spec.roles[role];
  const record: TaskRecord = {
    taskId,
    executorId: executorIdFor(taskId),
    jobId,
    role,
    index: a.index,
    agentId: a.offer.agentId,
    hostname: a.offer.hostname,
    attributes: a.offer.attributes,
    allocationRole: a.offer.allocationRole,
    ports: a.ports,
    resources: a.task,
    state: 'TASK_STAGING',
    launchedAtMs: d.nowMs,
    awaitingFirstUpdate: true,
    expectationDeadlineMs: d.nowMs + d.opts.launchTimeoutMs,
    killGracePeriodMs: Math.round(rs.killGracePeriodSeconds * 1000),
    clusterSpecVersion: 0,
  };
  d.setTask(record);
  return record;
}

function refreshClusterSpec(d: Draft, jobId: string): ClusterSpec | undefined {
  const job = d.jobs[jobId]!;
  const spec = currentClusterSpec(job, d.tasks);
  if (spec && spec !== job.clusterSpec) {
    d.setJob({ ...job, clusterSpec: spec });
    d.event(jobId, { kind: 'clusterSpec', version: spec.version });
  }
  return spec;
}

function launchFor(
  d: Draft,
  r: TaskRecord,
  executorResources: Assignment['executor'],
  spec: ClusterSpec | undefined,
  env: JobEnv,
): TaskLaunch {
  const job = d.jobs[r.jobId]!;
  const rs = job.spec.roles[r.role];
  if (spec) d.setTask({ ...r, clusterSpecVersion: spec.version });
  const hc = rs.healthCheck;
  const timing = {
    delaySeconds: hc.delaySeconds,
    intervalSeconds: hc.intervalSeconds,
    timeoutSeconds: hc.timeoutSeconds,
    consecutiveFailures: hc.consecutiveFailures,
    gracePeriodSeconds: hc.gracePeriodSeconds,
  };
  const healthCheck =
    hc.type === 'tcp' && r.ports.length > 0
      ? { type: 'TCP' as const, port: r.ports[0]!, timing }
      : hc.type === 'command' && hc.command
        ? { type: 'COMMAND' as const, command: hc.command, timing }
        : undefined;
  return {
    taskId: r.taskId,
    executorId: r.executorId,
    name: `${r.jobId}/${r.role}-${r.index}`,
    jobId: r.jobId,
    role: r.role,
    index: r.index,
    agentId: r.agentId,
    hostname: r.hostname,
    allocationRole: r.allocationRole,
    resources: r.resources,
    executorResources,
    ports: r.ports,
    ...(rs.image !== undefined ? { image: rs.image } : {}),
    gpu: rs.gpus > 0,
    env: taskEnv(env, r),
    labels: { 'nodal.job': r.jobId, 'nodal.role': r.role, 'nodal.index': String(r.index) },
    killGracePeriodMs: r.killGracePeriodMs,
    ...(healthCheck ? { healthCheck } : {}),
  };
}

/** The parts of the environment shared by every task of a job (computed once per step). */
export interface JobEnv {
  readonly jobId: string;
  readonly secret: string;
  readonly psCount: string;
  readonly clusterSpec: string;
  readonly training: string;
}

export function jobEnv(job: Job, spec: ClusterSpec | undefined): JobEnv {
  const s: JobSpec = job.spec;
  return {
    jobId: job.id,
    secret: job.secret,
    psCount: String(s.roles.ps.count),
    clusterSpec: clusterSpecJson(spec ?? job.clusterSpec),
    training: JSON.stringify({
      training: s.training,
      data: s.data,
      checkpoint: s.checkpoint,
      workers: { min: s.roles.worker.min, max: s.roles.worker.max, desired: job.desiredWorkers },
      // ps-0 reports the end of training itself (and exports the model) only when there is no evaluator.
      evaluators: s.roles.evaluator.count,
    }),
  };
}

/** The NODAL_* environment of a task. Contains the job secret: never log it. */
export function taskEnv(e: JobEnv, r: TaskRecord): Record<string, string> {
  return {
    NODAL_JOB_ID: e.jobId,
    NODAL_TASK_ID: r.taskId,
    NODAL_ROLE: r.role,
    NODAL_INDEX: String(r.index),
    NODAL_PORT: r.ports.length > 0 ? String(r.ports[0]) : '',
    NODAL_PORTS: r.ports.join(','),
    NODAL_PS_COUNT: e.psCount,
    NODAL_CLUSTER_SPEC: e.clusterSpec,
    NODAL_JOB_SECRET: e.secret,
    NODAL_TRAINING: e.training,
  };
}
