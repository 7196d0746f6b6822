// Progress goes to the scheduler at most every `minIntervalMs` (workers report every batch; the scheduler
// needs a few per second at most). Only the latest pending report is kept; an important one (a state
// change, an evaluation, the end) goes at once, replacing whatever was pending.

/** Timer functions, injectable so tests need no real waiting. */
export interface ThrottleTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: ThrottleTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Rate-limits `send`; `offer` never throws. Lifecycle: offer… → `flush()`/`stop()`. */
export class Throttle<T> {
  private lastSentAt = -Infinity;
  private pending: T | undefined;
  private timer: unknown;
  private stopped = false;

  constructor(
    private readonly minIntervalMs: number,
    private readonly send: (item: T) => void,
    private readonly timers: ThrottleTimers = realTimers,
  ) {}

  /** Sends `item` now if it is important or the interval has passed, else keeps it as the pending one. */
  offer(item: T, important = false): void {
    if (this.stopped) return;
    const now = this.timers.now();
    if (important || now - this.lastSentAt >= this.minIntervalMs) {
      this.cancelTimer();
      this.pending = undefined;
      this.emit(item, now);
      return;
    }
    this.pending = item;
    if (this.timer === undefined)
      this.timer = this.timers.setTimeout(
        () => {
          this.timer = undefined;
          this.flush();
        },
        this.lastSentAt + this.minIntervalMs - now,
      );
  }

  /** Sends the pending item, if any, now. */
  flush(): void {
    this.cancelTimer();
    const item = this.pending;
    this.pending = undefined;
    if (item !== undefined && !this.stopped) this.emit(item, this.timers.now());
  }

  /** Drops the pending item; later offers are ignored. */
  stop(): void {
    this.stopped = true;
    this.pending = undefined;
    this.cancelTimer();
  }

  private emit(item: T, now: number): void {
    this.lastSentAt = now;
    this.send(item);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
