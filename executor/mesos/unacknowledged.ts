// What the agent has not confirmed yet. Both sets ride on every re-SUBSCRIBE; an update leaves when its
// ACKNOWLEDGED arrives, a task when any of its updates is acknowledged (REFERENCE §1.11).
import type { TaskInfo, TaskStatus } from '../../protos/mesos/v1/types.js';

const keyOf = (uuid: Uint8Array): string =>
  Buffer.from(uuid.buffer, uuid.byteOffset, uuid.byteLength).toString('hex');

/** Unacknowledged updates (in sending order) and tasks (in launch order). */
export class Unacknowledged {
  private readonly updates = new Map<string, TaskStatus>();
  private readonly tasks = new Map<string, TaskInfo>();

  /** A LAUNCH/LAUNCH_GROUP delivered `task`. */
  taskLaunched(task: TaskInfo): void {
    this.tasks.set(task.task_id.value, task);
  }

  /** `status` (with its uuid) is about to be sent. */
  updateSent(status: TaskStatus & { uuid: Uint8Array }): void {
    this.updates.set(keyOf(status.uuid), status);
  }

  /** The agent refused an update for good (validation): keeping it would poison every re-SUBSCRIBE. */
  dropUpdate(uuid: Uint8Array): void {
    this.updates.delete(keyOf(uuid));
  }

  /** ACKNOWLEDGED for `uuid` of `taskId`; returns whether it matched a pending update. */
  acknowledged(taskId: string, uuid: Uint8Array): boolean {
    this.tasks.delete(taskId);
    return this.updates.delete(keyOf(uuid));
  }

  get pendingUpdates(): TaskStatus[] {
    return [...this.updates.values()];
  }

  get pendingTasks(): TaskInfo[] {
    return [...this.tasks.values()];
  }

  get updateCount(): number {
    return this.updates.size;
  }
}
