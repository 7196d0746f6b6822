// The in-process messages between the master and its agents (in Mesos these are libprocess messages between
// two processes). Neither side imports the other: LocalCluster wires them through these interfaces.
import type {
  ExecutorInfo,
  FrameworkInfo,
  KillPolicy,
  TaskInfo,
  TaskStatus,
} from '../protos/mesos/v1/types.js';

/** A launch the master has validated and charged to the agent. */
export interface LaunchRequest {
  framework: FrameworkInfo;
  /** Custom or default executor; absent for a command task. */
  executor?: ExecutorInfo;
  /** One task for LAUNCH; the whole group for LAUNCH_GROUP. */
  tasks: TaskInfo[];
  group: boolean;
}

/** What the master asks of an agent. */
export interface AgentLink {
  launch(req: LaunchRequest): void;
  killTask(frameworkId: string, taskId: string, killPolicy?: KillPolicy): void;
  shutdownExecutor(frameworkId: string, executorId: string): void;
  /** The framework is gone: shut down its executors and forget its pending updates. */
  shutdownFramework(frameworkId: string): void;
  /** The scheduler acknowledged `uuid` for the task: pop it and send the next pending update. */
  acknowledge(frameworkId: string, taskId: string, uuid: Uint8Array): void;
  frameworkMessage(frameworkId: string, executorId: string, data: Uint8Array): void;
  /** The framework re-subscribed: re-send pending updates now instead of waiting for the retry timer. */
  resendUpdates(frameworkId: string): void;
  /** The framework changed its FrameworkInfo (capabilities such as TASK_KILLING_STATE). */
  updateFramework(info: FrameworkInfo): void;
}

/** What an agent tells the master. */
export interface MasterLink {
  /** The agent learned a task's new state (the master's "latest state"; resources are freed on terminal). */
  taskStatusChanged(agentId: string, frameworkId: string, status: TaskStatus): void;
  /** Reliable delivery: the head of the task's update stream, re-sent until acknowledged. */
  forwardStatusUpdate(agentId: string, frameworkId: string, status: TaskStatus): void;
  executorMessage(agentId: string, frameworkId: string, executorId: string, data: Uint8Array): void;
  /**
   * An executor's container ended. `waitStatus` is the raw waitpid() status; `custom` is false for the
   * agent's built-in command/default executors, for which Mesos sends the scheduler no FAILURE.
   */
  executorTerminated(
    agentId: string,
    frameworkId: string,
    executorId: string,
    waitStatus: number | undefined,
    custom: boolean,
  ): void;
}
