// Per-task launch validation of the master (REFERENCE §5.6): a problem turns the task into TASK_ERROR with
// REASON_TASK_INVALID (or REASON_TASK_GROUP_INVALID for a whole group). Pure: the caller passes what the
// master knows and applies the returned resource consumption.
import type { ExecutorInfo, Resource, TaskInfo } from '../../protos/mesos/v1/types.js';
import { idProblem } from '../ids.js';
import { addBags, bagOf, contains, describeBag, overlaps, type ResourceBag } from '../resources.js';
import { isNodalError } from '../../config/errors.js';

export interface LaunchContext {
  frameworkId: string;
  agentId: string;
  offerRole: string;
  /** What is left of the accepted offers (earlier operations of the same ACCEPT already consumed). */
  pool: ResourceBag;
  /** Ids of the framework's live and unreachable tasks, plus those launched earlier in this ACCEPT. */
  taskIdInUse(taskId: string): boolean;
  /** The ExecutorInfo of an executor this framework already has (or launches in this ACCEPT) on the agent. */
  existingExecutor(executorId: string): ExecutorInfo | undefined;
}

export type LaunchVerdict =
  { ok: true; consumed: ResourceBag; newExecutor: boolean } | { ok: false; message: string };

const fail = (message: string): LaunchVerdict => ({ ok: false, message });

/** A copy of the ExecutorInfo as the master compares and stores it: framework id set, allocation stripped. */
export function normaliseExecutor(info: ExecutorInfo, frameworkId: string): ExecutorInfo {
  return {
    ...info,
    framework_id: { value: frameworkId },
    resources: info.resources?.map(({ allocation_info: _a, ...r }) => r as Resource),
  };
}

function stable(value: unknown): string {
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** True when two ExecutorInfos describe the same executor (Mesos requires them byte-identical). */
export const sameExecutor = (a: ExecutorInfo, b: ExecutorInfo, frameworkId: string): boolean =>
  stable(normaliseExecutor(a, frameworkId)) === stable(normaliseExecutor(b, frameworkId));

function bagOrProblem(resources: Resource[] | undefined, role: string, what: string): ResourceBag | string {
  try {
    return bagOf(resources, role);
  } catch (e) {
    if (isNodalError(e, 'VALIDATION')) return `${what} uses invalid resources: ${e.message}`;
    throw e;
  }
}

function executorProblem(executor: ExecutorInfo, frameworkId: string, group: boolean): string | undefined {
  const idP = idProblem('Executor', executor.executor_id?.value);
  if (idP) return idP;
  if (executor.framework_id && executor.framework_id.value !== frameworkId)
    return `ExecutorInfo has an invalid FrameworkID (Actual: ${executor.framework_id.value} vs Expected: ${frameworkId})`;
  if (group) {
    if (executor.type !== 'DEFAULT' && executor.type !== 'CUSTOM')
      return "'ExecutorInfo.type' must be 'DEFAULT' or 'CUSTOM' for a task group";
    if (executor.type === 'DEFAULT' && executor.command)
      return "'ExecutorInfo.command' must not be set for 'DEFAULT' executor";
    if (executor.container?.type === 'DOCKER')
      return 'Docker ContainerInfo is not supported on the executor of a task group';
  } else if (executor.type !== undefined && executor.type !== 'CUSTOM') {
    return "'ExecutorInfo.type' must be 'CUSTOM'";
  }
  if (executor.type !== 'DEFAULT' && !executor.command)
    return "'ExecutorInfo.command' must be set for a custom executor";
  const grace = executor.shutdown_grace_period?.nanoseconds;
  if (grace !== undefined && grace < 0) return "ExecutorInfo's 'shutdown_grace_period' must be non-negative";
  return undefined;
}

function taskShapeProblem(
  task: TaskInfo,
  ctx: LaunchContext,
  groupExecutor: ExecutorInfo | undefined,
): string | undefined {
  const idP = idProblem('Task', task.task_id?.value);
  if (idP) return idP;
  if (ctx.taskIdInUse(task.task_id.value)) return `Task has duplicate ID: ${task.task_id.value}`;
  if (task.agent_id?.value !== ctx.agentId)
    return `Task uses invalid agent: ${task.agent_id?.value ?? '(none)'} (the offer's agent is ${ctx.agentId})`;
  if (groupExecutor) {
    if (task.executor && !sameExecutor(task.executor, groupExecutor, ctx.frameworkId))
      return 'The executor of a task in a task group must be the task group executor';
    if (groupExecutor.type === 'DEFAULT' && !task.command)
      return "A task of a 'DEFAULT' executor group must set 'command'";
    if (task.container?.type === 'DOCKER') return 'Docker ContainerInfo is not supported in a task group';
  } else if (Boolean(task.command) === Boolean(task.executor)) {
    return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
  }
  if (task.health_check && task.health_check.type === undefined) return "HealthCheck must specify 'type'";
  if (task.check && task.check.type === undefined) return "CheckInfo must specify 'type'";
  const grace = task.kill_policy?.grace_period?.nanoseconds;
  if (grace !== undefined && grace < 0) return "Task's 'kill_policy.grace_period' must be non-negative";
  const mct = task.max_completion_time?.nanoseconds;
  if (mct !== undefined && mct < 0) return "Task's 'max_completion_time' must be non-negative";
  if (!groupExecutor && task.container?.linux_info?.share_cgroups === false)
    return "'share_cgroups' can only be set to false for nested containers (task groups)";
  if (!task.resources?.length) return 'Task uses no resources';
  return undefined;
}

function limitsProblem(task: TaskInfo, taskBag: ResourceBag): string | undefined {
  for (const [name, scalar] of Object.entries(task.limits ?? {})) {
    if (name !== 'cpus' && name !== 'mem')
      return `Resource limit '${name}' is not supported (only cpus and mem)`;
    const request = taskBag.get(name);
    const requested = request?.kind === 'SCALAR' ? request.milli / 1000 : 0;
    if (!(scalar.value >= requested))
      return `Resource limit of '${name}' (${scalar.value}) is below its request (${requested})`;
  }
  return undefined;
}

/**
 * Validates one task (of a LAUNCH, or of a LAUNCH_GROUP when `groupExecutor` is given) against the context.
 * On success returns what it consumes from the pool: its resources plus a new executor's.
 */
export function validateTask(
  task: TaskInfo,
  ctx: LaunchContext,
  groupExecutor?: ExecutorInfo,
): LaunchVerdict {
  const shape = taskShapeProblem(task, ctx, groupExecutor);
  if (shape) return fail(shape);
  const taskBag = bagOrProblem(task.resources, ctx.offerRole, 'Task');
  if (typeof taskBag === 'string') return fail(taskBag);
  const limits = limitsProblem(task, taskBag);
  if (limits) return fail(limits);

  const executor = groupExecutor ?? task.executor;
  let consumed = taskBag;
  let newExecutor = false;
  if (executor) {
    const exP = executorProblem(executor, ctx.frameworkId, groupExecutor !== undefined);
    if (exP) return fail(exP);
    const existing = ctx.existingExecutor(executor.executor_id.value);
    if (existing && !sameExecutor(existing, executor, ctx.frameworkId))
      return fail(
        `ExecutorInfo is not compatible with ExecutorInfo of existing executor ${executor.executor_id.value}`,
      );
    if (!existing) {
      const exBag = bagOrProblem(executor.resources, ctx.offerRole, 'Executor');
      if (typeof exBag === 'string') return fail(exBag);
      if (overlaps(taskBag, exBag)) return fail('Task and its executor use overlapping ranges or set items');
      consumed = addBags(taskBag, exBag);
      newExecutor = true;
    }
  }
  if (!contains(ctx.pool, consumed))
    return fail(`Task uses more resources ${describeBag(consumed)} than available ${describeBag(ctx.pool)}`);
  return { ok: true, consumed, newExecutor };
}
