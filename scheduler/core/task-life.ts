// What happens to slots when their tasks end, vanish or must be stopped: restart by policy with
// backoff, agent failure accounting, giving up, and kills.
import { setCondition, isTerminal } from './conditions.js';
import type { Draft } from './draft.js';
import { decideRestart, recordAgentFailure } from './restart-policy.js';
import type { Job, Slot, TaskRecord } from './state.js';
import type { EndCause } from './task-states.js';

/** The job with slot `i` replaced (or removed when `slot` is undefined). */
export function withSlot(job: Job, i: number, slot: Slot | undefined): Job {
  const slots = slot ? job.slots.map((s, k) => (k === i ? slot : s)) : job.slots.filter((_, k) => k !== i);
  return { ...job, slots };
}

/** Sets a job condition in the draft (a no-op when nothing changes), emitting a condition event. */
export function setJobCondition(
  d: Draft,
  job: Job,
  type: Parameters<typeof setCondition>[1],
  status: boolean,
  reason: string,
  message: string,
): Job {
  const conditions = setCondition(job.conditions, type, status, reason, message, d.nowMs);
  if (conditions === job.conditions) return job;
  const next = { ...job, conditions };
  d.setJob(next);
  const c = conditions.find((x) => x.type === type);
  if (c) d.event(job.id, { kind: 'condition', condition: c });
  return next;
}

/** Asks Mesos to kill `task` (gracefully, with its grace period) and remembers that we did. */
export function requestKill(d: Draft, task: TaskRecord): void {
  d.setTask({ ...task, killRequestedAtMs: d.nowMs });
  d.call({ type: 'kill', taskId: task.taskId, agentId: task.agentId, gracePeriodMs: task.killGracePeriodMs });
}

/**
 * Sends the KILL of a task being killed again (its retry timer, or a re-subscription: calls may have
 * been lost), and the SHUTDOWN of its executor too once the kill has been escalated (Mesos ignores a
 * SHUTDOWN for an executor already terminating, and the master drops one for an agent it cannot reach,
 * so it is re-sent like the KILL).
 */
export function resendKill(d: Draft, task: TaskRecord): void {
  d.call({ type: 'kill', taskId: task.taskId, agentId: task.agentId, gracePeriodMs: task.killGracePeriodMs });
  if (task.executorShutdownAtMs !== undefined)
    d.call({ type: 'shutdown', taskId: task.taskId, executorId: task.executorId, agentId: task.agentId });
}

/**
 * Frees the slot `task` fills (if any) after the task ended or vanished with `cause`, and decides by
 * the role's policy: restart after backoff, complete, or give up. Penalised causes that blame the
 * agent count toward avoiding it.
 */
export function vacateSlot(
  d: Draft,
  task: TaskRecord,
  cause: EndCause,
  penalised: boolean,
  blamesAgent: boolean,
): void {
  let job = d.jobs[task.jobId];
  if (!job || isTerminal(job.conditions)) return;
  const i = job.slots.findIndex((s) => s.taskId === task.taskId);
  if (i < 0) return;
  const slot = job.slots[i]!;
  const policy = job.spec.roles[slot.role].restart;
  if (penalised && blamesAgent) {
    const prev = job.agentFailures[task.agentId];
    const next = recordAgentFailure(policy, prev, d.nowMs);
    job = { ...job, agentFailures: { ...job.agentFailures, [task.agentId]: next } };
    if (next.avoidUntilMs !== undefined && next.avoidUntilMs !== prev?.avoidUntilMs)
      d.event(job.id, { kind: 'agentAvoided', agentId: task.agentId, untilMs: next.avoidUntilMs });
  }
  const decision = decideRestart(policy, slot, cause, d.nowMs);
  const free: Slot = { role: slot.role, index: slot.index, restartTimesMs: slot.restartTimesMs };
  switch (decision.action) {
    case 'restart':
      d.setJob(
        withSlot(job, i, { ...free, restartTimesMs: decision.restartTimesMs, backoffUntilMs: decision.atMs }),
      );
      d.event(job.id, {
        kind: 'restartScheduled',
        role: slot.role,
        index: slot.index,
        atMs: decision.atMs,
        restartsInWindow: decision.restartTimesMs.length,
      });
      return;
    case 'complete':
      d.setJob(withSlot(job, i, { ...free, completed: true }));
      return;
    case 'give-up':
      d.event(job.id, { kind: 'slotGivenUp', role: slot.role, index: slot.index, reason: decision.reason });
      if (slot.role === 'worker' && decision.reason !== 'TaskInvalid') {
        // A worker slot is expendable: the job continues with fewer workers while it keeps `min`.
        d.setJob({ ...withSlot(job, i, undefined), retiredWorkers: job.retiredWorkers + 1 });
        return;
      }
      job = withSlot(job, i, free);
      d.setJob(job);
      setJobCondition(
        d,
        job,
        'Failed',
        true,
        decision.reason,
        `${slot.role}-${slot.index}: ${describeGiveUp(decision.reason, task)}`,
      );
      return;
  }
}

function describeGiveUp(reason: string, task: TaskRecord): string {
  const last = `last state ${task.state}${task.reason ? ` (${task.reason})` : ''}${task.message ? `: ${task.message}` : ''}`;
  switch (reason) {
    case 'TaskInvalid':
      return `Mesos refused the task; ${last}`;
    case 'RestartPolicyNever':
      return `task ended and the restart policy is 'never'; ${last}`;
    default:
      return `restart limit reached; ${last}`;
  }
}
