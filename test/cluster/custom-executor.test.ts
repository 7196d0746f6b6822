import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LocalCluster } from '../../cluster/index.js';
import type { FrameworkInfo, Offer, TaskStatus } from '../../protos/mesos/v1/types.js';
import { resources } from '../fixtures/cluster/builders.js';
import {
  eventually,
  executorTask,
  launch,
  sleep,
  startCluster,
  testExecutor,
} from '../fixtures/cluster/harness.js';
import { getJson, RawScheduler } from '../fixtures/cluster/raw-scheduler.js';

interface AgentState {
  frameworks: Array<{
    executors: Array<{ id: string; directory: string }>;
    completed_executors: Array<{ id: string; directory: string }>;
  }>;
}

async function sandboxOf(cluster: LocalCluster, executorId: string): Promise<string> {
  const state = await getJson<AgentState>(`${cluster.agents[0]!.url}/state`);
  const all = state.frameworks.flatMap((f) => [...f.executors, ...f.completed_executors]);
  return all.find((e) => e.id === executorId)!.directory;
}

/** Acknowledges every update of `taskId` up to and including `state`; returns that update. */
async function ackThrough(s: RawScheduler, taskId: string, state: string): Promise<TaskStatus> {
  for (;;) {
    const u = await s.update(taskId);
    if (u.uuid) await s.acknowledge(u);
    if (u.state === state) return u;
  }
}

const info: Partial<FrameworkInfo> = { capabilities: [{ type: 'PARTITION_AWARE' }] };

describe('cluster custom executors @integration', () => {
  let cluster: LocalCluster;
  let s: RawScheduler;
  let offer: Offer;

  const start = async (opts: Parameters<typeof startCluster>[0] = {}) => {
    cluster = await startCluster(opts);
    s = await RawScheduler.connect(cluster.masterUrl, info);
    [offer] = (await s.offers()) as [Offer];
  };
  afterEach(async () => {
    s?.close();
    await cluster?.stop();
  });

  it('starts the executor with the agent environment, delivers tasks and messages both ways', async () => {
    await start();
    const ex = testExecutor('ex-1', { TEST_EXTRA: 'yes' });
    await launch(s, offer, [executorTask('w-1', offer, ex, 'run')]);
    const running = await ackThrough(s, 'w-1', 'TASK_RUNNING');
    expect(running.source).to.equal('SOURCE_EXECUTOR');
    expect(running.executor_id!.value).to.equal('ex-1');

    const agent = cluster.agents[0]!;
    const dir = await sandboxOf(cluster, 'ex-1');
    expect(dir).to.match(
      new RegExp(`/slaves/${agent.id}/frameworks/${s.frameworkId}/executors/ex-1/runs/[0-9a-f-]{36}$`),
    );
    const env = JSON.parse(readFileSync(path.join(dir, 'env.json'), 'utf8')) as Record<string, string>;
    expect(env).to.include({
      MESOS_FRAMEWORK_ID: s.frameworkId,
      MESOS_EXECUTOR_ID: 'ex-1',
      MESOS_SLAVE_ID: agent.id,
      MESOS_AGENT_ENDPOINT: agent.endpoint,
      MESOS_SLAVE_PID: `slave(1)@${agent.endpoint}`,
      MESOS_DIRECTORY: dir,
      MESOS_SANDBOX: dir,
      MESOS_CHECKPOINT: '0',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '500ms',
      TEST_EXTRA: 'yes',
    });
    const subscribed = JSON.parse(readFileSync(path.join(dir, 'subscribed.json'), 'utf8')) as {
      framework_info: { id: { value: string } };
      agent_info: { id: { value: string } };
    };
    expect(subscribed.framework_info.id.value).to.equal(s.frameworkId);
    expect(subscribed.agent_info.id.value).to.equal(agent.id);

    await s.send({
      type: 'MESSAGE',
      message: { agent_id: offer.agent_id, executor_id: { value: 'ex-1' }, data: Buffer.from('ping') },
    });
    const msg = await s.take((e) => e.type === 'MESSAGE');
    expect(Buffer.from(msg.message!.data).toString()).to.equal('echo:ping');
    expect(msg.message!.executor_id.value).to.equal('ex-1');

    await s.send({ type: 'KILL', kill: { task_id: { value: 'w-1' }, agent_id: offer.agent_id } });
    await ackThrough(s, 'w-1', 'TASK_KILLED');
    // Its last task done and acknowledged, the executor exits; the scheduler hears of it.
    const failure = await s.take((e) => e.type === 'FAILURE');
    expect(failure.failure).to.deep.include({ executor_id: { value: 'ex-1' }, status: 0 });
  });

  it('speaks protobuf with an executor that asks for it, and reuses a running executor for a second task', async () => {
    await start();
    const ex = testExecutor('ex-pb', { TEST_EXECUTOR_FORMAT: 'protobuf' });
    await launch(s, offer, [executorTask('a', offer, ex, 'run')], 0);
    await ackThrough(s, 'a', 'TASK_RUNNING');
    const next = (await s.offers(2000))[0]!;
    expect(next.executor_ids).to.deep.equal([{ value: 'ex-pb' }]);
    await launch(s, next, [executorTask('b', next, ex, 'finish')]);
    await ackThrough(s, 'b', 'TASK_FINISHED');
    const fw = (cluster.state().frameworks as Array<{ executors: unknown[] }>)[0]!;
    expect(fw.executors).to.have.length(1);
  });

  it('fails unfinished tasks when the executor dies, and sends FAILURE with the wait status', async () => {
    await start();
    await launch(s, offer, [executorTask('doomed', offer, testExecutor('ex-crash'), 'crash')]);
    const failed = await ackThrough(s, 'doomed', 'TASK_FAILED');
    expect([failed.source, failed.reason]).to.deep.equal(['SOURCE_AGENT', 'REASON_EXECUTOR_TERMINATED']);
    expect(failed.uuid).to.have.length(16);
    const failure = await s.take((e) => e.type === 'FAILURE');
    expect(failure.failure!.status).to.equal(3 << 8);
  });

  it('fault injection: killing a task of a custom executor kills the executor process', async () => {
    await start();
    await launch(s, offer, [executorTask('hit', offer, testExecutor('ex-hit'), 'run')]);
    await ackThrough(s, 'hit', 'TASK_RUNNING');
    expect(cluster.killTask('hit')).to.equal(true);
    expect((await ackThrough(s, 'hit', 'TASK_FAILED')).reason).to.equal('REASON_EXECUTOR_TERMINATED');
    expect((await s.take((e) => e.type === 'FAILURE')).failure!.status).to.equal(9);
  });

  it('destroys an executor that never subscribes (registration timeout)', async () => {
    await start({ executorRegistrationTimeoutMs: 600 });
    await launch(s, offer, [
      executorTask('never', offer, testExecutor('ex-silent', { TEST_EXECUTOR_NO_SUBSCRIBE: '1' }), 'run'),
    ]);
    const failed = await ackThrough(s, 'never', 'TASK_FAILED');
    expect([failed.source, failed.reason]).to.deep.equal([
      'SOURCE_AGENT',
      'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
    ]);
  });

  it('shuts an executor down on SHUTDOWN', async () => {
    await start();
    await launch(s, offer, [executorTask('long', offer, testExecutor('ex-down'), 'run')]);
    await ackThrough(s, 'long', 'TASK_RUNNING');
    await s.send({
      type: 'SHUTDOWN',
      shutdown: { executor_id: { value: 'ex-down' }, agent_id: offer.agent_id },
    });
    const killed = await ackThrough(s, 'long', 'TASK_KILLED');
    expect(killed.source).to.equal('SOURCE_EXECUTOR');
    await s.take((e) => e.type === 'FAILURE' && e.failure!.executor_id?.value === 'ex-down');
  });

  it('SHUTDOWN destroys a stopped executor after its grace period; the agent fails its task', async () => {
    // A SIGSTOPped executor never sees KILL or SHUTDOWN; the agent SIGKILLs its process group once the
    // shutdown grace period (500 ms here) has passed, as Mesos' shutdownExecutorTimeout destroys the
    // container, and reports the task itself (slave.cpp: TASK_FAILED, REASON_EXECUTOR_TERMINATED).
    await start();
    await launch(s, offer, [executorTask('stuck', offer, testExecutor('ex-stuck'), 'run')]);
    await ackThrough(s, 'stuck', 'TASK_RUNNING');
    expect(cluster.killTask('stuck', 'SIGSTOP')).to.equal(true);
    await s.send({ type: 'KILL', kill: { task_id: { value: 'stuck' }, agent_id: offer.agent_id } });
    await sleep(300);
    const sentAt = Date.now();
    await s.send({
      type: 'SHUTDOWN',
      shutdown: { executor_id: { value: 'ex-stuck' }, agent_id: offer.agent_id },
    });
    const failed = await ackThrough(s, 'stuck', 'TASK_FAILED');
    expect(Date.now() - sentAt).to.be.within(400, 10_000);
    expect([failed.source, failed.reason]).to.deep.equal(['SOURCE_AGENT', 'REASON_EXECUTOR_TERMINATED']);
    const failure = await s.take((e) => e.type === 'FAILURE' && e.failure!.executor_id?.value === 'ex-stuck');
    expect(failure.failure!.status).to.equal(9); // SIGKILL
  });

  it('records that a container image could not be applied', async () => {
    await start();
    const ex = testExecutor(
      'ex-img',
      {},
      {
        container: {
          type: 'MESOS',
          mesos: { image: { type: 'DOCKER', docker: { name: 'nodal/executor:1' } } },
        },
      },
    );
    await launch(s, offer, [executorTask('img', offer, ex, 'run')]);
    await ackThrough(s, 'img', 'TASK_RUNNING');
    const task = (
      cluster.state().frameworks as Array<{ tasks: Array<{ id: string; image_not_applied?: string }> }>
    )[0]!.tasks[0]!;
    expect(task.image_not_applied).to.equal('nodal/executor:1');
  });

  it('runs a DEFAULT-executor task group and kills the group when one task fails', async () => {
    await start();
    const executor = {
      executor_id: { value: 'default-1' },
      type: 'DEFAULT' as const,
      resources: resources().cpus(0.1).mem(32).build(),
    };
    const t = (id: string, value: string) => ({
      name: id,
      task_id: { value: id },
      agent_id: offer.agent_id,
      resources: resources().cpus(0.2).mem(16).build(),
      command: { value },
    });
    await s.send({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          {
            type: 'LAUNCH_GROUP',
            launch_group: {
              executor,
              task_group: { tasks: [t('g-ok', 'sleep 30'), t('g-bad', 'sleep 0.3; exit 1')] },
            },
          },
        ],
      },
    });
    const bad = await ackThrough(s, 'g-bad', 'TASK_FAILED');
    expect(bad.executor_id!.value).to.equal('default-1');
    await ackThrough(s, 'g-ok', 'TASK_KILLED');
    await eventually(
      () => (cluster.state().frameworks as Array<{ executors: unknown[] }>)[0]!.executors.length === 0,
      2000,
      'executor released',
    );
  });

  it('delivers a task group to a custom executor as one LAUNCH_GROUP', async () => {
    await start();
    const executor = testExecutor('ex-group');
    const t = (id: string) => ({ ...executorTask(id, offer, executor, 'run'), executor: undefined });
    await s.send({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          { type: 'LAUNCH_GROUP', launch_group: { executor, task_group: { tasks: [t('g1'), t('g2')] } } },
        ],
      },
    });
    await ackThrough(s, 'g1', 'TASK_RUNNING');
    await ackThrough(s, 'g2', 'TASK_RUNNING');
    const events = readFileSync(path.join(await sandboxOf(cluster, 'ex-group'), 'events.log'), 'utf8').split(
      '\n',
    );
    expect(events.filter((e) => e.startsWith('LAUNCH'))).to.deep.equal(['LAUNCH_GROUP']);
  });
});
