// What a task runner and the three role adapters agree on: the context a role starts in, the progress it
// reports, and the running role the runner drives (cluster updates, ended workers, kill, end).
import type { Logger } from '../../../config/logger.js';
import { NodalError } from '../../../config/errors.js';
import type { BackendPreference } from '../../backend/candidates.js';
import type { ClusterSpec } from '../../training/cluster-spec.js';
import type { TaskConfig } from '../task-config.js';

/** The executor's own settings (config keys `executor.*`). */
export interface ExecutorSettings {
  readonly backend: BackendPreference;
  /** Address the PS binds its gRPC server to. */
  readonly bindHost: string;
  /** Root of the shared synthetic-data cache. */
  readonly dataCacheDir: string;
  /** Root under which relative job checkpoint dirs are resolved. */
  readonly checkpointRoot: string;
  /** ps-0: how long a data lease lives without a report (default LEASE_TIMEOUT_MS). */
  readonly leaseTimeoutMs?: number;
}

/** One progress report of a role; the runner adds the ids and the cluster spec version. */
export interface ProgressReport {
  readonly step: number;
  readonly epoch?: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly finished?: boolean;
  readonly failed?: boolean;
  readonly message?: string;
  readonly modelPath?: string;
}

export interface RoleContext {
  readonly config: TaskConfig;
  readonly settings: ExecutorSettings;
  readonly logger: Logger;
  /** Aborted when the task is killed while its role is still starting. */
  readonly signal: AbortSignal;
  /** The task's kill grace period (kill policy), which bounds a worker's wait for its current batch. */
  readonly killGraceMs: number;
  /** The latest cluster spec (NODAL_CLUSTER_SPEC, then the scheduler's updates). */
  clusterSpec(): ClusterSpec;
  /** Sends progress; important reports skip the rate limit. Never throws. */
  report(r: ProgressReport, important?: boolean): void;
}

/** How a role ended by itself. */
export interface RoleEnd {
  readonly message: string;
  /** The last report, carried in the terminal status update's `data` as well as sent as a message. */
  readonly final?: ProgressReport;
}

/** A started role. `ended` rejects when the role fails. */
export interface RunningRole {
  /** For TASK_RUNNING: role, backend and address. */
  readonly summary: string;
  readonly ended: Promise<RoleEnd>;
  updateCluster(spec: ClusterSpec): void;
  /**
   * The scheduler says these worker tasks of the job ended: ps-0 gives their data leases back at once.
   * Only ps-0 has it; the runner ignores the message (debug log) for a role without it.
   */
  workersEnded?(taskIds: readonly string[]): void;
  /** Stops the role (worker: releases its lease; PS: final checkpoint). Idempotent. */
  shutdown(): Promise<void>;
}

/** Throws UNAVAILABLE when the task was killed during start-up, so the start stops at the next step. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new NodalError('UNAVAILABLE', 'the task was killed while starting');
}

/** `role-index`, as operators name tasks. */
export const taskName = (c: Pick<TaskConfig, 'role' | 'index'>): string => `${c.role}-${c.index}`;
