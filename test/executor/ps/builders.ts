// Builders for PS tests: shard states and pushes over plain Float32Arrays.
import {
  createShardState,
  initializeShard,
  type Push,
  type ShardConfig,
  type ShardState,
} from '../../../executor/ps/apply.js';
import { makeSpec, type VariableSpec } from '../../../executor/ps/specs.js';

export const SPECS: VariableSpec[] = [makeSpec('w', [2, 2]), makeSpec('b', [2])];

export function config(over: Partial<ShardConfig> = {}): ShardConfig {
  return {
    mode: 'async',
    optimizer: { kind: 'sgd', learningRate: 0.5 },
    scaleLrByStaleness: false,
    replicasToAggregate: 1,
    ...over,
  };
}

export function initialValues(): Map<string, Float32Array> {
  return new Map([
    ['w', new Float32Array([1, 2, 3, 4])],
    ['b', new Float32Array([0.5, -0.5])],
  ]);
}

export function shard(over: Partial<ShardConfig> = {}): ShardState {
  return initializeShard(createShardState(config(over), SPECS), initialValues());
}

export function grads(w: number[] = [1, 1, 1, 1], b: number[] = [1, 1]): Map<string, Float32Array> {
  return new Map([
    ['w', Float32Array.from(w)],
    ['b', Float32Array.from(b)],
  ]);
}

export function push(workerId: string, baseStep: number, g = grads()): Push {
  return { workerId, baseStep, gradients: g };
}

/** A seeded stream in [0, 1) for property tests. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}
