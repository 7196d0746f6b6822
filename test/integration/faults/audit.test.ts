// The fault suite's audit itself, on lease books and samples built by hand: it must flag a skipped or a
// doubled example and a fallen global step, or the integration cases could pass without checking anything.
import { expect } from 'chai';
import {
  completeLease,
  createLeaseBook,
  leaseNext,
  snapshotLeaseBook,
  type LeaseBookState,
} from '../../../executor/coordinator/leases.js';
import {
  formatFaultTable,
  ledgerProblems,
  ProgressProbe,
  type ProgressSample,
} from '../../helpers/training-audit.js';

const WANT = { epochs: 2, trainSize: 64 };

/** A book where `worker` leased and completed ranges until `leases` were done (or nothing was left). */
function bookAfter(leases: number): LeaseBookState {
  let s = createLeaseBook({ datasetSize: 64, leaseSize: 16, epochs: 2, leaseTimeoutMs: 60_000 });
  for (let i = 0; i < leases; i++) {
    const r = leaseNext(s, 'w', 0, 0);
    if (r.grant.kind !== 'granted') break;
    s = completeLease(r.state, 'w', r.grant.lease.id, 0).state;
  }
  return s;
}

const sample = (globalStep: number): ProgressSample => ({
  atMs: 0,
  globalStep,
  epoch: 0,
  epochs: 2,
  completedEpochs: 0,
  examplesDone: 0,
  examplesPerEpoch: 64,
  outstandingLeases: 0,
  workers: 0,
  fraction: 0,
  done: false,
  maxSteps: 0,
  imagesPerSec: 0,
  meanLoss: 0,
});

describe('fault suite audit', () => {
  it('passes a book with both epochs closed and every example counted once', () => {
    expect(ledgerProblems(snapshotLeaseBook(bookAfter(8)), WANT)).to.deep.equal([]);
  });

  it('flags an epoch left open (examples skipped)', () => {
    const problems = ledgerProblems(snapshotLeaseBook(bookAfter(7)), WANT);
    expect(problems).to.deep.equal([
      '1 of 2 epochs closed',
      'epoch 1 still open with 48 of 64 examples counted',
      '112 examples counted, expected 128',
    ]);
  });

  it('flags a total beyond epochs × train size (examples doubled)', () => {
    const doubled = { ...snapshotLeaseBook(bookAfter(8)), examplesDone: 129 };
    expect(ledgerProblems(doubled, WANT)).to.deep.equal(['129 examples counted, expected 128']);
  });

  it('adds up every fall of the global step as steps lost', () => {
    const probe = new ProgressProbe(() => undefined, 'unused');
    probe.samples.push(...[3, 11, 8, 12, 20, 17, 30].map(sample));
    expect(probe.stepsLost()).to.equal(3 + 3);
    expect(probe.maxStep()).to.equal(30);
  });

  it('prints one aligned row per fault with the accuracy difference in points', () => {
    const table = formatFaultTable([
      {
        fault: 'kill -9 the PS',
        injected: 1,
        jobs: 1,
        completed: 1,
        accuracy: 0.95,
        baselineAccuracy: 1,
        stepsLost: 3,
      },
      { fault: 'disk full', injected: 1, jobs: 1, completed: 0, stepsLost: 0, note: 'failed as expected' },
    ]);
    const lines = table.split('\n');
    expect(lines).to.have.length(4);
    expect(new Set(lines.map((l) => l.length)).size, 'aligned').to.equal(1);
    expect(lines[2]).to.match(/\| kill -9 the PS +\| 1 +\| 1\/1 +\| 95\.0% +\| -5\.0 pt +\| 3 +\|/);
    expect(lines[3]).to.match(/\| disk full +\| 1 +\| 0\/1 +\| - +\| - +\| 0 +\| failed as expected \|/);
  });
});
