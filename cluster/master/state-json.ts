// `/master/state` in the shape of Mesos' endpoint (frameworks with tasks, slaves with resources, leader
// info, flags), enough for `nodal` and tests to inspect the cluster. Statuses also carry source, reason and
// message (a superset of Mesos), and tasks whose container image could not be applied say so.
import type { Attribute, TaskStatus } from '../../protos/mesos/v1/types.js';
import { addBags, EMPTY_BAG, summaryOf } from '../resources.js';
import type { Master } from './master.js';
import { usedBy, type FrameworkRecord, type OfferRecord, type TaskRecord } from './registry.js';
import { capabilitiesOf } from '../capabilities.js';

const secs = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

function attributeValue(a: Attribute): string | number {
  if (a.type === 'SCALAR') return a.scalar?.value ?? 0;
  if (a.type === 'TEXT') return a.text?.value ?? '';
  if (a.type === 'SET') return `{${(a.set?.item ?? []).join(',')}}`;
  return `[${(a.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(',')}]`;
}

function statusJson(s: TaskStatus): Record<string, unknown> {
  return {
    state: s.state,
    timestamp: s.timestamp,
    source: s.source,
    reason: s.reason,
    message: s.message,
    healthy: s.healthy,
    container_status: s.container_status,
  };
}

function taskJson(t: TaskRecord): Record<string, unknown> {
  return {
    id: t.info.task_id.value,
    name: t.info.name,
    framework_id: t.frameworkId,
    executor_id: t.executorId ?? '',
    slave_id: t.agentId,
    state: t.state,
    role: t.role,
    resources: summaryOf(t.resources),
    statuses: t.statuses.map(statusJson),
    labels: t.info.labels?.labels,
    container: t.info.container,
    discovery: t.info.discovery,
    unreachable_time:
      t.unreachableSinceMs === undefined ? undefined : { nanoseconds: t.unreachableSinceMs * 1_000_000 },
    ...(t.imageNotApplied ? { image_not_applied: t.imageNotApplied } : {}),
  };
}

function offerJson(o: OfferRecord): Record<string, unknown> {
  return {
    id: o.id,
    framework_id: o.frameworkId,
    slave_id: o.agentId,
    resources: summaryOf(o.resources),
    allocation_info: o.offer.allocation_info,
  };
}

function frameworkJson(master: Master, fw: FrameworkRecord): Record<string, unknown> {
  const agents = [...master.agents.values()];
  let used = EMPTY_BAG;
  let offered = EMPTY_BAG;
  for (const agent of agents) used = addBags(used, usedBy(fw, agent));
  for (const o of master.book.offers.values())
    if (o.frameworkId === fw.id) offered = addBags(offered, o.resources);
  const executors = agents.flatMap((agent) =>
    [...(agent.executors.get(fw.id)?.values() ?? [])].map((ex) => ({
      executor_id: ex.info.executor_id.value,
      name: ex.info.name ?? '',
      framework_id: fw.id,
      slave_id: agent.id,
      type: ex.info.type,
      command: ex.info.command,
      resources: summaryOf(ex.resources),
    })),
  );
  return {
    id: fw.id,
    name: fw.info.name,
    user: fw.info.user,
    principal: fw.info.principal,
    hostname: fw.info.hostname ?? '',
    webui_url: fw.info.webui_url ?? '',
    role: fw.info.role,
    roles: fw.roles,
    suppressed_roles: [...fw.suppressedRoles],
    capabilities: [...capabilitiesOf(fw.info)],
    failover_timeout: fw.info.failover_timeout ?? 0,
    checkpoint: fw.info.checkpoint ?? false,
    active: fw.connected && master.frameworks.has(fw.id),
    connected: fw.connected,
    recovered: false,
    registered_time: secs(fw.registeredTimeMs),
    reregistered_time: secs(fw.reregisteredTimeMs),
    unregistered_time: secs(fw.unregisteredTimeMs) ?? 0,
    used_resources: summaryOf(used),
    offered_resources: summaryOf(offered),
    resources: summaryOf(addBags(used, offered)),
    tasks: [...fw.tasks.values()].map(taskJson),
    unreachable_tasks: [...fw.unreachableTasks.values()].map(taskJson),
    completed_tasks: fw.completedTasks.map(taskJson),
    offers: [...master.book.offers.values()].filter((o) => o.frameworkId === fw.id).map(offerJson),
    executors,
    labels: fw.info.labels?.labels,
  };
}

/** The whole state document. `flags` are the cluster's effective options. */
export function masterState(master: Master, flags: Record<string, unknown>): Record<string, unknown> {
  const info = master.masterInfo;
  const agents = [...master.agents.values()];
  return {
    version: info.version,
    id: info.id,
    pid: info.pid,
    hostname: info.hostname,
    start_time: secs(master.startTimeMs),
    elected_time: secs(master.startTimeMs),
    leader: info.pid,
    leader_info: info,
    activated_slaves: agents.filter((a) => a.unreachableSinceMs === undefined).length,
    deactivated_slaves: 0,
    unreachable_slaves: agents.filter((a) => a.unreachableSinceMs !== undefined).length,
    flags: Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, String(v)])),
    slaves: agents
      .filter((a) => a.unreachableSinceMs === undefined)
      .map((a) => {
        const { used, offered } = master.agentUsage(a);
        return {
          id: a.id,
          pid: a.pid,
          hostname: a.info.hostname,
          port: a.port,
          registered_time: secs(a.registeredTimeMs),
          active: true,
          deactivated: false,
          version: info.version,
          resources: summaryOf(a.total),
          used_resources: summaryOf(used),
          offered_resources: summaryOf(offered),
          unreserved_resources: summaryOf(a.total),
          reserved_resources: {},
          attributes: Object.fromEntries((a.info.attributes ?? []).map((x) => [x.name, attributeValue(x)])),
        };
      }),
    unreachable_slaves_list: agents
      .filter((a) => a.unreachableSinceMs !== undefined)
      .map((a) => ({ id: a.id, hostname: a.info.hostname, unreachable_time: secs(a.unreachableSinceMs) })),
    frameworks: [...master.frameworks.values()].map((fw) => frameworkJson(master, fw)),
    completed_frameworks: master.completedFrameworks.map((fw) => frameworkJson(master, fw)),
    unregistered_frameworks: [],
    orphan_tasks: [],
  };
}
