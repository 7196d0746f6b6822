// Options of the embedded cluster, their defaults, and the resources an agent advertises.
import os from 'node:os';
import { statfsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../config/logger.js';
import type { Attribute, Resource } from '../protos/mesos/v1/types.js';

/** One agent as a test or the CLI describes it; every field has a default. */
export interface AgentSpec {
  /** The id is `<masterId>-<idSuffix>`; default `S<n>`. */
  idSuffix?: string;
  /** Default: the cluster host, so addresses built from it are reachable. */
  hostname?: string;
  /** Default: this machine's cores. */
  cpus?: number;
  /** Default: this machine's memory divided by the initial agent count. */
  memMb?: number;
  /** Default: free space of the work directory divided by the initial agent count. */
  diskMb?: number;
  /** Default: 0 (no `gpus` resource). */
  gpus?: number;
  /** Inclusive port ranges; default a disjoint block of 1000 ports per agent from 31000. */
  ports?: Array<[number, number]>;
  /** `{arch: 'ppc64le'}` becomes a TEXT attribute, numbers become SCALAR attributes. */
  attributes?: Record<string, string | number>;
}

export interface LocalClusterOptions {
  /** Agent count (default 1) or explicit specs. */
  agents?: number | AgentSpec[];
  /** Address every server binds to (default 127.0.0.1). */
  host?: string;
  /** Master port (default 0: any free port). */
  port?: number;
  /** Scheduler heartbeat period (Mesos: 15 s; tests use ~200 ms). */
  heartbeatIntervalMs?: number;
  /** How often the allocator batches offers (default 100 ms). */
  allocationIntervalMs?: number;
  /** `Filters.refuse_seconds` when a DECLINE/ACCEPT gives no filters (Mesos: 5 s). */
  offerRefuseDefaultMs?: number;
  /** First re-send delay of an unacknowledged status update (Mesos: 10 s), doubling up to the max. */
  statusUpdateRetryMs?: number;
  /** Largest re-send delay (Mesos: 10 min). */
  statusUpdateRetryMaxMs?: number;
  /** An executor that does not SUBSCRIBE within this is destroyed (Mesos: 1 min). */
  executorRegistrationTimeoutMs?: number;
  /** SHUTDOWN grace when the ExecutorInfo gives none (Mesos agent flag: 5 s). */
  executorShutdownGracePeriodMs?: number;
  /** SIGTERM→SIGKILL delay for command tasks without a kill policy (Mesos: 3 s). */
  killGracePeriodMs?: number;
  /** Agent→executor HEARTBEAT period (Mesos: 30 min). */
  executorHeartbeatIntervalMs?: number;
  /** Root of the agents' sandboxes (default: a fresh directory under the OS temp dir). */
  workDir?: string;
  /** Directories put first on every executor's PATH (e.g. where a `nodal` wrapper lives). */
  pathPrepend?: string[];
  /** Fixed master id (default: a random UUID). */
  masterId?: string;
  logger?: Logger;
}

export type ResolvedOptions = Required<
  Omit<LocalClusterOptions, 'agents' | 'masterId' | 'logger' | 'workDir'>
> & {
  workDir: string;
};

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  heartbeatIntervalMs: 15_000,
  allocationIntervalMs: 100,
  offerRefuseDefaultMs: 5_000,
  statusUpdateRetryMs: 10_000,
  statusUpdateRetryMaxMs: 600_000,
  executorRegistrationTimeoutMs: 60_000,
  executorShutdownGracePeriodMs: 5_000,
  killGracePeriodMs: 3_000,
  executorHeartbeatIntervalMs: 30 * 60_000,
  pathPrepend: [] as string[],
} as const;

const PORTS_BASE = 31_000;
const PORTS_PER_AGENT = 1_000;

/** What one agent advertises, resolved from its spec. */
export interface AgentResources {
  idSuffix?: string;
  hostname: string;
  resources: Resource[];
  attributes: Attribute[];
}

function freeDiskMb(dir: string): number {
  try {
    const s = statfsSync(dir);
    return Math.floor((s.bavail * s.bsize) / (1024 * 1024));
  } catch {
    return 10_240;
  }
}

/**
 * Resolves the spec of the agent with ordinal `index` (its default port block) in a cluster started with
 * `initialCount` agents (machine memory and disk are shared among those).
 */
export function resolveAgent(
  spec: AgentSpec,
  index: number,
  initialCount: number,
  host: string,
  workDir: string,
): AgentResources {
  const share = Math.max(1, initialCount);
  const cpus = spec.cpus ?? os.availableParallelism();
  const memMb = spec.memMb ?? Math.floor(os.totalmem() / (1024 * 1024) / share);
  const diskMb = spec.diskMb ?? Math.floor(freeDiskMb(existingAncestor(workDir)) / share);
  const ports = spec.ports ?? [
    [PORTS_BASE + PORTS_PER_AGENT * index, PORTS_BASE + PORTS_PER_AGENT * index + 999],
  ];
  const resources: Resource[] = [];
  const scalar = (name: string, value: number) => {
    if (value > 0) resources.push({ name, type: 'SCALAR', scalar: { value } });
  };
  scalar('cpus', cpus);
  scalar('mem', memMb);
  scalar('disk', diskMb);
  scalar('gpus', spec.gpus ?? 0);
  if (ports.length)
    resources.push({
      name: 'ports',
      type: 'RANGES',
      ranges: { range: ports.map(([begin, end]) => ({ begin, end })) },
    });
  const attributes: Attribute[] = Object.entries(spec.attributes ?? {}).map(([name, v]) =>
    typeof v === 'number'
      ? { name, type: 'SCALAR', scalar: { value: v } }
      : { name, type: 'TEXT', text: { value: v } },
  );
  return { idSuffix: spec.idSuffix, hostname: spec.hostname ?? host, resources, attributes };
}

function existingAncestor(dir: string): string {
  let d = path.resolve(dir);
  for (;;) {
    try {
      statfsSync(d);
      return d;
    } catch {
      const parent = path.dirname(d);
      if (parent === d) return d;
      d = parent;
    }
  }
}
