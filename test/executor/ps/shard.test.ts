import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import { assignShards } from '../../../executor/ps/assign.js';
import { ParameterShard } from '../../../executor/ps/shard.js';
import { makeSpec } from '../../../executor/ps/specs.js';
import { config, grads, initialValues, push, SPECS } from './builders.js';

async function expectRejects(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
    expect.fail('should throw');
  } catch (e) {
    expect(isNodalError(e, code as never), String(e)).to.equal(true);
  }
}

describe('executor/ps/shard', () => {
  it('takes the first Init and ignores later ones with the same model', async () => {
    const s = await ParameterShard.create({ shardIndex: 0, shardCount: 1, config: config() });
    expect(s.init(SPECS, 1, initialValues())).to.deep.equal({ initializedNow: true, step: 0 });
    const other = new Map([
      ['w', new Float32Array(4)],
      ['b', new Float32Array(2)],
    ]);
    expect(s.init(SPECS, 1, other)).to.deep.equal({ initializedNow: false, step: 0 });
    expect(Array.from(s.pull(['w']).values.get('w')!)).to.deep.equal([1, 2, 3, 4]);
    await expectRejects(
      () => s.init([makeSpec('w', [5])], 1, new Map([['w', new Float32Array(5)]])),
      'CONFLICT',
    );
    await expectRejects(() => s.init(SPECS, 3, initialValues()), 'CONFLICT');
    await expectRejects(() => s.pull(['nope']), 'VALIDATION');
    await s.shutdown();
  });

  it('keeps only its share of a multi-shard model', async () => {
    const all = [makeSpec('a', [100]), makeSpec('b', [60]), makeSpec('c', [50])];
    const mine = assignShards(all, 2).shards[1];
    const s = await ParameterShard.create({ shardIndex: 1, shardCount: 2, config: config() });
    s.init(all, 2, new Map(mine.map((v) => [v.name, new Float32Array(v.bytes / 4)])));
    expect(s.specs.map((v) => v.name)).to.deep.equal(mine.map((v) => v.name));
    await s.shutdown();
  });

  it('refuses pulls and pushes before Init', async () => {
    const s = await ParameterShard.create({ shardIndex: 0, shardCount: 1, config: config() });
    await expectRejects(() => s.pull(), 'CONFLICT');
    await expectRejects(s.push(push('a', 0)), 'CONFLICT');
    await s.shutdown();
  });

  it('sync: a push that asks for weights waits for its step to be applied', async () => {
    const s = await ParameterShard.create({
      shardIndex: 0,
      shardCount: 1,
      config: config({ mode: 'sync', replicasToAggregate: 2 }),
    });
    s.init(SPECS, 1, initialValues());
    let resolved = false;
    const first = s.push(push('a', 0, grads([2, 0, 0, 0], [0, 0])), { returnWeights: true }).then((r) => {
      resolved = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).to.equal(false);
    const second = await s.push(push('b', 0, grads([0, 0, 0, 0], [0, 0])), { returnWeights: true });
    const r1 = await first;
    expect(r1.step).to.equal(1);
    expect(second.step).to.equal(1);
    expect(Array.from(r1.values!.get('w')!)).to.deep.equal([0.5, 2, 3, 4]);
    expect(s.status()).to.include({ step: 1, pushesApplied: 2, mode: 'sync' });
    await s.shutdown();
  });

  it('sync: the timeout applies a partial step so a dead worker cannot stall training', async () => {
    const s = await ParameterShard.create({
      shardIndex: 0,
      shardCount: 1,
      config: config({ mode: 'sync', replicasToAggregate: 3, syncTimeoutMs: 50 }),
    });
    s.init(SPECS, 1, initialValues());
    const t0 = Date.now();
    const r = await s.push(push('a', 0), { returnWeights: true });
    expect(r.step).to.equal(1);
    expect(Date.now() - t0).to.be.within(40, 2_000);
    await s.shutdown();
  });

  it('reports status numbers and step listeners', async () => {
    const s = await ParameterShard.create({
      shardIndex: 0,
      shardCount: 1,
      config: config({ stalenessBound: 0 }),
    });
    const steps: number[] = [];
    s.onStep((n) => steps.push(n));
    s.init(SPECS, 1, initialValues());
    await s.push(push('a', 0));
    await s.push(push('b', 0));
    expect(steps).to.deep.equal([1]);
    expect(s.status()).to.include({
      initialized: true,
      step: 1,
      variables: 2,
      bytes: 24,
      pushesApplied: 1,
      pushesStale: 1,
      optimizer: 'sgd',
    });
    await s.shutdown();
    await expectRejects(s.push(push('a', 1)), 'UNAVAILABLE');
  });
});
