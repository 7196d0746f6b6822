// A clock that only moves when the test says so, for watchdogs, backoffs and recovery windows.
import type { Clock, TimerHandle } from '../../../protos/http/clock.js';

interface Pending {
  readonly handle: TimerHandle;
  readonly at: number;
  readonly fn: () => void;
}

/** Manual time: `advance(ms)` runs due timers in order. */
export class ManualClock implements Clock {
  private time: number;
  private pending: Pending[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = {};
    this.pending.push({ handle, at: this.time + Math.max(0, ms), fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending = this.pending.filter((p) => p.handle !== handle);
  }

  /** Timers not yet fired. */
  get timerCount(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const due = this.pending.filter((p) => p.at <= target).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.pending = this.pending.filter((p) => p !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = target;
  }
}
