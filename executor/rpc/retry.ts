// Retries of calls to a server that may be restarting: transient failures (UNAVAILABLE, TIMEOUT) are
// retried with jittered exponential backoff until it answers, the caller aborts, or `giveUpAfterMs` passes.
import { NodalError } from '../../config/errors.js';
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import { isTransient } from './status-map.js';

export interface RetryOptions {
  backoff: BackoffOptions;
  /** Stop retrying after this long (rethrowing the last error). */
  giveUpAfterMs: number;
  signal?: AbortSignal;
  /** Called before each pause, e.g. to log or to switch state to `reconnecting`. */
  onRetry?: (error: NodalError, attempt: number, delayMs: number) => void;
  /** Errors other than UNAVAILABLE/TIMEOUT that should be retried too. */
  retryIf?: (error: unknown) => boolean;
  now?: () => number;
}

/** Thrown when the caller aborted while retrying. */
export const abortedError = (): NodalError => new NodalError('UNAVAILABLE', 'aborted');

/** Runs `fn` until it succeeds; rethrows non-transient errors at once. */
export async function retrying<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const now = o.now ?? Date.now;
  const started = now();
  for (let attempt = 0; ; attempt++) {
    if (o.signal?.aborted) throw abortedError();
    try {
      return await fn();
    } catch (e) {
      const retry = isTransient(e) || (o.retryIf?.(e) ?? false);
      if (!retry || now() - started >= o.giveUpAfterMs || o.signal?.aborted) throw e;
      const delay = backoffDelay(attempt, o.backoff);
      o.onRetry?.(e as NodalError, attempt, delay);
      await sleep(delay, o.signal);
    }
  }
}
