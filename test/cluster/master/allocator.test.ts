import { expect } from 'chai';
import { allocate, isFiltered, type AllocatableFramework } from '../../../cluster/master/allocator.js';
import { bagOf, EMPTY_BAG } from '../../../cluster/resources.js';
import { resources } from '../../fixtures/cluster/builders.js';

const small = bagOf(resources().cpus(2).mem(512).build());
const gpuBox = bagOf(resources().cpus(8).mem(4096).gpus(2).build());
const total = bagOf(resources().cpus(10).mem(4608).gpus(2).build());

const fw = (id: string, over: Partial<AllocatableFramework> = {}): AllocatableFramework => ({
  frameworkId: id,
  roles: ['*'],
  gpuAware: false,
  allocated: EMPTY_BAG,
  filters: [],
  ...over,
});

describe('cluster allocator', () => {
  it('offers a GPU agent only to GPU_RESOURCES frameworks', () => {
    const out = allocate(
      [
        { agentId: 'gpu', free: gpuBox, hasGpus: true },
        { agentId: 'cpu', free: small, hasGpus: false },
      ],
      [fw('plain'), fw('gpu-aware', { gpuAware: true })],
      total,
      0,
    );
    expect(out.map((a) => [a.agentId, a.frameworkId])).to.deep.equal([
      ['gpu', 'gpu-aware'],
      ['cpu', 'plain'],
    ]);
  });

  it('gives each agent to the framework with the lowest dominant share', () => {
    const busy = fw('busy', { allocated: bagOf(resources().cpus(5).build()) });
    const idle = fw('idle');
    const out = allocate([{ agentId: 'a', free: small, hasGpus: false }], [busy, idle], total, 0);
    expect(out[0]!.frameworkId).to.equal('idle');
  });

  it('honours decline filters by the subset rule, until they expire', () => {
    const filter = { agentId: 'a', role: '*', refused: small, expiresAtMs: 1000 };
    expect(isFiltered([filter], 'a', '*', small, 999)).to.equal(true);
    expect(isFiltered([filter], 'a', '*', small, 1000)).to.equal(false);
    const bigger = bagOf(resources().cpus(3).mem(512).build());
    expect(isFiltered([filter], 'a', '*', bigger, 0)).to.equal(false);
    const out = allocate(
      [{ agentId: 'a', free: small, hasGpus: false }],
      [fw('f', { filters: [filter] })],
      total,
      0,
    );
    expect(out).to.deep.equal([]);
  });

  it('tries the next unsuppressed role when one is filtered', () => {
    const filter = { agentId: 'a', role: 'x', refused: small, expiresAtMs: 10 };
    const out = allocate(
      [{ agentId: 'a', free: small, hasGpus: false }],
      [fw('f', { roles: ['x', 'y'], filters: [filter] })],
      total,
      0,
    );
    expect(out.map((a) => a.role)).to.deep.equal(['y']);
  });
});
