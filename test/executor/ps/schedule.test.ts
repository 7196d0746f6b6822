import { expect } from 'chai';
import { learningRateFactor, validateLrSchedule, type LrSchedule } from '../../../executor/ps/schedule.js';

const cosine: LrSchedule = { decay: 'cosine', totalSteps: 100, warmupSteps: 0, minFactor: 0 };

describe('executor/ps/schedule', () => {
  it('is constant without decay or warm-up', () => {
    const none: LrSchedule = { ...cosine, decay: 'none' };
    for (const step of [0, 1, 50, 99, 100, 1000]) expect(learningRateFactor(none, step)).to.equal(1);
  });

  it('decays along a half cosine from 1 to minFactor at totalSteps and stays there', () => {
    expect(learningRateFactor(cosine, 0)).to.equal(1);
    expect(learningRateFactor(cosine, 50)).to.be.closeTo(0.5, 1e-12);
    expect(learningRateFactor(cosine, 25)).to.be.closeTo((1 + Math.SQRT1_2) / 2, 1e-12);
    expect(learningRateFactor(cosine, 100)).to.be.closeTo(0, 1e-12);
    expect(learningRateFactor(cosine, 250)).to.be.closeTo(0, 1e-12);
    const floor = { ...cosine, minFactor: 0.1 };
    expect(learningRateFactor(floor, 50)).to.be.closeTo(0.55, 1e-12);
    expect(learningRateFactor(floor, 100)).to.be.closeTo(0.1, 1e-12);
    expect(learningRateFactor(floor, 400)).to.be.closeTo(0.1, 1e-12);
  });

  it('decays linearly', () => {
    const linear: LrSchedule = { ...cosine, decay: 'linear', minFactor: 0.2 };
    expect(learningRateFactor(linear, 0)).to.equal(1);
    expect(learningRateFactor(linear, 25)).to.be.closeTo(0.8, 1e-12);
    expect(learningRateFactor(linear, 100)).to.be.closeTo(0.2, 1e-12);
  });

  it('never increases over the steps', () => {
    for (const decay of ['cosine', 'linear'] as const) {
      let last = Infinity;
      for (let step = 0; step <= 120; step++) {
        const f = learningRateFactor({ ...cosine, decay, warmupSteps: 0 }, step);
        expect(f).to.be.at.most(last);
        last = f;
      }
    }
  });

  it('ramps up linearly over the warm-up steps, multiplied with the decay', () => {
    const warm: LrSchedule = { ...cosine, decay: 'none', warmupSteps: 4 };
    expect([0, 1, 2, 3, 4, 10].map((s) => learningRateFactor(warm, s))).to.deep.equal([
      0.25, 0.5, 0.75, 1, 1, 1,
    ]);
    const both = { ...cosine, warmupSteps: 4 };
    expect(learningRateFactor(both, 1)).to.be.closeTo(0.5 * learningRateFactor(cosine, 1), 1e-12);
  });

  it('rejects schedules that cannot work, naming the field', () => {
    const bad: Array<[Partial<LrSchedule>, RegExp]> = [
      [{ decay: 'step' as never }, /unknown decay step/],
      [{ totalSteps: 0 }, /totalSteps/],
      [{ totalSteps: 1.5 }, /totalSteps/],
      [{ warmupSteps: -1 }, /warmupSteps/],
      [{ minFactor: 1.5 }, /minFactor/],
      [{ minFactor: Number.NaN }, /minFactor/],
    ];
    for (const [change, message] of bad) {
      expect(() => validateLrSchedule({ ...cosine, ...change }), JSON.stringify(change)).to.throw(message);
    }
    expect(() => validateLrSchedule(cosine)).not.to.throw();
  });
});
