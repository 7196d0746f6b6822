// Mesos messages (protos/mesos/v1/types.ts shape) → the core's domain inputs. Kept beside the
// TaskInfo builder so the two directions of the resource mapping stay consistent.
import type { DomainOffer, Input, PortRange, ReservationRef, ReservedResources } from '../core/index.js';
import { isTaskReason } from '../core/index.js';
import type {
  Attribute,
  Offer,
  Resource,
  ResourceReservationInfo,
  TaskStatus,
} from '../../protos/mesos/v1/types.js';

interface Acc {
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
  ports: PortRange[];
}
const emptyAcc = (): Acc => ({ cpus: 0, mem: 0, disk: 0, gpus: 0, ports: [] });

/**
 * The domain view of an offer. Unknown resource names, revocable, shared and persistent-volume
 * resources are left out (nodal uses none of them, and launching on them needs more than a copy).
 */
export function domainOfferFrom(offer: Offer): DomainOffer {
  const total = emptyAcc();
  const reserved = new Map<string, { reservation: ReservationRef; acc: Acc }>();
  for (const r of offer.resources ?? []) {
    if (r.revocable || r.shared || r.disk) continue;
    const reservation = reservationOf(r);
    add(total, r);
    if (reservation) {
      const key = JSON.stringify(reservation);
      const entry = reserved.get(key) ?? { reservation, acc: emptyAcc() };
      add(entry.acc, r);
      reserved.set(key, entry);
    }
  }
  return {
    id: offer.id.value,
    agentId: offer.agent_id.value,
    hostname: offer.hostname,
    attributes: attributesOf(offer.attributes ?? []),
    allocationRole: offer.allocation_info?.role ?? '*',
    resources: total,
    reserved: [...reserved.values()].map((e): ReservedResources => ({
      reservation: e.reservation,
      resources: e.acc,
    })),
  };
}

function add(acc: Acc, r: Resource): void {
  if (r.name === 'ports')
    acc.ports.push(...(r.ranges?.range ?? []).map((x) => ({ begin: x.begin, end: x.end })));
  else if (r.name === 'cpus' || r.name === 'mem' || r.name === 'disk' || r.name === 'gpus')
    acc[r.name] = Math.round((acc[r.name] + (r.scalar?.value ?? 0)) * 1000) / 1000;
}

// Both forms: `reservations` (a stack, RESERVATION_REFINEMENT) or the older `role` + `reservation`.
function reservationOf(r: Resource): ReservationRef | undefined {
  const top: ResourceReservationInfo | undefined = r.reservations?.length
    ? r.reservations[r.reservations.length - 1]
    : undefined;
  if (top) return ref(top.role ?? '*', top.type === 'STATIC' ? 'STATIC' : 'DYNAMIC', top);
  if (r.role !== undefined && r.role !== '*')
    return ref(r.role, r.reservation ? 'DYNAMIC' : 'STATIC', r.reservation);
  return undefined;
}

function ref(
  role: string,
  type: 'STATIC' | 'DYNAMIC',
  info: ResourceReservationInfo | undefined,
): ReservationRef {
  const labels = info?.labels?.labels;
  return {
    role,
    type,
    ...(info?.principal !== undefined ? { principal: info.principal } : {}),
    ...(labels && labels.length
      ? { labels: Object.fromEntries(labels.map((l) => [l.key, l.value ?? ''])) }
      : {}),
  };
}

/** Attributes as text: TEXT as is, SCALAR as its number, SET as `{a,b}`, RANGES as `[1-2,5-6]` (Marathon's rendering). */
export function attributesOf(attrs: readonly Attribute[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of attrs) {
    if (a.type === 'TEXT' && a.text) out[a.name] = a.text.value;
    else if (a.type === 'SCALAR' && a.scalar) out[a.name] = String(a.scalar.value);
    else if (a.type === 'SET' && a.set) out[a.name] = `{${(a.set.item ?? []).join(',')}}`;
    else if (a.type === 'RANGES' && a.ranges)
      out[a.name] = `[${(a.ranges.range ?? []).map((x) => `${x.begin}-${x.end}`).join(',')}]`;
  }
  return out;
}

/**
 * The core input for an UPDATE event's status. `uuid` becomes base64 (acknowledge with the same bytes);
 * a reason is passed on only when present (its proto2 default would misread as COMMAND_EXECUTOR_FAILED).
 */
export function taskStatusInputFrom(status: TaskStatus): Extract<Input, { type: 'taskStatus' }> {
  return {
    type: 'taskStatus',
    taskId: status.task_id.value,
    state: status.state,
    ...(status.reason !== undefined && isTaskReason(status.reason) ? { reason: status.reason } : {}),
    ...(status.source !== undefined ? { source: status.source } : {}),
    ...(status.message !== undefined ? { message: status.message } : {}),
    ...(status.agent_id ? { agentId: status.agent_id.value } : {}),
    ...(status.executor_id ? { executorId: status.executor_id.value } : {}),
    ...(status.uuid && status.uuid.length > 0 ? { uuid: Buffer.from(status.uuid).toString('base64') } : {}),
    ...(status.healthy !== undefined ? { healthy: status.healthy } : {}),
  };
}
