// The parameter server's apply rule, pure: a shard's state and one push (or the passage of time) in,
// the next state and what happened out. No I/O, no timers, no tfjs. States are never modified: a new
// state shares unchanged arrays with the old one, so a pull or checkpoint can keep reading a snapshot
// while later pushes are applied.
//
// Async: each push is applied on arrival and advances the step. Sync: pushes computed on the current
// step are summed until `replicasToAggregate` workers have contributed, then their mean is applied once;
// pushes for an older step are dropped (that is what makes extra workers backups), and after
// `syncTimeoutMs` a partial aggregate is applied so dead workers cannot stall the job.
import { NodalError } from '../../config/errors.js';
import {
  applyOptimizer,
  initialSlots,
  validateOptimizer,
  type OptimizerConfig,
  type Slots,
} from './optimizers.js';
import { learningRateFactor, validateLrSchedule, type LrSchedule } from './schedule.js';
import { validateSpecs, type VariableSpec } from './specs.js';

export type TrainingMode = 'async' | 'sync';

export interface ShardConfig {
  mode: TrainingMode;
  optimizer: OptimizerConfig;
  /** Async: pushes staler than this many steps are rejected (outcome `stale`); undefined: no bound. */
  stalenessBound?: number;
  /** Async: learning rate / max(1, staleness) for each push. */
  scaleLrByStaleness: boolean;
  /** Multiplier of the learning rate by step (warm-up, decay); undefined: constant. */
  lrSchedule?: LrSchedule;
  /** Sync: distinct workers whose gradients make one step. */
  replicasToAggregate: number;
  /** Sync: apply a partial aggregate this long after its first push (undefined: wait forever). */
  syncTimeoutMs?: number;
}

export interface ShardStats {
  applied: number;
  stale: number;
  dropped: number;
  stalenessSum: number;
  stalenessCount: number;
  maxStaleness: number;
}

/** Sync mode: gradients summed for the current step so far. */
export interface PendingStep {
  step: number;
  sums: ReadonlyMap<string, Float32Array>;
  workers: readonly string[];
  firstAtMs: number;
}

export interface ShardState {
  config: ShardConfig;
  /** This shard's variables, in model order. */
  specs: readonly VariableSpec[];
  /** Current values; null until initialized (by a worker's Init or a checkpoint). */
  values: ReadonlyMap<string, Float32Array> | null;
  slots: ReadonlyMap<string, Slots>;
  /** Updates applied since the start of training. */
  step: number;
  pending: PendingStep | null;
  stats: ShardStats;
}

export interface Push {
  workerId: string;
  /** The shard step of the weights the gradients were computed from. */
  baseStep: number;
  gradients: ReadonlyMap<string, Float32Array>;
}

export type PushOutcome = 'applied' | 'aggregated' | 'stale' | 'dropped';

export interface PushResult {
  outcome: PushOutcome;
  /** The shard's step after this push. */
  step: number;
  staleness: number;
  message: string;
}

const ZERO_STATS: ShardStats = {
  applied: 0,
  stale: 0,
  dropped: 0,
  stalenessSum: 0,
  stalenessCount: 0,
  maxStaleness: 0,
};

/** Throws VALIDATION for a config that cannot work. */
export function validateShardConfig(c: ShardConfig): void {
  validateOptimizer(c.optimizer);
  if (c.mode !== 'async' && c.mode !== 'sync')
    throw new NodalError('VALIDATION', `unknown mode ${String(c.mode)}`);
  if (!Number.isInteger(c.replicasToAggregate) || c.replicasToAggregate < 1) {
    throw new NodalError('VALIDATION', 'replicasToAggregate must be a positive integer');
  }
  if (c.stalenessBound !== undefined && !(Number.isInteger(c.stalenessBound) && c.stalenessBound >= 0)) {
    throw new NodalError('VALIDATION', 'stalenessBound must be an integer >= 0');
  }
  if (c.syncTimeoutMs !== undefined && !(c.syncTimeoutMs > 0))
    throw new NodalError('VALIDATION', 'syncTimeoutMs must be > 0');
  if (c.lrSchedule) validateLrSchedule(c.lrSchedule);
}

/** An uninitialized shard holding `specs`. Throws VALIDATION for a bad config or specs. */
export function createShardState(config: ShardConfig, specs: readonly VariableSpec[]): ShardState {
  validateShardConfig(config);
  validateSpecs(specs);
  return { config, specs, values: null, slots: new Map(), step: 0, pending: null, stats: ZERO_STATS };
}

/**
 * Checks that `tensors` hold exactly this shard's variables with the right lengths and, for gradients,
 * only finite values. Returns nothing; throws VALIDATION naming the first problem.
 */
export function validateTensors(
  specs: readonly VariableSpec[],
  tensors: ReadonlyMap<string, Float32Array>,
  what: 'gradient' | 'value',
): void {
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const [name, data] of tensors) {
    const spec = byName.get(name);
    if (!spec) throw new NodalError('VALIDATION', `${what} for unknown variable ${name}`, { name });
    if (data.length * 4 !== spec.bytes) {
      throw new NodalError(
        'VALIDATION',
        `${what} ${name} has ${data.length * 4} bytes, expected ${spec.bytes}`,
        {
          name,
        },
      );
    }
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new NodalError('VALIDATION', `${what} ${name} has a non-finite value (${data[i]}) at ${i}`, {
          name,
          index: i,
        });
      }
    }
  }
  if (tensors.size !== specs.length) {
    const missing = specs.filter((s) => !tensors.has(s.name)).map((s) => s.name);
    throw new NodalError('VALIDATION', `${what}s missing for ${missing.join(', ')}`, { missing });
  }
}

/** Initializes an uninitialized shard with `values` (copied) and zero optimizer slots. */
export function initializeShard(state: ShardState, values: ReadonlyMap<string, Float32Array>): ShardState {
  if (state.values) throw new NodalError('CONFLICT', 'shard already initialized');
  validateTensors(state.specs, values, 'value');
  const v = new Map<string, Float32Array>();
  const slots = new Map<string, Slots>();
  for (const s of state.specs) {
    v.set(s.name, Float32Array.from(values.get(s.name)!));
    slots.set(s.name, initialSlots(state.config.optimizer, s.bytes / 4));
  }
  return { ...state, values: v, slots };
}

function applyGradients(
  state: ShardState,
  grads: ReadonlyMap<string, Float32Array>,
  lrScale: number,
): ShardState {
  const t = state.step + 1;
  const schedule = state.config.lrSchedule;
  const scale = lrScale * (schedule ? learningRateFactor(schedule, state.step) : 1);
  const values = new Map<string, Float32Array>();
  const slots = new Map<string, Slots>();
  for (const s of state.specs) {
    const next = applyOptimizer(
      state.config.optimizer,
      state.values!.get(s.name)!,
      grads.get(s.name)!,
      state.slots.get(s.name)!,
      t,
      scale,
    );
    // Finite but huge gradients (3e38) can still overflow the update: refuse the push rather than let
    // one bad worker turn the shard's weights into Infinity. The caller's state stays untouched.
    for (let i = 0; i < next.value.length; i++) {
      if (!Number.isFinite(next.value[i])) {
        throw new NodalError(
          'VALIDATION',
          `applying this gradient would make ${s.name} non-finite at ${i}: gradient too large`,
          { variable: s.name, index: i },
        );
      }
    }
    values.set(s.name, next.value);
    slots.set(s.name, next.slots);
  }
  return { ...state, values, slots, step: t };
}

function meanOf(sums: ReadonlyMap<string, Float32Array>, count: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, sum] of sums) {
    const m = new Float32Array(sum.length);
    for (let i = 0; i < sum.length; i++) m[i] = sum[i] / count;
    out.set(name, m);
  }
  return out;
}

function withStats(state: ShardState, outcome: PushOutcome, staleness: number): ShardStats {
  const s = state.stats;
  const counted = outcome === 'applied' || outcome === 'aggregated';
  return {
    applied: s.applied + (counted ? 1 : 0),
    stale: s.stale + (outcome === 'stale' ? 1 : 0),
    dropped: s.dropped + (outcome === 'dropped' ? 1 : 0),
    stalenessSum: s.stalenessSum + (counted ? staleness : 0),
    stalenessCount: s.stalenessCount + (counted ? 1 : 0),
    maxStaleness: Math.max(s.maxStaleness, counted ? staleness : 0),
  };
}

function rejected(state: ShardState, outcome: 'stale' | 'dropped', staleness: number, message: string) {
  return {
    state: { ...state, stats: withStats(state, outcome, staleness) },
    result: { outcome, step: state.step, staleness, message },
  };
}

function applyPending(state: ShardState): ShardState {
  const p = state.pending!;
  const next = applyGradients(state, meanOf(p.sums, p.workers.length), 1);
  return { ...next, pending: null };
}

/**
 * Applies one push. Throws VALIDATION (state untouched) for unknown variables, wrong lengths or non-finite
 * gradients, and CONFLICT when the shard is not initialized yet. Outcomes: `applied`
 * (async), `aggregated` (sync, joined the current step; `step` shows whether it completed it), `stale`
 * (over the staleness bound, or computed on a step the shard has not reached — it restarted from a
 * checkpoint), `dropped` (sync: late for its step, or a second push of one worker to one step).
 */
export function applyPush(
  state: ShardState,
  push: Push,
  nowMs: number,
): { state: ShardState; result: PushResult } {
  if (!state.values) throw new NodalError('CONFLICT', 'shard not initialized: Init it first');
  validateTensors(state.specs, push.gradients, 'gradient');
  if (!Number.isInteger(push.baseStep) || push.baseStep < 0) {
    throw new NodalError('VALIDATION', `base step must be an integer >= 0, got ${push.baseStep}`);
  }
  if (push.baseStep > state.step) {
    return rejected(
      state,
      'stale',
      0,
      `gradients computed on step ${push.baseStep} but the shard is at ${state.step} (restored from a checkpoint): pull again`,
    );
  }
  const staleness = state.step - push.baseStep;
  const c = state.config;
  if (c.mode === 'async') {
    if (c.stalenessBound !== undefined && staleness > c.stalenessBound) {
      return rejected(
        state,
        'stale',
        staleness,
        `staleness ${staleness} exceeds the bound ${c.stalenessBound}: pull again`,
      );
    }
    const lrScale = c.scaleLrByStaleness ? 1 / Math.max(1, staleness) : 1;
    const next = applyGradients(state, push.gradients, lrScale);
    return {
      state: { ...next, stats: withStats(state, 'applied', staleness) },
      result: { outcome: 'applied', step: next.step, staleness, message: '' },
    };
  }
  if (staleness > 0)
    return rejected(state, 'dropped', staleness, `step ${push.baseStep} was already applied`);
  const p = state.pending;
  if (p && p.workers.includes(push.workerId)) {
    return rejected(state, 'dropped', 0, `worker ${push.workerId} already contributed to step ${state.step}`);
  }
  const sums = new Map<string, Float32Array>();
  for (const s of state.specs) {
    const g = push.gradients.get(s.name)!;
    const prev = p?.sums.get(s.name);
    const sum = new Float32Array(g.length);
    if (prev) for (let i = 0; i < g.length; i++) sum[i] = prev[i] + g[i];
    else sum.set(g);
    sums.set(s.name, sum);
  }
  const pending: PendingStep = {
    step: state.step,
    sums,
    workers: [...(p?.workers ?? []), push.workerId],
    firstAtMs: p?.firstAtMs ?? nowMs,
  };
  let next: ShardState = { ...state, pending, stats: withStats(state, 'aggregated', 0) };
  if (pending.workers.length >= c.replicasToAggregate) next = applyPending(next);
  return { state: next, result: { outcome: 'aggregated', step: next.step, staleness: 0, message: '' } };
}

/** Sync mode: applies a partial aggregate whose first push is `syncTimeoutMs` old. Otherwise returns `state`. */
export function tick(state: ShardState, nowMs: number): ShardState {
  const p = state.pending;
  const timeout = state.config.syncTimeoutMs;
  if (!p || timeout === undefined || nowMs - p.firstAtMs < timeout) return state;
  return applyPending(state);
}

/** When the pending sync step times out (undefined when nothing is pending or there is no timeout). */
export const pendingDeadline = (state: ShardState): number | undefined =>
  state.pending && state.config.syncTimeoutMs !== undefined
    ? state.pending.firstAtMs + state.config.syncTimeoutMs
    : undefined;

/** Mean staleness of counted pushes (0 when none). */
export const meanStaleness = (s: ShardStats): number =>
  s.stalenessCount ? s.stalenessSum / s.stalenessCount : 0;
