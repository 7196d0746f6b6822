// Task state classification shared by the master and the agents.
import type { TaskState } from '../protos/mesos/v1/types.js';

const TERMINAL: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_LOST',
  'TASK_GONE_BY_OPERATOR',
]);

/** Mesos' isTerminalState: the task's resources are released and its update stream ends. */
export const isTerminal = (state: TaskState): boolean => TERMINAL.has(state);
