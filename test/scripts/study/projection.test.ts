import { expect } from 'chai';
import { projectAsync, projectSync } from '../../../scripts/bench/study/projection.js';
import { expectedMaxOf, mean, median } from '../../../scripts/bench/study/stats.js';

const close = (a: number, b: number, eps = 1e-9) => expect(Math.abs(a - b), `${a} vs ${b}`).to.be.below(eps);

describe('scripts/bench/study projection', () => {
  describe('stats', () => {
    it('median, mean and the expected maximum of n draws', () => {
      expect(median([5, 1, 3])).to.equal(3);
      expect(median([4, 1, 3, 2])).to.equal(2.5);
      expect(mean([1, 2, 6])).to.equal(3);
      close(expectedMaxOf([100, 200], 1), 150);
      // max of two draws from {100, 200}: 100 only when both are 100 (1/4).
      close(expectedMaxOf([100, 200], 2), 175);
      close(expectedMaxOf([7, 7, 7], 8), 7);
      const xs = [3, 9, 4, 12, 5, 6];
      expect(expectedMaxOf(xs, 4)).to.be.above(expectedMaxOf(xs, 2)).and.below(12);
    });

    it('refuses no samples or a draw count below 1', () => {
      expect(() => median([])).to.throw(/no samples/);
      expect(() => expectedMaxOf([1], 0)).to.throw(/>= 1/);
    });
  });

  describe('async', () => {
    const costs = { computeMs: [500], commMs: 5, applyMs: 1 };

    it('is exactly 1 for one worker', () => {
      const p = projectAsync(costs, 1);
      expect(p.speedup).to.equal(1);
      expect(p.stepMs).to.equal(505);
    });

    it('queues a push behind the other N − 1 workers at the PS', () => {
      const p = projectAsync(costs, 8);
      close(p.stepMs, 505 + 7);
      close(p.speedup, (8 * 505) / 512);
      close(p.efficiency, 505 / 512);
      close(p.psUtilization, (p.speedup * 1) / 505);
    });

    it('tends to the PS capacity (t_c + t_comm) / t_ps as workers grow', () => {
      const c = { computeMs: [10], commMs: 0, applyMs: 4 };
      const p = projectAsync(c, 1000);
      expect(p.speedup)
        .to.be.below(10 / 4)
        .and.above(2.49);
      expect(p.psUtilization).to.be.above(0.99);
      expect(projectAsync(c, 8).speedup).to.be.below(projectAsync(c, 16).speedup);
    });
  });

  describe('sync', () => {
    it('waits for the slowest of N workers and for N pushes at the PS', () => {
      const costs = { computeMs: [100, 200], commMs: 10, applyMs: 2 };
      expect(projectSync(costs, 1).speedup).to.equal(1);
      const p = projectSync(costs, 2);
      close(p.stepMs, 175 + 10 + 2);
      close(p.speedup, (2 * 160) / 187);
    });

    it('scales linearly when compute never varies and the PS costs nothing', () => {
      const p = projectSync({ computeMs: [50, 50, 50], commMs: 3, applyMs: 0 }, 8);
      close(p.speedup, 8);
      close(p.efficiency, 1);
    });
  });

  it('rejects worker counts below 1 and missing samples', () => {
    expect(() => projectAsync({ computeMs: [1], commMs: 0, applyMs: 0 }, 0)).to.throw(/workers/);
    expect(() => projectSync({ computeMs: [], commMs: 0, applyMs: 0 }, 2)).to.throw(/no compute samples/);
  });
});
