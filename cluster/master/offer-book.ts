// The master's outstanding offers: minting them from the allocator's decisions (in the format the
// framework's capabilities ask for), taking them back on ACCEPT/DECLINE, and decline filters on what is
// returned (Filters.refuse_seconds: default from the options, negative → default, capped at 365 days).
import type { Filters, Offer } from '../../protos/mesos/v1/types.js';
import type { IdMinter } from '../ids.js';
import { addBags, EMPTY_BAG, isEmptyBag, toResources, type ResourceBag } from '../resources.js';
import type { TakenOffers } from './accept.js';
import { allocate, type AllocatableFramework } from './allocator.js';
import { hasCapability } from '../capabilities.js';
import {
  freeOn,
  offeredOn,
  usedBy,
  type AgentRecord,
  type FrameworkRecord,
  type OfferRecord,
} from './registry.js';

const MAX_REFUSE_SECONDS = 365 * 24 * 3600;

export class OfferBook {
  readonly offers = new Map<string, OfferRecord>();

  constructor(
    private readonly ids: IdMinter,
    /** The address agents listen on (Offer.url.address.ip). */
    private readonly host: string,
    private readonly refuseDefaultMs: number,
  ) {}

  /** Removes and returns every offer matching `pred` (the caller decides whether to RESCIND them). */
  remove(pred: (o: OfferRecord) => boolean): OfferRecord[] {
    const gone = [...this.offers.values()].filter(pred);
    for (const o of gone) this.offers.delete(o.id);
    return gone;
  }

  /** Resources outstanding in offers on the agent. */
  offeredOn(agentId: string): ResourceBag {
    return offeredOn(agentId, this.offers.values());
  }

  /**
   * ACCEPT's offers, taken as a whole: all known, this framework's, no duplicates, one agent and role,
   * the agent still up. On any problem the valid ones go back without a filter.
   */
  take(
    fw: FrameworkRecord,
    offerIds: string[],
    agentOf: (id: string) => AgentRecord | undefined,
  ): TakenOffers {
    const valid: OfferRecord[] = [];
    let problem: string | undefined = offerIds.length === 0 ? 'No offers specified' : undefined;
    const seen = new Set<string>();
    for (const id of offerIds) {
      const offer = this.offers.get(id);
      if (seen.has(id)) problem ??= `Duplicate offer ${id} in offer list`;
      else if (!offer || offer.frameworkId !== fw.id) problem ??= `Offer ${id} is no longer valid`;
      else valid.push(offer);
      seen.add(id);
    }
    const first = valid[0];
    if (first && valid.some((o) => o.agentId !== first.agentId))
      problem ??= 'Aggregated offers must belong to one single agent';
    if (first && valid.some((o) => o.role !== first.role))
      problem ??= 'Aggregated offers must be allocated to the same role';
    for (const o of valid) this.offers.delete(o.id);
    const agent = first && agentOf(first.agentId);
    if (problem !== undefined || !first || !agent) {
      for (const o of valid) this.recover(fw, o.agentId, o.role, o.resources, { refuse_seconds: 0 });
      return { ok: false, message: problem ?? 'Agent is not available' };
    }
    return {
      ok: true,
      agent,
      role: first.role,
      pool: valid.reduce((bag, o) => addBags(bag, o.resources), EMPTY_BAG),
    };
  }

  /** DECLINE: unknown or already used offers are ignored, as Mesos ignores them. */
  decline(fw: FrameworkRecord, offerIds: string[], filters: Filters): void {
    for (const id of offerIds) {
      const offer = this.offers.get(id);
      if (offer?.frameworkId !== fw.id) continue;
      this.offers.delete(id);
      this.recover(fw, offer.agentId, offer.role, offer.resources, filters);
    }
  }

  /** Returns unused offered resources; a positive refuse time installs a decline filter. */
  recover(
    fw: FrameworkRecord,
    agentId: string,
    role: string,
    resources: ResourceBag,
    filters: Filters,
  ): void {
    if (isEmptyBag(resources)) return;
    const fallback = this.refuseDefaultMs / 1000;
    let seconds = filters.refuse_seconds ?? fallback;
    if (Number.isNaN(seconds) || seconds < 0) seconds = fallback;
    seconds = Math.min(seconds, MAX_REFUSE_SECONDS);
    if (seconds > 0)
      fw.filters.push({ agentId, role, refused: resources, expiresAtMs: Date.now() + seconds * 1000 });
  }

  /** One allocation cycle: mints the offers the allocator decides on, grouped by framework. */
  allocate(
    frameworks: ReadonlyMap<string, FrameworkRecord>,
    agents: Iterable<AgentRecord>,
    nowMs: number,
  ): Map<string, Offer[]> {
    const active = [...agents].filter((a) => a.unreachableSinceMs === undefined);
    const candidates: AllocatableFramework[] = [];
    for (const fw of frameworks.values()) {
      fw.filters = fw.filters.filter((f) => f.expiresAtMs > nowMs);
      const roles = fw.roles.filter((r) => !fw.suppressedRoles.has(r));
      if (!fw.connected || roles.length === 0) continue;
      let allocated = EMPTY_BAG;
      for (const agent of active) allocated = addBags(allocated, usedBy(fw, agent));
      for (const o of this.offers.values())
        if (o.frameworkId === fw.id) allocated = addBags(allocated, o.resources);
      const gpuAware = hasCapability(fw.info, 'GPU_RESOURCES');
      candidates.push({ frameworkId: fw.id, roles, gpuAware, allocated, filters: fw.filters });
    }
    const byFramework = new Map<string, Offer[]>();
    if (candidates.length === 0) return byFramework;
    const total = active.reduce((bag, a) => addBags(bag, a.total), EMPTY_BAG);
    const available = active.map((a) => ({
      agentId: a.id,
      free: freeOn(a, frameworks.values(), this.offers.values()),
      hasGpus: a.hasGpus,
    }));
    const agentById = new Map(active.map((a) => [a.id, a]));
    for (const alloc of allocate(available, candidates, total, nowMs)) {
      const fw = frameworks.get(alloc.frameworkId)!;
      const record = this.mint(fw, agentById.get(alloc.agentId)!, alloc.role, alloc.resources);
      this.offers.set(record.id, record);
      byFramework.set(fw.id, [...(byFramework.get(fw.id) ?? []), record.offer]);
    }
    return byFramework;
  }

  private mint(fw: FrameworkRecord, agent: AgentRecord, role: string, resources: ResourceBag): OfferRecord {
    const id = this.ids.offer();
    const multiRole = hasCapability(fw.info, 'MULTI_ROLE');
    const offer: Offer = {
      id: { value: id },
      framework_id: { value: fw.id },
      agent_id: { value: agent.id },
      hostname: agent.info.hostname,
      url: {
        scheme: 'http',
        address: { hostname: agent.info.hostname, ip: this.host, port: agent.port },
        path: '/slave(1)',
      },
      resources: toResources(resources, {
        allocationRole: multiRole ? role : undefined,
        legacyRole: !hasCapability(fw.info, 'RESERVATION_REFINEMENT'),
      }),
    };
    if (agent.info.attributes?.length) offer.attributes = agent.info.attributes;
    const executorIds = [...(agent.executors.get(fw.id)?.keys() ?? [])];
    if (executorIds.length) offer.executor_ids = executorIds.map((value) => ({ value }));
    if (multiRole) offer.allocation_info = { role };
    return { id, frameworkId: fw.id, agentId: agent.id, role, resources, offer };
  }
}
