import { expect } from 'chai';
import { binaryMetrics, rocAuc } from '../../../executor/metrics/classification.js';

// Brute-force AUC: the probability that a random positive scores above a random negative (ties = 1/2).
function pairwiseAuc(p: number[], y: number[]): number {
  let s = 0;
  let pairs = 0;
  for (let i = 0; i < p.length; i++)
    for (let j = 0; j < p.length; j++)
      if (y[i] && !y[j]) {
        pairs++;
        s += p[i]! > p[j]! ? 1 : p[i] === p[j] ? 0.5 : 0;
      }
  return s / pairs;
}

describe('executor/metrics/classification', () => {
  it('AUC is 1 for a perfect ranking, 0 for a reversed one, 0.5 for all ties', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).to.equal(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).to.equal(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).to.equal(0.5);
    expect(Number.isNaN(rocAuc([0.5, 0.6], [1, 1]))).to.equal(true);
  });

  it('AUC matches the pairwise definition on random data with ties', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let t = 0; t < 20; t++) {
      const n = 5 + Math.floor(rnd() * 60);
      const p = Array.from({ length: n }, () => Math.round(rnd() * 10) / 10);
      const y = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : rnd() < 0.4 ? 1 : 0));
      expect(rocAuc(p, y)).to.be.closeTo(pairwiseAuc(p, y), 1e-12);
    }
  });

  it('accuracy at 0.5 and log loss', () => {
    const m = binaryMetrics([0.9, 0.2, 0.6, 0.4], [1, 0, 0, 1]);
    expect(m.accuracy).to.equal(0.5);
    expect(m.loss).to.be.closeTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 4, 1e-9);
    expect(m.n).to.equal(4);
  });

  it('rejects mismatched or empty inputs', () => {
    expect(() => binaryMetrics([0.1], [1, 0])).to.throw(/1 probabilities for 2 labels/);
    expect(() => binaryMetrics([], [])).to.throw(/no examples/);
  });
});
