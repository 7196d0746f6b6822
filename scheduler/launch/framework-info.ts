// FrameworkInfo for SUBSCRIBE and UPDATE_FRAMEWORK.
import type { FrameworkInfo } from '../../protos/mesos/v1/types.js';

export interface FrameworkInfoOptions {
  /** Unix user tasks run as (required by Mesos). */
  readonly user: string;
  readonly name: string;
  /** Roles to subscribe with (MULTI_ROLE); at least one. */
  readonly roles: readonly string[];
  /** How long the master keeps tasks running while the scheduler is away; 0 would kill them on the first disconnect. */
  readonly failoverTimeoutMs: number;
  /** The dashboard, shown as the framework's link in the Mesos UI. */
  readonly webuiUrl?: string;
  /** Must equal the authenticated principal when HTTP framework authentication is on. */
  readonly principal?: string;
  readonly hostname?: string;
  /** Set on re-subscription (then the SUBSCRIBE call's framework_id must equal it). */
  readonly frameworkId?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Capabilities nodal depends on: GPU offers at all, TASK_UNREACHABLE/GONE/DROPPED instead of LOST, `roles`. */
export const FRAMEWORK_CAPABILITIES = ['GPU_RESOURCES', 'PARTITION_AWARE', 'MULTI_ROLE'] as const;

/** The FrameworkInfo; throws RangeError without roles or with a non-positive failover timeout. */
export function buildFrameworkInfo(o: FrameworkInfoOptions): FrameworkInfo {
  if (o.roles.length === 0) throw new RangeError('at least one role is required');
  if (!(o.failoverTimeoutMs > 0)) throw new RangeError('failoverTimeoutMs must be > 0');
  const info: FrameworkInfo = {
    user: o.user,
    name: o.name,
    roles: [...o.roles],
    // Seconds, as a double. Without it (default 0) every task dies with the first dropped connection.
    failover_timeout: o.failoverTimeoutMs / 1000,
    // Executors and tasks survive an agent restart only with checkpointing.
    checkpoint: true,
    capabilities: FRAMEWORK_CAPABILITIES.map((type) => ({ type })),
  };
  if (o.frameworkId) info.id = { value: o.frameworkId };
  if (o.webuiUrl) info.webui_url = o.webuiUrl;
  if (o.principal) info.principal = o.principal;
  if (o.hostname) info.hostname = o.hostname;
  if (o.labels && Object.keys(o.labels).length > 0)
    info.labels = { labels: Object.entries(o.labels).map(([key, value]) => ({ key, value })) };
  return info;
}
