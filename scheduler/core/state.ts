// The core's state: plain JSON-compatible data (no Maps, no classes) so the store can save it as is.
// Records are replaced, never mutated, once a reduce step returns them.
import type { Condition } from './conditions.js';
import type { ClusterSpec } from './cluster-spec.js';
import type { JobSpec, Role } from './job-spec.js';
import type { ResourceGrant } from './placement.js';
import type { TaskReason, TaskState } from './task-states.js';

/**
 * One place a task of a job should occupy (`ps-0`, `worker-3`, `evaluator-0`). Slots are the desired
 * state; tasks come and go in them. A slot without a task and not `completed` wants a launch once
 * `backoffUntilMs` has passed.
 */
export interface Slot {
  readonly role: Role;
  readonly index: number;
  /** The task currently filling the slot (launching or active). */
  readonly taskId?: string;
  /** Its task finished and the policy does not restart finished tasks. */
  readonly completed?: boolean;
  /** Restart times within the role's window (oldest first); their count drives backoff and the budget. */
  readonly restartTimesMs: readonly number[];
  readonly backoffUntilMs?: number;
}

/** Failures of one job's tasks on one agent. */
export interface AgentFailures {
  readonly count: number;
  readonly lastAtMs: number;
  /** Placement skips the agent for this job until then. */
  readonly avoidUntilMs?: number;
}

/** Latest training progress reported by the job's executors. */
export interface JobProgress {
  readonly step: number;
  readonly epoch?: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly updatedAtMs: number;
}

export interface Job {
  readonly id: string;
  readonly spec: JobSpec;
  /** Handed to the job's tasks only (NODAL_JOB_SECRET); never put it in events or logs. */
  readonly secret: string;
  readonly submittedAtMs: number;
  readonly conditions: readonly Condition[];
  readonly desiredWorkers: number;
  /**
   * Worker slots given up on (restart budget spent or policy `never`). The job runs
   * clamp(desiredWorkers − retiredWorkers, min, max − retiredWorkers) workers, and fails once
   * max − retiredWorkers < min.
   */
  readonly retiredWorkers: number;
  readonly slots: readonly Slot[];
  readonly agentFailures: Readonly<Record<string, AgentFailures>>;
  /** The addresses tasks were last told (version 0: none yet). */
  readonly clusterSpec: ClusterSpec;
  readonly progress?: JobProgress;
  /** Since when (after the job first ran) not every PS shard has been running. */
  readonly psDownSinceMs?: number;
  /** The job reached Running at least once; from then on a gap is a restart, not a start. */
  readonly everRunning: boolean;
}

/** A task we launched (or learned of) and have not yet seen end. */
export interface TaskRecord {
  readonly taskId: string;
  readonly executorId: string;
  readonly jobId: string;
  readonly role: Role;
  readonly index: number;
  readonly agentId: string;
  readonly hostname: string;
  /** The agent's attributes at launch, for constraints on later placements. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly allocationRole: string;
  readonly ports: readonly number[];
  readonly resources: readonly ResourceGrant[];
  /** Last Mesos state; TASK_STAGING from the launch until the first update. */
  readonly state: TaskState;
  readonly reason?: TaskReason;
  readonly message?: string;
  readonly healthy?: boolean;
  readonly launchedAtMs: number;
  readonly lastUpdateMs?: number;
  /** Launched and no update yet: the task is *expected*; its slot is taken, so offers never launch it twice. */
  readonly awaitingFirstUpdate: boolean;
  /** When an expected task without updates is reconciled explicitly, and later given up on. */
  readonly expectationDeadlineMs?: number;
  readonly expectationReconciled?: boolean;
  /** We asked for the task to be killed at this time (scale-in, job end, duplicate); re-sent on a timer. */
  readonly killRequestedAtMs?: number;
  /** KILLs re-sent on the timer (after the first) without a terminal update since. */
  readonly killResends?: number;
  /** The kill went unanswered too long and the task's executor was sent SHUTDOWN (re-sent with later KILLs). */
  readonly executorShutdownAtMs?: number;
  readonly killGracePeriodMs: number;
  /** Its slot was refilled by another task (unreachable, lost agent): if it comes back, it is killed. */
  readonly replaced?: boolean;
  /** The cluster-spec version this task has been given. */
  readonly clusterSpecVersion: number;
}

/** Reconciliation in progress (Mesos reconciliation.md: explicit with backoff, then implicit). */
export interface Reconciliation {
  /** Tasks asked about explicitly and not yet heard from since `startedAtMs`. */
  readonly remaining: readonly string[];
  readonly startedAtMs: number;
  readonly attempt: number;
  readonly nextRetryAtMs: number;
  /** After a (re)subscription no task is launched before this time or before `remaining` empties. */
  readonly holdLaunchesUntilMs?: number;
  /** The implicit reconcile of this round has been sent. */
  readonly implicitSent: boolean;
}

export interface CoreState {
  readonly frameworkId?: string;
  /** Between `subscribed` and `disconnected` inputs: only then are Mesos calls emitted. */
  readonly subscribed: boolean;
  /** Offers are suppressed (as the master sees it). */
  readonly suppressed: boolean;
  readonly jobs: Readonly<Record<string, Job>>;
  readonly tasks: Readonly<Record<string, TaskRecord>>;
  /** Agents seen offering GPUs; CPU-only tasks stay off them while other agents can take them. */
  readonly gpuAgents: Readonly<Record<string, true>>;
  readonly reconciliation?: Reconciliation;
  readonly lastFullReconcileAtMs?: number;
  /** Slots wanting a launch after the previous step; a rise triggers REVIVE (which clears decline filters). */
  readonly demand: number;
}

/** What the store keeps: enough to resume after a scheduler restart. */
export interface StoredState {
  readonly version: 1;
  readonly frameworkId?: string;
  readonly jobs: Readonly<Record<string, Job>>;
  readonly tasks: Readonly<Record<string, TaskRecord>>;
}

/** A fresh scheduler with no framework id and no jobs. */
export const initialState = (): CoreState => ({
  subscribed: false,
  suppressed: false,
  jobs: {},
  tasks: {},
  gpuAgents: {},
  demand: 0,
});

/** The part of `state` to persist. */
export const toStored = (state: CoreState): StoredState => ({
  version: 1,
  ...(state.frameworkId !== undefined ? { frameworkId: state.frameworkId } : {}),
  jobs: state.jobs,
  tasks: state.tasks,
});

/**
 * The state to resume from after a restart: disconnected, with offers considered unsuppressed (a
 * SUBSCRIBE without suppressed_roles revives everything). The next `subscribed` input reconciles
 * every stored task before anything is launched.
 */
export const fromStored = (stored: StoredState): CoreState => ({
  ...initialState(),
  ...(stored.frameworkId !== undefined ? { frameworkId: stored.frameworkId } : {}),
  jobs: stored.jobs,
  tasks: stored.tasks,
});
