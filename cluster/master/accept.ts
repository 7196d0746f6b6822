// ACCEPT as a master processes it: the offers are checked as a whole (same agent and role, known, no
// duplicates; otherwise every launch is TASK_DROPPED/TASK_LOST with REASON_INVALID_OFFERS), then each
// operation in order against what the earlier ones left of the offered pool; what no operation used is
// recovered under the call's filters. Every verdict is a master-generated update (no uuid).
import type {
  ExecutorInfo,
  Filters,
  OfferOperation,
  TaskInfo,
  TaskStatus,
} from '../../protos/mesos/v1/types.js';
import { hasCapability } from '../capabilities.js';
import { subtractBags, type ResourceBag } from '../resources.js';
import { validateTask, type LaunchContext } from './launch-validation.js';
import { masterStatus } from './statuses.js';
import type { AgentRecord, FrameworkRecord } from './registry.js';

export type TakenOffers =
  { ok: true; agent: AgentRecord; role: string; pool: ResourceBag } | { ok: false; message: string };

/** What ACCEPT needs from the master. */
export interface AcceptHost {
  /** Validates and removes the offers; on failure the valid ones are recovered without a filter. */
  takeOffers(fw: FrameworkRecord, offerIds: string[]): TakenOffers;
  recover(
    fw: FrameworkRecord,
    agentId: string,
    role: string,
    resources: ResourceBag,
    filters: Filters | undefined,
  ): void;
  /** Records the tasks (TASK_STAGING), charges a new executor and hands the launch to the agent. */
  launch(
    fw: FrameworkRecord,
    agent: AgentRecord,
    role: string,
    tasks: TaskInfo[],
    executor: ExecutorInfo | undefined,
    newExecutor: boolean,
    group: boolean,
  ): void;
  sendMasterUpdate(fw: FrameworkRecord, status: TaskStatus): void;
  warn(message: string, meta: Record<string, unknown>): void;
}

export interface AcceptCall {
  offer_ids?: Array<{ value: string }>;
  operations?: OfferOperation[];
  filters?: Filters;
}

function tasksOf(op: OfferOperation): TaskInfo[] {
  if (op.type === 'LAUNCH') return op.launch?.task_infos ?? [];
  if (op.type === 'LAUNCH_GROUP') return op.launch_group?.task_group?.tasks ?? [];
  return [];
}

export function processAccept(host: AcceptHost, fw: FrameworkRecord, accept: AcceptCall): void {
  const operations = accept.operations ?? [];
  const taken = host.takeOffers(
    fw,
    (accept.offer_ids ?? []).map((o) => o.value),
  );
  if (!taken.ok) {
    for (const task of operations.flatMap(tasksOf))
      host.sendMasterUpdate(
        fw,
        masterStatus({
          taskId: task.task_id.value,
          agentId: task.agent_id?.value,
          state: hasCapability(fw.info, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST',
          reason: 'REASON_INVALID_OFFERS',
          message: `Task launched with invalid offers: ${taken.message}`,
        }),
      );
    return;
  }
  const { agent, role } = taken;
  let pool = taken.pool;
  const context = (): LaunchContext => ({
    frameworkId: fw.id,
    agentId: agent.id,
    offerRole: role,
    pool,
    taskIdInUse: (id) => fw.tasks.has(id) || fw.unreachableTasks.has(id),
    existingExecutor: (id) => agent.executors.get(fw.id)?.get(id)?.info,
  });
  const reject = (tasks: TaskInfo[], message: string, group: boolean) => {
    for (const task of tasks)
      host.sendMasterUpdate(
        fw,
        masterStatus({
          taskId: task.task_id.value,
          agentId: task.agent_id?.value,
          state: 'TASK_ERROR',
          reason: group ? 'REASON_TASK_GROUP_INVALID' : 'REASON_TASK_INVALID',
          message,
        }),
      );
  };

  for (const op of operations) {
    if (op.type !== 'LAUNCH' && op.type !== 'LAUNCH_GROUP') {
      host.warn('offer operation not supported by the embedded cluster; ignored', {
        framework: fw.id,
        operation: op.type,
      });
      continue;
    }
    const group = op.type === 'LAUNCH_GROUP';
    if (op.id !== undefined) {
      reject(
        tasksOf(op),
        `The 'id' field was set in an offer operation, but operation feedback is not supported for ${op.type} operations`,
        group,
      );
      continue;
    }
    if (!group) {
      for (const task of tasksOf(op)) {
        const verdict = validateTask(task, context());
        if (!verdict.ok) {
          reject([task], verdict.message, false);
          continue;
        }
        pool = subtractBags(pool, verdict.consumed);
        host.launch(fw, agent, role, [task], task.executor, verdict.newExecutor, false);
      }
      continue;
    }
    // A task group is all-or-nothing: validate every task against a scratch pool, then launch them together.
    const executor = op.launch_group?.executor;
    const tasks = tasksOf(op);
    if (!executor || tasks.length === 0) {
      reject(tasks, 'A task group needs an executor and at least one task', true);
      continue;
    }
    let scratch = pool;
    let executorCharged = false;
    const accepted: TaskInfo[] = [];
    const seen = new Set<string>();
    let problem: string | undefined;
    for (const task of tasks) {
      const base = context();
      const verdict = validateTask(
        task,
        {
          ...base,
          pool: scratch,
          taskIdInUse: (id) => seen.has(id) || base.taskIdInUse(id),
          existingExecutor: (id) =>
            executorCharged && id === executor.executor_id.value ? executor : base.existingExecutor(id),
        },
        executor,
      );
      if (!verdict.ok) {
        problem = verdict.message;
        break;
      }
      seen.add(task.task_id.value);
      executorCharged ||= verdict.newExecutor;
      scratch = subtractBags(scratch, verdict.consumed);
      accepted.push(task);
    }
    if (problem !== undefined) {
      reject(tasks, problem, true);
      continue;
    }
    pool = scratch;
    host.launch(fw, agent, role, accepted, executor, executorCharged, true);
  }
  host.recover(fw, agent.id, role, pool, accept.filters);
}
