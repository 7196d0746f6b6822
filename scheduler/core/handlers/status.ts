// Status updates, agent removal and executor failures.
import { isTerminal } from '../conditions.js';
import type { Draft } from '../draft.js';
import type { Input } from '../inputs.js';
import { noteReconcileAnswer } from './reconcile.js';
import { requestKill, vacateSlot, withSlot } from '../task-life.js';
import { STATE_TABLE, classifyUpdate } from '../task-states.js';
import type { TaskRecord } from '../state.js';

type StatusInput = Extract<Input, { type: 'taskStatus' }>;

/**
 * Applies one UPDATE. The acknowledgement (only when the update carries a uuid) is queued in the
 * acknowledgement lane, which the runtime sends after the step's persist: never acknowledge an update
 * before its effect is durable, or a failover in between loses it.
 */
export function onTaskStatus(d: Draft, u: StatusInput): void {
  const task = d.tasks[u.taskId];
  noteReconcileAnswer(d, u.taskId);
  if (!task) onUnknownTask(d, u);
  else applyToKnownTask(d, task, u);
  const agentId = u.agentId ?? task?.agentId;
  if (u.uuid !== undefined && agentId !== undefined) d.acknowledge(agentId, u.taskId, u.uuid);
}

function onUnknownTask(d: Draft, u: StatusInput): void {
  // A task the master knows and we do not (implicit reconciliation, a stale launch from before a crash,
  // a late update of a task we already forgot): if it may be running, kill it.
  if (STATE_TABLE[u.state].class !== 'active') return;
  d.call({ type: 'kill', taskId: u.taskId, ...(u.agentId ? { agentId: u.agentId } : {}), gracePeriodMs: 0 });
  d.notice('warn', 'Killing a task this scheduler does not know', {
    taskId: u.taskId,
    state: u.state,
    agentId: u.agentId,
  });
}

function applyToKnownTask(d: Draft, task: TaskRecord, u: StatusInput): void {
  const changed =
    task.state !== u.state ||
    task.reason !== u.reason ||
    task.healthy !== u.healthy ||
    task.awaitingFirstUpdate;
  const next: TaskRecord = {
    ...task,
    state: u.state,
    ...(u.reason !== undefined ? { reason: u.reason } : {}),
    ...(u.message !== undefined ? { message: u.message } : {}),
    ...(u.healthy !== undefined ? { healthy: u.healthy } : {}),
    lastUpdateMs: d.nowMs,
    awaitingFirstUpdate: false,
  };
  if (!changed) return; // a redelivered update: acknowledge again, change nothing
  d.setTask(next);
  d.event(task.jobId, {
    kind: 'taskState',
    taskId: task.taskId,
    role: task.role,
    index: task.index,
    state: u.state,
    ...(u.reason !== undefined ? { reason: u.reason } : {}),
    ...(u.message !== undefined ? { message: u.message } : {}),
    ...(u.healthy !== undefined ? { healthy: u.healthy } : {}),
  });
  const disp = classifyUpdate(u.state, u.reason, task.killRequestedAtMs !== undefined);
  if (disp.kind === 'active') {
    if (task.replaced && task.killRequestedAtMs === undefined) onReturned(d, next);
    return;
  }
  if (disp.kind === 'unreachable') {
    replaceTask(d, next, true, disp.blamesAgent);
    return;
  }
  d.removeTask(task.taskId);
  if (task.replaced) return; // ps-0 was told when it was replaced
  if (task.role === 'worker') d.workerEnded(task.jobId, task.taskId);
  vacateSlot(d, next, disp.cause, disp.penalised, disp.blamesAgent);
}

/**
 * Gives the slot of a task that may still be running (unreachable, agent removed, launch silent)
 * to a new task. The old record stays, marked `replaced`, so that if it shows up again it is killed
 * (or re-adopted if its slot is still empty).
 */
export function replaceTask(d: Draft, task: TaskRecord, penalised: boolean, blamesAgent: boolean): void {
  if (task.replaced || task.killRequestedAtMs !== undefined) return;
  d.setTask({ ...task, replaced: true });
  // It may still run, but its slot goes to another task: its data leases should not wait for expiry
  // (should it come back, its pushes of a released lease apply nothing and it leases afresh).
  if (task.role === 'worker') d.workerEnded(task.jobId, task.taskId);
  vacateSlot(d, task, 'lost', penalised, blamesAgent);
}

// A replaced task reported running again (REASON_AGENT_REREGISTERED): take it back if its slot is
// still waiting for a replacement, else it is a duplicate and is killed.
function onReturned(d: Draft, task: TaskRecord): void {
  const job = d.jobs[task.jobId];
  const i = job ? job.slots.findIndex((s) => s.role === task.role && s.index === task.index) : -1;
  const slot = job && i >= 0 ? job.slots[i] : undefined;
  if (job && slot && !isTerminal(job.conditions) && slot.taskId === undefined && !slot.completed) {
    const { backoffUntilMs: _, ...rest } = slot;
    d.setJob(withSlot(job, i, { ...rest, taskId: task.taskId }));
    const { replaced: __, ...adopted } = task;
    d.setTask(adopted);
    d.notice('info', 'Re-adopted a task that came back', { taskId: task.taskId });
    return;
  }
  requestKill(d, d.tasks[task.taskId]!);
  d.notice('info', 'Killing a duplicate of a replaced task', { taskId: task.taskId });
}

/** FAILURE without executor: every task on the agent is replaced, and reconciled to learn its fate. */
export function onAgentLost(d: Draft, agentId: string): void {
  const onAgent = Object.values(d.tasks).filter((t) => t.agentId === agentId);
  for (const t of onAgent) replaceTask(d, t, true, true);
  if (onAgent.length > 0)
    d.call({ type: 'reconcile', tasks: onAgent.map((t) => ({ taskId: t.taskId, agentId })) });
  d.notice('warn', 'Agent lost', { agentId, tasks: onAgent.length });
}

/** FAILURE of an executor: the agent reports its task's end; reconcile so a lost update cannot strand it. */
export function onExecutorFailure(
  d: Draft,
  agentId: string,
  executorId: string,
  status: number | undefined,
): void {
  const task = Object.values(d.tasks).find((t) => t.executorId === executorId);
  // Exit status 0 after the task's terminal update is how every executor ends; only a crash is a warning.
  d.notice(status === 0 ? 'info' : 'warn', 'Executor terminated', {
    agentId,
    executorId,
    status,
    taskId: task?.taskId,
  });
  if (task) d.call({ type: 'reconcile', tasks: [{ taskId: task.taskId, agentId }] });
}
