// Where a job's training tasks are: the addresses of its PS shards (shard i at index i), the
// coordinator (ps-0) and the evaluator. Mirrors protos/nodal/cluster.proto (nodal.ClusterSpec).
import type { Job, TaskRecord } from './state.js';

export interface ClusterSpec {
  readonly jobId: string;
  /** host:port per PS shard, in shard order. */
  readonly ps: readonly string[];
  /** host:port of the coordinator (served by ps-0). */
  readonly coordinator: string;
  /** host:port of the evaluator; '' when the job has none or it is not placed. */
  readonly evaluator: string;
  /** Bumped whenever an address changes; 0 before the first complete spec. */
  readonly version: number;
}

export const emptyClusterSpec = (jobId: string): ClusterSpec => ({
  jobId,
  ps: [],
  coordinator: '',
  evaluator: '',
  version: 0,
});

const addressOf = (t: TaskRecord | undefined): string =>
  t && t.ports.length > 0 ? `${t.hostname}:${t.ports[0]}` : '';

/**
 * The spec the job's current tasks imply, or undefined while some PS slot has no task (workers must
 * never be told a partial set of shards). Keeps the job's version when no address changed, else
 * bumps it.
 */
export function currentClusterSpec(
  job: Job,
  tasks: Readonly<Record<string, TaskRecord>>,
): ClusterSpec | undefined {
  const ps: string[] = [];
  let evaluator = '';
  for (const slot of job.slots) {
    const task = slot.taskId ? tasks[slot.taskId] : undefined;
    if (slot.role === 'ps') {
      const addr = addressOf(task);
      if (!addr) return undefined;
      ps[slot.index] = addr;
    } else if (slot.role === 'evaluator') evaluator = addressOf(task);
  }
  const prev = job.clusterSpec;
  const same =
    prev.version > 0 &&
    prev.evaluator === evaluator &&
    prev.ps.length === ps.length &&
    prev.ps.every((a, i) => a === ps[i]);
  if (same) return prev;
  return { jobId: job.id, ps, coordinator: ps[0] ?? '', evaluator, version: prev.version + 1 };
}

/** The spec as JSON in nodal.ClusterSpec's field names (NODAL_CLUSTER_SPEC; `ClusterSpec.fromObject` reads it). */
export const clusterSpecJson = (spec: ClusterSpec): string =>
  JSON.stringify({
    job_id: spec.jobId,
    ps: spec.ps,
    coordinator: spec.coordinator,
    evaluator: spec.evaluator,
    version: spec.version,
  });
