// The agent's status update manager (Mesos semantics, REFERENCE §5.4): one stream per task; only the head
// update is forwarded, re-sent with doubling backoff until the scheduler acknowledges its uuid, then the next
// one goes. A stream ends when its terminal update is acknowledged; later duplicates are ignored.
import type { TaskStatus } from '../../protos/mesos/v1/types.js';
import { isTerminal } from '../task-states.js';

export interface StatusUpdateManagerOptions {
  retryInitialMs: number;
  retryMaxMs: number;
  /** Sends the head update toward the scheduler (through the master). */
  forward(frameworkId: string, status: TaskStatus): void;
}

interface Stream {
  frameworkId: string;
  pending: TaskStatus[];
  seen: Set<string>;
  backoffMs: number;
  timer?: NodeJS.Timeout;
  ended: boolean;
}

const hex = (u: Uint8Array | undefined): string => (u ? Buffer.from(u).toString('hex') : '');
const keyOf = (frameworkId: string, taskId: string): string => `${frameworkId}\u0000${taskId}`;

export class StatusUpdateManager {
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly opts: StatusUpdateManagerOptions) {}

  /** Queues a uuid-carrying update; false for a duplicate (already queued or acknowledged) or an ended stream. */
  add(frameworkId: string, status: TaskStatus): boolean {
    const key = keyOf(frameworkId, status.task_id.value);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = {
        frameworkId,
        pending: [],
        seen: new Set(),
        backoffMs: this.opts.retryInitialMs,
        ended: false,
      };
      this.streams.set(key, stream);
    }
    const uuid = hex(status.uuid);
    if (stream.ended || stream.seen.has(uuid)) return false;
    stream.seen.add(uuid);
    stream.pending.push(status);
    if (stream.pending.length === 1) this.sendHead(stream, true);
    return true;
  }

  /**
   * Pops the head when `uuid` matches it and forwards the next. Returns the acknowledged update, or
   * undefined for an unexpected acknowledgement (ignored, as Mesos does).
   */
  acknowledge(frameworkId: string, taskId: string, uuid: Uint8Array): TaskStatus | undefined {
    const stream = this.streams.get(keyOf(frameworkId, taskId));
    const head = stream?.pending[0];
    if (!stream || !head || hex(head.uuid) !== hex(uuid)) return undefined;
    clearTimeout(stream.timer);
    stream.pending.shift();
    if (isTerminal(head.state)) {
      stream.ended = true;
      stream.pending = [];
    } else if (stream.pending.length) this.sendHead(stream, true);
    return head;
  }

  /** Re-sends every head of the framework now (it re-subscribed) and restarts their backoff. */
  resend(frameworkId: string): void {
    for (const s of this.streams.values())
      if (s.frameworkId === frameworkId && s.pending.length) this.sendHead(s, true);
  }

  /** Updates of this task not yet acknowledged, oldest first. */
  pendingOf(frameworkId: string, taskId: string): TaskStatus[] {
    return [...(this.streams.get(keyOf(frameworkId, taskId))?.pending ?? [])];
  }

  /** Drops every stream of a removed framework. */
  removeFramework(frameworkId: string): void {
    for (const [key, s] of this.streams)
      if (s.frameworkId === frameworkId) {
        clearTimeout(s.timer);
        this.streams.delete(key);
      }
  }

  stop(): void {
    for (const s of this.streams.values()) clearTimeout(s.timer);
    this.streams.clear();
  }

  private sendHead(stream: Stream, resetBackoff: boolean): void {
    clearTimeout(stream.timer);
    if (resetBackoff) stream.backoffMs = this.opts.retryInitialMs;
    const head = stream.pending[0];
    if (!head) return;
    this.opts.forward(stream.frameworkId, head);
    stream.timer = setTimeout(() => {
      stream.backoffMs = Math.min(stream.backoffMs * 2, this.opts.retryMaxMs);
      this.sendHead(stream, false);
    }, stream.backoffMs);
  }
}
