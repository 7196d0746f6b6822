// Placement: from one batch of offers, choose where pending tasks go. Pure and linear in offers per
// request: GPU tasks only to offers with GPUs; CPU-only tasks to agents without GPUs first and to GPU
// agents only when no other offer fits; PS shards spread over agents; constraints per (job, role);
// several tasks packed into one offer while they fit; ports taken from the offer's `ports` ranges;
// reserved resources used before unreserved ones.
import { SiteCounts, monotone, type Constraint, type Site } from './constraints.js';
import type { DomainOffer, ReservationRef } from './offer.js';
import {
  fromMilli,
  mergeRanges,
  portsToRanges,
  subtractRanges,
  toMilli,
  type PortRange,
  type ScalarName,
  type ScalarResources,
} from './resources.js';

/** Part of an offer given to a task or its executor. */
export type ResourceGrant =
  | { readonly name: ScalarName; readonly value: number; readonly reservation?: ReservationRef }
  | { readonly name: 'ports'; readonly ranges: readonly PortRange[]; readonly reservation?: ReservationRef };

/** What one task needs: scalars plus a number of ports. */
export interface TaskNeeds extends ScalarResources {
  readonly ports: number;
}

/** Tasks of one (job, role) to place; they share needs and constraints. */
export interface PlacementRequest {
  /** Unique among the requests of one call (`<job>/<role>`). */
  readonly key: string;
  /** Slot indices to place, in order of preference. */
  readonly indices: readonly number[];
  readonly task: TaskNeeds;
  /** The executor's own share, charged with the task (one executor per task). */
  readonly executor: { readonly cpus: number; readonly mem: number };
  readonly constraints: readonly Constraint[];
  /** Only offers allocated to this Mesos role; undefined: any. */
  readonly allocationRole?: string;
  readonly avoidAgents: ReadonlySet<string>;
  /** Prefer the agent holding the fewest tasks of this request (PS shards). */
  readonly spread: boolean;
  /** Active tasks of the same (job, role), for constraints and spreading. */
  readonly placed: readonly (Site & { readonly agentId: string })[];
  /** Considered only when the request with this key placed all its indices (PS before workers). */
  readonly after?: string;
}

/** One placed task. */
export interface Assignment {
  readonly key: string;
  readonly index: number;
  readonly offer: DomainOffer;
  readonly task: readonly ResourceGrant[];
  readonly executor: readonly ResourceGrant[];
  readonly ports: readonly number[];
}

export interface PlacementResult {
  readonly assignments: readonly Assignment[];
  /** Offers no task went to, to be declined. */
  readonly unusedOfferIds: readonly string[];
  /** Indices that found no room (including those of requests waiting on `after`). */
  readonly unplaced: number;
}

export interface PlacementContext {
  /** Agents known to have GPUs even when an offer carries none of them. */
  readonly gpuAgents: Readonly<Record<string, true>>;
}

interface Pool {
  readonly reservation?: ReservationRef;
  // Fixed-point thousandths, as Mesos compares them.
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
  ports: PortRange[];
}

type Milli = Record<ScalarName, number>;

const SCALARS: readonly ScalarName[] = ['cpus', 'mem', 'disk', 'gpus'];

/** The remaining room of one offer during a placement call. */
class OfferSpace {
  // Built on the first take: most offers of a large batch are only looked at, never used.
  private poolsCache: Pool[] | undefined;
  readonly total: Milli;
  freePorts: number;
  used = false;

  constructor(
    readonly offer: DomainOffer,
    readonly gpuAgent: boolean,
  ) {
    const res = offer.resources;
    this.total = {
      cpus: toMilli(res.cpus),
      mem: toMilli(res.mem),
      disk: toMilli(res.disk),
      gpus: toMilli(res.gpus),
    };
    let ports = 0;
    for (const r of mergeRanges(res.ports)) ports += r.end - r.begin + 1;
    this.freePorts = ports;
  }

  private get pools(): Pool[] {
    if (this.poolsCache) return this.poolsCache;
    const { offer } = this;
    const reserved: Pool[] = offer.reserved.map((r) => ({
      reservation: r.reservation,
      cpus: toMilli(r.resources.cpus),
      mem: toMilli(r.resources.mem),
      disk: toMilli(r.resources.disk),
      gpus: toMilli(r.resources.gpus),
      ports: mergeRanges(r.resources.ports),
    }));
    const res = offer.resources;
    const unreserved: Pool = {
      cpus: toMilli(res.cpus) - sum(reserved, 'cpus'),
      mem: toMilli(res.mem) - sum(reserved, 'mem'),
      disk: toMilli(res.disk) - sum(reserved, 'disk'),
      gpus: toMilli(res.gpus) - sum(reserved, 'gpus'),
      ports: reserved.length
        ? subtractRanges(
            res.ports,
            reserved.flatMap((p) => p.ports),
          )
        : mergeRanges(res.ports),
    };
    return (this.poolsCache = [...reserved, unreserved]);
  }

  fits(need: Milli, ports: number): boolean {
    const t = this.total;
    return (
      t.cpus >= need.cpus &&
      t.mem >= need.mem &&
      t.disk >= need.disk &&
      t.gpus >= need.gpus &&
      this.freePorts >= ports
    );
  }

  /** Takes the task's and the executor's share; call only after `fits`. */
  take(
    task: TaskNeeds,
    executor: PlacementRequest['executor'],
  ): { task: ResourceGrant[]; executor: ResourceGrant[]; ports: number[] } {
    this.used = true;
    const taskGrants: ResourceGrant[] = [];
    for (const name of SCALARS) this.takeScalar(name, toMilli(task[name]), taskGrants);
    const ports = this.takePorts(task.ports, taskGrants);
    const executorGrants: ResourceGrant[] = [];
    this.takeScalar('cpus', toMilli(executor.cpus), executorGrants);
    this.takeScalar('mem', toMilli(executor.mem), executorGrants);
    return { task: taskGrants, executor: executorGrants, ports };
  }

  private takeScalar(name: ScalarName, amount: number, out: ResourceGrant[]): void {
    let left = amount;
    for (const pool of this.pools) {
      if (left <= 0) break;
      const n = Math.min(left, pool[name]);
      if (n <= 0) continue;
      pool[name] -= n;
      left -= n;
      out.push({ name, value: fromMilli(n), ...(pool.reservation ? { reservation: pool.reservation } : {}) });
    }
    this.total[name] -= amount;
  }

  private takePorts(count: number, out: ResourceGrant[]): number[] {
    const all: number[] = [];
    for (const pool of this.pools) {
      const mine: number[] = [];
      while (all.length + mine.length < count && pool.ports.length > 0) {
        const r = pool.ports[0]!;
        mine.push(r.begin);
        if (r.begin === r.end) pool.ports.shift();
        else pool.ports[0] = { begin: r.begin + 1, end: r.end };
      }
      if (mine.length)
        out.push({
          name: 'ports',
          ranges: portsToRanges(mine),
          ...(pool.reservation ? { reservation: pool.reservation } : {}),
        });
      all.push(...mine);
    }
    this.freePorts -= all.length;
    return all;
  }
}

function sum(pools: readonly Pool[], name: ScalarName): number {
  let n = 0;
  for (const p of pools) n += p[name];
  return n;
}

/** Places `requests` in order (earlier requests get first pick) onto `offers`. */
export function placeTasks(
  offers: readonly DomainOffer[],
  requests: readonly PlacementRequest[],
  ctx: PlacementContext,
): PlacementResult {
  const spaces = offers.map(
    (o) => new OfferSpace(o, o.resources.gpus > 0 || ctx.gpuAgents[o.agentId] === true),
  );
  const gpuSpaces = spaces.filter((s) => s.total.gpus > 0);
  const cpuPreferred = spaces.filter((s) => !s.gpuAgent);
  const cpuFallback = spaces.filter((s) => s.gpuAgent);
  const assignments: Assignment[] = [];
  const incomplete = new Set<string>();
  let unplaced = 0;

  for (const req of requests) {
    if (req.after !== undefined && incomplete.has(req.after)) {
      incomplete.add(req.key);
      unplaced += req.indices.length;
      continue;
    }
    const need: Milli = {
      cpus: toMilli(req.task.cpus) + toMilli(req.executor.cpus),
      mem: toMilli(req.task.mem) + toMilli(req.executor.mem),
      disk: toMilli(req.task.disk),
      gpus: toMilli(req.task.gpus),
    };
    const lists = req.task.gpus > 0 ? [gpuSpaces] : [cpuPreferred, cpuFallback];
    const counts = new SiteCounts(req.constraints, req.placed);
    if (!monotone(req.constraints)) for (const s of spaces) counts.observe(s.offer);
    const perAgent = new Map<string, number>();
    for (const p of req.placed) perAgent.set(p.agentId, (perAgent.get(p.agentId) ?? 0) + 1);
    const usable = (s: OfferSpace) =>
      s.fits(need, req.task.ports) &&
      !req.avoidAgents.has(s.offer.agentId) &&
      (req.allocationRole === undefined || s.offer.allocationRole === req.allocationRole) &&
      counts.allows(s.offer);
    // A space rejected once stays rejected for this request when constraints only tighten as tasks
    // are added (everything but GROUP_BY): resume the scan where the last one stopped.
    const cursors = lists.map(() => 0);
    const canResume = monotone(req.constraints);

    for (const index of req.indices) {
      let chosen: OfferSpace | undefined;
      for (let li = 0; li < lists.length && !chosen; li++) {
        const list = lists[li]!;
        if (req.spread) chosen = leastLoaded(list, usable, perAgent);
        else {
          let i = canResume ? cursors[li]! : 0;
          for (; i < list.length; i++) {
            if (usable(list[i]!)) {
              chosen = list[i];
              break;
            }
          }
          if (canResume) cursors[li] = i;
        }
      }
      if (!chosen) {
        incomplete.add(req.key);
        unplaced += 1;
        continue;
      }
      const grants = chosen.take(req.task, req.executor);
      counts.add(chosen.offer);
      perAgent.set(chosen.offer.agentId, (perAgent.get(chosen.offer.agentId) ?? 0) + 1);
      assignments.push({ key: req.key, index, offer: chosen.offer, ...grants });
    }
  }
  return { assignments, unusedOfferIds: spaces.filter((s) => !s.used).map((s) => s.offer.id), unplaced };
}

function leastLoaded(
  list: readonly OfferSpace[],
  usable: (s: OfferSpace) => boolean,
  perAgent: ReadonlyMap<string, number>,
): OfferSpace | undefined {
  let best: OfferSpace | undefined;
  let bestLoad = Infinity;
  for (const s of list) {
    const load = perAgent.get(s.offer.agentId) ?? 0;
    if (load < bestLoad && usable(s)) {
      best = s;
      bestLoad = load;
      if (load === 0) break;
    }
  }
  return best;
}
