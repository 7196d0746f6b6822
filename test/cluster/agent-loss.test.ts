import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { LocalCluster } from '../../cluster/index.js';
import type { FrameworkInfo, Offer } from '../../protos/mesos/v1/types.js';
import { commandTask, eventually, launch, processesWith, startCluster } from '../fixtures/cluster/harness.js';
import { RawScheduler } from '../fixtures/cluster/raw-scheduler.js';

/** Collects offers until one from each of `agentIds` arrived. */
async function offersFrom(s: RawScheduler, agentIds: string[]): Promise<Map<string, Offer>> {
  const got = new Map<string, Offer>();
  while (agentIds.some((id) => !got.has(id))) for (const o of await s.offers()) got.set(o.agent_id.value, o);
  return got;
}

describe('cluster agent loss @integration', () => {
  let cluster: LocalCluster;
  let s: RawScheduler;
  afterEach(async () => {
    s?.close();
    await cluster?.stop();
  });

  const runOnFirstAgent = async (info: Partial<FrameworkInfo>, marker: string) => {
    cluster = await startCluster({
      agents: [
        { cpus: 2, memMb: 512 },
        { cpus: 2, memMb: 512 },
      ],
    });
    s = await RawScheduler.connect(cluster.masterUrl, info);
    const [a0, a1] = cluster.agents;
    const offers = await offersFrom(s, [a0!.id, a1!.id]);
    const offer = offers.get(a0!.id)!;
    // Refuse 0: what the task leaves on the agent comes back as a new offer the loss must rescind.
    await launch(s, offer, [commandTask('far', offer, `sleep 30; : ${marker}`)], 0);
    await s.acknowledge(await s.update('far', 'TASK_STARTING'));
    await s.acknowledge(await s.update('far', 'TASK_RUNNING'));
    const remainder = await s.take(
      (e) => e.type === 'OFFERS' && e.offers!.offers!.some((o) => o.agent_id.value === a0!.id),
    );
    return {
      lostId: a0!.id,
      remainderId: remainder.offers!.offers!.find((o) => o.agent_id.value === a0!.id)!.id.value,
    };
  };

  it('marks tasks TASK_UNREACHABLE for partition-aware frameworks, rescinds offers and reports FAILURE', async () => {
    const marker = `nodal-lost-${randomUUID()}`;
    const { lostId, remainderId } = await runOnFirstAgent(
      { capabilities: [{ type: 'PARTITION_AWARE' }] },
      marker,
    );
    await cluster.loseAgent(lostId);
    const u = await s.update('far', 'TASK_UNREACHABLE');
    expect([u.source, u.reason, u.uuid]).to.deep.equal(['SOURCE_MASTER', 'REASON_AGENT_REMOVED', undefined]);
    expect(u.unreachable_time?.nanoseconds).to.be.greaterThan(0);
    expect((await s.take((e) => e.type === 'RESCIND')).rescind!.offer_id.value).to.equal(remainderId);
    expect((await s.take((e) => e.type === 'FAILURE')).failure).to.deep.equal({
      agent_id: { value: lostId },
    });
    expect(processesWith(marker)).to.deep.equal([]);

    await s.send({
      type: 'RECONCILE',
      reconcile: { tasks: [{ task_id: { value: 'far' }, agent_id: { value: lostId } }] },
    });
    expect((await s.update('far', 'TASK_UNREACHABLE')).reason).to.equal('REASON_RECONCILIATION');
    const state = cluster.state() as {
      unreachable_slaves: number;
      frameworks: Array<{ unreachable_tasks: Array<{ id: string }> }>;
    };
    expect(state.unreachable_slaves).to.equal(1);
    expect(state.frameworks[0]!.unreachable_tasks.map((t) => t.id)).to.deep.equal(['far']);
    expect(cluster.agents.map((a) => a.id)).to.not.include(lostId);
  });

  it('marks them TASK_LOST for frameworks that are not partition-aware', async () => {
    const { lostId } = await runOnFirstAgent({}, `nodal-lost-${randomUUID()}`);
    await cluster.loseAgent(lostId);
    expect((await s.update('far', 'TASK_LOST')).reason).to.equal('REASON_AGENT_REMOVED');
    await s.send({
      type: 'RECONCILE',
      reconcile: { tasks: [{ task_id: { value: 'far' }, agent_id: { value: lostId } }] },
    });
    expect((await s.update('far', 'TASK_LOST')).reason).to.equal('REASON_RECONCILIATION');
  });

  it('offers an added agent', async () => {
    cluster = await startCluster();
    s = await RawScheduler.connect(cluster.masterUrl);
    const [first] = await s.offers();
    await s.send({ type: 'DECLINE', decline: { offer_ids: [first!.id], filters: { refuse_seconds: 3600 } } });
    const added = await cluster.addAgent({
      cpus: 1,
      memMb: 128,
      idSuffix: 'S-extra',
      attributes: { arch: 'ppc64le' },
    });
    expect(added.id).to.equal(`${cluster.masterId}-S-extra`);
    const [offer] = await s.offers();
    expect(offer!.agent_id.value).to.equal(added.id);
    await eventually(() => (cluster.state().slaves as unknown[]).length === 2, 500, 'two agents in state');
  });
});
