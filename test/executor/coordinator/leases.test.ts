import { expect } from 'chai';
import {
  completeLease,
  createLeaseBook,
  endWorkers,
  expireLeases,
  isDone,
  leaseNext,
  leaseProgress,
  releaseLeases,
  reportLease,
  restoreLeaseBook,
  snapshotLeaseBook,
  type Counted,
  type Lease,
  type LeaseBookConfig,
  type LeaseBookState,
} from '../../../executor/coordinator/leases.js';
import { isNodalError } from '../../../config/errors.js';
import { prng } from '../ps/builders.js';

const cfg = (over: Partial<LeaseBookConfig> = {}): LeaseBookConfig => ({
  datasetSize: 10,
  leaseSize: 4,
  epochs: 1,
  leaseTimeoutMs: 1_000,
  ...over,
});

function grant(
  s: LeaseBookState,
  worker: string,
  now = 0,
  step = 0,
): { state: LeaseBookState; lease: Lease } {
  const r = leaseNext(s, worker, now, step);
  if (r.grant.kind !== 'granted') throw new Error(`expected a lease, got ${r.grant.kind}`);
  return { state: r.state, lease: r.grant.lease };
}

const span = (l: Lease): [number, number, number] => [l.epoch, l.origin, l.end];

describe('executor/coordinator/leases', () => {
  it('hands out consecutive ranges of leaseSize, then waits, then is done', () => {
    let s = createLeaseBook(cfg());
    const a = grant(s, 'w1');
    const b = grant(a.state, 'w2');
    const c = grant(b.state, 'w1');
    expect([a.lease, b.lease, c.lease].map(span)).to.deep.equal([
      [0, 0, 4],
      [0, 4, 8],
      [0, 8, 10],
    ]);
    s = c.state;
    const wait = leaseNext(s, 'w3', 100, 0);
    expect(wait.grant).to.deep.equal({ kind: 'wait', retryAfterMs: 900 });
    for (const l of [a.lease, b.lease, c.lease]) {
      const r = completeLease(s, l.worker, l.id, 200);
      expect(r.accepted).to.equal(true);
      s = r.state;
    }
    expect(leaseNext(s, 'w1', 300, 0).grant).to.deep.equal({ kind: 'done' });
    expect(leaseProgress(s, 0)).to.include({
      done: true,
      completedEpochs: 1,
      examplesDone: 10,
      fraction: 1,
      epoch: 1,
    });
  });

  it('opens the next epoch when the current one has nothing free (no idling at the boundary)', () => {
    let s = createLeaseBook(cfg({ datasetSize: 4, epochs: 3 }));
    const a = grant(s, 'w1');
    const b = grant(a.state, 'w2');
    expect(span(b.lease)).to.deep.equal([1, 0, 4]);
    // Two epochs open: a third waits.
    expect(leaseNext(b.state, 'w3', 0, 0).grant.kind).to.equal('wait');
    s = completeLease(b.state, 'w2', b.lease.id, 1).state;
    expect(leaseProgress(s, 0)).to.include({ epoch: 0, completedEpochs: 1 });
    s = completeLease(s, 'w1', a.lease.id, 1).state;
    expect(leaseProgress(s, 0)).to.include({ epoch: 2, completedEpochs: 2 });
    expect(span(grant(s, 'w3').lease)).to.deep.equal([2, 0, 4]);
  });

  it('re-issues an expired lease, minus the part its worker reported done', () => {
    let s = createLeaseBook(cfg());
    const a = grant(s, 'w1', 0);
    s = reportLease(a.state, 'w1', a.lease.id, 3, 500).state; // extends to 1500
    const exp = expireLeases(s, 1_400);
    expect(exp.expired).to.have.length(0);
    const later = expireLeases(s, 1_500);
    expect(later.expired.map((l) => l.id)).to.deep.equal([a.lease.id]);
    expect(later.counted).to.deep.equal([{ epoch: 0, start: 0, end: 3 }]);
    const b = grant(later.state, 'w2', 1_500);
    expect(span(b.lease)).to.deep.equal([0, 3, 7]);
  });

  it('rejects the late completion of a lease that expired and went to someone else', () => {
    const a = grant(createLeaseBook(cfg()), 'w1', 0);
    const b = grant(a.state, 'w2', 2_000); // a expired at 1000 and its range goes to w2
    expect(span(b.lease)).to.deep.equal([0, 0, 4]);
    const late = completeLease(b.state, 'w1', a.lease.id, 2_001);
    expect(late.accepted).to.equal(false);
    expect(late.reason).to.match(/reassigned/);
    expect(reportLease(b.state, 'w1', a.lease.id, 2, 2_001).valid).to.equal(false);
    expect(completeLease(late.state, 'w2', b.lease.id, 2_002).accepted).to.equal(true);
  });

  it('accepts a late completion while nobody took the expired range over', () => {
    const a = grant(createLeaseBook(cfg({ datasetSize: 4 })), 'w1', 0);
    const expired = expireLeases(a.state, 5_000).state;
    const r = completeLease(expired, 'w1', a.lease.id, 5_001);
    expect(r.accepted).to.equal(true);
    expect(leaseProgress(r.state, 0).done).to.equal(true);
  });

  it("releases a killed worker's leases: trained part counted, the rest back in the pool", () => {
    let s = createLeaseBook(cfg());
    const a = grant(s, 'w1');
    const b = grant(a.state, 'w1');
    s = reportLease(b.state, 'w1', a.lease.id, 2, 10).state;
    const r = releaseLeases(s, 'w1', undefined, undefined, 20);
    expect(r.released).to.equal(2);
    expect(r.counted).to.deep.equal([{ epoch: 0, start: 0, end: 2 }]);
    expect(span(grant(r.state, 'w2', 30).lease)).to.deep.equal([0, 2, 6]);
    // One lease with an explicit processed count.
    const c = grant(createLeaseBook(cfg()), 'w3');
    expect(releaseLeases(c.state, 'w3', c.lease.id, 4, 0).counted).to.deep.equal([
      { epoch: 0, start: 0, end: 4 },
    ]);
  });

  it("gives an ended worker's leases back at once, exactly as their expiry would later", () => {
    let s = createLeaseBook(cfg());
    const a = grant(s, 'w1', 0);
    const b = grant(a.state, 'w2', 15); // expires at 1015
    s = reportLease(b.state, 'w1', a.lease.id, 2, 10).state; // a expires at 1010
    const ended = endWorkers(s, ['w1'], 20);
    expect(ended.released.map((l) => l.id)).to.deep.equal([a.lease.id]);
    expect(ended.counted).to.deep.equal([{ epoch: 0, start: 0, end: 2 }]);
    // Same book as the expiry path leaves (bar the memory of the expired lease, see below).
    const expired = expireLeases(s, 1_010);
    expect(expired.counted).to.deep.equal(ended.counted);
    expect({ ...ended.state, expired: [] }).to.deep.equal({ ...expired.state, expired: [] });
    // w2's lease is untouched; the next worker gets w1's untrained rest at once, long before 1010.
    expect(ended.state.leases.map((l) => l.id)).to.deep.equal([b.lease.id]);
    expect(span(grant(ended.state, 'w3', 30).lease)).to.deep.equal([0, 2, 4]);
  });

  it("an ended worker's lease cannot be revived: a late report, completion or push of it finds nothing", () => {
    const a = grant(createLeaseBook(cfg({ datasetSize: 4 })), 'w1', 0);
    const s = reportLease(a.state, 'w1', a.lease.id, 1, 10).state;
    const ended = endWorkers(s, ['w1'], 20).state;
    // Nobody took the range, yet the dead worker's lease stays gone (an expired one would come back).
    expect(reportLease(ended, 'w1', a.lease.id, 3, 30).valid).to.equal(false);
    expect(completeLease(ended, 'w1', a.lease.id, 30).accepted).to.equal(false);
    expect(completeLease(expireLeases(s, 5_000).state, 'w1', a.lease.id, 5_001).accepted).to.equal(true);
    // The rest goes to another worker and is counted once.
    const b = grant(ended, 'w2', 40);
    expect(span(b.lease)).to.deep.equal([0, 1, 4]);
    const done = completeLease(b.state, 'w2', b.lease.id, 50);
    expect(done.counted).to.deep.equal([{ epoch: 0, start: 1, end: 4 }]);
    expect(leaseProgress(done.state, 0)).to.include({ done: true, examplesDone: 4 });
  });

  it('forgets the expired leases of an ended worker too, and ignores ids that hold nothing', () => {
    const a = grant(createLeaseBook(cfg()), 'w1', 0);
    const expired = expireLeases(a.state, 5_000).state;
    expect(expired.expired.map((l) => l.id)).to.deep.equal([a.lease.id]);
    const ended = endWorkers(expired, ['w1', 'nobody'], 5_001);
    expect(ended.released).to.deep.equal([]);
    expect(ended.state.expired).to.deep.equal([]);
    expect(completeLease(ended.state, 'w1', a.lease.id, 5_002).accepted).to.equal(false);
    const none = endWorkers(a.state, ['nobody'], 1);
    expect(none.released).to.deep.equal([]);
    expect(none.state).to.deep.equal(a.state);
  });

  it('stops handing out leases at maxSteps', () => {
    const s = createLeaseBook(cfg({ maxSteps: 100 }));
    expect(leaseNext(s, 'w', 0, 99).grant.kind).to.equal('granted');
    expect(leaseNext(s, 'w', 0, 100).grant.kind).to.equal('done');
    expect(isDone(s, 100)).to.equal(true);
    expect(leaseProgress(s, 50).fraction).to.equal(0.5);
  });

  it("snapshots done positions (live leases' reported parts included) and restores with the rest free", () => {
    let s = createLeaseBook(cfg({ epochs: 2 }));
    const a = grant(s, 'w1');
    s = completeLease(a.state, 'w1', a.lease.id, 1).state;
    const b = grant(s, 'w1');
    s = reportLease(b.state, 'w1', b.lease.id, 1, 2).state;
    const snap = JSON.parse(JSON.stringify(snapshotLeaseBook(s)));
    expect(snap.open).to.deep.equal([{ epoch: 0, completed: [[0, 5]] }]);
    const restored = restoreLeaseBook(cfg({ epochs: 2 }), snap);
    expect(leaseProgress(restored, 0)).to.include({ examplesDone: 5, outstandingLeases: 0 });
    expect(span(grant(restored, 'w2').lease)).to.deep.equal([0, 5, 9]);
    try {
      restoreLeaseBook(cfg({ datasetSize: 3 }), snap);
      expect.fail('should throw');
    } catch (e) {
      expect(isNodalError(e, 'DATA_INVALID')).to.equal(true);
    }
  });

  it('a restored book never hands out again an id granted after its snapshot (a late call of it finds nothing)', () => {
    const a = grant(createLeaseBook(cfg()), 'w1');
    const snap = JSON.parse(JSON.stringify(snapshotLeaseBook(a.state)));
    // After the checkpoint, before the crash: more leases are granted.
    let s = a.state;
    const after: number[] = [];
    for (const w of ['w1', 'w2']) {
      const g = grant(s, w);
      s = g.state;
      after.push(g.lease.id);
    }
    let restored = restoreLeaseBook(cfg(), snap);
    for (const w of ['w1', 'w2']) {
      const g = grant(restored, w);
      restored = g.state;
      expect(after).to.not.include(g.lease.id);
      expect(g.lease.id).to.be.greaterThan(Math.max(a.lease.id, ...after));
    }
    for (const [i, id] of after.entries()) {
      const r = reportLease(restored, `w${i + 1}`, id, 1, 0);
      expect(r.valid, `lease ${id}`).to.equal(false);
    }
  });

  it('rejects bad configs', () => {
    for (const over of [
      { datasetSize: 0 },
      { leaseSize: 1.5 },
      { epochs: -1 },
      { leaseTimeoutMs: 0 },
      { maxSteps: 0 },
    ]) {
      try {
        createLeaseBook(cfg(over));
        expect.fail(`should throw for ${JSON.stringify(over)}`);
      } catch (e) {
        expect(isNodalError(e, 'VALIDATION')).to.equal(true);
      }
    }
  });

  describe('random worker deaths', () => {
    // Workers lease, report progress batch by batch, and at random die silently (the lease expires),
    // die with the scheduler noticing (ps-0 releases the lease), get killed (they release), or finish.
    // Each position of each epoch must be counted exactly once.
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      it(`counts every position exactly once (seed ${seed})`, () => {
        const rnd = prng(seed);
        const config = cfg({ datasetSize: 97, leaseSize: 8, epochs: 3, leaseTimeoutMs: 50 });
        let s = createLeaseBook(config);
        const hits = Array.from({ length: config.epochs }, () => new Uint8Array(config.datasetSize));
        const record = (cs: Counted[]) => {
          for (const c of cs) for (let p = c.start; p < c.end; p++) hits[c.epoch][p]++;
        };
        type W = { id: string; lease?: Lease; processed: number; deadUntil: number };
        const workers: W[] = Array.from({ length: 4 }, (_, i) => ({
          id: `w${i}`,
          processed: 0,
          deadUntil: 0,
        }));
        let now = 0;
        let generation = 0;
        let superseded = 0;
        let noticed = 0;
        for (let tick = 0; tick < 20_000 && !leaseProgress(s, 0).done; tick++) {
          now += 5;
          const w = workers[Math.floor(rnd() * workers.length)];
          if (w.deadUntil > now) continue;
          if (!w.lease) {
            const r = leaseNext(s, w.id, now, 0);
            s = r.state;
            record(r.counted);
            if (r.grant.kind === 'granted') {
              w.lease = r.grant.lease;
              w.processed = 0;
            }
            continue;
          }
          const roll = rnd();
          const l = w.lease;
          if (roll < 0.05) {
            // Death: a new worker with a new id appears later. Silent (the lease expires), or the scheduler
            // notices and ps-0 gives the lease back at once; a push the dead worker had in flight then
            // finds nothing.
            if (rnd() < 0.5) {
              const r = endWorkers(s, [w.id], now);
              s = r.state;
              record(r.counted);
              noticed += r.released.length;
              const late = reportLease(s, w.id, l.id, Math.min(l.end - l.origin, w.processed + 3), now);
              expect(late.valid, 'a push of a released lease').to.equal(false);
              record(late.counted);
              s = late.state;
            }
            w.lease = undefined;
            w.id = `w-${generation++}`;
            w.deadUntil = now + Math.floor(rnd() * 200);
          } else if (roll < 0.1) {
            const r = releaseLeases(s, w.id, undefined, undefined, now);
            s = r.state;
            record(r.counted);
            w.lease = undefined;
          } else if (roll < 0.15) {
            // A slow batch: long enough for the lease to expire and maybe be re-issued.
            now += 60;
          } else if (w.processed < l.end - l.origin) {
            w.processed = Math.min(l.end - l.origin, w.processed + 3);
            const r = reportLease(s, w.id, l.id, w.processed, now);
            s = r.state;
            record(r.counted);
            if (!r.valid) {
              superseded++;
              w.lease = undefined;
            }
          } else {
            const r = completeLease(s, w.id, l.id, now);
            s = r.state;
            record(r.counted);
            if (!r.accepted) superseded++;
            w.lease = undefined;
          }
        }
        // The run must have exercised expiry with re-issue (late reports or completions turned away).
        expect(superseded, 'leases superseded').to.be.greaterThan(0);
        expect(noticed, 'leases of ended workers released').to.be.greaterThan(0);
        expect(leaseProgress(s, 0).done, 'job finished').to.equal(true);
        for (let e = 0; e < config.epochs; e++) {
          const wrong = Array.from(hits[e]).flatMap((h, p) =>
            h === 1 ? [] : [`epoch ${e} position ${p}: ${h}`],
          );
          expect(wrong).to.deep.equal([]);
        }
        expect(s.examplesDone).to.equal(config.epochs * config.datasetSize);
      });
    }
  });
});
