import { expect } from 'chai';
import { projectAsync } from '../../../scripts/bench/study/projection.js';
import {
  checkTargets,
  studyRows,
  targetAccuracyOf,
  timeToAccuracy,
} from '../../../scripts/bench/study/summary.js';
import { curve, run } from './builders.js';

const noProjection = () => undefined;

describe('scripts/bench/study summary', () => {
  it('measures speed-up and efficiency against the same mode with 1 worker', () => {
    const rows = studyRows(
      [
        run('async', 1, { trainSeconds: 40, trainedExamples: 4000 }),
        run('async', 4, { trainSeconds: 20, trainedExamples: 4000 }),
        run('sync', 1, { trainSeconds: 50, trainedExamples: 4000 }),
        run('sync', 4, { trainSeconds: 50, trainedExamples: 8000 }),
      ],
      noProjection,
      undefined,
    );
    expect(rows.map((r) => [r.key, r.imagesPerSec, r.speedup, r.efficiency])).to.deep.equal([
      ['async-1', 100, 1, 1],
      ['async-4', 200, 2, 0.5],
      ['sync-1', 80, 1, 1],
      ['sync-4', 160, 2, 0.5],
    ]);
    expect(rows[1].perWorkerImagesPerSec).to.equal(50);
  });

  it('compares plain async with the staleness-aware 1-worker run (no staleness with one worker)', () => {
    const [, plain] = studyRows(
      [run('async', 1, { testAccuracy: 0.99 }), run('async-plain', 8, { testAccuracy: 0.985 })],
      noProjection,
      undefined,
    );
    expect(plain.speedup).to.be.a('number');
    expect(plain.accuracyDeltaPp).to.be.closeTo(-0.5, 1e-9);
  });

  it('leaves relative figures out when the baseline is missing or failed, and for a failed run', () => {
    const rows = studyRows(
      [run('sync', 1, { state: 'failed', reason: 'PS lost' }), run('sync', 2), run('async', 2)],
      noProjection,
      undefined,
    );
    for (const r of rows) {
      expect(r.speedup, r.key).to.equal(undefined);
      expect(r.accuracyDeltaPp, r.key).to.equal(undefined);
    }
    expect(rows[0].reason).to.equal('PS lost');
  });

  it('attaches the projection of the row', () => {
    const p = projectAsync({ computeMs: [100], commMs: 1, applyMs: 0.5 }, 2);
    const [row] = studyRows([run('async', 2)], (s) => (s.workers === 2 ? p : undefined), undefined);
    expect(row.projected).to.equal(p);
  });

  it('times when a curve first reaches the target, 95% of the best 1-worker accuracy', () => {
    const c = curve([5, 0.5], [10, 0.93], [15, 0.91], [20, 0.97]);
    expect(timeToAccuracy(c, 0.92)).to.equal(10);
    expect(timeToAccuracy(c, 0.98)).to.equal(undefined);
    const runs = [
      run('async', 1, { curve: curve([3, 0.6], [6, 0.998]) }),
      run('async', 8, { curve: c }),
      run('sync', 8, { state: 'failed', curve: curve([3, 0.2]) }),
      run('sync', 2),
    ];
    expect(targetAccuracyOf(runs)).to.equal(0.94); // 95% of 0.998
    expect(targetAccuracyOf([run('async', 1)])).to.equal(undefined);
    expect(targetAccuracyOf([run('async', 2, { curve: c }), run('sync', 1, { curve: c })])).to.equal(0.92);
    const rows = studyRows(runs, noProjection, 0.94);
    expect(rows.map((r) => r.timeToTargetSeconds)).to.deep.equal([6, 20, undefined, undefined]);
  });

  it('judges the targets on the largest staleness-aware async run', () => {
    const p = (eff: number) => ({
      workers: 8,
      stepMs: 1,
      speedup: 8 * eff,
      efficiency: eff,
      psUtilization: 0,
    });
    const rows = (delta: number, eff: number) =>
      studyRows(
        [
          run('async', 1, { testAccuracy: 0.99 }),
          run('async', 4),
          run('async', 8, { testAccuracy: 0.99 + delta / 100 }),
        ],
        (s) => (s.workers === 8 ? p(eff) : undefined),
        undefined,
      );
    const met = checkTargets(rows(-0.2, 0.97));
    expect(met.efficiency).to.deep.include({ workers: 8, met: true });
    expect(met.accuracy).to.deep.include({ workers: 8, met: true });
    expect(met.accuracy!.deltaPp).to.be.closeTo(-0.2, 1e-9);
    const missed = checkTargets(rows(-0.3, 0.94));
    expect(missed.efficiency!.met).to.equal(false);
    expect(missed.accuracy!.met).to.equal(false);
    // A gain is no loss.
    expect(checkTargets(rows(0.5, 0.97)).accuracy!.met).to.equal(true);
    expect(checkTargets(studyRows([run('sync', 1)], noProjection, undefined))).to.deep.equal({});
  });
});
