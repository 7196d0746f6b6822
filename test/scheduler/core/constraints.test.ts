import { expect } from 'chai';
import { SiteCounts, monotone, type Constraint, type Site } from '../../../scheduler/core/constraints.js';

const site = (hostname: string, attributes: Record<string, string> = {}): Site => ({ hostname, attributes });

describe('scheduler/core/constraints', () => {
  const cases: Array<{ name: string; c: Constraint; placed: Site[]; site: Site; want: boolean }> = [
    {
      name: 'LIKE matches the whole value',
      c: { field: 'arch', operator: 'LIKE', value: 'ppc64le' },
      placed: [],
      site: site('a', { arch: 'ppc64le' }),
      want: true,
    },
    {
      name: 'LIKE is not a substring match',
      c: { field: 'arch', operator: 'LIKE', value: 'ppc' },
      placed: [],
      site: site('a', { arch: 'ppc64le' }),
      want: false,
    },
    {
      name: 'LIKE rejects agents without the attribute',
      c: { field: 'arch', operator: 'LIKE', value: '.*' },
      placed: [],
      site: site('a'),
      want: false,
    },
    {
      name: 'LIKE with a regex',
      c: { field: 'rack', operator: 'LIKE', value: 'r[0-9]+' },
      placed: [],
      site: site('a', { rack: 'r12' }),
      want: true,
    },
    {
      name: 'UNLIKE rejects a match',
      c: { field: 'arch', operator: 'UNLIKE', value: 'x86_64' },
      placed: [],
      site: site('a', { arch: 'x86_64' }),
      want: false,
    },
    {
      name: 'UNLIKE accepts agents without the attribute',
      c: { field: 'arch', operator: 'UNLIKE', value: 'x86_64' },
      placed: [],
      site: site('a'),
      want: true,
    },
    {
      name: 'UNIQUE hostname accepts a new host',
      c: { field: 'hostname', operator: 'UNIQUE' },
      placed: [site('a')],
      site: site('b'),
      want: true,
    },
    {
      name: 'UNIQUE hostname rejects a used host',
      c: { field: 'hostname', operator: 'UNIQUE' },
      placed: [site('a')],
      site: site('a'),
      want: false,
    },
    {
      name: 'UNIQUE attribute',
      c: { field: 'rack', operator: 'UNIQUE' },
      placed: [site('a', { rack: '1' })],
      site: site('b', { rack: '1' }),
      want: false,
    },
    {
      name: 'CLUSTER with value',
      c: { field: 'zone', operator: 'CLUSTER', value: 'z1' },
      placed: [],
      site: site('a', { zone: 'z2' }),
      want: false,
    },
    {
      name: 'CLUSTER without value follows the first task',
      c: { field: 'zone', operator: 'CLUSTER' },
      placed: [site('a', { zone: 'z1' })],
      site: site('b', { zone: 'z2' }),
      want: false,
    },
    {
      name: 'CLUSTER without value, first task anywhere',
      c: { field: 'zone', operator: 'CLUSTER' },
      placed: [],
      site: site('b', { zone: 'z2' }),
      want: true,
    },
    {
      name: 'MAX_PER under the limit',
      c: { field: 'rack', operator: 'MAX_PER', value: '2' },
      placed: [site('a', { rack: '1' })],
      site: site('b', { rack: '1' }),
      want: true,
    },
    {
      name: 'MAX_PER at the limit',
      c: { field: 'rack', operator: 'MAX_PER', value: '2' },
      placed: [site('a', { rack: '1' }), site('b', { rack: '1' })],
      site: site('c', { rack: '1' }),
      want: false,
    },
    {
      name: 'GROUP_BY accepts the emptiest group',
      c: { field: 'rack', operator: 'GROUP_BY' },
      placed: [site('a', { rack: '1' }), site('b', { rack: '2' }), site('c', { rack: '1' })],
      site: site('d', { rack: '2' }),
      want: true,
    },
    {
      name: 'GROUP_BY rejects a fuller group',
      c: { field: 'rack', operator: 'GROUP_BY' },
      placed: [site('a', { rack: '1' }), site('b', { rack: '2' }), site('c', { rack: '1' })],
      site: site('d', { rack: '1' }),
      want: false,
    },
    {
      name: 'GROUP_BY n waits for unseen groups',
      c: { field: 'rack', operator: 'GROUP_BY', value: '3' },
      placed: [site('a', { rack: '1' }), site('b', { rack: '2' })],
      site: site('c', { rack: '1' }),
      want: false,
    },
    {
      name: 'GROUP_BY n accepts a new group',
      c: { field: 'rack', operator: 'GROUP_BY', value: '3' },
      placed: [site('a', { rack: '1' }), site('b', { rack: '2' })],
      site: site('c', { rack: '3' }),
      want: true,
    },
  ];
  for (const tc of cases)
    it(tc.name, () => expect(new SiteCounts([tc.c], tc.placed).allows(tc.site)).to.equal(tc.want));

  it('counts tasks as they are added', () => {
    const counts = new SiteCounts([{ field: 'hostname', operator: 'MAX_PER', value: '1' }]);
    expect(counts.allows(site('a'))).to.equal(true);
    counts.add(site('a'));
    expect(counts.allows(site('a'))).to.equal(false);
  });

  it('GROUP_BY counts groups seen in offers as empty', () => {
    const counts = new SiteCounts([{ field: 'rack', operator: 'GROUP_BY' }], [site('a', { rack: '1' })]);
    expect(counts.allows(site('b', { rack: '1' }))).to.equal(true);
    counts.observe(site('c', { rack: '2' }));
    expect(counts.allows(site('b', { rack: '1' }))).to.equal(false);
    expect(counts.allows(site('c', { rack: '2' }))).to.equal(true);
  });

  it('knows which constraints only tighten', () => {
    expect(monotone([{ field: 'hostname', operator: 'UNIQUE' }])).to.equal(true);
    expect(monotone([{ field: 'rack', operator: 'GROUP_BY' }])).to.equal(false);
  });
});
