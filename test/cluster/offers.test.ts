import { expect } from 'chai';
import type { LocalCluster } from '../../cluster/index.js';
import type { FrameworkInfo, Offer } from '../../protos/mesos/v1/types.js';
import { resources } from '../fixtures/cluster/builders.js';
import { commandTask, launch, sleep, startCluster } from '../fixtures/cluster/harness.js';
import { RawScheduler } from '../fixtures/cluster/raw-scheduler.js';

const caps = (...types: string[]): Partial<FrameworkInfo> => ({
  capabilities: types.map((type) => ({ type }) as NonNullable<FrameworkInfo['capabilities']>[number]),
});

const scalar = (o: Offer, name: string): number | undefined =>
  o.resources?.find((r) => r.name === name)?.scalar?.value;

describe('cluster offers @integration', () => {
  let cluster: LocalCluster;
  afterEach(() => cluster?.stop());

  it('offers each agent in the format the capabilities ask for', async () => {
    cluster = await startCluster({
      agents: [
        { cpus: 2, memMb: 1024, diskMb: 100, attributes: { arch: 'ppc64le', rack: 3 } },
        { cpus: 1, memMb: 512, diskMb: 100, hostname: 'localhost' },
      ],
    });
    const multi = await RawScheduler.connect(cluster.masterUrl, {
      roles: ['ml'],
      ...caps('MULTI_ROLE', 'RESERVATION_REFINEMENT'),
    });
    const offers = [...(await multi.offers())];
    if (offers.length < 2) offers.push(...(await multi.offers()));
    const byAgent = new Map(offers.map((o) => [o.agent_id.value, o]));
    const [a0, a1] = cluster.agents;
    const o0 = byAgent.get(a0!.id)!;
    expect(o0.id.value).to.match(new RegExp(`^${cluster.masterId}-O\\d+$`));
    expect(o0.framework_id.value).to.equal(multi.frameworkId);
    expect(o0.allocation_info).to.deep.equal({ role: 'ml' });
    expect(o0.resources!.every((r) => r.allocation_info?.role === 'ml' && r.role === undefined)).to.equal(
      true,
    );
    expect([scalar(o0, 'cpus'), scalar(o0, 'mem'), scalar(o0, 'disk')]).to.deep.equal([2, 1024, 100]);
    expect(o0.attributes).to.deep.include({ name: 'arch', type: 'TEXT', text: { value: 'ppc64le' } });
    expect(o0.url?.address.port).to.equal(Number(a0!.endpoint.split(':')[1]));
    const ports = (o: Offer) => o.resources!.find((r) => r.name === 'ports')!.ranges!.range![0]!;
    expect(ports(o0)).to.deep.equal({ begin: 31000, end: 31999 });
    expect(ports(byAgent.get(a1!.id)!)).to.deep.equal({ begin: 32000, end: 32999 });
    expect(byAgent.get(a1!.id)!.hostname).to.equal('localhost');
    multi.close();

    const legacy = await RawScheduler.connect(cluster.masterUrl);
    const lo = (await legacy.offers())[0]!;
    expect(lo.allocation_info).to.equal(undefined);
    expect(lo.resources!.every((r) => r.role === '*' && r.allocation_info === undefined)).to.equal(true);
    legacy.close();
  });

  it('offers GPU agents only to frameworks with GPU_RESOURCES', async () => {
    cluster = await startCluster({ agents: [{ cpus: 1, memMb: 256, gpus: 2 }] });
    const plain = await RawScheduler.connect(cluster.masterUrl);
    await sleep(300);
    expect(plain.events.filter((e) => e.type === 'OFFERS')).to.have.length(0);
    const gpu = await RawScheduler.connect(cluster.masterUrl, caps('GPU_RESOURCES'));
    const [offer] = await gpu.offers();
    expect(scalar(offer!, 'gpus')).to.equal(2);
    plain.close();
    gpu.close();
  });

  it('honours decline filters until they expire, and REVIVE clears them', async () => {
    cluster = await startCluster();
    const s = await RawScheduler.connect(cluster.masterUrl);
    const [first] = await s.offers();
    await s.send({ type: 'DECLINE', decline: { offer_ids: [first!.id], filters: { refuse_seconds: 0.8 } } });
    const declinedAt = Date.now();
    const [second] = await s.offers(3000);
    expect(Date.now() - declinedAt).to.be.at.least(700);
    await s.send({
      type: 'DECLINE',
      decline: { offer_ids: [second!.id], filters: { refuse_seconds: 3600 } },
    });
    await sleep(300);
    expect(s.events.filter((e) => e.type === 'OFFERS')).to.have.length(2);
    await s.send({ type: 'REVIVE', revive: {} });
    await s.offers(1000);
    s.close();
  });

  it('stops offering on SUPPRESS and resumes on REVIVE', async () => {
    cluster = await startCluster();
    const s = await RawScheduler.connect(cluster.masterUrl);
    const [offer] = await s.offers();
    await s.send({ type: 'SUPPRESS', suppress: {} });
    await s.send({ type: 'DECLINE', decline: { offer_ids: [offer!.id], filters: { refuse_seconds: 0 } } });
    await sleep(400);
    expect(s.events.filter((e) => e.type === 'OFFERS')).to.have.length(1);
    await s.send({ type: 'REVIVE', revive: {} });
    await s.offers(1000);
    s.close();
  });

  it('re-SUBSCRIBE replaces the suppressed set', async () => {
    cluster = await startCluster();
    const s = await RawScheduler.connect(
      cluster.masterUrl,
      { failover_timeout: 30 },
      { suppressedRoles: ['*'] },
    );
    await sleep(300);
    expect(s.events.filter((e) => e.type === 'OFFERS')).to.have.length(0);
    const id = s.frameworkId;
    s.close();
    await s.closed;
    const again = await RawScheduler.connect(
      cluster.masterUrl,
      { failover_timeout: 30 },
      { frameworkId: id },
    );
    await again.offers(1000);
    again.close();
  });

  it('turns launches beyond the offer into TASK_ERROR and bad offer ids into TASK_DROPPED, without uuids', async () => {
    cluster = await startCluster();
    const s = await RawScheduler.connect(cluster.masterUrl, caps('PARTITION_AWARE'));
    const [offer] = await s.offers();
    const tooBig = commandTask('too-big', offer!, 'true', resources().cpus(64).mem(64).build());
    const badPort = commandTask(
      'bad-port',
      offer!,
      'true',
      resources().cpus(0.1).mem(8).ports(40000, 40000).build(),
    );
    await launch(s, offer!, [tooBig, badPort]);
    for (const id of ['too-big', 'bad-port']) {
      const u = await s.update(id, 'TASK_ERROR');
      expect(u.reason).to.equal('REASON_TASK_INVALID');
      expect(u.source).to.equal('SOURCE_MASTER');
      expect(u.uuid).to.equal(undefined);
    }
    await launch(s, offer!, [commandTask('stale', offer!, 'true')]);
    const dropped = await s.update('stale');
    expect([dropped.state, dropped.reason]).to.deep.equal(['TASK_DROPPED', 'REASON_INVALID_OFFERS']);
    s.close();
  });

  it('reports invalid offers as TASK_LOST to frameworks that are not partition-aware', async () => {
    cluster = await startCluster();
    const s = await RawScheduler.connect(cluster.masterUrl);
    const [offer] = await s.offers();
    await launch(s, { ...offer!, id: { value: 'no-such-offer' } }, [commandTask('t', offer!, 'true')]);
    const u = await s.update('t');
    expect([u.state, u.reason, u.uuid]).to.deep.equal(['TASK_LOST', 'REASON_INVALID_OFFERS', undefined]);
    s.close();
  });

  it('applies UPDATE_FRAMEWORK synchronously and refuses changes of user', async () => {
    cluster = await startCluster();
    const s = await RawScheduler.connect(cluster.masterUrl);
    await s.offers();
    const info = { user: 'tester', name: 'renamed', failover_timeout: 60, id: { value: s.frameworkId } };
    const base = { type: 'UPDATE_FRAMEWORK' as const, framework_id: { value: s.frameworkId } };
    const bad = await s.call({ ...base, update_framework: { framework_info: { ...info, user: 'root' } } });
    expect([bad.status, bad.text]).to.deep.equal([400, "Updating 'FrameworkInfo.user' is unsupported"]);
    const ok = await s.call({ ...base, update_framework: { framework_info: info, suppressed_roles: ['*'] } });
    expect(ok.status).to.equal(200);
    const fw = (cluster.state().frameworks as Array<{ name: string; suppressed_roles: string[] }>)[0]!;
    expect([fw.name, fw.suppressed_roles]).to.deep.equal(['renamed', ['*']]);
    s.close();
  });
});
