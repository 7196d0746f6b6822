// Reconciliation (Mesos reconciliation.md): explicit for every task we track, retried with truncated
// exponential backoff until each has answered, then implicit so tasks we do not know show up (and
// are killed). After a (re)subscription nothing is launched until the explicit round is answered or
// `reconcileHoldMs` passed: launching first could duplicate a task whose update was lost.
import type { Draft } from '../draft.js';

/** Starts a round; `holdLaunches` after a (re)subscription. */
export function startReconciliation(d: Draft, holdLaunches: boolean): void {
  const tasks = Object.values(d.tasks).map((t) => ({ taskId: t.taskId, agentId: t.agentId }));
  d.meta.lastFullReconcileAtMs = d.nowMs;
  if (tasks.length === 0) {
    d.reconciliation = undefined;
    d.call({ type: 'reconcile', tasks: [] });
    return;
  }
  d.reconciliation = {
    remaining: tasks.map((t) => t.taskId),
    startedAtMs: d.nowMs,
    attempt: 0,
    nextRetryAtMs: d.nowMs + d.opts.reconcileRetryInitialMs,
    ...(holdLaunches ? { holdLaunchesUntilMs: d.nowMs + d.opts.reconcileHoldMs } : {}),
    implicitSent: false,
  };
  d.call({ type: 'reconcile', tasks });
}

/** Any update about `taskId` answers the explicit question for it. */
export function noteReconcileAnswer(d: Draft, taskId: string): void {
  const r = d.reconciliation;
  if (!r || !r.remaining.includes(taskId)) return;
  d.reconciliation = { ...r, remaining: r.remaining.filter((id) => id !== taskId) };
  settle(d);
}

/** Timer work: retries, the end of the launch hold, and the periodic round. */
export function reconcileOnTick(d: Draft): void {
  const r = d.reconciliation;
  if (!r) {
    const last = d.meta.lastFullReconcileAtMs ?? -Infinity;
    if (d.meta.subscribed && d.nowMs >= last + d.opts.reconcileIntervalMs) startReconciliation(d, false);
    return;
  }
  // Tasks that ended meanwhile need no answer.
  const remaining = r.remaining.filter((id) => id in d.tasks);
  let next = { ...r, remaining };
  if (r.holdLaunchesUntilMs !== undefined && d.nowMs >= r.holdLaunchesUntilMs) {
    const { holdLaunchesUntilMs: _, ...rest } = next;
    next = rest;
    d.notice('warn', 'Reconciliation unanswered; launching anyway', { unanswered: remaining.length });
  }
  if (remaining.length > 0 && d.nowMs >= r.nextRetryAtMs) {
    const attempt = r.attempt + 1;
    const delay = Math.min(d.opts.reconcileRetryInitialMs * 2 ** attempt, d.opts.reconcileRetryMaxMs);
    next = { ...next, attempt, nextRetryAtMs: d.nowMs + delay };
    d.call({
      type: 'reconcile',
      tasks: remaining.map((id) => ({ taskId: id, agentId: d.tasks[id]!.agentId })),
    });
  }
  d.reconciliation = next;
  settle(d);
}

/** True while launches must wait for reconciliation answers. */
export function holdingLaunches(d: Draft): boolean {
  const r = d.reconciliation;
  return (
    r !== undefined &&
    r.holdLaunchesUntilMs !== undefined &&
    d.nowMs < r.holdLaunchesUntilMs &&
    r.remaining.length > 0
  );
}

// Explicit round answered, or retried once and no longer holding launches: send the implicit
// reconcile once. The round ends when every task answered.
function settle(d: Draft): void {
  const r = d.reconciliation;
  if (!r) return;
  const explicitDone = r.remaining.length === 0 || (r.attempt >= 1 && r.holdLaunchesUntilMs === undefined);
  if (explicitDone && !r.implicitSent) {
    d.call({ type: 'reconcile', tasks: [] });
    d.reconciliation = { ...r, implicitSent: true };
  }
  if (r.remaining.length === 0) d.reconciliation = undefined;
}
