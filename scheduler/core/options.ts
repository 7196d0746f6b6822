// Tuning of the core, with defaults. Times are in milliseconds unless the name says otherwise.
import { counterIds, type IdSource } from './ids.js';

export interface CoreOptions {
  readonly ids: IdSource;
  /** Charged per task for its executor (one executor per task); Mesos warns below 0.01 cpus / 32 MB. */
  readonly executorCpus: number;
  readonly executorMemMb: number;
  /** DECLINE filters: while tasks wait for room, when nothing is pending (then also SUPPRESS), and while reconciling. */
  readonly refuseSecondsWhilePending: number;
  readonly refuseSecondsWhenIdle: number;
  readonly refuseSecondsWhileReconciling: number;
  /** A launched task with no update for this long is reconciled explicitly; after as long again it is replaced. */
  readonly launchTimeoutMs: number;
  /** A kill without a terminal update is re-sent after max(this, 2 × the task's grace period). */
  readonly killRetryMs: number;
  /**
   * KILL re-sends that may go unanswered before the task's executor is shut down. When the last of them
   * has gone a retry interval without a terminal update, a SHUTDOWN of the task's executor (one per task,
   * REFERENCE §5.7) goes out with the next KILL: the agent then destroys the executor's container after
   * its shutdown grace period and reports the task terminal itself. With the default (2) that is 3
   * retry intervals after the kill, i.e. at least 6 × the task's kill grace period (3 min for a
   * 30 s grace). 0: at the first retry.
   */
  readonly killResendsBeforeShutdown: number;
  /** Full reconciliation (explicit, then implicit) this often, besides every (re)subscription. */
  readonly reconcileIntervalMs: number;
  /** After a (re)subscription, launches wait for the explicit answers at most this long. */
  readonly reconcileHoldMs: number;
  /** Explicit reconciliation retries: truncated exponential backoff. */
  readonly reconcileRetryInitialMs: number;
  readonly reconcileRetryMaxMs: number;
}

export const DEFAULT_CORE_OPTIONS: Omit<CoreOptions, 'ids'> = Object.freeze({
  executorCpus: 0.1,
  executorMemMb: 64,
  refuseSecondsWhilePending: 10,
  refuseSecondsWhenIdle: 3600,
  refuseSecondsWhileReconciling: 5,
  launchTimeoutMs: 10 * 60_000,
  killRetryMs: 60_000,
  killResendsBeforeShutdown: 2,
  reconcileIntervalMs: 15 * 60_000,
  reconcileHoldMs: 30_000,
  reconcileRetryInitialMs: 2_000,
  reconcileRetryMaxMs: 60_000,
});

/** Options with defaults filled in; `ids` defaults to counterIds() (deterministic: tests only). */
export const coreOptions = (partial: Partial<CoreOptions> = {}): CoreOptions => ({
  ...DEFAULT_CORE_OPTIONS,
  ids: partial.ids ?? counterIds(),
  ...partial,
});
