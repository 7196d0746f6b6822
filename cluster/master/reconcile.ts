// Answers to RECONCILE (REFERENCE §5.3), pure: explicit for the listed tasks, implicit for every task the
// master knows of the framework. All answers are master-generated (no uuid, REASON_RECONCILIATION).
import type { TaskState, TaskStatus } from '../../protos/mesos/v1/types.js';
import { masterStatus } from './statuses.js';

/** What the master knows of one task. */
export interface TaskView {
  taskId: string;
  agentId: string;
  executorId?: string;
  state: TaskState;
  healthy?: boolean;
  /** Set while the task's agent is unreachable. */
  unreachableTimeMs?: number;
}

export type AgentStanding =
  { kind: 'active' } | { kind: 'unreachable'; sinceMs: number } | { kind: 'unknown' };

export interface ReconcileInput {
  partitionAware: boolean;
  /** Empty: implicit reconciliation. */
  requested: ReadonlyArray<{ taskId: string; agentId?: string }>;
  knownTask(taskId: string): TaskView | undefined;
  allTasks(): TaskView[];
  agentStanding(agentId: string): AgentStanding;
}

function latest(t: TaskView, partitionAware: boolean): TaskStatus {
  if (t.unreachableTimeMs !== undefined)
    return masterStatus({
      taskId: t.taskId,
      agentId: t.agentId,
      executorId: t.executorId,
      state: partitionAware ? 'TASK_UNREACHABLE' : 'TASK_LOST',
      reason: 'REASON_RECONCILIATION',
      message: 'Reconciliation: Task is unreachable',
      unreachableTimeMs: partitionAware ? t.unreachableTimeMs : undefined,
    });
  return masterStatus({
    taskId: t.taskId,
    agentId: t.agentId,
    executorId: t.executorId,
    state: t.state,
    reason: 'REASON_RECONCILIATION',
    message: 'Reconciliation: Latest task state',
    healthy: t.healthy,
  });
}

/** The UPDATE statuses the master sends for one RECONCILE call. */
export function reconcile(input: ReconcileInput): TaskStatus[] {
  const pa = input.partitionAware;
  if (input.requested.length === 0) return input.allTasks().map((t) => latest(t, pa));
  return input.requested.map(({ taskId, agentId }) => {
    const known = input.knownTask(taskId);
    if (known && (agentId === undefined || agentId === known.agentId)) return latest(known, pa);
    const standing: AgentStanding =
      agentId === undefined ? { kind: 'unknown' } : input.agentStanding(agentId);
    const base = { taskId, agentId, reason: 'REASON_RECONCILIATION' as const };
    switch (standing.kind) {
      case 'active':
        return masterStatus({
          ...base,
          state: pa ? 'TASK_GONE' : 'TASK_LOST',
          message: 'Reconciliation: Task is unknown to the agent',
        });
      case 'unreachable':
        return masterStatus({
          ...base,
          state: pa ? 'TASK_UNREACHABLE' : 'TASK_LOST',
          message: 'Reconciliation: Task is unreachable',
          unreachableTimeMs: pa ? standing.sinceMs : undefined,
        });
      default:
        return masterStatus({
          ...base,
          state: pa ? 'TASK_UNKNOWN' : 'TASK_LOST',
          message: 'Reconciliation: Task is unknown',
        });
    }
  });
}
