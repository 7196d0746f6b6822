// The parameter server's communication cost on loopback: workers in this process push gradients to PS
// shards in their own processes and get the fresh weights back (one round trip per step, the worker's
// real PsGroup path). Measured per model, shard count and gradient wire format: the round-trip latency of
// one worker, round trips per second and MB/s with several concurrent workers, and per push the time in
// a shard's Push handler and the shard process's CPU time. Shards are pushed to in parallel, tensors travel as raw bytes without copies (tensor-codec).
import { randomBytes } from 'node:crypto';
import type { GradientDtype } from '../../../executor/ps/client.js';
import type { VariableSpec } from '../../../executor/ps/specs.js';
import { PsGroup } from '../../../executor/training/ps-group.js';
import type { CommMeasurement } from './measurements.js';
import { startPsProcess, type PsProcess, type PsProcessStats } from './ps-process.js';
import { median } from './stats.js';

export interface CommCase {
  readonly model: string;
  readonly specs: readonly VariableSpec[];
  readonly shards: number;
  readonly dtypes: readonly GradientDtype[];
}

export interface CommOptions {
  /** Sequential round trips timed for the latency (after as many untimed ones, at least 2). */
  readonly latencyRoundTrips: number;
  /** How long the concurrent clients push. */
  readonly loadMs: number;
  /** Concurrent clients of the throughput phase. */
  readonly clients: number;
}

/** Small random gradients, so the optimizer does real work on plausible values. */
function gradientsOf(specs: readonly VariableSpec[], seed: number): Map<string, Float32Array> {
  let x = seed >>> 0 || 1;
  const out = new Map<string, Float32Array>();
  for (const s of specs) {
    const g = new Float32Array(s.bytes / 4);
    for (let i = 0; i < g.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      g[i] = ((x >>> 0) / 4294967296 - 0.5) * 2e-3;
    }
    out.set(s.name, g);
  }
  return out;
}

/** One worker's loop: push every shard its share, adopt the steps the answers carry. */
async function roundTrips(
  group: PsGroup,
  workerId: string,
  grads: ReadonlyMap<string, Float32Array>,
  until: (done: number) => boolean,
  onRoundTrip?: (ms: number) => void,
): Promise<number> {
  const steps = new Array<number>(group.size).fill(0);
  let done = 0;
  while (!until(done)) {
    const t0 = performance.now();
    const answers = await group.pushAll(workerId, steps, grads, 32);
    onRoundTrip?.(performance.now() - t0);
    answers.forEach((a, i) => (steps[i] = a.step));
    done++;
  }
  return done;
}

async function measureCase(
  c: CommCase,
  dtype: GradientDtype,
  shards: readonly PsProcess[],
  secret: string,
  o: CommOptions,
): Promise<CommMeasurement> {
  const addresses = shards.map((s) => s.address);
  const rpc = { secret, deadlineMs: 60_000 };
  const grads = gradientsOf(c.specs, 7);
  const parameters = c.specs.reduce((n, s) => n + s.bytes / 4, 0);
  const bytesPerRoundTrip = parameters * (dtype === 'float16' ? 2 : 4) + parameters * 4;

  const solo = new PsGroup(addresses, c.specs, rpc, undefined, dtype);
  const samples: number[] = [];
  try {
    await solo.initialize(grads);
    const warm = Math.max(2, o.latencyRoundTrips);
    await roundTrips(solo, 'latency', grads, (n) => n >= warm);
    await roundTrips(
      solo,
      'latency',
      grads,
      (n) => n >= o.latencyRoundTrips,
      (ms) => samples.push(ms),
    );
  } finally {
    solo.close();
  }

  const groups = Array.from(
    { length: o.clients },
    () => new PsGroup(addresses, c.specs, rpc, undefined, dtype),
  );
  try {
    await Promise.all(groups.map((g) => roundTrips(g, 'warm', grads, (n) => n >= 1)));
    const before = await Promise.all(shards.map((s) => s.stats()));
    const t0 = performance.now();
    const end = t0 + o.loadMs;
    const counts = await Promise.all(
      groups.map((g, i) => roundTrips(g, `load-${i}`, grads, () => performance.now() >= end)),
    );
    const seconds = (performance.now() - t0) / 1000;
    const after = await Promise.all(shards.map((s) => s.stats()));
    const total = counts.reduce((a, b) => a + b, 0);
    const perPush = (f: (s: PsProcessStats) => number): number =>
      after.reduce((sum, a, i) => sum + (f(a) - f(before[i])) / Math.max(1, a.pushes - before[i].pushes), 0) /
      shards.length;
    return {
      model: c.model,
      parameters,
      shards: c.shards,
      gradientDtype: dtype,
      clients: o.clients,
      bytesPerRoundTrip,
      roundTripMs: median(samples),
      pushesPerSec: total / seconds,
      megabytesPerSec: (total * bytesPerRoundTrip) / seconds / 1e6,
      applyMsPerPush: perPush((s) => s.pushHandlerMs),
      psCpuMsPerPush: perPush((s) => s.cpuMs),
    };
  } finally {
    for (const g of groups) g.close();
  }
}

/** Measures every case and format; shard processes are started per case and stopped before returning. */
export async function measureCommunication(
  cases: readonly CommCase[],
  o: CommOptions,
  onResult?: (m: CommMeasurement) => void,
): Promise<CommMeasurement[]> {
  const out: CommMeasurement[] = [];
  for (const c of cases) {
    const secret = randomBytes(16).toString('hex');
    const shards: PsProcess[] = [];
    try {
      for (let i = 0; i < c.shards; i++) {
        shards.push(
          await startPsProcess({
            shardIndex: i,
            shardCount: c.shards,
            secret,
            shard: {
              mode: 'async',
              optimizer: { kind: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
              scaleLrByStaleness: false,
              replicasToAggregate: 1,
            },
            ...(i === 0
              ? { coordinator: { datasetSize: 1, leaseSize: 1, epochs: 1, leaseTimeoutMs: 60_000, seed: 1 } }
              : {}),
          }),
        );
      }
      for (const dtype of c.dtypes) {
        const m = await measureCase(c, dtype, shards, secret, o);
        onResult?.(m);
        out.push(m);
      }
    } finally {
      await Promise.all(shards.map((s) => s.stop()));
    }
  }
  return out;
}
