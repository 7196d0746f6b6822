// What the master remembers about agents, frameworks, tasks and offers, and the resource sums derived
// from them (computed on demand, so a released task can never leave a stale "used" total behind).
import type {
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  Offer,
  SchedulerEvent,
  TaskInfo,
  TaskState,
  TaskStatus,
} from '../../protos/mesos/v1/types.js';
import type { AgentLink } from '../links.js';
import type { EventStream } from '../http/event-stream.js';
import { addBags, EMPTY_BAG, subtractBags, type ResourceBag } from '../resources.js';
import type { OfferFilter } from './allocator.js';
import { isTerminal } from '../task-states.js';
import type { TaskView } from './reconcile.js';

export interface ExecutorRecord {
  info: ExecutorInfo;
  resources: ResourceBag;
}

export interface AgentRecord {
  id: string;
  info: AgentInfo;
  total: ResourceBag;
  hasGpus: boolean;
  port: number;
  pid: string;
  link: AgentLink;
  registeredTimeMs: number;
  /** Set once the agent is lost (fault injection): it is unreachable from then on. */
  unreachableSinceMs?: number;
  /** frameworkId → executorId → executor charged on this agent. */
  executors: Map<string, Map<string, ExecutorRecord>>;
}

export interface TaskRecord {
  info: TaskInfo;
  frameworkId: string;
  agentId: string;
  /** Custom/default executor id; undefined for a command task. */
  executorId?: string;
  role: string;
  resources: ResourceBag;
  state: TaskState;
  statuses: TaskStatus[];
  healthy?: boolean;
  /** Hex uuid of the update that made the task terminal; its acknowledgement removes the task. */
  terminalUuid?: string;
  unreachableSinceMs?: number;
  /** Container images cannot be applied locally; recorded so users see it in the state. */
  imageNotApplied?: string;
}

export interface OfferRecord {
  id: string;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: ResourceBag;
  offer: Offer;
}

export interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  roles: string[];
  suppressedRoles: Set<string>;
  filters: OfferFilter[];
  stream?: EventStream<SchedulerEvent>;
  streamId?: string;
  heartbeat?: NodeJS.Timeout;
  failoverTimer?: NodeJS.Timeout;
  connected: boolean;
  registeredTimeMs: number;
  reregisteredTimeMs?: number;
  unregisteredTimeMs?: number;
  tasks: Map<string, TaskRecord>;
  unreachableTasks: Map<string, TaskRecord>;
  completedTasks: TaskRecord[];
}

/** Completed tasks kept per framework (Mesos' --max_completed_tasks_per_framework default). */
export const MAX_COMPLETED_TASKS = 1000;

export const holdsResources = (t: TaskRecord): boolean =>
  !isTerminal(t.state) && t.unreachableSinceMs === undefined;

/** Resources held on `agent` by tasks and executors of every framework. */
export function usedOn(agent: AgentRecord, frameworks: Iterable<FrameworkRecord>): ResourceBag {
  let used = EMPTY_BAG;
  for (const fw of frameworks) used = addBags(used, usedBy(fw, agent));
  return used;
}

/** Resources the framework's tasks and executors hold on `agent`. */
export function usedBy(fw: FrameworkRecord, agent: AgentRecord): ResourceBag {
  let used = EMPTY_BAG;
  for (const t of fw.tasks.values())
    if (t.agentId === agent.id && holdsResources(t)) used = addBags(used, t.resources);
  for (const ex of agent.executors.get(fw.id)?.values() ?? []) used = addBags(used, ex.resources);
  return used;
}

export function offeredOn(agentId: string, offers: Iterable<OfferRecord>): ResourceBag {
  let bag = EMPTY_BAG;
  for (const o of offers) if (o.agentId === agentId) bag = addBags(bag, o.resources);
  return bag;
}

/** What is neither used nor outstanding in an offer. */
export function freeOn(
  agent: AgentRecord,
  frameworks: Iterable<FrameworkRecord>,
  offers: Iterable<OfferRecord>,
): ResourceBag {
  return subtractBags(subtractBags(agent.total, usedOn(agent, frameworks)), offeredOn(agent.id, offers));
}

export function taskView(t: TaskRecord): TaskView {
  return {
    taskId: t.info.task_id.value,
    agentId: t.agentId,
    executorId: t.executorId,
    state: t.state,
    healthy: t.healthy,
    unreachableTimeMs: t.unreachableSinceMs,
  };
}

/** Moves a task to the framework's bounded completed list. */
export function completeTask(fw: FrameworkRecord, t: TaskRecord): void {
  const id = t.info.task_id.value;
  fw.tasks.delete(id);
  fw.unreachableTasks.delete(id);
  fw.completedTasks.push(t);
  if (fw.completedTasks.length > MAX_COMPLETED_TASKS) fw.completedTasks.shift();
}
