import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { LocalCluster } from '../../cluster/index.js';
import type { Offer } from '../../protos/mesos/v1/types.js';
import { commandTask, eventually, launch, processesWith, startCluster } from '../fixtures/cluster/harness.js';
import { RawScheduler } from '../fixtures/cluster/raw-scheduler.js';

describe('cluster framework failover @integration', () => {
  let cluster: LocalCluster;
  const open: RawScheduler[] = [];
  const connect = async (...args: Parameters<typeof RawScheduler.connect>) => {
    const s = await RawScheduler.connect(...args);
    open.push(s);
    return s;
  };
  beforeEach(async () => {
    cluster = await startCluster();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) s.close();
    await cluster.stop();
  });

  it('keeps tasks running across a dropped stream; re-SUBSCRIBE with the same id gets pending updates and reconciles', async () => {
    const s = await connect(cluster.masterUrl, {
      failover_timeout: 30,
      capabilities: [{ type: 'PARTITION_AWARE' }],
    });
    const id = s.frameworkId;
    const [offer] = (await s.offers()) as [Offer];
    await launch(s, offer, [commandTask('survivor', offer, 'sleep 30')]);
    await s.acknowledge(await s.update('survivor', 'TASK_STARTING'));
    await s.update('survivor', 'TASK_RUNNING'); // deliberately not acknowledged before the drop

    expect(cluster.dropSchedulerStream(id)).to.equal(true);
    await s.closed;
    await eventually(
      () => (cluster.state().frameworks as Array<{ connected: boolean }>)[0]!.connected === false,
      1000,
      'disconnect',
    );

    const again = await connect(
      cluster.masterUrl,
      { failover_timeout: 30, capabilities: [{ type: 'PARTITION_AWARE' }] },
      { frameworkId: id },
    );
    expect(again.frameworkId).to.equal(id);
    expect(again.streamId).to.not.equal(s.streamId);
    const resent = await again.update('survivor', 'TASK_RUNNING', 2000);
    expect(resent.uuid).to.have.length(16);
    await again.acknowledge(resent);

    await again.send({
      type: 'RECONCILE',
      reconcile: { tasks: [{ task_id: { value: 'survivor' }, agent_id: offer.agent_id }] },
    });
    const explicit = await again.update('survivor', 'TASK_RUNNING');
    expect([explicit.reason, explicit.source, explicit.uuid]).to.deep.equal([
      'REASON_RECONCILIATION',
      'SOURCE_MASTER',
      undefined,
    ]);
    await again.send({ type: 'RECONCILE', reconcile: {} });
    expect((await again.update('survivor')).reason).to.equal('REASON_RECONCILIATION');
  });

  it('sends "Framework failed over" to the old stream when the same id subscribes again', async () => {
    const first = await connect(cluster.masterUrl, { failover_timeout: 30 });
    const second = await connect(
      cluster.masterUrl,
      { failover_timeout: 30 },
      { frameworkId: first.frameworkId },
    );
    const err = await first.take((e) => e.type === 'ERROR');
    expect(err.error!.message).to.equal('Framework failed over');
    await first.closed;
    expect(second.frameworkId).to.equal(first.frameworkId);
    expect(
      (await second.call({ type: 'REVIVE', framework_id: { value: second.frameworkId } })).status,
    ).to.equal(202);
  });

  it('removes the framework when the failover timeout expires, killing its tasks', async () => {
    const marker = `nodal-failover-${randomUUID()}`;
    const s = await connect(cluster.masterUrl, { failover_timeout: 0.3 });
    const id = s.frameworkId;
    const [offer] = (await s.offers()) as [Offer];
    await launch(s, offer, [commandTask('orphan', offer, `sleep 30; : ${marker}`)]);
    await s.acknowledge(await s.update('orphan', 'TASK_STARTING'));
    await s.update('orphan', 'TASK_RUNNING');
    s.close();
    const removed = await cluster.waitForTaskState('orphan', 'TASK_KILLED', 3000);
    expect(removed.reason).to.equal('REASON_FRAMEWORK_REMOVED');
    await eventually(() => processesWith(marker).length === 0, 2000, 'task process to die');
    const state = cluster.state() as { frameworks: unknown[]; completed_frameworks: Array<{ id: string }> };
    expect(state.frameworks).to.have.length(0);
    expect(state.completed_frameworks.map((f) => f.id)).to.deep.equal([id]);

    const late = await RawScheduler.subscribe(cluster.masterUrl, {
      type: 'SUBSCRIBE',
      framework_id: { value: id },
      subscribe: { framework_info: { user: 'tester', name: 'raw-test', id: { value: id } } },
    });
    open.push(late);
    expect((await late.take((e) => e.type === 'ERROR')).error!.message).to.equal(
      'Framework has been removed',
    );
  });

  it('TEARDOWN ends the stream and kills every task', async () => {
    const s = await connect(cluster.masterUrl, { failover_timeout: 30 });
    const [offer] = (await s.offers()) as [Offer];
    await launch(s, offer, [commandTask('torn', offer, 'sleep 30')]);
    await s.acknowledge(await s.update('torn', 'TASK_STARTING'));
    await s.update('torn', 'TASK_RUNNING');
    await s.send({ type: 'TEARDOWN' });
    await s.closed;
    expect((await cluster.waitForTaskState('torn', 'TASK_KILLED', 2000)).reason).to.equal(
      'REASON_FRAMEWORK_REMOVED',
    );
    await eventually(
      () => cluster.agents.length === 1 && (cluster.state().completed_frameworks as unknown[]).length === 1,
      1000,
      'removal',
    );
  });
});
