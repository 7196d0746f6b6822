// Where a job's training tasks are, as the roles use it. The scheduler hands it to each task at launch
// (JSON in the task data, or the nodal.ClusterSpec protobuf) and re-sends it when an address changes.
import { NodalError } from '../../config/errors.js';
import { nodalProtos } from '../../protos/nodal/index.js';

export interface ClusterSpec {
  jobId: string;
  /** host:port of every PS shard, in shard order. */
  ps: string[];
  /** host:port of the coordinator (ps-0's server). */
  coordinator: string;
  evaluator?: string;
  /** Increases whenever an address changes. */
  version: number;
}

const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

function checkAddress(a: unknown, what: string): string {
  const m = typeof a === 'string' ? ADDRESS.exec(a) : null;
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)
    throw new NodalError('VALIDATION', `${what} '${String(a)}' is not host:port`);
  return a as string;
}

/** A checked ClusterSpec from untrusted JSON-like input; throws VALIDATION naming the bad field. */
export function parseClusterSpec(raw: unknown): ClusterSpec {
  const o = raw as Record<string, unknown>;
  if (!o || typeof o !== 'object') throw new NodalError('VALIDATION', 'cluster spec must be an object');
  const jobId = o.jobId ?? o.job_id;
  if (typeof jobId !== 'string' || !jobId) throw new NodalError('VALIDATION', 'cluster spec needs a jobId');
  if (!Array.isArray(o.ps) || o.ps.length === 0)
    throw new NodalError('VALIDATION', 'cluster spec needs at least one ps address');
  const ps = o.ps.map((a, i) => checkAddress(a, `ps[${i}]`));
  const coordinator = checkAddress(o.coordinator || ps[0], 'coordinator');
  const evaluator = o.evaluator ? checkAddress(o.evaluator, 'evaluator') : undefined;
  const version = Number(o.version ?? 0);
  if (!Number.isSafeInteger(version) || version < 0)
    throw new NodalError('VALIDATION', 'cluster spec version must be an integer >= 0');
  return { jobId, ps, coordinator, ...(evaluator ? { evaluator } : {}), version };
}

/** The nodal.ClusterSpec protobuf bytes of a spec. */
export function encodeClusterSpec(spec: ClusterSpec): Buffer {
  return nodalProtos()
    .codec('nodal.ClusterSpec')
    .encode({
      job_id: spec.jobId,
      ps: spec.ps,
      coordinator: spec.coordinator,
      evaluator: spec.evaluator ?? '',
      version: spec.version,
    });
}

/** Decodes and checks nodal.ClusterSpec bytes; throws WIRE_DECODE or VALIDATION. */
export function decodeClusterSpec(bytes: Uint8Array): ClusterSpec {
  return parseClusterSpec(nodalProtos().codec('nodal.ClusterSpec').decode(bytes));
}
