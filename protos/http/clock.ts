// Time is injected so heartbeat watchdogs, backoffs and recovery windows can be tested with a manual clock.
// This folder holds the Mesos HTTP plumbing shared by the executor and scheduler clients: it lives under
// executor/ because the executor may not import the scheduler, while the reverse is allowed.

/** An opaque timer returned by `Clock.setTimeout`. */
export type TimerHandle = object;

/** Wall-clock time and one-shot timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock (Date.now and global timers). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on `clock`, or at once (without rejecting) when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
