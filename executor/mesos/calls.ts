// Pure builders for mesos.v1.executor.Call. Every executor call carries both ids (they are `required` in the
// envelope, HEARTBEAT included).
import { NodalError } from '../../config/errors.js';
import type { ExecutorCall, TaskInfo, TaskStatus } from '../../protos/mesos/v1/types.js';

/** The two ids every executor call carries. */
export interface ExecutorIds {
  readonly frameworkId: string;
  readonly executorId: string;
}

/** A UUID is 16 bytes on the wire; the agent answers 400 to anything else. */
export const UPDATE_UUID_BYTES = 16;

const envelope = (ids: ExecutorIds) => ({
  executor_id: { value: ids.executorId },
  framework_id: { value: ids.frameworkId },
});

/**
 * SUBSCRIBE, carrying every update the agent has not acknowledged and every task with no acknowledged
 * update yet, so nothing is lost across an agent restart. `subscribe` is present even when empty.
 */
export function subscribeCall(
  ids: ExecutorIds,
  unacknowledgedTasks: readonly TaskInfo[],
  unacknowledgedUpdates: readonly TaskStatus[],
): ExecutorCall {
  return {
    ...envelope(ids),
    type: 'SUBSCRIBE',
    subscribe: {
      ...(unacknowledgedTasks.length > 0 ? { unacknowledged_tasks: [...unacknowledgedTasks] } : {}),
      ...(unacknowledgedUpdates.length > 0
        ? { unacknowledged_updates: unacknowledgedUpdates.map((status) => ({ status })) }
        : {}),
    },
  };
}

/**
 * The status an executor may send: `executor_id` filled in (a different one is refused), a fresh `uuid`,
 * `source: SOURCE_EXECUTOR`, a `timestamp` in seconds if absent. Throws NodalError('VALIDATION') for
 * TASK_STAGING (the master-side initial state, never sent by executors), a foreign executor_id or a uuid
 * that is not 16 bytes.
 */
export function executorStatus(
  status: TaskStatus,
  executorId: string,
  uuid: Uint8Array,
  nowMs: number,
): TaskStatus {
  if (status.state === 'TASK_STAGING') {
    throw new NodalError('VALIDATION', 'executors must never send TASK_STAGING', {
      taskId: status.task_id?.value,
    });
  }
  if (status.executor_id !== undefined && status.executor_id.value !== executorId) {
    throw new NodalError(
      'VALIDATION',
      `status.executor_id '${status.executor_id.value}' is not this executor`,
      {
        executorId,
      },
    );
  }
  if (uuid.byteLength !== UPDATE_UUID_BYTES) {
    throw new NodalError('VALIDATION', `update uuid must be ${UPDATE_UUID_BYTES} bytes`, {
      bytes: uuid.byteLength,
    });
  }
  return {
    ...status,
    executor_id: { value: executorId },
    source: 'SOURCE_EXECUTOR',
    uuid,
    timestamp: status.timestamp ?? nowMs / 1000,
  };
}

/** UPDATE with a status prepared by `executorStatus`. */
export function updateCall(ids: ExecutorIds, status: TaskStatus): ExecutorCall {
  return { ...envelope(ids), type: 'UPDATE', update: { status } };
}

/** MESSAGE: bytes to the scheduler, best effort. */
export function messageCall(ids: ExecutorIds, data: Uint8Array): ExecutorCall {
  return { ...envelope(ids), type: 'MESSAGE', message: { data } };
}

/** HEARTBEAT: keep-alive toward the agent. */
export function heartbeatCall(ids: ExecutorIds): ExecutorCall {
  return { ...envelope(ids), type: 'HEARTBEAT' };
}
