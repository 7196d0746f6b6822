import { expect } from 'chai';
import { Coordinator, type CoordinatorOptions } from '../../../executor/coordinator/coordinator.js';
import type { Counted } from '../../../executor/coordinator/leases.js';
import { parameterServerHandlers } from '../../../executor/ps/service.js';
import { ParameterShard } from '../../../executor/ps/shard.js';
import { toWireTensor } from '../../../executor/rpc/tensor-codec.js';
import { config, initialValues, SPECS } from '../ps/builders.js';

const options = (over: Partial<CoordinatorOptions> = {}): CoordinatorOptions => ({
  datasetSize: 96,
  leaseSize: 64,
  epochs: 1,
  leaseTimeoutMs: 10_000,
  seed: 1,
  globalStep: () => 0,
  now: () => 1_000,
  ...over,
});

function leaseOf(c: Coordinator, worker: string): number {
  const a = c.lease(worker);
  if (a.kind !== 'granted') throw new Error(`expected a lease, got ${a.kind}`);
  return a.lease.leaseId;
}

describe('executor/coordinator Coordinator: pushes of a lease (ps-0)', () => {
  it('admits pushes of a live lease and records their progress at once (the snapshot holds it)', () => {
    const c = new Coordinator(options());
    const id = leaseOf(c, 'w1');
    expect(c.admitPush('w1', id, 32)).to.equal('ok');
    c.pushApplied('w1', id, 32);
    // No report yet: the checkpoint taken with this step already counts the batch.
    expect(c.snapshot().examplesDone).to.equal(32);
    expect(c.snapshot().open).to.deep.equal([{ epoch: 0, completed: [[0, 32]] }]);
  });

  it('refuses a retried push of positions already applied (duplicate) and pushes of another worker', () => {
    const c = new Coordinator(options());
    const id = leaseOf(c, 'w1');
    c.pushApplied('w1', id, 32);
    expect(c.admitPush('w1', id, 32)).to.equal('duplicate');
    expect(c.admitPush('w1', id, 64)).to.equal('ok');
    expect(c.admitPush('w2', id, 64)).to.equal('unknown');
  });

  it('refuses pushes of every lease handed out before a restore from a checkpoint', () => {
    const c = new Coordinator(options());
    const before = leaseOf(c, 'w1');
    c.pushApplied('w1', before, 32);
    const snap = JSON.parse(JSON.stringify(c.snapshot()));
    const after = leaseOf(c, 'w2');
    c.pushApplied('w2', after, 32);

    const restored = new Coordinator(options({ restored: snap }));
    expect(restored.admitPush('w1', before, 64)).to.equal('unknown');
    expect(restored.admitPush('w2', after, 64)).to.equal('unknown');
    expect(
      restored.report({
        workerId: 'w2',
        leaseId: after,
        processed: 64,
        loss: NaN,
        imagesPerSec: NaN,
        staleness: 0,
        examples: 0,
      }).leaseValid,
    ).to.equal(false);
    // The checkpointed batch stays counted; the rest of the data is handed out again.
    expect(restored.snapshot().examplesDone).to.equal(32);
    const again = restored.lease('w2');
    expect(again.kind).to.equal('granted');
    if (again.kind === 'granted') expect([again.lease.start, again.lease.end]).to.deep.equal([32, 96]);
  });
});

describe('executor/coordinator Coordinator: workers the scheduler says ended', () => {
  /** Positions counted, per position, over the whole test (exactly-once audit). */
  function audited(c: Coordinator, size: number): Uint8Array {
    const hits = new Uint8Array(size);
    c.onCounted((x: Counted) => {
      for (let p = x.start; p < x.end; p++) hits[p]!++;
    });
    return hits;
  }

  it('releases their leases at once: the trained part counts, another worker gets the rest right away', () => {
    let now = 1_000;
    const c = new Coordinator(options({ now: () => now }));
    const hits = audited(c, 96);
    const dead = leaseOf(c, 'job.worker-0.t3'); // [0, 64)
    const alive = leaseOf(c, 'job.worker-1.t4'); // [64, 96)
    expect(c.admitPush('job.worker-0.t3', dead, 16)).to.equal('ok');
    c.pushApplied('job.worker-0.t3', dead, 16);
    // Everything is leased: a third worker waits (before, until the dead worker's lease expired at 11 s).
    expect(c.lease('job.worker-2.t5').kind).to.equal('wait');

    now += 100;
    expect(c.workersEnded(['job.worker-0.t3'])).to.equal(1);
    expect(c.progress()).to.include({ outstandingLeases: 1, examplesDone: 16, workers: 1 });
    const next = c.lease('job.worker-2.t5');
    expect(next.kind).to.equal('granted');
    if (next.kind !== 'granted') return;
    expect([next.lease.start, next.lease.end]).to.deep.equal([16, 64]);

    // A push the dead worker had in flight applies nothing, even before anyone trained its range.
    expect(c.admitPush('job.worker-0.t3', dead, 32)).to.equal('unknown');
    expect(c.complete('job.worker-0.t3', dead).accepted).to.equal(false);
    expect(
      c.report({
        workerId: 'job.worker-0.t3',
        leaseId: dead,
        processed: 48,
        loss: 0.5,
        imagesPerSec: 10,
        staleness: 0,
        examples: 48,
      }).leaseValid,
    ).to.equal(false);

    expect(c.complete('job.worker-2.t5', next.lease.leaseId).accepted).to.equal(true);
    expect(c.complete('job.worker-1.t4', alive).accepted).to.equal(true);
    expect(c.progress()).to.include({ done: true, examplesDone: 96 });
    expect([...hits].filter((h) => h !== 1)).to.deep.equal([]);
  });

  it('ignores ids that hold no lease (unknown, or a worker that already gave its lease back)', () => {
    const c = new Coordinator(options());
    const id = leaseOf(c, 'w1');
    expect(c.workersEnded(['nobody'])).to.equal(0);
    expect(c.release('w1', id, 8)).to.equal(1);
    expect(c.workersEnded(['w1'])).to.equal(0);
    expect(c.progress()).to.include({ outstandingLeases: 0, examplesDone: 8 });
  });

  it("ps-0's push gate: a push of a released lease changes no weight and no step", async () => {
    const shard = await ParameterShard.create({ shardIndex: 0, shardCount: 1, config: config() });
    shard.init(SPECS, 1, initialValues());
    const c = new Coordinator(options());
    const handlers = parameterServerHandlers(shard, c);
    const gradients = SPECS.map((v) =>
      toWireTensor(v.name, v.shape, new Float32Array(v.shape.reduce((n, d) => n * d, 1)).fill(1)),
    );
    const push = (workerId: string, leaseId: number, processed: number) =>
      handlers.Push!(
        {
          worker_id: workerId,
          base_step: shard.step,
          gradients,
          return_weights: false,
          examples: 32,
          lease_id: leaseId,
          lease_processed: processed,
        },
        { peer: 'test' },
      ) as Promise<{ outcome: string; step: number; lease_unknown: boolean }>;
    try {
      const id = leaseOf(c, 'w-dead');
      expect(await push('w-dead', id, 32)).to.include({ outcome: 'APPLIED', step: 1 });
      c.workersEnded(['w-dead']);
      const before = shard.pull().values;
      const late = await push('w-dead', id, 64);
      expect(late).to.include({ outcome: 'STALE', step: 1, lease_unknown: true });
      expect(shard.step).to.equal(1);
      expect(shard.pull().values).to.deep.equal(before);
      // The rest of the range is trained by another worker, once.
      const next = c.lease('w-next');
      expect(next.kind === 'granted' && [next.lease.start, next.lease.end]).to.deep.equal([32, 96]);
    } finally {
      await shard.shutdown();
    }
  });
});
