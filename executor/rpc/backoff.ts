// Retry delays: exponential with full jitter (a restarted PS is not hit by every worker at once), with an
// injectable random source and sleep so tests run without real waiting.
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Multiplier per attempt (default 2). */
  factor?: number;
  random?: () => number;
}

/** The delay before retry `attempt` (0-based): uniform in [0, min(maxMs, initialMs·factor^attempt)]. */
export function backoffDelay(attempt: number, o: BackoffOptions): number {
  const cap = Math.min(o.maxMs, o.initialMs * Math.pow(o.factor ?? 2, Math.max(0, attempt)));
  return Math.round(cap * (o.random ?? Math.random)());
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
