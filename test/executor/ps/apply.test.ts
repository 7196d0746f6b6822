import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import {
  applyPush,
  createShardState,
  initializeShard,
  pendingDeadline,
  tick,
  type ShardState,
} from '../../../executor/ps/apply.js';
import { config, grads, initialValues, push, shard, SPECS } from './builders.js';

const values = (s: ShardState, name: string): number[] => Array.from(s.values!.get(name)!);

function expectError(fn: () => unknown, code: string, match: RegExp): void {
  try {
    fn();
    expect.fail('should throw');
  } catch (e) {
    expect(isNodalError(e), String(e)).to.equal(true);
    expect((e as { code: string }).code).to.equal(code);
    expect((e as Error).message).to.match(match);
  }
}

describe('executor/ps/apply', () => {
  describe('async', () => {
    it('applies each push on arrival and advances the step', () => {
      const s0 = shard();
      const r1 = applyPush(s0, push('a', 0), 0);
      expect(r1.result).to.include({ outcome: 'applied', step: 1, staleness: 0 });
      expect(values(r1.state, 'w')).to.deep.equal([0.5, 1.5, 2.5, 3.5]);
      const r2 = applyPush(r1.state, push('b', 0, grads([2, 0, 0, 0], [0, 0])), 0);
      expect(r2.result).to.include({ outcome: 'applied', step: 2, staleness: 1 });
      expect(values(r2.state, 'w')).to.deep.equal([-0.5, 1.5, 2.5, 3.5]);
      expect(r2.state.stats).to.include({ applied: 2, stalenessSum: 1, maxStaleness: 1 });
    });

    it('leaves the previous state untouched (snapshots stay readable)', () => {
      const s0 = shard();
      const before = s0.values!.get('w')!;
      applyPush(s0, push('a', 0), 0);
      expect(Array.from(before)).to.deep.equal([1, 2, 3, 4]);
      expect(s0.step).to.equal(0);
    });

    it('rejects a push over the staleness bound as stale, state unchanged but counted', () => {
      let s = shard({ stalenessBound: 1 });
      s = applyPush(s, push('a', 0), 0).state;
      s = applyPush(s, push('a', 1), 0).state;
      const r = applyPush(s, push('b', 0), 0);
      expect(r.result.outcome).to.equal('stale');
      expect(r.result.staleness).to.equal(2);
      expect(r.result.message).to.match(/exceeds the bound 1/);
      expect(r.state.values).to.equal(s.values);
      expect(r.state.step).to.equal(2);
      expect(r.state.stats.stale).to.equal(1);
      // At the bound is still fine.
      expect(applyPush(s, push('b', 1), 0).result.outcome).to.equal('applied');
    });

    it('scales the learning rate by 1/max(1, staleness) when enabled', () => {
      let s = shard({ scaleLrByStaleness: true });
      s = applyPush(s, push('a', 0, grads([0, 0, 0, 0], [0, 0])), 0).state;
      s = applyPush(s, push('a', 1, grads([0, 0, 0, 0], [0, 0])), 0).state;
      const r = applyPush(s, push('b', 0, grads([4, 0, 0, 0], [0, 0])), 0);
      // staleness 2: lr 0.5 / 2 = 0.25; 1 - 0.25 * 4 = 0.
      expect(r.result.staleness).to.equal(2);
      expect(values(r.state, 'w')[0]).to.equal(0);
      const fresh = applyPush(s, push('b', 2, grads([4, 0, 0, 0], [0, 0])), 0);
      expect(values(fresh.state, 'w')[0]).to.equal(-1);
    });

    it('multiplies the learning rate by the schedule at the shard step, and by staleness scaling', () => {
      const lrSchedule = { decay: 'linear' as const, totalSteps: 4, warmupSteps: 0, minFactor: 0 };
      let s = shard({ lrSchedule, scaleLrByStaleness: true });
      const g = grads([1, 0, 0, 0], [0, 0]);
      // step 0: factor 1, lr 0.5 → 1 − 0.5 = 0.5; step 1: factor 0.75 → 0.5 − 0.375 = 0.125.
      s = applyPush(s, push('a', 0, g), 0).state;
      expect(values(s, 'w')[0]).to.equal(0.5);
      s = applyPush(s, push('a', 1, g), 0).state;
      expect(values(s, 'w')[0]).to.equal(0.125);
      // step 2, staleness 2: factor 0.5 and 1/2 → 0.125 − 0.125 = 0.
      s = applyPush(s, push('b', 0, g), 0).state;
      expect(values(s, 'w')[0]).to.equal(0);
      // Past the planned end the factor stays at minFactor (0 here): the push counts but changes nothing.
      s = applyPush(applyPush(s, push('a', 3, g), 0).state, push('a', 4, g), 0).state;
      expect(s.step).to.equal(5);
      expect(values(s, 'w')[0]).to.equal(-0.125);
    });

    it('says stale when gradients come from a step the shard has not reached (restored from a checkpoint)', () => {
      const r = applyPush(shard(), push('a', 7), 0);
      expect(r.result.outcome).to.equal('stale');
      expect(r.result.message).to.match(/pull again/);
      expect(r.state.step).to.equal(0);
    });

    it('uses the update count as Adam time step', () => {
      let s = shard({
        optimizer: { kind: 'adam', learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      });
      s = applyPush(s, push('a', 0), 0).state;
      // Bias-corrected first step: every weight moves by lr (gradient 1 everywhere).
      expect(values(s, 'w')[0]).to.be.closeTo(0.9, 1e-6);
      expect(Array.from(s.slots.get('w')!.m)).to.deep.equal(
        Array.from(new Float32Array([0.1, 0.1, 0.1, 0.1])),
      );
    });
  });

  describe('sync', () => {
    const sync = { mode: 'sync' as const, replicasToAggregate: 2 };

    it('aggregates N distinct workers and applies their mean once', () => {
      const s0 = shard(sync);
      const r1 = applyPush(s0, push('a', 0, grads([2, 0, 0, 0], [0, 0])), 10);
      expect(r1.result).to.include({ outcome: 'aggregated', step: 0 });
      expect(r1.state.values).to.equal(s0.values);
      const r2 = applyPush(r1.state, push('b', 0, grads([0, 2, 0, 0], [0, 0])), 20);
      expect(r2.result).to.include({ outcome: 'aggregated', step: 1 });
      // mean gradient [1, 1, 0, 0] at lr 0.5.
      expect(values(r2.state, 'w')).to.deep.equal([0.5, 1.5, 3, 4]);
      expect(r2.state.pending).to.equal(null);
    });

    it('drops a late push for an applied step (backup workers) and a second push of one worker', () => {
      let s = shard(sync);
      const dup = applyPush(applyPush(s, push('a', 0), 0).state, push('a', 0), 0);
      expect(dup.result.outcome).to.equal('dropped');
      expect(dup.result.message).to.match(/already contributed/);
      s = applyPush(applyPush(s, push('a', 0), 0).state, push('b', 0), 0).state;
      const late = applyPush(s, push('c', 0), 0);
      expect(late.result.outcome).to.equal('dropped');
      expect(late.state.values).to.equal(s.values);
      expect(late.state.stats.dropped).to.equal(1);
    });

    it('gives the same result whatever the arrival order', () => {
      const ga = grads([1, 2, 3, 4], [1, 0]);
      const gb = grads([-3, 0.5, 0, 1], [0, 2]);
      const ab = applyPush(applyPush(shard(sync), push('a', 0, ga), 0).state, push('b', 0, gb), 0).state;
      const ba = applyPush(applyPush(shard(sync), push('b', 0, gb), 0).state, push('a', 0, ga), 0).state;
      expect(values(ab, 'w')).to.deep.equal(values(ba, 'w'));
      expect(values(ab, 'b')).to.deep.equal(values(ba, 'b'));
    });

    it('applies a partial aggregate after the sync timeout', () => {
      const s = applyPush(
        shard({ ...sync, syncTimeoutMs: 100 }),
        push('a', 0, grads([2, 2, 2, 2], [0, 0])),
        1_000,
      ).state;
      expect(pendingDeadline(s)).to.equal(1_100);
      expect(tick(s, 1_099)).to.equal(s);
      const t = tick(s, 1_100);
      expect(t.step).to.equal(1);
      expect(values(t, 'w')).to.deep.equal([0, 1, 2, 3]);
      expect(pendingDeadline(t)).to.equal(undefined);
    });
  });

  describe('validation (state untouched)', () => {
    const s = shard();
    const cases: Array<[string, Map<string, Float32Array>, RegExp]> = [
      ['an unknown variable', new Map([...grads(), ['nope', new Float32Array(1)]]), /unknown variable nope/],
      [
        'a wrong length',
        new Map([
          ['w', new Float32Array(3)],
          ['b', new Float32Array(2)],
        ]),
        /w has 12 bytes, expected 16/,
      ],
      ['a missing variable', new Map([['w', new Float32Array(4)]]), /missing for b/],
      ['NaN', grads([1, NaN, 1, 1]), /non-finite value \(NaN\) at 1/],
      ['Infinity', grads([1, 1, 1, 1], [-Infinity, 0]), /non-finite value \(-Infinity\) at 0/],
    ];
    for (const [what, g, message] of cases) {
      it(`rejects ${what}`, () => {
        const before = values(s, 'w');
        expectError(() => applyPush(s, push('a', 0, g), 0), 'VALIDATION', message);
        expect(values(s, 'w')).to.deep.equal(before);
        expect(s.step).to.equal(0);
      });
    }

    it('rejects finite gradients whose update would overflow the weights (found by the PS fuzz test)', () => {
      let t = shard();
      const huge = grads([3e38, 1, 1, 1]);
      t = applyPush(t, push('a', 0, huge), 0).state;
      t = applyPush(t, push('a', 1, huge), 0).state;
      const before = values(t, 'w');
      expectError(() => applyPush(t, push('a', 2, huge), 0), 'VALIDATION', /would make w non-finite at 0/);
      expect(values(t, 'w')).to.deep.equal(before);
      expect(before.every(Number.isFinite)).to.equal(true);
    });

    it('rejects a push to an uninitialized shard', () => {
      expectError(
        () => applyPush(createShardState(config(), SPECS), push('a', 0), 0),
        'CONFLICT',
        /not initialized/,
      );
    });

    it('rejects a negative base step', () => {
      expectError(() => applyPush(s, push('a', -1), 0), 'VALIDATION', /base step/);
    });

    it('rejects a second initialization and bad initial values', () => {
      expectError(() => initializeShard(s, initialValues()), 'CONFLICT', /already initialized/);
      expectError(
        () => initializeShard(createShardState(config(), SPECS), new Map([['w', new Float32Array(4)]])),
        'VALIDATION',
        /missing for b/,
      );
    });

    it('copies initial values (the caller may reuse its buffers)', () => {
      const init = initialValues();
      const st = initializeShard(createShardState(config(), SPECS), init);
      init.get('w')![0] = 99;
      expect(values(st, 'w')[0]).to.equal(1);
    });

    it('rejects bad configs', () => {
      expectError(
        () => createShardState(config({ replicasToAggregate: 0 }), SPECS),
        'VALIDATION',
        /replicasToAggregate/,
      );
      expectError(
        () => createShardState(config({ stalenessBound: -1 }), SPECS),
        'VALIDATION',
        /stalenessBound/,
      );
      expectError(
        () => createShardState(config({ mode: 'semi' as never }), SPECS),
        'VALIDATION',
        /unknown mode/,
      );
      expectError(
        () =>
          createShardState(
            config({ lrSchedule: { decay: 'cosine', totalSteps: 0, warmupSteps: 0, minFactor: 0 } }),
            SPECS,
          ),
        'VALIDATION',
        /learning-rate schedule: totalSteps/,
      );
    });
  });
});
