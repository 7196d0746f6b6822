// Restart decisions per role: never | on-failure | always, a restart budget within a sliding window,
// exponential backoff (initial × factor^n, capped), and per-agent failure counts that make a job avoid
// an agent for a while.
import type { RestartPolicySpec } from './job-spec.js';
import type { AgentFailures, Slot } from './state.js';
import type { EndCause } from './task-states.js';

/** What to do with a slot whose task ended. */
export type RestartDecision =
  | { readonly action: 'restart'; readonly atMs: number; readonly restartTimesMs: readonly number[] }
  | { readonly action: 'complete' }
  | {
      readonly action: 'give-up';
      readonly reason: 'RestartPolicyNever' | 'RestartLimitReached' | 'TaskInvalid';
    };

/** Delay before the (n+1)-th restart within the window: initial × factor^n, at most max. */
export function backoffMs(policy: RestartPolicySpec, n: number): number {
  const { initialSeconds, maxSeconds, factor } = policy.backoff;
  return Math.round(Math.min(initialSeconds * Math.pow(factor, n), maxSeconds) * 1000);
}

/** Decides a slot's fate when its task ended with `cause`. `stopped` never reaches here (its slot is gone or handled by the caller). */
export function decideRestart(
  policy: RestartPolicySpec,
  slot: Slot,
  cause: EndCause,
  nowMs: number,
): RestartDecision {
  if (cause === 'invalid') return { action: 'give-up', reason: 'TaskInvalid' };
  // A launch that never happened or a drained agent: not the task's failure, try again at once.
  if (cause === 'displaced' || cause === 'stopped')
    return { action: 'restart', atMs: nowMs, restartTimesMs: slot.restartTimesMs };
  if (cause === 'finished' && policy.policy !== 'always') return { action: 'complete' };
  if (policy.policy === 'never') return { action: 'give-up', reason: 'RestartPolicyNever' };
  const windowStart = nowMs - policy.windowSeconds * 1000;
  const recent = slot.restartTimesMs.filter((t) => t > windowStart);
  if (recent.length >= policy.maxRestarts) return { action: 'give-up', reason: 'RestartLimitReached' };
  return {
    action: 'restart',
    atMs: nowMs + backoffMs(policy, recent.length),
    restartTimesMs: [...recent, nowMs],
  };
}

/**
 * The agent's failure record after one more failure. Counts older than the avoidance period are
 * forgotten first, so an agent that failed long ago starts afresh.
 */
export function recordAgentFailure(
  policy: RestartPolicySpec,
  prev: AgentFailures | undefined,
  nowMs: number,
): AgentFailures {
  const periodMs = policy.agentAvoidSeconds * 1000;
  const stale = !prev || nowMs - prev.lastAtMs > periodMs;
  const count = (stale ? 0 : prev.count) + 1;
  const avoid = count >= policy.agentFailureLimit && periodMs > 0;
  return {
    count: avoid ? 0 : count,
    lastAtMs: nowMs,
    ...(avoid
      ? { avoidUntilMs: nowMs + periodMs }
      : prev?.avoidUntilMs !== undefined && prev.avoidUntilMs > nowMs
        ? { avoidUntilMs: prev.avoidUntilMs }
        : {}),
  };
}

/** Agents the job avoids at `nowMs`. */
export function avoidedAgents(failures: Readonly<Record<string, AgentFailures>>, nowMs: number): Set<string> {
  const out = new Set<string>();
  for (const [agentId, f] of Object.entries(failures))
    if (f.avoidUntilMs !== undefined && f.avoidUntilMs > nowMs) out.add(agentId);
  return out;
}
