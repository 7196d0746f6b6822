import { expect } from 'chai';
import { epochPermutation } from '../../../executor/coordinator/permutation.js';

describe('executor/coordinator/permutation', () => {
  it('is a permutation of 0..n-1', () => {
    for (const n of [0, 1, 2, 17, 1000]) {
      const p = Array.from(epochPermutation(3, 0, n));
      expect(p.slice().sort((a, b) => a - b)).to.deep.equal(Array.from({ length: n }, (_, i) => i));
    }
  });

  it('depends only on (seed, epoch, n)', () => {
    expect(Array.from(epochPermutation(5, 2, 100))).to.deep.equal(Array.from(epochPermutation(5, 2, 100)));
    expect(Array.from(epochPermutation(5, 2, 100))).to.not.deep.equal(
      Array.from(epochPermutation(5, 3, 100)),
    );
    expect(Array.from(epochPermutation(5, 2, 100))).to.not.deep.equal(
      Array.from(epochPermutation(6, 2, 100)),
    );
  });

  it('actually shuffles (few fixed points)', () => {
    const p = epochPermutation(1, 0, 1000);
    const fixed = p.filter((v, i) => v === i).length;
    expect(fixed).to.be.below(10);
  });
});
