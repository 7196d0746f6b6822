// What the core asks the runtime to do. Execute them in the order given: `persist` comes first and
// must be durable before any later command is sent (launch intent before ACCEPT, applied updates
// before ACKNOWLEDGE).
import type { ClusterSpec } from './cluster-spec.js';
import type { Condition } from './conditions.js';
import type { Role } from './job-spec.js';
import type { JobProgress } from './state.js';
import type { ResourceGrant } from './placement.js';
import type { TaskReason, TaskState } from './task-states.js';

/** Everything the TaskInfo builder (scheduler/launch/task-info.ts) needs for one task. */
export interface TaskLaunch {
  readonly taskId: string;
  readonly executorId: string;
  /** `<job>/<role>-<index>` */
  readonly name: string;
  readonly jobId: string;
  readonly role: Role;
  readonly index: number;
  readonly agentId: string;
  readonly hostname: string;
  readonly allocationRole: string;
  /** The task's resources, taken from the offer (ports included). */
  readonly resources: readonly ResourceGrant[];
  /** The executor's own small share. */
  readonly executorResources: readonly ResourceGrant[];
  /** Host ports in the order the task uses them; ports[0] is NODAL_PORT. */
  readonly ports: readonly number[];
  /** Docker image from the spec; undefined: the runtime's configured default. */
  readonly image?: string;
  /** GPU tasks need the Mesos containerizer (the Docker containerizer cannot pass GPUs). */
  readonly gpu: boolean;
  /** NODAL_* variables, the job secret among them. */
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly killGracePeriodMs: number;
  readonly healthCheck?:
    | { readonly type: 'TCP'; readonly port: number; readonly timing: HealthTiming }
    | { readonly type: 'COMMAND'; readonly command: string; readonly timing: HealthTiming };
}

export interface HealthTiming {
  readonly delaySeconds: number;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly consecutiveFailures: number;
  readonly gracePeriodSeconds: number;
}

/** A job's observable change, for the API's event stream. Never carries the job secret. */
export type JobEvent =
  | { readonly kind: 'submitted'; readonly desiredWorkers: number }
  | {
      readonly kind: 'rejected';
      readonly reason: 'AlreadyExists' | 'UnknownJob' | 'JobFinished';
      readonly message: string;
    }
  | { readonly kind: 'condition'; readonly condition: Condition }
  | {
      readonly kind: 'taskLaunched';
      readonly taskId: string;
      readonly role: Role;
      readonly index: number;
      readonly agentId: string;
      readonly hostname: string;
    }
  | {
      readonly kind: 'taskState';
      readonly taskId: string;
      readonly role: Role;
      readonly index: number;
      readonly state: TaskState;
      readonly reason?: TaskReason;
      readonly message?: string;
      readonly healthy?: boolean;
    }
  | {
      readonly kind: 'restartScheduled';
      readonly role: Role;
      readonly index: number;
      readonly atMs: number;
      readonly restartsInWindow: number;
    }
  | { readonly kind: 'slotGivenUp'; readonly role: Role; readonly index: number; readonly reason: string }
  | { readonly kind: 'agentAvoided'; readonly agentId: string; readonly untilMs: number }
  | { readonly kind: 'scaled'; readonly desiredWorkers: number; readonly requested: number }
  | { readonly kind: 'progress'; readonly progress: JobProgress }
  | { readonly kind: 'clusterSpec'; readonly version: number };

export type Command =
  /** Make the changes of this step durable (the store saves the whole StoredState); ids say what changed. */
  | {
      readonly type: 'persist';
      readonly frameworkId: boolean;
      readonly jobIds: readonly string[];
      readonly taskIds: readonly string[];
    }
  /** ACCEPT the offers (all of one agent) with one LAUNCH of these tasks. */
  | {
      readonly type: 'launch';
      readonly offerIds: readonly string[];
      readonly agentId: string;
      readonly tasks: readonly TaskLaunch[];
    }
  | { readonly type: 'decline'; readonly offerIds: readonly string[]; readonly refuseSeconds: number }
  | { readonly type: 'suppress' }
  /** Also clears decline filters, so agents declined earlier are offered again. */
  | { readonly type: 'revive' }
  | {
      readonly type: 'kill';
      readonly taskId: string;
      readonly agentId?: string;
      readonly gracePeriodMs: number;
    }
  /**
   * SHUTDOWN the custom executor of `taskId` (one executor per task) on its agent: the escalation of a
   * KILL that went unanswered. The agent destroys the executor's container after its shutdown grace
   * period and reports the task's terminal state itself.
   */
  | {
      readonly type: 'shutdown';
      readonly taskId: string;
      readonly executorId: string;
      readonly agentId: string;
    }
  | { readonly type: 'acknowledge'; readonly agentId: string; readonly taskId: string; readonly uuid: string }
  /** RECONCILE: explicit for the listed tasks; implicit (`"reconcile": {}`) when the list is empty. */
  | {
      readonly type: 'reconcile';
      readonly tasks: readonly { readonly taskId: string; readonly agentId: string }[];
    }
  /** MESSAGE the new cluster spec to each target's executor (best effort; executors can also fetch it). */
  | {
      readonly type: 'sendClusterSpec';
      readonly jobId: string;
      readonly spec: ClusterSpec;
      readonly targets: readonly {
        readonly taskId: string;
        readonly agentId: string;
        readonly executorId: string;
      }[];
    }
  /**
   * MESSAGE the executor of the job's running ps-0 (the coordinator) that these worker tasks ended or were
   * given up on, so their data leases return to the pool at once rather than when they expire (best effort:
   * expiry stays the fallback).
   */
  | {
      readonly type: 'sendWorkersEnded';
      readonly jobId: string;
      readonly taskIds: readonly string[];
      readonly target: { readonly taskId: string; readonly agentId: string; readonly executorId: string };
    }
  | { readonly type: 'jobEvent'; readonly jobId: string; readonly atMs: number; readonly event: JobEvent }
  /** Something the runtime should log (the core has no logger); constant message, data in meta. */
  | {
      readonly type: 'notice';
      readonly level: 'info' | 'warn';
      readonly message: string;
      readonly meta: Readonly<Record<string, unknown>>;
    };

export type CommandType = Command['type'];
