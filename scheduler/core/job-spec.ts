// The job spec: what an operator submits (JSON). `parseJobSpec` validates it by hand so every error
// names its path (`roles.worker.min: must be <= max`), rejects unknown keys and fills in defaults.
import { NodalError } from '../../config/errors.js';
import { CONSTRAINT_OPERATORS, type Constraint, type ConstraintOperator } from './constraints.js';
import { checkObject, type Checker } from './spec-checker.js';

export const ROLES = ['ps', 'worker', 'evaluator'] as const;
/** A task's part in training: parameter-server shard, worker, or evaluator. */
export type Role = (typeof ROLES)[number];

export type RestartPolicyName = 'never' | 'on-failure' | 'always';

/** When and how fast a role's failed tasks are replaced (Marathon's backoff: 1 s × 1.15ⁿ up to an hour). */
export interface RestartPolicySpec {
  readonly policy: RestartPolicyName;
  /** Restarts allowed within `windowSeconds`; one more and the slot gives up. */
  readonly maxRestarts: number;
  readonly windowSeconds: number;
  readonly backoff: { readonly initialSeconds: number; readonly maxSeconds: number; readonly factor: number };
  /** Failures of this job's tasks on one agent before the agent is avoided for `agentAvoidSeconds`. */
  readonly agentFailureLimit: number;
  readonly agentAvoidSeconds: number;
}

/** A check the executor runs on its task (Mesos runs none for custom executors). */
export interface HealthCheckSpec {
  readonly type: 'tcp' | 'command' | 'none';
  readonly command?: string;
  readonly delaySeconds: number;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly consecutiveFailures: number;
  readonly gracePeriodSeconds: number;
}

/** What every role declares: resources per task, image, placement, restart and kill behaviour. */
export interface RoleSpec {
  readonly cpus: number;
  /** MB */
  readonly mem: number;
  /** MB; 0: none requested */
  readonly disk: number;
  /** Whole devices; > 0 sends the task to a GPU agent in a Mesos-containerizer container. */
  readonly gpus: number;
  /** Number of host ports; the first is NODAL_PORT. */
  readonly ports: number;
  /** Docker image; absent: the scheduler's configured executor image. */
  readonly image?: string;
  readonly constraints: readonly Constraint[];
  readonly restart: RestartPolicySpec;
  readonly killGracePeriodSeconds: number;
  readonly healthCheck: HealthCheckSpec;
}

export interface PsSpec extends RoleSpec {
  readonly count: number;
}
export interface WorkerSpec extends RoleSpec {
  readonly min: number;
  readonly max: number;
  readonly desired: number;
}
export interface EvaluatorSpec extends RoleSpec {
  readonly count: 0 | 1;
}

export type ModelName = 'small-cnn' | 'large-cnn';
export type OptimizerName = 'sgd' | 'momentum' | 'adam';

/** Training parameters handed to every executor (NODAL_TRAINING). */
export interface TrainingSpec {
  readonly model: ModelName;
  readonly batchSize: number;
  readonly optimizer: {
    readonly type: OptimizerName;
    readonly learningRate: number;
    readonly momentum: number;
  };
  readonly mode: 'async' | 'sync';
  /** async: largest staleness (in steps) a push may have; 0: unbounded. */
  readonly stalenessBound: number;
  /** async: divide the learning rate of a push by max(1, staleness). */
  readonly stalenessScaledLr: boolean;
  /** The learning rate over the job: warm-up, then decay to minFactor × learningRate at the planned end. */
  readonly lrSchedule: {
    readonly decay: 'none' | 'cosine' | 'linear';
    readonly warmupSteps: number;
    readonly minFactor: number;
  };
  /** sync: gradients of this many slowest workers per step may be dropped. */
  readonly backupWorkers: number;
  /** How workers send gradients to the PS: float32, or float16 (half the bytes, rounded to nearest). */
  readonly gradientDtype: 'float32' | 'float16';
  /** Exactly one of steps and epochs is set. */
  readonly steps?: number;
  readonly epochs?: number;
  /** 0: only at the end. */
  readonly checkpointEverySteps: number;
  /** 0: only at the end. */
  readonly evalEverySteps: number;
}

export type DataSpec =
  | { readonly path: string }
  | {
      readonly synthetic: {
        readonly train: number;
        readonly valid: number;
        readonly test: number;
        readonly seed: number;
      };
    };

/** A validated job spec with every default filled in. */
export interface JobSpec {
  /** Job id (`[a-z0-9][a-z0-9-]*`, at most 63 characters); absent: one is generated at submission. */
  readonly id?: string;
  readonly name: string;
  /** Use only offers allocated to this Mesos role; absent: any role the framework subscribed with. */
  readonly mesosRole?: string;
  readonly roles: { readonly ps: PsSpec; readonly worker: WorkerSpec; readonly evaluator: EvaluatorSpec };
  readonly training: TrainingSpec;
  readonly data: DataSpec;
  readonly checkpoint: { readonly dir: string };
  /** A running job whose PS shards are not all running for this long fails. */
  readonly psUnavailableTimeoutSeconds: number;
}

export const JOB_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const DEFAULT_RESTART: RestartPolicySpec = Object.freeze({
  policy: 'on-failure',
  maxRestarts: 10,
  windowSeconds: 3600,
  backoff: Object.freeze({ initialSeconds: 1, maxSeconds: 3600, factor: 1.15 }),
  agentFailureLimit: 3,
  agentAvoidSeconds: 1800,
}) as RestartPolicySpec;

const ROLE_DEFAULTS: Record<
  Role,
  { cpus: number; mem: number; killGracePeriodSeconds: number; health: HealthCheckSpec['type'] }
> = {
  // A PS writes a checkpoint when killed: give it longer.
  ps: { cpus: 1, mem: 1024, killGracePeriodSeconds: 60, health: 'tcp' },
  worker: { cpus: 1, mem: 2048, killGracePeriodSeconds: 30, health: 'none' },
  evaluator: { cpus: 1, mem: 1024, killGracePeriodSeconds: 30, health: 'none' },
};

/** Validates a raw (parsed JSON) job spec; throws NodalError VALIDATION listing every problem with its path. */
export function parseJobSpec(raw: unknown): JobSpec {
  const errors: Array<{ path: string; message: string }> = [];
  const spec = checkObject(raw, '', errors, (c) => jobSpec(c));
  if (errors.length > 0 || spec === undefined) {
    const summary = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
    throw new NodalError('VALIDATION', `invalid job spec: ${summary}`, { errors });
  }
  return spec;
}

function jobSpec(c: Checker): JobSpec {
  const id = c.optionalString('id', {
    pattern: JOB_ID_PATTERN,
    patternHint: 'lower-case letters, digits and -, at most 63',
  });
  const name = c.optionalString('name') ?? id ?? 'job';
  const mesosRole = c.optionalString('mesosRole');
  const roles = c.object('roles', (r) => {
    const ps = r.object('ps', (p) => ({
      ...roleSpec(p, 'ps'),
      count: p.int('count', { min: 1, max: 64, default: 1 }),
    }));
    const worker = r.object('worker', (w) => workerSpec(w));
    const evaluator = r.object('evaluator', (e) => ({
      ...roleSpec(e, 'evaluator'),
      count: e.int('count', { min: 0, max: 1, default: 0 }) as 0 | 1,
    }));
    if (ps.ports < 1) r.error('ps.ports', 'must be >= 1 (the PS serves gRPC on its first port)');
    return { ps, worker, evaluator };
  });
  const training = c.object('training', (t) => trainingSpec(t));
  const data = c.object('data', (d) => dataSpec(d), { required: true });
  const checkpoint = c.object('checkpoint', (k) => ({ dir: k.string('dir', { default: 'checkpoints' }) }));
  const psUnavailableTimeoutSeconds = c.number('psUnavailableTimeoutSeconds', { min: 1, default: 600 });
  if (training.backupWorkers > 0 && training.backupWorkers >= roles.worker.min)
    c.error('training.backupWorkers', 'must be < roles.worker.min');
  return {
    ...(id !== undefined ? { id } : {}),
    name,
    ...(mesosRole !== undefined ? { mesosRole } : {}),
    roles,
    training,
    data,
    checkpoint,
    psUnavailableTimeoutSeconds,
  };
}

function workerSpec(w: Checker): WorkerSpec {
  const base = roleSpec(w, 'worker');
  const given = {
    min: w.optionalInt('min', { min: 1 }),
    max: w.optionalInt('max', { min: 1 }),
    desired: w.optionalInt('desired', { min: 1 }),
  };
  const desired = given.desired ?? given.max ?? given.min ?? 1;
  const min = given.min ?? Math.min(1, desired);
  const max = given.max ?? Math.max(desired, min);
  if (min > max) w.error('min', 'must be <= max');
  else if (desired < min) w.error('desired', 'must be >= min');
  else if (desired > max) w.error('desired', 'must be <= max');
  return { ...base, min, max, desired };
}

function roleSpec(c: Checker, role: Role): RoleSpec {
  const d = ROLE_DEFAULTS[role];
  const ports = c.int('ports', { min: 0, max: 16, default: 1 });
  const image = c.optionalString('image');
  const spec: RoleSpec = {
    cpus: c.number('cpus', { min: 0.01, default: d.cpus }),
    mem: c.number('mem', { min: 32, default: d.mem }),
    disk: c.number('disk', { min: 0, default: 0 }),
    gpus: c.int('gpus', { min: 0, default: 0 }),
    ports,
    ...(image !== undefined ? { image } : {}),
    constraints: c.array('constraints', (item, path) => constraint(c, item, path)),
    restart: c.object('restart', (r) => restartSpec(r)),
    killGracePeriodSeconds: c.number('killGracePeriodSeconds', { min: 0, default: d.killGracePeriodSeconds }),
    healthCheck: c.object('healthCheck', (h) => healthCheckSpec(h, d.health)),
  };
  if (spec.healthCheck.type === 'tcp' && ports < 1)
    c.error('healthCheck.type', "'tcp' needs at least one port");
  return spec;
}

function constraint(c: Checker, item: unknown, path: string): Constraint | undefined {
  if (!Array.isArray(item) || item.length < 2 || item.length > 3 || item.some((x) => typeof x !== 'string')) {
    c.error(path, 'must be [field, operator] or [field, operator, value] of strings');
    return undefined;
  }
  const [field, op, value] = item as string[];
  if (!field) c.error(`${path}[0]`, 'must be a non-empty field name');
  if (!(CONSTRAINT_OPERATORS as readonly string[]).includes(op!)) {
    c.error(`${path}[1]`, `must be one of ${CONSTRAINT_OPERATORS.join(', ')}`);
    return undefined;
  }
  const operator = op as ConstraintOperator;
  const needsValue = operator === 'LIKE' || operator === 'UNLIKE' || operator === 'MAX_PER';
  if (needsValue && value === undefined) c.error(`${path}[2]`, `${operator} needs a value`);
  if (operator === 'UNIQUE' && value !== undefined) c.error(`${path}[2]`, 'UNIQUE takes no value');
  if ((operator === 'LIKE' || operator === 'UNLIKE') && value !== undefined) {
    try {
      new RegExp(value);
    } catch {
      c.error(`${path}[2]`, 'must be a valid regular expression');
    }
  }
  if (
    (operator === 'MAX_PER' || operator === 'GROUP_BY') &&
    value !== undefined &&
    !/^[1-9][0-9]*$/.test(value)
  )
    c.error(`${path}[2]`, `${operator} value must be a positive integer`);
  return { field: field!, operator, ...(value !== undefined ? { value } : {}) };
}

function restartSpec(r: Checker): RestartPolicySpec {
  const policy = r.oneOf('policy', ['never', 'on-failure', 'always'] as const, DEFAULT_RESTART.policy);
  const backoff = r.object('backoff', (b) => {
    const initialSeconds = b.number('initialSeconds', {
      min: 0.001,
      default: DEFAULT_RESTART.backoff.initialSeconds,
    });
    const maxSeconds = b.number('maxSeconds', {
      min: 0.001,
      default: Math.max(initialSeconds, DEFAULT_RESTART.backoff.maxSeconds),
    });
    if (maxSeconds < initialSeconds) b.error('maxSeconds', 'must be >= initialSeconds');
    return {
      initialSeconds,
      maxSeconds,
      factor: b.number('factor', { min: 1, default: DEFAULT_RESTART.backoff.factor }),
    };
  });
  return {
    policy,
    maxRestarts: r.int('maxRestarts', { min: 0, default: DEFAULT_RESTART.maxRestarts }),
    windowSeconds: r.number('windowSeconds', { min: 1, default: DEFAULT_RESTART.windowSeconds }),
    backoff,
    agentFailureLimit: r.int('agentFailureLimit', { min: 1, default: DEFAULT_RESTART.agentFailureLimit }),
    agentAvoidSeconds: r.number('agentAvoidSeconds', { min: 0, default: DEFAULT_RESTART.agentAvoidSeconds }),
  };
}

function healthCheckSpec(h: Checker, defaultType: HealthCheckSpec['type']): HealthCheckSpec {
  const type = h.oneOf('type', ['tcp', 'command', 'none'] as const, defaultType);
  const command = h.optionalString('command');
  if (type === 'command' && command === undefined) h.error('command', "is required when type is 'command'");
  if (type !== 'command' && command !== undefined) h.error('command', "only applies when type is 'command'");
  return {
    type,
    ...(command !== undefined ? { command } : {}),
    delaySeconds: h.number('delaySeconds', { min: 0, default: 15 }),
    intervalSeconds: h.number('intervalSeconds', { min: 0.1, default: 10 }),
    timeoutSeconds: h.number('timeoutSeconds', { min: 0.1, default: 20 }),
    consecutiveFailures: h.int('consecutiveFailures', { min: 1, default: 3 }),
    gracePeriodSeconds: h.number('gracePeriodSeconds', { min: 0, default: 60 }),
  };
}

function trainingSpec(t: Checker): TrainingSpec {
  const mode = t.oneOf('mode', ['async', 'sync'] as const, 'async');
  const steps = t.optionalInt('steps', { min: 1 });
  const epochs = t.optionalInt('epochs', { min: 1 });
  if (steps !== undefined && epochs !== undefined) t.error('steps', 'give either steps or epochs, not both');
  const stalenessBound = t.int('stalenessBound', { min: 0, default: 0 });
  const stalenessScaledLr = t.boolean('stalenessScaledLr', false);
  const backupWorkers = t.int('backupWorkers', { min: 0, default: 0 });
  if (mode === 'sync' && stalenessBound > 0) t.error('stalenessBound', 'only applies to async mode');
  if (mode === 'sync' && stalenessScaledLr) t.error('stalenessScaledLr', 'only applies to async mode');
  if (mode === 'async' && backupWorkers > 0) t.error('backupWorkers', 'only applies to sync mode');
  const optimizer = t.object('optimizer', (o) => {
    const type = o.oneOf('type', ['sgd', 'momentum', 'adam'] as const, 'adam');
    return {
      type,
      learningRate: o.number('learningRate', { min: 1e-9, max: 10, default: type === 'adam' ? 0.001 : 0.01 }),
      momentum: o.number('momentum', { min: 0, max: 0.999999, default: 0.9 }),
    };
  });
  const lrSchedule = t.object('lrSchedule', (l) => ({
    decay: l.oneOf('decay', ['none', 'cosine', 'linear'] as const, 'cosine'),
    warmupSteps: l.int('warmupSteps', { min: 0, default: 0 }),
    minFactor: l.number('minFactor', { min: 0, max: 1, default: 0 }),
  }));
  return {
    model: t.oneOf('model', ['small-cnn', 'large-cnn'] as const, 'small-cnn'),
    batchSize: t.int('batchSize', { min: 1, max: 4096, default: 32 }),
    optimizer,
    mode,
    stalenessBound,
    stalenessScaledLr,
    lrSchedule,
    backupWorkers,
    gradientDtype: t.oneOf('gradientDtype', ['float32', 'float16'] as const, 'float32'),
    ...(steps !== undefined ? { steps } : { epochs: epochs ?? 1 }),
    checkpointEverySteps: t.int('checkpointEverySteps', { min: 0, default: 0 }),
    evalEverySteps: t.int('evalEverySteps', { min: 0, default: 0 }),
  };
}

function dataSpec(d: Checker): DataSpec {
  const hasPath = d.has('path');
  const hasSynthetic = d.has('synthetic');
  if (hasPath === hasSynthetic) {
    d.error('', 'give exactly one of path and synthetic');
    d.ignore('path', 'synthetic');
    return { path: '' };
  }
  if (hasPath) return { path: d.string('path') };
  return {
    synthetic: d.object('synthetic', (s) => ({
      train: s.int('train', { min: 1, default: 2048 }),
      valid: s.int('valid', { min: 0, default: 256 }),
      test: s.int('test', { min: 0, default: 256 }),
      seed: s.int('seed', { min: 0, default: 1 }),
    })),
  };
}
