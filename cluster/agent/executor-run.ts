// What the agent's executor runs (a custom executor process, or the agent playing the command/default
// executor) share: the host interface they report through, their task bookkeeping and status builders.
import type {
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  KillPolicy,
  TaskInfo,
  TaskState,
  TaskStatus,
  TaskStatusReason,
} from '../../protos/mesos/v1/types.js';
import type { Logger } from '../../config/logger.js';
import { nowSeconds, statusUuid } from '../ids.js';
import type { Containerizer } from './containerizer.js';

export interface RunTimings {
  executorRegistrationTimeoutMs: number;
  executorShutdownGracePeriodMs: number;
  killGracePeriodMs: number;
  executorHeartbeatIntervalMs: number;
}

/** What a run needs from its agent. */
export interface ExecutorHost {
  readonly agentId: string;
  readonly agentInfo: AgentInfo;
  readonly host: string;
  readonly port: number;
  readonly pathPrepend: readonly string[];
  readonly timings: RunTimings;
  readonly containerizer: Containerizer;
  readonly log: Logger;
  /** The framework's current FrameworkInfo (it may change with UPDATE_FRAMEWORK). */
  frameworkInfo(frameworkId: string): FrameworkInfo;
  /** A new uuid-carrying status of one of the run's tasks. */
  statusUpdate(frameworkId: string, status: TaskStatus): void;
  executorMessage(frameworkId: string, executorId: string, data: Uint8Array): void;
  /** The run's container is gone; every task of it is terminal by now. */
  runTerminated(run: ExecutorRun, waitStatus: number | undefined): void;
}

export interface RunTask {
  info: TaskInfo;
  state: TaskState;
  /** Whether the executor received the task (LAUNCH sent, or the agent started it itself). */
  delivered: boolean;
}

/** One executor container on the agent. */
export interface ExecutorRun {
  readonly kind: 'custom' | 'command' | 'default';
  readonly frameworkId: string;
  readonly executorId: string;
  readonly info: ExecutorInfo;
  readonly containerId: string;
  readonly directory: string;
  readonly tasks: ReadonlyMap<string, RunTask>;
  /** True once the run was asked to shut down or its container ended; it takes no new tasks. */
  readonly closing: boolean;
  launch(tasks: TaskInfo[], group: boolean): void;
  kill(taskId: string, killPolicy?: KillPolicy): void;
  /** Graceful: SHUTDOWN / SIGTERM, then SIGKILL after the grace period; tasks get terminal updates. */
  shutdown(): void;
  message(data: Uint8Array): void;
  /** Fault injection: signals the process that runs the task (a custom executor's own process). */
  signalTask(taskId: string, signal: NodeJS.Signals): boolean;
  /** Immediate SIGKILL with no status updates (the agent itself is going away). */
  destroy(): Promise<void>;
}

export interface StatusInput {
  run: ExecutorRun;
  agentId: string;
  taskId: string;
  state: TaskState;
  source: 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';
  message?: string;
  reason?: TaskStatusReason;
  executorPid?: number;
}

/** A reliable (uuid-carrying) status generated on the agent, by itself or by a built-in executor. */
export function runStatus(i: StatusInput): TaskStatus {
  const status: TaskStatus = {
    task_id: { value: i.taskId },
    state: i.state,
    source: i.source,
    agent_id: { value: i.agentId },
    executor_id: { value: i.run.executorId },
    timestamp: nowSeconds(),
    uuid: statusUuid(),
    container_status: {
      container_id: { value: i.run.containerId },
      ...(i.executorPid !== undefined ? { executor_pid: i.executorPid } : {}),
    },
  };
  if (i.message !== undefined) status.message = i.message;
  if (i.reason !== undefined) status.reason = i.reason;
  return status;
}

/** DurationInfo nanoseconds → ms, or the fallback when absent. */
export const durationMs = (d: { nanoseconds: number } | undefined, fallbackMs: number): number =>
  d === undefined ? fallbackMs : Math.max(0, Math.round(d.nanoseconds / 1e6));
