import { expect } from 'chai';
import { Coordinator, type CoordinatorOptions } from '../../../executor/coordinator/coordinator.js';

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
