// The allocator's decision, pure: which framework/role gets each agent's free resources this cycle.
// Each agent's whole free pool goes into one offer (one offer per agent and role, as Mesos does), to the
// framework with the lowest dominant share (DRF), skipping suppressed roles, decline filters whose refused
// resources cover the pool (Mesos' subset rule), and GPU agents for frameworks without GPU_RESOURCES.
import { addBags, contains, isEmptyBag, scalarOf, type ResourceBag } from '../resources.js';

export interface OfferFilter {
  agentId: string;
  role: string;
  /** The resources refused; an offer of a subset of these is filtered. */
  refused: ResourceBag;
  expiresAtMs: number;
}

export interface AllocatableFramework {
  frameworkId: string;
  /** Subscribed roles that are not suppressed, in subscription order. */
  roles: string[];
  gpuAware: boolean;
  /** What the framework holds now (running tasks, executors, outstanding offers). */
  allocated: ResourceBag;
  filters: readonly OfferFilter[];
}

export interface AllocatableAgent {
  agentId: string;
  free: ResourceBag;
  hasGpus: boolean;
}

export interface Allocation {
  agentId: string;
  frameworkId: string;
  role: string;
  resources: ResourceBag;
}

const SHARE_RESOURCES = ['cpus', 'mem', 'disk', 'gpus'];

function dominantShare(allocated: ResourceBag, total: ResourceBag): number {
  let share = 0;
  for (const name of SHARE_RESOURCES) {
    const t = scalarOf(total, name);
    if (t > 0) share = Math.max(share, scalarOf(allocated, name) / t);
  }
  return share;
}

/** True when a live filter hides `free` on this agent/role from the framework. */
export function isFiltered(
  filters: readonly OfferFilter[],
  agentId: string,
  role: string,
  free: ResourceBag,
  nowMs: number,
): boolean {
  return filters.some(
    (f) => f.agentId === agentId && f.role === role && f.expiresAtMs > nowMs && contains(f.refused, free),
  );
}

/** Decides this cycle's offers. `total` is the whole cluster (for shares); order breaks share ties. */
export function allocate(
  agents: readonly AllocatableAgent[],
  frameworks: readonly AllocatableFramework[],
  total: ResourceBag,
  nowMs: number,
): Allocation[] {
  const allocated = new Map(frameworks.map((f) => [f.frameworkId, f.allocated]));
  const out: Allocation[] = [];
  for (const agent of agents) {
    if (isEmptyBag(agent.free)) continue;
    const order = frameworks
      .map((f, i) => ({ f, i, share: dominantShare(allocated.get(f.frameworkId)!, total) }))
      .sort((a, b) => a.share - b.share || a.i - b.i);
    pick: for (const { f } of order) {
      if (agent.hasGpus && !f.gpuAware) continue;
      for (const role of f.roles) {
        if (isFiltered(f.filters, agent.agentId, role, agent.free, nowMs)) continue;
        out.push({ agentId: agent.agentId, frameworkId: f.frameworkId, role, resources: agent.free });
        allocated.set(f.frameworkId, addBags(allocated.get(f.frameworkId)!, agent.free));
        break pick;
      }
    }
  }
  return out;
}
