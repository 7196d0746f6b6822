import { expect } from 'chai';
import { Backoff } from '../../../protos/http/backoff.js';

describe('protos/http/backoff', () => {
  it('doubles the ceiling up to the maximum and applies full jitter', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0.999999);
    const delays = Array.from({ length: 6 }, () => backoff.next());
    expect(delays).to.deep.equal([99, 199, 399, 799, 999, 999]);
  });

  it('can wait zero with full jitter and restarts after reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0);
    expect([backoff.next(), backoff.next()]).to.deep.equal([0, 0]);
    expect(backoff.attempts).to.equal(2);
    backoff.reset();
    expect(backoff.attempts).to.equal(0);
    expect(backoff.ceilingMs()).to.equal(100);
  });

  it('spreads delays uniformly below the ceiling', () => {
    const randoms = [0.1, 0.5, 0.9];
    const backoff = new Backoff({ initialMs: 1000, maxMs: 1000 }, () => randoms.shift()!);
    expect([backoff.next(), backoff.next(), backoff.next()]).to.deep.equal([100, 500, 900]);
  });

  it('never overflows after many attempts', () => {
    const backoff = new Backoff({ initialMs: 1, maxMs: 15_000 }, () => 0.5);
    for (let i = 0; i < 2000; i += 1) backoff.next();
    expect(backoff.next()).to.equal(7500);
  });

  it('rejects an inverted policy', () => {
    expect(() => new Backoff({ initialMs: 10, maxMs: 5 })).to.throw(RangeError);
    expect(() => new Backoff({ initialMs: 0, maxMs: 5 })).to.throw(RangeError);
  });
});
