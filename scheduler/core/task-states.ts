// Every Mesos TaskState and TaskStatus.Reason, and what each means for a nodal task. The tables are
// total (a Record over the full unions) so the compiler flags a state or reason nobody has thought about.

/** Mesos TaskState names (mesos.v1.TaskState). */
export const TASK_STATES = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_UNREACHABLE',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** Mesos TaskStatus.Reason names. */
export const TASK_REASONS = [
  'REASON_COMMAND_EXECUTOR_FAILED',
  'REASON_CONTAINER_LAUNCH_FAILED',
  'REASON_CONTAINER_LIMITATION',
  'REASON_CONTAINER_LIMITATION_DISK',
  'REASON_CONTAINER_LIMITATION_MEMORY',
  'REASON_CONTAINER_PREEMPTED',
  'REASON_CONTAINER_UPDATE_FAILED',
  'REASON_MAX_COMPLETION_TIME_REACHED',
  'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
  'REASON_EXECUTOR_REREGISTRATION_TIMEOUT',
  'REASON_EXECUTOR_TERMINATED',
  'REASON_EXECUTOR_UNREGISTERED',
  'REASON_FRAMEWORK_REMOVED',
  'REASON_GC_ERROR',
  'REASON_INVALID_FRAMEWORKID',
  'REASON_INVALID_OFFERS',
  'REASON_IO_SWITCHBOARD_EXITED',
  'REASON_MASTER_DISCONNECTED',
  'REASON_RECONCILIATION',
  'REASON_RESOURCES_UNKNOWN',
  'REASON_AGENT_DISCONNECTED',
  'REASON_AGENT_DRAINING',
  'REASON_AGENT_REMOVED',
  'REASON_AGENT_REMOVED_BY_OPERATOR',
  'REASON_AGENT_REREGISTERED',
  'REASON_AGENT_RESTARTED',
  'REASON_AGENT_UNKNOWN',
  'REASON_TASK_KILLED_DURING_LAUNCH',
  'REASON_TASK_CHECK_STATUS_UPDATED',
  'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
  'REASON_TASK_GROUP_INVALID',
  'REASON_TASK_GROUP_UNAUTHORIZED',
  'REASON_TASK_INVALID',
  'REASON_TASK_UNAUTHORIZED',
  'REASON_TASK_UNKNOWN',
] as const;
export type TaskReason = (typeof TASK_REASONS)[number];

/**
 * What a state says about the task itself:
 * - `active`: placed and (about to be) running;
 * - `unreachable`: its agent is partitioned; it may still run and may come back (PARTITION_AWARE);
 * - `finished` / `failed` / `killed`: it ended on its own terms or was killed;
 * - `invalid`: the master or agent refused the TaskInfo (relaunching the same TaskInfo fails again);
 * - `lost`: it is gone with its agent or container, or the master has no record of it;
 * - `dropped`: the launch never happened (safe to retry).
 */
export type StateClass =
  'active' | 'unreachable' | 'finished' | 'failed' | 'killed' | 'invalid' | 'lost' | 'dropped';

/** Per state: whether Mesos considers it terminal (resources released) and its class. */
export const STATE_TABLE: Readonly<
  Record<TaskState, { readonly terminal: boolean; readonly class: StateClass }>
> = {
  TASK_STAGING: { terminal: false, class: 'active' },
  TASK_STARTING: { terminal: false, class: 'active' },
  TASK_RUNNING: { terminal: false, class: 'active' },
  TASK_KILLING: { terminal: false, class: 'active' },
  TASK_FINISHED: { terminal: true, class: 'finished' },
  TASK_FAILED: { terminal: true, class: 'failed' },
  TASK_KILLED: { terminal: true, class: 'killed' },
  TASK_ERROR: { terminal: true, class: 'invalid' },
  TASK_LOST: { terminal: true, class: 'lost' },
  TASK_DROPPED: { terminal: true, class: 'dropped' },
  // Not terminal for Mesos either: the agent may re-register with the task still running.
  TASK_UNREACHABLE: { terminal: false, class: 'unreachable' },
  TASK_GONE: { terminal: true, class: 'lost' },
  TASK_GONE_BY_OPERATOR: { terminal: true, class: 'lost' },
  // Only from reconciliation: the master has no record. Mesos calls it non-terminal because the task
  // might run on an agent it forgot; for us the slot is empty and is refilled.
  TASK_UNKNOWN: { terminal: false, class: 'lost' },
};

/**
 * Who a reason blames, which decides whether the agent's failure count grows:
 * `task` (our program or its limits), `agent` (the machine or its containerizer), `infrastructure`
 * (drain, preemption, framework removal: nobody's fault), `framework` (our TaskInfo or offers), `none`
 * (informational: reconciliation, health changes).
 */
export type Blame = 'task' | 'agent' | 'infrastructure' | 'framework' | 'none';

/** Per reason: who is to blame and a short meaning for job events. */
export const REASON_TABLE: Readonly<Record<TaskReason, { readonly blame: Blame; readonly meaning: string }>> =
  {
    REASON_COMMAND_EXECUTOR_FAILED: { blame: 'task', meaning: 'command executor failed' },
    REASON_CONTAINER_LAUNCH_FAILED: {
      blame: 'agent',
      meaning: 'container launch failed (image pull, isolator, fetch)',
    },
    REASON_CONTAINER_LIMITATION: { blame: 'task', meaning: 'container exceeded a resource limit' },
    REASON_CONTAINER_LIMITATION_DISK: { blame: 'task', meaning: 'container exceeded its disk quota' },
    REASON_CONTAINER_LIMITATION_MEMORY: { blame: 'task', meaning: 'container ran out of memory' },
    REASON_CONTAINER_PREEMPTED: { blame: 'infrastructure', meaning: 'container preempted' },
    REASON_CONTAINER_UPDATE_FAILED: { blame: 'agent', meaning: 'container update failed' },
    REASON_MAX_COMPLETION_TIME_REACHED: { blame: 'task', meaning: 'maximum completion time reached' },
    REASON_EXECUTOR_REGISTRATION_TIMEOUT: { blame: 'agent', meaning: 'executor did not subscribe in time' },
    REASON_EXECUTOR_REREGISTRATION_TIMEOUT: {
      blame: 'agent',
      meaning: 'executor did not re-subscribe in time',
    },
    REASON_EXECUTOR_TERMINATED: { blame: 'agent', meaning: 'executor exited with the task active' },
    REASON_EXECUTOR_UNREGISTERED: { blame: 'agent', meaning: 'executor unregistered' },
    REASON_FRAMEWORK_REMOVED: { blame: 'infrastructure', meaning: 'framework removed' },
    REASON_GC_ERROR: { blame: 'agent', meaning: 'agent garbage collection error' },
    REASON_INVALID_FRAMEWORKID: { blame: 'framework', meaning: 'invalid framework id' },
    REASON_INVALID_OFFERS: { blame: 'framework', meaning: 'offer unknown or rescinded at launch' },
    REASON_IO_SWITCHBOARD_EXITED: { blame: 'agent', meaning: 'I/O switchboard exited' },
    REASON_MASTER_DISCONNECTED: { blame: 'agent', meaning: 'agent lost its master' },
    REASON_RECONCILIATION: { blame: 'none', meaning: 'reconciliation answer' },
    REASON_RESOURCES_UNKNOWN: { blame: 'agent', meaning: 'resources unknown to the agent' },
    REASON_AGENT_DISCONNECTED: { blame: 'agent', meaning: 'agent disconnected' },
    REASON_AGENT_DRAINING: { blame: 'infrastructure', meaning: 'agent is being drained' },
    REASON_AGENT_REMOVED: { blame: 'agent', meaning: 'agent removed' },
    REASON_AGENT_REMOVED_BY_OPERATOR: { blame: 'infrastructure', meaning: 'operator marked the agent gone' },
    REASON_AGENT_REREGISTERED: { blame: 'none', meaning: 'unreachable agent came back with the task' },
    REASON_AGENT_RESTARTED: {
      blame: 'agent',
      meaning: 'agent restarted before the task reached its executor',
    },
    REASON_AGENT_UNKNOWN: { blame: 'agent', meaning: 'agent unknown to the master' },
    REASON_TASK_KILLED_DURING_LAUNCH: { blame: 'none', meaning: 'killed before reaching its executor' },
    REASON_TASK_CHECK_STATUS_UPDATED: { blame: 'none', meaning: 'check status changed' },
    REASON_TASK_HEALTH_CHECK_STATUS_UPDATED: { blame: 'none', meaning: 'health changed' },
    REASON_TASK_GROUP_INVALID: { blame: 'framework', meaning: 'task group invalid' },
    REASON_TASK_GROUP_UNAUTHORIZED: { blame: 'framework', meaning: 'task group unauthorized' },
    REASON_TASK_INVALID: { blame: 'framework', meaning: 'task invalid' },
    REASON_TASK_UNAUTHORIZED: { blame: 'framework', meaning: 'task unauthorized' },
    REASON_TASK_UNKNOWN: { blame: 'none', meaning: 'task unknown' },
  };

export const isTaskState = (s: unknown): s is TaskState => typeof s === 'string' && s in STATE_TABLE;
export const isTaskReason = (r: unknown): r is TaskReason => typeof r === 'string' && r in REASON_TABLE;

/** What ending a task means for its slot. */
export type EndCause =
  /** We asked for it (scale-in, job end, duplicate): never restarted, never penalised. */
  | 'stopped'
  /** TASK_FINISHED: restarted only under the `always` policy. */
  | 'finished'
  /** The task failed or was killed by someone else: restart by policy, with backoff. */
  | 'failed'
  /** Gone with its agent or container (lost, gone, unknown, unreachable): restart by policy, with backoff. */
  | 'lost'
  /** Launch never happened or was preempted/drained: relaunch at once, no penalty. */
  | 'displaced'
  /** The TaskInfo was refused (TASK_ERROR): relaunching cannot help; the job fails. */
  | 'invalid';

/** How one status update affects the task. */
export type Disposition =
  | { readonly kind: 'active' }
  | { readonly kind: 'unreachable'; readonly penalised: true; readonly blamesAgent: boolean }
  | {
      readonly kind: 'ended';
      readonly cause: EndCause;
      readonly penalised: boolean;
      readonly blamesAgent: boolean;
    };

const NO_PENALTY_END = (cause: EndCause): Disposition => ({
  kind: 'ended',
  cause,
  penalised: false,
  blamesAgent: false,
});

/**
 * Classifies an update. `killRequested`: we asked for this task to die, so any terminal state is the
 * expected end. The agent is blamed unless the reason blames the task, the framework or nobody.
 */
export function classifyUpdate(
  state: TaskState,
  reason: TaskReason | undefined,
  killRequested: boolean,
): Disposition {
  const { class: cls } = STATE_TABLE[state];
  const blame = reason ? REASON_TABLE[reason].blame : undefined;
  const blamesAgent = blame === undefined || blame === 'agent';
  if (cls === 'active') return { kind: 'active' };
  if (killRequested && cls !== 'unreachable') return NO_PENALTY_END('stopped');
  switch (cls) {
    case 'unreachable':
      return { kind: 'unreachable', penalised: true, blamesAgent: true };
    case 'finished':
      return NO_PENALTY_END('finished');
    case 'invalid':
      return NO_PENALTY_END('invalid');
    case 'dropped':
      return NO_PENALTY_END('displaced');
    case 'killed':
      // Killed without our asking: drained/preempted agents are nobody's fault; anything else (an
      // operator's kill, a kill during launch we did not send) is treated as a failure of the task.
      if (blame === 'infrastructure') return NO_PENALTY_END('displaced');
      return { kind: 'ended', cause: 'failed', penalised: true, blamesAgent: false };
    case 'failed':
      return { kind: 'ended', cause: 'failed', penalised: true, blamesAgent };
    case 'lost':
      // Non-PARTITION_AWARE masters say TASK_LOST for launches that never happened.
      if (reason === 'REASON_INVALID_OFFERS' || blame === 'infrastructure')
        return NO_PENALTY_END('displaced');
      return {
        kind: 'ended',
        cause: 'lost',
        penalised: true,
        blamesAgent: blame !== 'framework' && blame !== 'task',
      };
  }
}
