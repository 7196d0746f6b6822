import { expect } from 'chai';
import type { Constraint } from '../../../scheduler/core/constraints.js';
import { placeTasks, type PlacementRequest } from '../../../scheduler/core/placement.js';
import { offer } from '../../builders/offer.js';

const request = (p: Partial<PlacementRequest> & { indices: number[] }): PlacementRequest => ({
  key: 'job/worker',
  task: { cpus: 1, mem: 1024, disk: 0, gpus: 0, ports: 1 },
  executor: { cpus: 0.1, mem: 64 },
  constraints: [],
  avoidAgents: new Set(),
  spread: false,
  placed: [],
  ...p,
});
const noGpuAgents = { gpuAgents: {} };
const agentsOf = (r: ReturnType<typeof placeTasks>) => r.assignments.map((a) => a.offer.agentId);

describe('scheduler/core/placement', () => {
  it('sends GPU tasks only to offers with GPUs', () => {
    const cpu = offer().agent('cpu').cpus(32).build();
    const gpu = offer().agent('gpu').gpus(2).build();
    const r = placeTasks(
      [cpu, gpu],
      [request({ indices: [0, 1, 2], task: { cpus: 1, mem: 1024, disk: 0, gpus: 1, ports: 1 } })],
      noGpuAgents,
    );
    expect(agentsOf(r)).to.deep.equal(['gpu', 'gpu']);
    expect(r.unplaced).to.equal(1);
    expect(r.unusedOfferIds).to.deep.equal([cpu.id]);
  });

  it('keeps CPU tasks off GPU agents while other agents can take them', () => {
    const gpu = offer().agent('gpu').gpus(4).cpus(64).build();
    const cpu = offer().agent('cpu').cpus(2.2).build();
    const r = placeTasks([gpu, cpu], [request({ indices: [0, 1, 2] })], noGpuAgents);
    // Two fit on the CPU agent (1.1 cpus each with the executor); the third falls back to the GPU agent.
    expect(agentsOf(r)).to.deep.equal(['cpu', 'cpu', 'gpu']);
  });

  it('treats an agent known for GPUs as a GPU agent even when its offer has none left', () => {
    const known = offer().agent('gpu-busy').cpus(64).build();
    const cpu = offer().agent('cpu').cpus(64).build();
    const r = placeTasks([known, cpu], [request({ indices: [0] })], { gpuAgents: { 'gpu-busy': true } });
    expect(agentsOf(r)).to.deep.equal(['cpu']);
  });

  it('packs several tasks into one offer while they fit, counting the executor share', () => {
    const big = offer().cpus(3.3).mem(100_000).build();
    const r = placeTasks([big], [request({ indices: [0, 1, 2, 3] })], noGpuAgents);
    expect(r.assignments.map((a) => a.index)).to.deep.equal([0, 1, 2]);
    expect(r.unplaced).to.equal(1);
    expect(r.assignments[0]!.task).to.deep.include({ name: 'cpus', value: 1 });
    expect(r.assignments[0]!.executor).to.deep.equal([
      { name: 'cpus', value: 0.1 },
      { name: 'mem', value: 64 },
    ]);
  });

  const scarce: Array<[string, ReturnType<typeof offer>, number]> = [
    ['mem', offer().mem(1000), 1],
    ['disk', offer().disk(10), 0],
    ['ports', offer().ports(31000, 31001), 2],
    ['no ports', offer().ports(), 0],
    ['cpus', offer().cpus(2.19), 1],
  ];
  for (const [name, b, fits] of scarce)
    it(`stops at the scarcest resource: ${name}`, () => {
      const r = placeTasks(
        [b.build()],
        [request({ indices: [0, 1, 2], task: { cpus: 1, mem: 512, disk: 100, gpus: 0, ports: 1 } })],
        noGpuAgents,
      );
      expect(r.assignments).to.have.length(fits);
    });

  it('takes distinct ports from the offered ranges', () => {
    const o = offer().ports(31000, 31001).addPorts(32000, 32005).build();
    const r = placeTasks(
      [o],
      [request({ indices: [0, 1], task: { cpus: 1, mem: 1, disk: 0, gpus: 0, ports: 2 } })],
      noGpuAgents,
    );
    expect(r.assignments.map((a) => a.ports)).to.deep.equal([
      [31000, 31001],
      [32000, 32001],
    ]);
    expect(r.assignments[1]!.task.find((g) => g.name === 'ports')).to.deep.equal({
      name: 'ports',
      ranges: [{ begin: 32000, end: 32001 }],
    });
  });

  it('respects constraints: only ppc64le agents', () => {
    const x86 = offer().agent('x86').attr('arch', 'x86_64').build();
    const ppc = offer().agent('ppc').attr('arch', 'ppc64le').build();
    const c: Constraint[] = [{ field: 'arch', operator: 'LIKE', value: 'ppc64le' }];
    const r = placeTasks([x86, ppc], [request({ indices: [0, 1], constraints: c })], noGpuAgents);
    expect(agentsOf(r)).to.deep.equal(['ppc', 'ppc']);
  });

  it('respects UNIQUE hostname against tasks already running', () => {
    const a = offer().agent('a', 'host-a').build();
    const b = offer().agent('b', 'host-b').build();
    const c: Constraint[] = [{ field: 'hostname', operator: 'UNIQUE' }];
    const r = placeTasks(
      [a, b],
      [
        request({
          indices: [1, 2],
          constraints: c,
          placed: [{ agentId: 'a', hostname: 'host-a', attributes: {} }],
        }),
      ],
      noGpuAgents,
    );
    expect(agentsOf(r)).to.deep.equal(['b']);
    expect(r.unplaced).to.equal(1);
  });

  it('balances GROUP_BY over racks', () => {
    const offers = ['1', '1', '2', '2'].map((rack, i) => offer().agent(`a${i}`).attr('rack', rack).build());
    const r = placeTasks(
      offers,
      [request({ indices: [0, 1, 2, 3], constraints: [{ field: 'rack', operator: 'GROUP_BY' }] })],
      noGpuAgents,
    );
    const racks = r.assignments.map((a) => a.offer.attributes.rack);
    expect(racks.filter((x) => x === '1')).to.have.length(2);
    expect(racks.filter((x) => x === '2')).to.have.length(2);
  });

  it('spreads PS shards over agents', () => {
    const offers = ['a', 'b', 'c'].map((id) => offer().agent(id).cpus(64).build());
    const r = placeTasks(
      offers,
      [request({ key: 'job/ps', indices: [0, 1, 2, 3], spread: true })],
      noGpuAgents,
    );
    expect(agentsOf(r)).to.deep.equal(['a', 'b', 'c', 'a']);
  });

  it('skips agents the job avoids', () => {
    const bad = offer().agent('bad').build();
    const good = offer().agent('good').build();
    expect(
      agentsOf(
        placeTasks([bad, good], [request({ indices: [0], avoidAgents: new Set(['bad']) })], noGpuAgents),
      ),
    ).to.deep.equal(['good']);
  });

  it('uses only offers of the job’s Mesos role when it has one', () => {
    const other = offer().agent('other').role('batch').build();
    const mine = offer().agent('mine').role('training').build();
    const r = placeTasks([other, mine], [request({ indices: [0], allocationRole: 'training' })], noGpuAgents);
    expect(agentsOf(r)).to.deep.equal(['mine']);
  });

  it('places a request only after the one it depends on is complete', () => {
    const small = offer().cpus(1.1).build();
    const ps = request({ key: 'job/ps', indices: [0, 1], spread: true });
    const workers = request({ key: 'job/worker', indices: [0], after: 'job/ps' });
    const r = placeTasks([small], [ps, workers], noGpuAgents);
    expect(r.assignments.map((a) => a.key)).to.deep.equal(['job/ps']);
    expect(r.unplaced).to.equal(2);
    const roomy = offer().cpus(10).build();
    const r2 = placeTasks([roomy], [ps, workers], noGpuAgents);
    expect(r2.assignments.map((a) => a.key)).to.deep.equal(['job/ps', 'job/ps', 'job/worker']);
  });

  it('uses reserved resources first and labels them with their reservation', () => {
    const reservation = { role: 'training', type: 'DYNAMIC' as const, principal: 'ops' };
    const o = offer()
      .role('training')
      .cpus(4)
      .ports(31000, 31010)
      .reserved(reservation, { cpus: 0.5, mem: 256, ports: [30000, 30000] })
      .build();
    const r = placeTasks([o], [request({ indices: [0] })], noGpuAgents);
    const a = r.assignments[0]!;
    expect(a.task).to.deep.equal([
      { name: 'cpus', value: 0.5, reservation },
      { name: 'cpus', value: 0.5 },
      { name: 'mem', value: 256, reservation },
      { name: 'mem', value: 768 },
      { name: 'ports', ranges: [{ begin: 30000, end: 30000 }], reservation },
    ]);
    expect(a.ports).to.deep.equal([30000]);
  });

  it('places 1,000 agents × 100 workers linearly', () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      offer()
        .agent(`s${i}`)
        .cpus(i < 990 ? 0.5 : 8)
        .build(),
    );
    const t0 = process.hrtime.bigint();
    const r = placeTasks(many, [request({ indices: Array.from({ length: 100 }, (_, i) => i) })], noGpuAgents);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(r.assignments).to.have.length(70);
    expect(ms).to.be.below(500);
  });
});
