// The bytes `nodal executor` and the scheduler exchange in Mesos MESSAGE calls, as UTF-8 JSON. This module is
// the one definition of both directions; the scheduler runtime imports it too, so it depends on nothing but
// config/errors (no protobuf, no tfjs, no logger).
//
// Executor → scheduler: `progress`, shaped as the scheduler core's `progress` input plus `role`, `index` and
// `modelPath`. Job-wide totals (examplesSeen, totalExamples, job loss and throughput) come from ps-0, the
// coordinator; a worker reports its own numbers under worker-scoped names (`workerExamples`); the evaluator
// reports validation and test metrics. `finished: true` is sent once, by the evaluator after the final test
// evaluation and model export, or by ps-0 when the job has no evaluator.
// Scheduler → executor: `clusterSpec`, the job's addresses (the same JSON as NODAL_CLUSTER_SPEC) whenever
// they change; `workersEnded`, to ps-0 only, the task ids of workers the scheduler saw end (a terminal
// state) or gave up on (unreachable, silent), so the coordinator gives their data leases back at once
// instead of waiting for them to expire. Both are best effort: a lost one changes nothing but timing.
import { NodalError } from '../../config/errors.js';

/** Largest message either side accepts; progress is a few hundred bytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export const TASK_ROLES = ['ps', 'worker', 'evaluator'] as const;
export type TaskRole = (typeof TASK_ROLES)[number];

/** Metric names the executor sends, by who sends them. Values are finite numbers. */
export const METRICS = {
  /** Every role: the cluster spec version the task runs with. */
  clusterSpecVersion: 'clusterSpecVersion',
  // ps-0 (job-wide)
  loss: 'loss',
  imagesPerSec: 'imagesPerSec',
  examplesSeen: 'examplesSeen',
  totalExamples: 'totalExamples',
  totalSteps: 'totalSteps',
  fraction: 'fraction',
  // every PS shard
  stalenessMean: 'stalenessMean',
  stalenessMax: 'stalenessMax',
  pushesApplied: 'pushesApplied',
  pushesStale: 'pushesStale',
  checkpointStep: 'checkpointStep',
  // worker (its own numbers; `loss` and `imagesPerSec` are its smoothed values)
  workerExamples: 'workerExamples',
  staleness: 'staleness',
  stalePushes: 'stalePushes',
  // evaluator
  valAccuracy: 'valAccuracy',
  valAuc: 'valAuc',
  valLoss: 'valLoss',
  testAccuracy: 'testAccuracy',
  testAuc: 'testAuc',
  testLoss: 'testLoss',
} as const;

/** Executor → scheduler: the progress of one task. */
export interface ProgressMessage {
  readonly type: 'progress';
  readonly jobId: string;
  readonly taskId: string;
  readonly role: TaskRole;
  readonly index: number;
  /** The global step the numbers belong to (shard 0's step). */
  readonly step: number;
  readonly epoch?: number;
  readonly metrics: Readonly<Record<string, number>>;
  /** The job is done: the scheduler marks it Succeeded and stops the remaining tasks. */
  readonly finished?: boolean;
  /** The job cannot go on: the scheduler marks it Failed. */
  readonly failed?: boolean;
  readonly message?: string;
  /** Where the final model was exported (TF.js layers format: model.json + weights.bin). */
  readonly modelPath?: string;
}

/** The cluster spec in nodal.ClusterSpec's field names (NODAL_CLUSTER_SPEC). */
export interface ClusterSpecWire {
  readonly job_id: string;
  readonly ps: readonly string[];
  readonly coordinator: string;
  readonly evaluator: string;
  readonly version: number;
}

/** Scheduler → executor: the job's current addresses. */
export interface ClusterSpecMessage {
  readonly type: 'clusterSpec';
  readonly spec: ClusterSpecWire;
}

/** Scheduler → ps-0: these worker tasks ended; their data leases go back to the pool. */
export interface WorkersEndedMessage {
  readonly type: 'workersEnded';
  readonly jobId: string;
  /** Mesos task ids (= worker ids), distinct, in no particular order. */
  readonly taskIds: readonly string[];
}

/** Every message the scheduler sends an executor. */
export type SchedulerMessage = ClusterSpecMessage | WorkersEndedMessage;

/** Longest task id a message may name (worker ids are Mesos task ids; the PS refuses longer ones too). */
export const MAX_TASK_ID_CHARS = 256;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

function encodeJson(value: unknown): Uint8Array {
  const bytes = utf8.encode(JSON.stringify(value));
  if (bytes.byteLength > MAX_MESSAGE_BYTES)
    throw new NodalError('WIRE_ENCODE', `message of ${bytes.byteLength} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  return bytes;
}

function decodeJson(data: Uint8Array, what: string): Record<string, unknown> {
  if (data.byteLength > MAX_MESSAGE_BYTES)
    throw new NodalError('WIRE_DECODE', `${what} of ${data.byteLength} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8.decode(data));
  } catch (e) {
    throw new NodalError('WIRE_DECODE', `${what} is not UTF-8 JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new NodalError('WIRE_DECODE', `${what} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

/** Collects every problem of one message so the error names them all. */
class Problems {
  readonly list: string[] = [];
  constructor(private readonly what: string) {}
  add(problem: string): void {
    this.list.push(problem);
  }
  string(o: Record<string, unknown>, key: string, opts: { optional?: boolean; empty?: boolean } = {}) {
    const v = o[key];
    if (v === undefined && opts.optional) return undefined;
    if (typeof v !== 'string' || (!opts.empty && v === '')) {
      this.add(`${key} must be a ${opts.empty ? '' : 'non-empty '}string`);
      return undefined;
    }
    return v;
  }
  int(o: Record<string, unknown>, key: string, optional = false): number | undefined {
    const v = o[key];
    if (v === undefined && optional) return undefined;
    if (!Number.isSafeInteger(v) || (v as number) < 0) {
      this.add(`${key} must be an integer >= 0`);
      return undefined;
    }
    return v as number;
  }
  flag(o: Record<string, unknown>, key: string): boolean | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.add(`${key} must be true or false`);
    return v === true;
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw this.error();
  }
  /** Adds `problem` and throws with every problem so far. */
  fail(problem: string): never {
    this.add(problem);
    throw this.error();
  }
  private error(): NodalError {
    return new NodalError('VALIDATION', `invalid ${this.what}: ${this.list.join('; ')}`, {
      problems: this.list,
    });
  }
}

/** Finite metrics only: JSON has no NaN (an AUC of a one-class split, a loss before the first batch). */
export function finiteMetrics(metrics: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) if (Number.isFinite(v)) out[k] = v;
  return out;
}

/** The bytes of a progress message; non-finite metrics are left out. Throws WIRE_ENCODE when too large. */
export function encodeProgressMessage(m: Omit<ProgressMessage, 'type'>): Uint8Array {
  return encodeJson({ type: 'progress', ...m, metrics: finiteMetrics(m.metrics) });
}

/**
 * Parses MESSAGE data from an executor. Throws WIRE_DECODE for bytes that are not a JSON object (or too
 * many), VALIDATION naming every bad field (unknown type, missing ids, a non-finite metric, …).
 */
export function decodeProgressMessage(data: Uint8Array): ProgressMessage {
  const o = decodeJson(data, 'executor message');
  const p = new Problems('executor message');
  if (o.type !== 'progress') {
    p.add(`type must be 'progress' (got ${JSON.stringify(o.type)})`);
    p.throwIfAny();
  }
  const jobId = p.string(o, 'jobId');
  const taskId = p.string(o, 'taskId');
  const role = o.role;
  if (!(TASK_ROLES as readonly unknown[]).includes(role))
    p.add(`role must be one of ${TASK_ROLES.join(', ')}`);
  const index = p.int(o, 'index');
  const step = p.int(o, 'step');
  const epoch = p.int(o, 'epoch', true);
  const metrics: Record<string, number> = {};
  if (o.metrics === null || typeof o.metrics !== 'object' || Array.isArray(o.metrics)) {
    p.add('metrics must be an object of numbers');
  } else {
    for (const [k, v] of Object.entries(o.metrics as Record<string, unknown>)) {
      if (typeof v === 'number' && Number.isFinite(v)) metrics[k] = v;
      else p.add(`metrics.${k} must be a finite number`);
    }
  }
  const finished = p.flag(o, 'finished');
  const failed = p.flag(o, 'failed');
  const message = p.string(o, 'message', { optional: true, empty: true });
  const modelPath = p.string(o, 'modelPath', { optional: true });
  p.throwIfAny();
  return {
    type: 'progress',
    jobId: jobId!,
    taskId: taskId!,
    role: role as TaskRole,
    index: index!,
    step: step!,
    ...(epoch !== undefined ? { epoch } : {}),
    metrics,
    ...(finished ? { finished } : {}),
    ...(failed ? { failed } : {}),
    ...(message !== undefined ? { message } : {}),
    ...(modelPath !== undefined ? { modelPath } : {}),
  };
}

/** The bytes of a cluster-spec message (scheduler side). Throws WIRE_ENCODE when too large. */
export function encodeClusterSpecMessage(spec: ClusterSpecWire): Uint8Array {
  return encodeJson({ type: 'clusterSpec', spec });
}

/**
 * Parses MESSAGE data from the scheduler that must be a cluster spec. Throws WIRE_DECODE for bytes that
 * are not a JSON object, VALIDATION for another type or a malformed spec.
 */
export function decodeClusterSpecMessage(data: Uint8Array): ClusterSpecMessage {
  const o = decodeJson(data, 'scheduler message');
  const p = new Problems('scheduler message');
  if (o.type !== 'clusterSpec') {
    p.add(`type must be 'clusterSpec' (got ${JSON.stringify(o.type)})`);
    p.throwIfAny();
  }
  return clusterSpecFrom(o, p);
}

/**
 * Parses any MESSAGE data from the scheduler (the executor's one entry point). Throws WIRE_DECODE for
 * bytes that are not a JSON object (or too many), VALIDATION for an unknown type or naming every bad
 * field (addresses are checked by the executor's own cluster-spec parser).
 */
export function decodeSchedulerMessage(data: Uint8Array): SchedulerMessage {
  const o = decodeJson(data, 'scheduler message');
  const p = new Problems('scheduler message');
  if (o.type === 'clusterSpec') return clusterSpecFrom(o, p);
  if (o.type === 'workersEnded') return workersEndedFrom(o, p);
  return p.fail(`type must be 'clusterSpec' or 'workersEnded' (got ${JSON.stringify(o.type)})`);
}

function clusterSpecFrom(o: Record<string, unknown>, p: Problems): ClusterSpecMessage {
  const s = o.spec as Record<string, unknown> | null;
  if (s === null || typeof s !== 'object' || Array.isArray(s)) {
    p.add('spec must be an object');
    p.throwIfAny();
  }
  const spec = s as Record<string, unknown>;
  const jobId = p.string(spec, 'job_id');
  if (!Array.isArray(spec.ps) || spec.ps.some((a) => typeof a !== 'string'))
    p.add('spec.ps must be a list of host:port strings');
  const coordinator = p.string(spec, 'coordinator', { optional: true, empty: true });
  const evaluator = p.string(spec, 'evaluator', { optional: true, empty: true });
  const version = p.int(spec, 'version');
  p.throwIfAny();
  return {
    type: 'clusterSpec',
    spec: {
      job_id: jobId!,
      ps: [...(spec.ps as string[])],
      coordinator: coordinator ?? '',
      evaluator: evaluator ?? '',
      version: version!,
    },
  };
}

/** The bytes of a workers-ended message (scheduler side). Throws WIRE_ENCODE when too large. */
export function encodeWorkersEndedMessage(m: Omit<WorkersEndedMessage, 'type'>): Uint8Array {
  return encodeJson({ type: 'workersEnded', jobId: m.jobId, taskIds: m.taskIds });
}

function workersEndedFrom(o: Record<string, unknown>, p: Problems): WorkersEndedMessage {
  const jobId = p.string(o, 'jobId');
  const ids = o.taskIds;
  if (!Array.isArray(ids) || ids.length === 0) {
    p.add('taskIds must be a non-empty list of task ids');
  } else {
    ids.forEach((id, i) => {
      if (typeof id !== 'string' || id === '' || id.length > MAX_TASK_ID_CHARS)
        p.add(`taskIds[${i}] must be a string of 1-${MAX_TASK_ID_CHARS} characters`);
    });
  }
  p.throwIfAny();
  return { type: 'workersEnded', jobId: jobId!, taskIds: [...new Set(ids as string[])] };
}
