// Master-generated task statuses (reconciliation, invalid launches, lost agents, removed frameworks):
// source SOURCE_MASTER and never a uuid, so schedulers do not acknowledge them (REFERENCE §5.4).
import type { TaskState, TaskStatus, TaskStatusReason } from '../../protos/mesos/v1/types.js';
import { nowSeconds } from '../ids.js';

export interface MasterStatusInput {
  taskId: string;
  state: TaskState;
  reason: TaskStatusReason;
  message: string;
  agentId?: string;
  executorId?: string;
  healthy?: boolean;
  unreachableTimeMs?: number;
}

export function masterStatus(s: MasterStatusInput): TaskStatus {
  const status: TaskStatus = {
    task_id: { value: s.taskId },
    state: s.state,
    source: 'SOURCE_MASTER',
    reason: s.reason,
    message: s.message,
    timestamp: nowSeconds(),
  };
  if (s.agentId !== undefined) status.agent_id = { value: s.agentId };
  if (s.executorId !== undefined) status.executor_id = { value: s.executorId };
  if (s.healthy !== undefined) status.healthy = s.healthy;
  if (s.unreachableTimeMs !== undefined)
    status.unreachable_time = { nanoseconds: s.unreachableTimeMs * 1_000_000 };
  return status;
}
