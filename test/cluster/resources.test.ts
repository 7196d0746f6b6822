import { expect } from 'chai';
import { isNodalError } from '../../config/errors.js';
import {
  addBags,
  bagOf,
  contains,
  describeBag,
  portsOf,
  resourceProblem,
  subtractBags,
  summaryOf,
  toResources,
} from '../../cluster/resources.js';
import { resources } from '../fixtures/cluster/builders.js';

describe('cluster resources', () => {
  const agent = bagOf(resources().cpus(4).mem(1024).disk(2048).ports(31000, 31999).build());

  it('compares scalars in fixed point with three decimals', () => {
    const sum = addBags(bagOf(resources().cpus(0.1).build()), bagOf(resources().cpus(0.2).build()));
    expect(contains(bagOf(resources().cpus(0.3).build()), sum)).to.equal(true);
    expect(contains(sum, bagOf(resources().cpus(0.3).build()))).to.equal(true);
  });

  it('checks containment of scalars and port ranges', () => {
    const cases: Array<[string, ReturnType<typeof resources>, boolean]> = [
      ['fits', resources().cpus(1).mem(128).ports(31000, 31001), true],
      ['whole agent', resources().cpus(4).mem(1024).disk(2048).ports(31000, 31999), true],
      ['too many cpus', resources().cpus(4.001), false],
      ['port outside', resources().cpus(1).ports(30999, 31000), false],
      ['unknown resource', resources().gpus(1), false],
    ];
    for (const [name, r, fits] of cases) expect(contains(agent, bagOf(r.build())), name).to.equal(fits);
  });

  it('subtracts ranges by splitting them', () => {
    const left = subtractBags(agent, bagOf(resources().cpus(1).ports(31010, 31019).build()));
    expect(summaryOf(left)).to.include({ cpus: 3, ports: '[31000-31009, 31020-31999]' });
    expect(portsOf(subtractBags(left, bagOf(resources().ports(31002, 31999).build())))).to.deep.equal([
      31000, 31001,
    ]);
  });

  it('drops a resource that is used up', () => {
    const left = subtractBags(bagOf(resources().cpus(1).mem(10).build()), bagOf(resources().cpus(1).build()));
    expect([...left.keys()]).to.deep.equal(['mem']);
  });

  it('rejects what a master rejects', () => {
    const problem = (r: ReturnType<typeof resources>) => resourceProblem(r.build()[0]!);
    expect(problem(resources().cpus(0))).to.match(/positive/);
    expect(problem(resources().gpus(0.5))).to.match(/'gpus' resource must be an unsigned integer/);
    expect(resourceProblem({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'ml' })).to.match(
      /reserved/,
    );
    expect(
      resourceProblem(
        { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: 'a' } },
        'b',
      ),
    ).to.match(/role 'a'/);
    expect(
      resourceProblem({
        name: 'ports',
        type: 'RANGES',
        ranges: {
          range: [
            { begin: 5, end: 9 },
            { begin: 9, end: 12 },
          ],
        },
      }),
    ).to.match(/Overlapping/);
    try {
      bagOf([...resources().ports(1, 5).build(), ...resources().ports(5, 6).build()]);
      expect.fail('overlapping resources accepted');
    } catch (e) {
      expect(isNodalError(e, 'VALIDATION')).to.equal(true);
    }
  });

  it('renders the offer formats capabilities ask for', () => {
    const bag = bagOf(resources().ports(31000, 31000).mem(5).cpus(1).build());
    expect(
      toResources(bag, { allocationRole: 'ml' }).map((r) => [r.name, r.allocation_info?.role, r.role]),
    ).to.deep.equal([
      ['cpus', 'ml', undefined],
      ['mem', 'ml', undefined],
      ['ports', 'ml', undefined],
    ]);
    expect(
      toResources(bag, { legacyRole: true }).every((r) => r.role === '*' && !r.allocation_info),
    ).to.equal(true);
    expect(describeBag(bag)).to.equal('cpus:1; mem:5; ports:[31000-31000]');
  });
});
