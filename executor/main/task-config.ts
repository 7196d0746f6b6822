// What the scheduler tells one task through its NODAL_* environment (scheduler/core/handlers/offers.ts
// `taskEnv`), read once and checked: every problem is collected into one CONFIG_INVALID error so a bad
// launch fails with a message that says everything at once. The job secret never appears in an error.
import { NodalError } from '../../config/errors.js';
import { parseClusterSpec, type ClusterSpec } from '../training/cluster-spec.js';
import type { GradientDtype } from '../ps/client.js';
import { LR_DECAYS, type LrDecay } from '../ps/schedule.js';
import { TASK_ROLES, type TaskRole } from './messages.js';

export const MODEL_NAMES = ['small-cnn', 'large-cnn'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** The training parameters (the scheduler's TrainingSpec, as NODAL_TRAINING.training carries it). */
export interface TrainingParams {
  readonly model: ModelName;
  readonly batchSize: number;
  readonly optimizer: {
    readonly type: OptimizerName;
    readonly learningRate: number;
    readonly momentum: number;
  };
  readonly mode: 'async' | 'sync';
  /** async: largest staleness a push may have; 0: unbounded. */
  readonly stalenessBound: number;
  readonly stalenessScaledLr: boolean;
  /** Learning-rate warm-up and decay; absent: constant. */
  readonly lrSchedule?: {
    readonly decay: LrDecay;
    readonly warmupSteps: number;
    readonly minFactor: number;
  };
  /** sync: slowest workers per step whose gradients may be dropped. */
  readonly backupWorkers: number;
  /** How workers send gradients; absent (a scheduler that predates the field): float32. */
  readonly gradientDtype?: GradientDtype;
  /** Exactly one of steps and epochs is set. */
  readonly steps?: number;
  readonly epochs?: number;
  /** 0: only at shutdown. */
  readonly checkpointEverySteps: number;
  /** 0: only at the end. */
  readonly evalEverySteps: number;
}

/** Where the examples come from: PCam files in a directory, or a synthetic set generated on the agent. */
export type DataSource =
  | { readonly kind: 'path'; readonly path: string }
  | {
      readonly kind: 'synthetic';
      readonly train: number;
      readonly valid: number;
      readonly test: number;
      readonly seed: number;
    };

/** One task's configuration. */
export interface TaskConfig {
  readonly jobId: string;
  readonly taskId: string;
  readonly role: TaskRole;
  readonly index: number;
  /** First offered port (the PS serves gRPC on it); undefined when the task has none. */
  readonly port: number | undefined;
  readonly ports: readonly number[];
  readonly psCount: number;
  readonly clusterSpec: ClusterSpec;
  /** The job's gRPC secret. Never log it. */
  readonly secret: string;
  readonly training: TrainingParams;
  readonly data: DataSource;
  /** The job's checkpoint location as the job spec gives it (relative: under the executor's checkpoint root). */
  readonly checkpointDir: string;
  readonly workers: { readonly min: number; readonly max: number; readonly desired: number };
  /** Evaluator tasks of the job; undefined when NODAL_TRAINING does not say (then the cluster spec tells). */
  readonly evaluators: number | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A small path-naming checker over parsed JSON. */
class Check {
  constructor(
    private readonly problems: string[],
    private readonly prefix: string,
  ) {}
  private name(key: string): string {
    return `${this.prefix}.${key}`;
  }
  object(o: Obj, key: string): Obj | undefined {
    if (isObj(o[key])) return o[key] as Obj;
    this.problems.push(`${this.name(key)} must be an object`);
    return undefined;
  }
  int(o: Obj, key: string, min: number, optional = false): number | undefined {
    const v = o[key];
    if (v === undefined && optional) return undefined;
    if (!Number.isSafeInteger(v) || (v as number) < min) {
      this.problems.push(`${this.name(key)} must be an integer >= ${min} (got ${JSON.stringify(v)})`);
      return undefined;
    }
    return v as number;
  }
  number(o: Obj, key: string, check: (n: number) => boolean, hint: string): number | undefined {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) {
      this.problems.push(`${this.name(key)} must be ${hint} (got ${JSON.stringify(v)})`);
      return undefined;
    }
    return v;
  }
  oneOf<T extends string>(o: Obj, key: string, values: readonly T[]): T | undefined {
    const v = o[key];
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    this.problems.push(`${this.name(key)} must be one of ${values.join(', ')} (got ${JSON.stringify(v)})`);
    return undefined;
  }
  boolean(o: Obj, key: string): boolean | undefined {
    if (typeof o[key] === 'boolean') return o[key] as boolean;
    this.problems.push(`${this.name(key)} must be true or false`);
    return undefined;
  }
  string(o: Obj, key: string): string | undefined {
    if (typeof o[key] === 'string' && o[key] !== '') return o[key] as string;
    this.problems.push(`${this.name(key)} must be a non-empty string`);
    return undefined;
  }
}

function trainingParams(t: Obj, problems: string[]): TrainingParams | undefined {
  const before = problems.length;
  const c = new Check(problems, 'NODAL_TRAINING.training');
  if ((t.steps === undefined) === (t.epochs === undefined))
    problems.push('NODAL_TRAINING.training needs exactly one of steps and epochs');
  const steps = c.int(t, 'steps', 1, true);
  const epochs = c.int(t, 'epochs', 1, true);
  const o = c.object(t, 'optimizer');
  const oc = new Check(problems, 'NODAL_TRAINING.training.optimizer');
  const optimizer = o && {
    type: oc.oneOf(o, 'type', OPTIMIZER_NAMES),
    learningRate: oc.number(o, 'learningRate', (n) => n > 0, 'a number > 0'),
    momentum: oc.number(o, 'momentum', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
  };
  const l = t.lrSchedule === undefined ? undefined : c.object(t, 'lrSchedule');
  const lc = new Check(problems, 'NODAL_TRAINING.training.lrSchedule');
  const lrSchedule = l && {
    decay: lc.oneOf(l, 'decay', LR_DECAYS),
    warmupSteps: lc.int(l, 'warmupSteps', 0),
    minFactor: lc.number(l, 'minFactor', (n) => n >= 0 && n <= 1, 'a number in [0, 1]'),
  };
  const params = {
    model: c.oneOf(t, 'model', MODEL_NAMES),
    batchSize: c.int(t, 'batchSize', 1),
    optimizer,
    mode: c.oneOf(t, 'mode', ['async', 'sync'] as const),
    stalenessBound: c.int(t, 'stalenessBound', 0),
    stalenessScaledLr: c.boolean(t, 'stalenessScaledLr'),
    backupWorkers: c.int(t, 'backupWorkers', 0),
    ...(t.gradientDtype !== undefined
      ? { gradientDtype: c.oneOf(t, 'gradientDtype', ['float32', 'float16'] as const) }
      : {}),
    checkpointEverySteps: c.int(t, 'checkpointEverySteps', 0),
    evalEverySteps: c.int(t, 'evalEverySteps', 0),
  };
  if (problems.length > before) return undefined;
  return {
    ...(params as TrainingParams),
    ...(lrSchedule ? { lrSchedule: lrSchedule as TrainingParams['lrSchedule'] } : {}),
    ...(steps !== undefined ? { steps } : { epochs: epochs! }),
  };
}

function dataSource(d: Obj, problems: string[]): DataSource | undefined {
  const c = new Check(problems, 'NODAL_TRAINING.data');
  if ((d.path === undefined) === (d.synthetic === undefined)) {
    problems.push('NODAL_TRAINING.data needs exactly one of path and synthetic');
    return undefined;
  }
  if (d.path !== undefined) {
    const path = c.string(d, 'path');
    return path === undefined ? undefined : { kind: 'path', path };
  }
  const s = c.object(d, 'synthetic');
  if (!s) return undefined;
  const sc = new Check(problems, 'NODAL_TRAINING.data.synthetic');
  const v = {
    train: sc.int(s, 'train', 1),
    valid: sc.int(s, 'valid', 0),
    test: sc.int(s, 'test', 0),
    seed: sc.int(s, 'seed', 0),
  };
  if (Object.values(v).some((x) => x === undefined)) return undefined;
  return { kind: 'synthetic', ...(v as { train: number; valid: number; test: number; seed: number }) };
}

function parseJsonVar(env: Env, name: string, problems: string[]): Obj | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    problems.push(`${name} is missing`);
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(raw);
    if (isObj(v)) return v;
    problems.push(`${name} must be a JSON object`);
  } catch (e) {
    problems.push(`${name} is not JSON: ${(e as Error).message}`);
  }
  return undefined;
}

function intVar(
  env: Env,
  name: string,
  min: number,
  problems: string[],
  optional = false,
): number | undefined {
  const raw = env[name];
  if ((raw === undefined || raw === '') && optional) return undefined;
  const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    problems.push(
      raw === undefined || raw === ''
        ? `${name} is missing`
        : `${name} must be an integer >= ${min} (got '${raw}')`,
    );
    return undefined;
  }
  return n;
}

/**
 * Reads a task's NODAL_* variables. `launchedTaskId` is the id of the TaskInfo being launched: a
 * NODAL_TASK_ID naming another task is refused (the environment belongs to someone else). Throws
 * NodalError('CONFIG_INVALID') listing every problem.
 */
export function readTaskConfig(env: Env, launchedTaskId: string): TaskConfig {
  const problems: string[] = [];
  const required = (name: string): string | undefined => {
    const v = env[name];
    if (v === undefined || v === '') {
      problems.push(`${name} is missing`);
      return undefined;
    }
    return v;
  };
  const jobId = required('NODAL_JOB_ID');
  const taskId = required('NODAL_TASK_ID');
  if (taskId !== undefined && taskId !== launchedTaskId)
    problems.push(`NODAL_TASK_ID '${taskId}' is not the launched task '${launchedTaskId}'`);
  const roleRaw = env.NODAL_ROLE;
  const role = (TASK_ROLES as readonly (string | undefined)[]).includes(roleRaw)
    ? (roleRaw as TaskRole)
    : undefined;
  if (role === undefined)
    problems.push(`NODAL_ROLE must be one of ${TASK_ROLES.join(', ')} (got '${roleRaw ?? ''}')`);
  const index = intVar(env, 'NODAL_INDEX', 0, problems);
  const port = intVar(env, 'NODAL_PORT', 1, problems, true);
  if (port !== undefined && port > 65535) problems.push(`NODAL_PORT must be <= 65535 (got ${port})`);
  const portsRaw = env.NODAL_PORTS ?? '';
  const ports = portsRaw === '' ? [] : portsRaw.split(',').map((s) => Number(s.trim()));
  if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535))
    problems.push(`NODAL_PORTS must be a comma-separated list of ports (got '${portsRaw}')`);
  const psCount = intVar(env, 'NODAL_PS_COUNT', 1, problems);
  const secret = required('NODAL_JOB_SECRET');

  let clusterSpec: ClusterSpec | undefined;
  const specRaw = parseJsonVar(env, 'NODAL_CLUSTER_SPEC', problems);
  if (specRaw) {
    try {
      clusterSpec = parseClusterSpec(specRaw);
      if (jobId !== undefined && clusterSpec.jobId !== jobId)
        problems.push(`NODAL_CLUSTER_SPEC is for job '${clusterSpec.jobId}', not '${jobId}'`);
      if (psCount !== undefined && clusterSpec.ps.length !== psCount)
        problems.push(
          `NODAL_CLUSTER_SPEC lists ${clusterSpec.ps.length} PS shard(s) but NODAL_PS_COUNT is ${psCount}`,
        );
    } catch (e) {
      problems.push(`NODAL_CLUSTER_SPEC: ${(e as Error).message}`);
    }
  }
  if (role === 'ps') {
    if (port === undefined) problems.push('NODAL_PORT is required for a ps task (it serves gRPC there)');
    if (index !== undefined && psCount !== undefined && index >= psCount)
      problems.push(`NODAL_INDEX ${index} is not a shard of ${psCount}`);
  }

  let training: TrainingParams | undefined;
  let data: DataSource | undefined;
  let checkpointDir: string | undefined;
  let workers: TaskConfig['workers'] | undefined;
  let evaluators: number | undefined;
  const t = parseJsonVar(env, 'NODAL_TRAINING', problems);
  if (t) {
    const c = new Check(problems, 'NODAL_TRAINING');
    const trainingObj = c.object(t, 'training');
    if (trainingObj) training = trainingParams(trainingObj, problems);
    const dataObj = c.object(t, 'data');
    if (dataObj) data = dataSource(dataObj, problems);
    const ck = c.object(t, 'checkpoint');
    if (ck) checkpointDir = new Check(problems, 'NODAL_TRAINING.checkpoint').string(ck, 'dir');
    const w = c.object(t, 'workers');
    if (w) {
      const wc = new Check(problems, 'NODAL_TRAINING.workers');
      const min = wc.int(w, 'min', 0);
      const max = wc.int(w, 'max', 1);
      const desired = wc.int(w, 'desired', 1);
      if (min !== undefined && max !== undefined && desired !== undefined) workers = { min, max, desired };
    }
    evaluators = c.int(t, 'evaluators', 0, true);
    if (training?.mode === 'sync' && workers && training.backupWorkers >= workers.desired)
      problems.push('NODAL_TRAINING.training.backupWorkers must be < the desired worker count');
  }

  if (problems.length > 0) {
    throw new NodalError('CONFIG_INVALID', `invalid task configuration: ${problems.join('; ')}`, {
      problems,
    });
  }
  return Object.freeze({
    jobId: jobId!,
    taskId: taskId!,
    role: role!,
    index: index!,
    port,
    ports,
    psCount: psCount!,
    clusterSpec: clusterSpec!,
    secret: secret!,
    training: training!,
    data: data!,
    checkpointDir: checkpointDir!,
    workers: workers!,
    evaluators,
  });
}
