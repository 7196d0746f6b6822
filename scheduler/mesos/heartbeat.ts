// Missed-heartbeat detection. The master sends HEARTBEAT every `heartbeat_interval_seconds` (15 s); silence
// for several intervals means a partition the TCP connection may never report, so we drop the stream and
// re-subscribe (REFERENCE §1.8).
import type { Clock, TimerHandle } from '../../protos/http/clock.js';

/** Used until SUBSCRIBED says otherwise; the value every Mesos master sends. */
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 15;

/** How long a subscription may stay silent: `missLimit` intervals. */
export function heartbeatTimeoutMs(intervalSeconds: number | undefined, missLimit: number): number {
  const interval =
    intervalSeconds !== undefined && Number.isFinite(intervalSeconds) && intervalSeconds > 0
      ? intervalSeconds
      : DEFAULT_HEARTBEAT_INTERVAL_SECONDS;
  return Math.ceil(interval * 1000 * missLimit);
}

/** Calls `onExpire(idleMs)` once when no `kick()` came for the armed timeout. */
export class IdleWatchdog {
  private timer: TimerHandle | undefined;
  private timeoutMs = 0;
  private lastActivity = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (idleMs: number) => void,
  ) {}

  /** (Re)starts watching with `timeoutMs`, counting from now. */
  arm(timeoutMs: number): void {
    this.timeoutMs = timeoutMs;
    this.lastActivity = this.clock.now();
    this.schedule(timeoutMs);
  }

  /** Something arrived: the silence starts again. Cheap: it does not touch the timer. */
  kick(): void {
    this.lastActivity = this.clock.now();
  }

  /** Stops watching. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.stop();
    this.timer = this.clock.setTimeout(() => this.check(), ms);
  }

  private check(): void {
    this.timer = undefined;
    const idle = this.clock.now() - this.lastActivity;
    if (idle >= this.timeoutMs) this.onExpire(idle);
    else this.schedule(this.timeoutMs - idle);
  }
}
