// Which PS shard holds which variable. Every worker, the evaluator and every shard compute this from
// the same model specs and shard count, so no table has to travel: the assignment is a pure function.
import { NodalError } from '../../config/errors.js';
import type { VariableSpec } from './specs.js';

/** Variables per shard (each list in model order), and the shard of every variable. */
export interface ShardAssignment {
  shards: VariableSpec[][];
  shardOf: ReadonlyMap<string, number>;
}

/**
 * Balances variables across `nShards` by bytes: greedy, largest first (ties: model order), each to the
 * shard with the fewest bytes so far (ties: lowest index). Deterministic for the same input. A shard may
 * get no variable when there are more shards than variables. Throws VALIDATION for nShards < 1.
 */
export function assignShards(variableSpecs: readonly VariableSpec[], nShards: number): ShardAssignment {
  if (!Number.isInteger(nShards) || nShards < 1) {
    throw new NodalError('VALIDATION', `shard count must be a positive integer, got ${nShards}`);
  }
  const order = variableSpecs.map((s, i) => ({ s, i })).sort((a, b) => b.s.bytes - a.s.bytes || a.i - b.i);
  const load = new Array<number>(nShards).fill(0);
  const shardIndexOf = new Array<number>(variableSpecs.length);
  for (const { s, i } of order) {
    let best = 0;
    for (let k = 1; k < nShards; k++) if (load[k] < load[best]) best = k;
    load[best] += s.bytes;
    shardIndexOf[i] = best;
  }
  const shards: VariableSpec[][] = Array.from({ length: nShards }, () => []);
  const shardOf = new Map<string, number>();
  variableSpecs.forEach((s, i) => {
    shards[shardIndexOf[i]].push(s);
    shardOf.set(s.name, shardIndexOf[i]);
  });
  return { shards, shardOf };
}

/** Bytes held by each shard of an assignment. */
export const shardBytes = (a: ShardAssignment): number[] =>
  a.shards.map((vs) => vs.reduce((n, s) => n + s.bytes, 0));
