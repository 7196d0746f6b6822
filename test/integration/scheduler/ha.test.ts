// High availability: two `nodal scheduler` processes sharing a real ZooKeeper (leader election, the state
// store, and master detection: the embedded master is published there as Mesos masters publish
// themselves) on the embedded cluster. One leads, the other stands by; when the leader is SIGKILLed the
// standby takes over with the same framework id and reconciles, and the training tasks keep running.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HealthView, JobStatus } from '../../../scheduler/api/types.js';
import { connectZk, type ZkClient } from '../../../scheduler/ha/zk-client.js';
import { startZookeeper, type ZookeeperServer } from '../../helpers/zookeeper-server.js';
import {
  activeTasksBySlot,
  agent,
  api,
  eventually,
  masterState,
  SchedulerProcess,
  startCluster,
  stopCluster,
  tinyJob,
  type TestCluster,
} from './support.js';

describe('scheduler high availability with ZooKeeper @integration', function () {
  this.timeout(60_000);
  let zk: ZookeeperServer | undefined;
  let t: TestCluster | undefined;
  let publisher: ZkClient | undefined;
  const schedulers: SchedulerProcess[] = [];
  let scratch: string;

  before(async () => {
    zk = await startZookeeper();
  });
  after(async () => {
    await zk?.stop();
  });
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'nodal-it-ha-'));
  });
  afterEach(async () => {
    for (const s of schedulers.splice(0)) await s.stop('SIGKILL');
    await publisher?.close();
    publisher = undefined;
    const left = await stopCluster(t);
    t = undefined;
    rmSync(scratch, { recursive: true, force: true });
    expect(left, 'processes left in the cluster directory').to.deep.equal([]);
  });

  const health = async (s: SchedulerProcess) => api<HealthView>(s.apiUrl, '/health');

  it('fails over to the standby with the same framework id; the tasks keep running', async () => {
    t = await startCluster([agent(), agent()]);
    // The master contends in ZooKeeper the way Mesos masters do: an ephemeral json.info_<seq> node.
    publisher = await connectZk({ connectString: zk!.connectString });
    await publisher.mkdirp('/mesos-ha-test');
    const info = (t.cluster.state() as { leader_info: unknown }).leader_info;
    await publisher.create(
      '/mesos-ha-test/json.info_',
      Buffer.from(JSON.stringify(info)),
      'ephemeral-sequential',
    );
    const flags = [
      `--master=zk://${zk!.connectString}/mesos-ha-test`,
      '--store=zookeeper',
      `--zk-connect=${zk!.connectString}`,
      '--zk-path=/nodal-ha-test',
      '--zk-session-timeout-ms=2000',
      '--api-port=0',
      '--api-auth-disabled',
      '--executor-image=',
      '--log-level=warn',
      '--failover-timeout-ms=120000',
    ];
    schedulers.push(await SchedulerProcess.start(flags), await SchedulerProcess.start(flags));
    const [leader, standby] = await eventually('one leader and one standby', async () => {
      const hs = await Promise.all(schedulers.map(health));
      const lead = hs.findIndex((h) => h.body.leader && h.body.subscribed);
      const stand = hs.findIndex((h) => h.status === 200 && !h.body.leader && h.body.subscribed);
      return lead >= 0 && stand >= 0 ? [schedulers[lead]!, schedulers[stand]!] : undefined;
    });

    // The standby serves /health but sends API users to the leader.
    const refused = await api<{ error: { code: string; message: string } }>(standby.apiUrl, '/v1/jobs');
    expect(refused.status).to.equal(503);
    expect(refused.body.error.message).to.include(leader.apiUrl);

    const submitted = await api(leader.apiUrl, '/v1/jobs', {
      method: 'POST',
      body: tinyJob('ha', { steps: 100_000, workers: 1, checkpointDir: join(scratch, 'ckpt') }),
    });
    expect(submitted.status).to.equal(201);
    const before = await eventually('the job training', async () => {
      const j = (await api<JobStatus>(leader.apiUrl, '/v1/jobs/ha')).body;
      return j.progress.step >= 3 && j.tasks.every((x) => x.state === 'TASK_RUNNING') ? j : undefined;
    });
    const frameworkId = (await health(leader)).body.frameworkId!;
    expect(frameworkId).to.be.a('string');

    await leader.stop('SIGKILL');
    const after = await eventually('the standby leading and reconciled', async () => {
      const h = (await health(standby)).body;
      if (!h.leader || !h.subscribed) return undefined;
      const j = (await api<JobStatus>(standby.apiUrl, '/v1/jobs/ha')).body;
      return j.tasks.every((x) => x.state === 'TASK_RUNNING') ? { h, j } : undefined;
    });
    expect(after.h.frameworkId).to.equal(frameworkId);
    expect(after.j.tasks.map((x) => x.taskId).sort()).to.deep.equal(before.tasks.map((x) => x.taskId).sort());
    expect(after.j.restarts).to.equal(0);
    const fw = masterState(t.cluster).frameworks.find((f) => f.id === frameworkId)!;
    expect(fw.active).to.equal(true);
    const bySlot = activeTasksBySlot(masterState(t.cluster), frameworkId);
    expect([...bySlot.values()].every((ids) => ids.length === 1)).to.equal(true);
    const stepAtFailover = after.j.progress.step;
    await eventually('training going on under the new leader', async () => {
      const j = (await api<JobStatus>(standby.apiUrl, '/v1/jobs/ha')).body;
      return j.progress.step > stepAtFailover;
    });

    const killed = await api<JobStatus>(standby.apiUrl, '/v1/jobs/ha', { method: 'DELETE' });
    expect(killed.body.state).to.equal('killed');
    await eventually('every task stopped', () =>
      masterState(t!.cluster).frameworks.every((f) => f.tasks.length === 0),
    );
    expect(await standby.stop('SIGTERM')).to.equal(0);
  });
});
