import { expect } from 'chai';
import {
  countPorts,
  mergeRanges,
  portsToRanges,
  subtractRanges,
  toMilli,
} from '../../../scheduler/core/resources.js';

describe('scheduler/core/resources', () => {
  it('compares scalars in Mesos fixed point (0.1 + 0.2 fits into 0.3)', () => {
    expect(toMilli(0.1) + toMilli(0.2)).to.equal(toMilli(0.3));
  });

  const cases: Array<[string, Array<[number, number]>, Array<[number, number]>, Array<[number, number]>]> = [
    ['nothing removed', [[1, 10]], [], [[1, 10]]],
    [
      'middle removed',
      [[1, 10]],
      [[4, 5]],
      [
        [1, 3],
        [6, 10],
      ],
    ],
    [
      'edges removed',
      [[1, 10]],
      [
        [1, 1],
        [10, 12],
      ],
      [[2, 9]],
    ],
    ['all removed', [[5, 6]], [[0, 100]], []],
    [
      'several ranges',
      [
        [1, 3],
        [10, 12],
      ],
      [[2, 11]],
      [
        [1, 1],
        [12, 12],
      ],
    ],
  ];
  for (const [name, from, remove, want] of cases)
    it(`subtractRanges: ${name}`, () => {
      const r = (x: Array<[number, number]>) => x.map(([begin, end]) => ({ begin, end }));
      expect(subtractRanges(r(from), r(remove))).to.deep.equal(r(want));
    });

  it('portsToRanges coalesces and mergeRanges merges touching ranges', () => {
    expect(portsToRanges([5, 3, 4, 9, 9])).to.deep.equal([
      { begin: 3, end: 5 },
      { begin: 9, end: 9 },
    ]);
    expect(
      mergeRanges([
        { begin: 5, end: 6 },
        { begin: 1, end: 4 },
      ]),
    ).to.deep.equal([{ begin: 1, end: 6 }]);
    expect(
      countPorts([
        { begin: 31000, end: 31009 },
        { begin: 5, end: 5 },
      ]),
    ).to.equal(11);
  });
});
