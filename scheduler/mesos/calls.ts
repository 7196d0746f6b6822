// Pure builders for mesos.v1.scheduler.Call (mesos-go scheduler/calls): no I/O, so every body the client
// sends can be checked in a unit test. Ids are plain strings here and `{ value }` messages on the wire.
import type {
  Filters,
  FrameworkInfo,
  KillPolicy,
  OfferOperation,
  SchedulerCall,
} from '../../protos/mesos/v1/types.js';

/** One task of an explicit reconciliation. */
export interface ReconcileTask {
  readonly taskId: string;
  /** Always give it when known: without it the master may not answer during agent re-registration. */
  readonly agentId?: string;
}

const id = (value: string) => ({ value });

/**
 * SUBSCRIBE. With a `frameworkId` it is a re-subscription and sets both `framework_id` and
 * `framework_info.id` (the master answers 400 otherwise). `suppressedRoles` is always sent because a
 * SUBSCRIBE *replaces* the suppressed set: leaving it out would revive every role (REFERENCE §5.2).
 */
export function subscribeCall(
  info: FrameworkInfo,
  frameworkId: string | undefined,
  suppressedRoles: readonly string[],
): SchedulerCall {
  const { id: _ignored, ...rest } = info;
  const framework_info: FrameworkInfo = frameworkId === undefined ? rest : { ...rest, id: id(frameworkId) };
  return {
    ...(frameworkId === undefined ? {} : { framework_id: id(frameworkId) }),
    type: 'SUBSCRIBE',
    subscribe: {
      framework_info,
      ...(suppressedRoles.length > 0 ? { suppressed_roles: [...suppressedRoles] } : {}),
    },
  };
}

/** ACCEPT: apply `operations` to offers of one agent and role. */
export function acceptCall(
  frameworkId: string,
  offerIds: readonly string[],
  operations: readonly OfferOperation[],
  filters?: Filters,
): SchedulerCall {
  return {
    framework_id: id(frameworkId),
    type: 'ACCEPT',
    accept: {
      offer_ids: offerIds.map(id),
      ...(operations.length > 0 ? { operations: [...operations] } : {}),
      ...(filters === undefined ? {} : { filters }),
    },
  };
}

/** DECLINE: give the offers back, optionally refusing them for `filters.refuse_seconds`. */
export function declineCall(
  frameworkId: string,
  offerIds: readonly string[],
  filters?: Filters,
): SchedulerCall {
  return {
    framework_id: id(frameworkId),
    type: 'DECLINE',
    decline: { offer_ids: offerIds.map(id), ...(filters === undefined ? {} : { filters }) },
  };
}

/** REVIVE `roles` (all subscribed roles when empty) and clear their decline filters. */
export function reviveCall(frameworkId: string, roles: readonly string[] = []): SchedulerCall {
  return {
    framework_id: id(frameworkId),
    type: 'REVIVE',
    revive: roles.length > 0 ? { roles: [...roles] } : {},
  };
}

/** SUPPRESS offers for `roles` (all subscribed roles when empty). */
export function suppressCall(frameworkId: string, roles: readonly string[] = []): SchedulerCall {
  return {
    framework_id: id(frameworkId),
    type: 'SUPPRESS',
    suppress: roles.length > 0 ? { roles: [...roles] } : {},
  };
}

/** KILL a task; `killPolicy` overrides the task's own grace period. */
export function killCall(
  frameworkId: string,
  taskId: string,
  agentId?: string,
  killPolicy?: KillPolicy,
): SchedulerCall {
  return {
    framework_id: id(frameworkId),
    type: 'KILL',
    kill: {
      task_id: id(taskId),
      ...(agentId === undefined ? {} : { agent_id: id(agentId) }),
      ...(killPolicy === undefined ? {} : { kill_policy: killPolicy }),
    },
  };
}

/** SHUTDOWN a custom executor. */
export function shutdownCall(frameworkId: string, executorId: string, agentId: string): SchedulerCall {
  return {
    framework_id: id(frameworkId),
    type: 'SHUTDOWN',
    shutdown: { executor_id: id(executorId), agent_id: id(agentId) },
  };
}

/** ACKNOWLEDGE an update that carried `uuid` (see needsAcknowledgement). */
export function acknowledgeCall(
  frameworkId: string,
  agentId: string,
  taskId: string,
  uuid: Uint8Array,
): SchedulerCall {
  return {
    framework_id: id(frameworkId),
    type: 'ACKNOWLEDGE',
    acknowledge: { agent_id: id(agentId), task_id: id(taskId), uuid },
  };
}

/**
 * RECONCILE the given tasks; an empty list is an implicit reconciliation, which still needs the empty
 * `reconcile` sub-message (`"reconcile": {}`), or the master answers 400.
 */
export function reconcileCall(frameworkId: string, tasks: readonly ReconcileTask[]): SchedulerCall {
  return {
    framework_id: id(frameworkId),
    type: 'RECONCILE',
    reconcile:
      tasks.length === 0
        ? {}
        : {
            tasks: tasks.map((t) => ({
              task_id: id(t.taskId),
              ...(t.agentId === undefined ? {} : { agent_id: id(t.agentId) }),
            })),
          },
  };
}

/** MESSAGE: opaque bytes to an executor, best effort. */
export function messageCall(
  frameworkId: string,
  agentId: string,
  executorId: string,
  data: Uint8Array,
): SchedulerCall {
  return {
    framework_id: id(frameworkId),
    type: 'MESSAGE',
    message: { agent_id: id(agentId), executor_id: id(executorId), data },
  };
}

/** TEARDOWN: remove the framework and every task it runs. */
export function teardownCall(frameworkId: string): SchedulerCall {
  return { framework_id: id(frameworkId), type: 'TEARDOWN' };
}

/**
 * UPDATE_FRAMEWORK. Like SUBSCRIBE it replaces the suppressed set, so the current one is always sent;
 * `framework_info.id` is set to `frameworkId` (the master requires them equal).
 */
export function updateFrameworkCall(
  frameworkId: string,
  info: FrameworkInfo,
  suppressedRoles: readonly string[],
): SchedulerCall {
  return {
    framework_id: id(frameworkId),
    type: 'UPDATE_FRAMEWORK',
    update_framework: {
      framework_info: { ...info, id: id(frameworkId) },
      ...(suppressedRoles.length > 0 ? { suppressed_roles: [...suppressedRoles] } : {}),
    },
  };
}
