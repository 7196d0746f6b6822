// OUR ExecutorClient inside a real custom executor process (test/fixtures/executors/echo-executor.ts) that
// the cluster's agent starts with `node <path>`, driven end to end by OUR SchedulerClient.
import { expect } from 'chai';
import path from 'node:path';
import type { Offer, TaskStatus } from '../../../protos/mesos/v1/types.js';
import type { WireFormat } from '../../../protos/wire/codec.js';
import { eventually } from '../../fixtures/cluster/harness.js';
import { echoExecutor, echoTask, sandboxLines, sandboxOf } from './support/echo-executor.js';
import { frameworkInfo, isEvent, type SchedulerSession } from './support/scheduler-session.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { World } from './support/world.js';

const hex = (status: TaskStatus) => Buffer.from(status.uuid!).toString('hex');

/** The next framework message from `executorId`, as text. */
async function messageFrom(s: SchedulerSession, executorId: string): Promise<string> {
  const e = await s.tape.take(isEvent('MESSAGE', (ev) => ev.message!.executor_id.value === executorId));
  return Buffer.from(e.event.message!.data).toString('utf8');
}

/** The FAILURE event that reports `executorId` gone; returns its wait status. */
async function executorExit(s: SchedulerSession, executorId: string): Promise<number | undefined> {
  const e = await s.tape.take(isEvent('FAILURE', (ev) => ev.failure!.executor_id?.value === executorId));
  return e.event.failure!.status;
}

for (const format of ['protobuf', 'json'] as WireFormat[]) {
  describe(`executor client in a custom executor on the embedded cluster (${format}) @integration`, function () {
    this.timeout(10_000);
    let w: World;
    afterEach(async () => w?.teardown());

    it('subscribes, runs a task, exchanges messages, is killed and exits only after the ACKNOWLEDGED', async () => {
      w = await World.start();
      const s = w.scheduler({ format });
      await s.connected();
      const [offer] = (await s.offers()) as [Offer];
      const agent = w.cluster.agents[0]!;
      const executor = echoExecutor('echo-1', w.marker(), { ECHO_EXECUTOR_FORMAT: format });
      await s.client.accept(
        [offer.id.value],
        [{ type: 'LAUNCH', launch: { task_infos: [echoTask('echo-task', offer, executor)] } }],
      );

      const starting = await s.update('echo-task', 'TASK_STARTING');
      await s.acknowledgeIfNeeded(starting);
      const running = await s.update('echo-task', 'TASK_RUNNING');
      await s.acknowledgeIfNeeded(running);
      for (const status of [starting, running]) {
        expect([status.source, status.executor_id?.value, status.agent_id?.value]).to.deep.equal([
          'SOURCE_EXECUTOR',
          'echo-1',
          agent.id,
        ]);
      }
      // The agent started it as `node <path>` (argv[0] from CommandInfo.arguments).
      expect(w.leftovers()).to.have.length(1);
      expect(w.leftovers()[0]).to.match(/\bnode \S+\/echo-executor\.js nodal-e2e-/);

      expect(await messageFrom(s, 'echo-1')).to.equal('hello:echo-task');
      await s.client.message(agent.id, 'echo-1', Buffer.from('ping'));
      expect(await messageFrom(s, 'echo-1')).to.equal('echo:ping');

      await s.client.kill('echo-task', agent.id);
      const killed = await s.update('echo-task', 'TASK_KILLED');
      await s.acknowledgeIfNeeded(killed);
      expect(killed.source).to.equal('SOURCE_EXECUTOR');
      expect(await executorExit(s, 'echo-1')).to.equal(0);
      await eventually(() => w.leftovers().length === 0, 2000, 'the executor process to be gone');

      const lines = await sandboxLines(agent, path.join(await sandboxOf(agent, 'echo-1'), 'stdout'));
      expect(lines[0]).to.equal(`SUBSCRIBED ${agent.id}`);
      expect(lines).to.include.members(['LAUNCH echo-task', 'MESSAGE ping', 'KILL echo-task']);
      const sent = lines.filter((l) => l.startsWith('SENT '));
      expect(sent).to.deep.equal([
        `SENT echo-task TASK_STARTING ${hex(starting)} sent`,
        `SENT echo-task TASK_RUNNING ${hex(running)} sent`,
        `SENT echo-task TASK_KILLED ${hex(killed)} sent`,
      ]);
      // The agent acknowledged each update, and the process exited only after the terminal one was.
      const ackOfKilled = lines.indexOf(`ACKNOWLEDGED echo-task ${hex(killed)}`);
      expect(ackOfKilled).to.be.greaterThan(lines.indexOf('KILL echo-task'));
      expect(lines.at(-1)).to.equal('EXIT 0');
      expect(ackOfKilled).to.be.lessThan(lines.length - 1);
      for (const status of [starting, running])
        expect(lines).to.include(`ACKNOWLEDGED echo-task ${hex(status)}`);
    });
  });
}

describe('executor client reconnecting to the agent on the embedded cluster @integration', function () {
  this.timeout(10_000);
  let w: World;
  afterEach(async () => w?.teardown());

  it('re-subscribes after its connections break and re-sends the update the agent never acknowledged', async () => {
    w = await World.start();
    const agent = w.cluster.agents[0]!;
    const proxy = await TcpProxy.start(agent.endpoint);
    w.onTeardown(() => proxy.close());
    // Only a checkpointing framework's executors may outlive a broken connection (REFERENCE §1.11).
    const s = w.scheduler({ frameworkInfo: frameworkInfo({ checkpoint: true }) });
    await s.connected();
    const [offer] = (await s.offers()) as [Offer];
    const executor = echoExecutor('echo-ckpt', w.marker(), { MESOS_AGENT_ENDPOINT: proxy.endpoint });
    await s.client.accept(
      [offer.id.value],
      [{ type: 'LAUNCH', launch: { task_infos: [echoTask('durable', offer, executor)] } }],
    );
    await s.ackThrough('durable', 'TASK_RUNNING');
    expect(await messageFrom(s, 'echo-ckpt')).to.equal('hello:durable');

    await s.client.message(agent.id, 'echo-ckpt', Buffer.from('finish-in 500'));
    expect(await messageFrom(s, 'echo-ckpt')).to.equal('echo:finish-in 500');
    // From now on the agent hears the executor but its answers (202s, ACKNOWLEDGED) never arrive.
    proxy.muteReplies();
    const finished = await s.update('durable', 'TASK_FINISHED');
    proxy.cut();

    await s.acknowledgeIfNeeded(finished);
    expect(await executorExit(s, 'echo-ckpt')).to.equal(0);
    const lines = await sandboxLines(agent, path.join(await sandboxOf(agent, 'echo-ckpt'), 'stdout'));
    const subscribed = lines.filter((l) => l.startsWith('SUBSCRIBED'));
    expect(subscribed).to.have.length(2);
    const resubscribedAt = lines.lastIndexOf(subscribed[1]!);
    const disconnected = lines.findIndex((l) => /^DISCONNECTED stream-(error|ended)$/.test(l));
    expect(disconnected).to.be.within(0, resubscribedAt);
    // The UPDATE's answer was lost in the reset. It went out on a kept-alive connection and not a byte of an
    // answer came back, which is also what a server closing an idle connection looks like, so the client
    // re-sends it once on a fresh connection (protos/http/http.ts). That retry fails too (UNAVAILABLE), is
    // refused by the agent that saw the stream go (HTTP_STATUS), or gets through (deduplicated by uuid).
    const outcomes = lines.filter((l) => /^(SENT|SEND-FAILED) durable TASK_FINISHED/.test(l));
    expect(outcomes).to.have.length(1);
    expect(outcomes[0]).to.be.oneOf([
      'SEND-FAILED durable TASK_FINISHED UNAVAILABLE',
      'SEND-FAILED durable TASK_FINISHED HTTP_STATUS',
      `SENT durable TASK_FINISHED ${hex(finished)} sent`,
    ]);
    // The update rode on the re-SUBSCRIBE; the agent acknowledged it there, and only then did it exit.
    const ack = lines.indexOf(`ACKNOWLEDGED durable ${hex(finished)}`);
    expect(ack).to.be.greaterThan(resubscribedAt);
    expect(lines.at(-1)).to.equal('EXIT 0');
    // The agent de-duplicated the re-sent update: the scheduler saw TASK_FINISHED once.
    expect(s.tape.has(isEvent('UPDATE', (ev) => ev.update!.status.task_id.value === 'durable'))).to.equal(
      false,
    );
  });

  it('exits by itself when its connection breaks and the framework does not checkpoint', async () => {
    w = await World.start();
    const agent = w.cluster.agents[0]!;
    const proxy = await TcpProxy.start(agent.endpoint);
    w.onTeardown(() => proxy.close());
    const s = w.scheduler();
    await s.connected();
    const [offer] = (await s.offers()) as [Offer];
    const executor = echoExecutor('echo-once', w.marker(), { MESOS_AGENT_ENDPOINT: proxy.endpoint });
    await s.client.accept(
      [offer.id.value],
      [{ type: 'LAUNCH', launch: { task_infos: [echoTask('fragile', offer, executor)] } }],
    );
    await s.ackThrough('fragile', 'TASK_RUNNING');
    expect(await messageFrom(s, 'echo-once')).to.equal('hello:fragile');

    proxy.cut();
    // Its own exit status (1: a task was still live), not the agent's SIGKILL.
    expect(await executorExit(s, 'echo-once')).to.equal(1 << 8);
    const failed = await s.update('fragile', 'TASK_FAILED');
    expect([failed.source, failed.reason]).to.deep.equal(['SOURCE_AGENT', 'REASON_EXECUTOR_TERMINATED']);
    await s.acknowledgeIfNeeded(failed);
    const lines = await sandboxLines(agent, path.join(await sandboxOf(agent, 'echo-once'), 'stdout'));
    expect(lines.filter((l) => l.startsWith('SUBSCRIBED'))).to.have.length(1);
    expect(lines.at(-1)).to.equal('EXIT 1');
    expect(lines.at(-2)).to.match(/^DISCONNECTED stream-(error|ended)$/);
  });
});
