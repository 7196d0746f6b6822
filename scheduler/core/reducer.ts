// The scheduler's decision core: reduce(state, input, nowMs) → { state, commands, nextTickAtMs }.
// Pure: no I/O, no timers, no protobuf, no logger. The runtime feeds one input at a time and executes
// the commands in order; it calls reduce with { type: 'tick' } at nextTickAtMs.
//
// Ordering hazards the runtime must respect (all encoded in the command order):
// - `persist` is first and must be durable before the rest is sent: launch intent is saved before
//   the ACCEPT (a crash after ACCEPT must not forget a running task), and an update is applied and
//   saved before its ACKNOWLEDGE (an acknowledged but unsaved update is lost for good).
// - After every `subscribed`, explicit reconciliation goes out first and offers are declined until it
//   is answered (or `reconcileHoldMs` passes): a task whose update was lost must not be launched twice.
// - Launched tasks stay *expected* (their slot taken) until their first update or a timeout, so a
//   burst of offers never launches a slot twice.
// - SUBSCRIBE should carry no suppressed_roles; the core assumes offers flow after `subscribed` and
//   emits SUPPRESS itself when nothing is pending.
import type { Command } from './commands.js';
import { Draft } from './draft.js';
import { activeJobs, onOffers, wantsLaunch } from './handlers/offers.js';
import { onKillJob, onProgress, onScaleJob, onSubmitJob } from './handlers/jobs.js';
import { reconcileOnTick, startReconciliation } from './handlers/reconcile.js';
import { onAgentLost, onExecutorFailure, onTaskStatus } from './handlers/status.js';
import { killRetryAfterMs, tasksOnTick } from './handlers/timers.js';
import type { IdSource } from './ids.js';
import type { Input } from './inputs.js';
import { syncJobs } from './job-sync.js';
import { coreOptions, type CoreOptions } from './options.js';
import type { CoreState } from './state.js';
import { resendKill } from './task-life.js';

/** The result of one input. */
export interface Step {
  readonly state: CoreState;
  /** To execute in order (see the module comment). */
  readonly commands: readonly Command[];
  /** When to feed the next `tick` (may be <= now: tick at once); undefined: no timer needed. */
  readonly nextTickAtMs?: number;
}

export type Reducer = (state: CoreState, input: Input, nowMs: number) => Step;

/** A reducer with the given options; `ids` is required so production code picks its secret source consciously. */
export function createReducer(options: Partial<CoreOptions> & { ids: IdSource }): Reducer {
  const opts = coreOptions(options);
  return (state, input, nowMs) => {
    const d = new Draft(state, nowMs, opts);
    dispatch(d, input);
    syncJobs(d);
    syncOfferFlow(d);
    const { state: next, commands } = d.finish();
    const nextTickAtMs = nextTickAt(d, next);
    return nextTickAtMs === undefined ? { state: next, commands } : { state: next, commands, nextTickAtMs };
  };
}

function dispatch(d: Draft, input: Input): void {
  switch (input.type) {
    case 'subscribed':
      d.setFrameworkId(input.frameworkId);
      d.meta.subscribed = true;
      d.meta.suppressed = false;
      startReconciliation(d, true);
      // Kills (and executor shutdowns) sent before a disconnect may have been lost.
      for (const t of Object.values(d.tasks))
        if (t.killRequestedAtMs !== undefined) {
          const next = { ...t, killRequestedAtMs: d.nowMs };
          d.setTask(next, { persist: false });
          resendKill(d, next);
        }
      return;
    case 'disconnected':
      d.meta.subscribed = false;
      d.reconciliation = undefined;
      return;
    case 'offers':
      if (d.meta.subscribed) onOffers(d, input.offers);
      return;
    case 'rescinded':
      return; // offers are never held, so there is nothing to forget
    case 'taskStatus':
      onTaskStatus(d, input);
      return;
    case 'agentLost':
      onAgentLost(d, input.agentId);
      return;
    case 'executorFailure':
      onExecutorFailure(d, input.agentId, input.executorId, input.status);
      return;
    case 'submitJob':
      onSubmitJob(d, input);
      return;
    case 'scaleJob':
      onScaleJob(d, input.jobId, input.desiredWorkers);
      return;
    case 'killJob':
      onKillJob(d, input.jobId, input.message);
      return;
    case 'progress':
      onProgress(d, input);
      return;
    case 'tick':
      reconcileOnTick(d);
      tasksOnTick(d);
      return;
    case 'reconcileStart':
      if (d.meta.subscribed) startReconciliation(d, false);
      return;
  }
}

// SUPPRESS when no slot wants a task; REVIVE when offers are suppressed and work appears, or when
// demand rises (REVIVE also clears the decline filters set on agents that had no room before).
function syncOfferFlow(d: Draft): void {
  let demand = 0;
  for (const job of activeJobs(d.jobs)) for (const s of job.slots) if (wantsLaunch(s, d.nowMs)) demand++;
  const prev = d.meta.demand;
  d.meta.demand = demand;
  if (!d.meta.subscribed) return;
  if (demand > 0 && (d.meta.suppressed || demand > prev)) {
    d.call({ type: 'revive' });
    d.meta.suppressed = false;
  } else if (demand === 0 && !d.meta.suppressed) {
    d.call({ type: 'suppress' });
    d.meta.suppressed = true;
  }
}

function nextTickAt(d: Draft, s: CoreState): number | undefined {
  let at = Infinity;
  const now = d.nowMs;
  for (const job of activeJobs(s.jobs)) {
    for (const slot of job.slots)
      if (slot.backoffUntilMs !== undefined && slot.backoffUntilMs > now)
        at = Math.min(at, slot.backoffUntilMs);
    if (job.psDownSinceMs !== undefined)
      at = Math.min(at, job.psDownSinceMs + job.spec.psUnavailableTimeoutSeconds * 1000);
  }
  if (s.subscribed) {
    for (const t of Object.values(s.tasks)) {
      if (t.killRequestedAtMs !== undefined) at = Math.min(at, t.killRequestedAtMs + killRetryAfterMs(d, t));
      else if (t.awaitingFirstUpdate && t.expectationDeadlineMs !== undefined)
        at = Math.min(at, t.expectationDeadlineMs);
    }
    const r = s.reconciliation;
    if (r) {
      if (r.remaining.length > 0) at = Math.min(at, r.nextRetryAtMs);
      if (r.holdLaunchesUntilMs !== undefined) at = Math.min(at, r.holdLaunchesUntilMs);
    } else at = Math.min(at, (s.lastFullReconcileAtMs ?? now) + d.opts.reconcileIntervalMs);
  }
  return at === Infinity ? undefined : at;
}
