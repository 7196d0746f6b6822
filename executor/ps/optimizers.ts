// Optimizers as pure functions over Float32Arrays: given a variable, its gradient and its slots, they
// return new arrays and never write into their inputs (a pull being serialized may still read the old
// ones). Arithmetic is in float64 per element and stored as float32, like tfjs' optimizers on CPU.
import { NodalError } from '../../config/errors.js';

export type OptimizerConfig =
  | { kind: 'sgd'; learningRate: number }
  /** Heavy-ball momentum as tf.train.momentum: accumulation = m·accumulation + g; variable −= lr·accumulation. */
  | { kind: 'momentum'; learningRate: number; momentum: number; nesterov?: boolean }
  /** Adam (Kingma & Ba) with bias correction, as tf.train.adam. */
  | { kind: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number };

export type OptimizerKind = OptimizerConfig['kind'];
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['sgd', 'momentum', 'adam'];

/** Optimizer state of one variable, by slot name. */
export type Slots = Readonly<Record<string, Float32Array>>;

/** Defaults for each optimizer, the usual ones of tf.train. */
export function defaultOptimizer(kind: OptimizerKind, learningRate?: number): OptimizerConfig {
  switch (kind) {
    case 'sgd':
      return { kind, learningRate: learningRate ?? 0.01 };
    case 'momentum':
      return { kind, learningRate: learningRate ?? 0.01, momentum: 0.9 };
    case 'adam':
      return { kind, learningRate: learningRate ?? 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
  }
}

/** Throws VALIDATION when a hyperparameter is out of range. */
export function validateOptimizer(c: OptimizerConfig): void {
  const bad = (what: string): never => {
    throw new NodalError('VALIDATION', `optimizer ${c.kind}: ${what}`);
  };
  if (!OPTIMIZER_KINDS.includes(c.kind)) bad(`unknown kind; known: ${OPTIMIZER_KINDS.join(', ')}`);
  if (!(c.learningRate > 0) || !Number.isFinite(c.learningRate)) bad('learningRate must be > 0');
  if (c.kind === 'momentum' && !(c.momentum >= 0 && c.momentum < 1)) bad('momentum must be in [0, 1)');
  if (c.kind === 'adam') {
    if (!(c.beta1 >= 0 && c.beta1 < 1) || !(c.beta2 >= 0 && c.beta2 < 1)) bad('betas must be in [0, 1)');
    if (!(c.epsilon > 0)) bad('epsilon must be > 0');
  }
}

/** Names of the per-variable slots the optimizer keeps (checkpointed with the variable). */
export function slotNames(c: OptimizerConfig): string[] {
  switch (c.kind) {
    case 'sgd':
      return [];
    case 'momentum':
      return ['momentum'];
    case 'adam':
      return ['m', 'v'];
  }
}

/** Zero-filled slots for a variable of `length` values. */
export function initialSlots(c: OptimizerConfig, length: number): Slots {
  return Object.fromEntries(slotNames(c).map((n) => [n, new Float32Array(length)]));
}

/**
 * One update of one variable: returns the new value and slots. `t` is the 1-based number of this update
 * (Adam's bias correction); `lrScale` multiplies the learning rate (staleness scaling). The inputs are
 * not modified.
 */
export function applyOptimizer(
  c: OptimizerConfig,
  value: Float32Array,
  grad: Float32Array,
  slots: Slots,
  t: number,
  lrScale = 1,
): { value: Float32Array; slots: Slots } {
  const n = value.length;
  const lr = c.learningRate * lrScale;
  const out = new Float32Array(n);
  switch (c.kind) {
    case 'sgd': {
      for (let i = 0; i < n; i++) out[i] = value[i] - lr * grad[i];
      return { value: out, slots: {} };
    }
    case 'momentum': {
      const acc = slots.momentum;
      const nextAcc = new Float32Array(n);
      const m = c.momentum;
      for (let i = 0; i < n; i++) {
        const a = m * acc[i] + grad[i];
        nextAcc[i] = a;
        // Nesterov as tf.train.momentum(useNesterov): step along the look-ahead accumulation.
        out[i] = value[i] - lr * (c.nesterov ? grad[i] + m * a : a);
      }
      return { value: out, slots: { momentum: nextAcc } };
    }
    case 'adam': {
      const { beta1: b1, beta2: b2, epsilon: eps } = c;
      const m0 = slots.m;
      const v0 = slots.v;
      const m1 = new Float32Array(n);
      const v1 = new Float32Array(n);
      const c1 = 1 - Math.pow(b1, t);
      const c2 = 1 - Math.pow(b2, t);
      for (let i = 0; i < n; i++) {
        const g = grad[i];
        const m = b1 * m0[i] + (1 - b1) * g;
        const v = b2 * v0[i] + (1 - b2) * g * g;
        m1[i] = m;
        v1[i] = v;
        out[i] = value[i] - (lr * (m / c1)) / (Math.sqrt(v / c2) + eps);
      }
      return { value: out, slots: { m: m1, v: v1 } };
    }
  }
}
