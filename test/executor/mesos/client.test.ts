import { expect } from 'chai';
import { isNodalError, type NodalError } from '../../../config/errors.js';
import {
  DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS,
  ExecutorClient,
  type ExecutorClientOptions,
} from '../../../executor/mesos/client.js';
import { readExecutorEnvironment } from '../../../executor/mesos/environment.js';
import type { ExecutorClientEvent } from '../../../executor/mesos/events.js';
import type { ExecutorCall, TaskInfo } from '../../../protos/mesos/v1/types.js';
import type { WireFormat } from '../../../protos/wire/codec.js';
import {
  ScriptedServer,
  type EventStreamWriter,
  type RecordedRequest,
} from '../../helpers/scripted-server.js';
import { EventLog } from '../../protos/http/event-log.js';
import { ManualClock } from '../../protos/http/manual-clock.js';

const FRAMEWORK_ID = 'fw-0000';
const EXECUTOR_ID = 'trainer-executor.worker-0';
const TASK: TaskInfo = {
  name: 'worker-0',
  task_id: { value: 'job-1.worker-0' },
  agent_id: { value: 'agent-S1' },
};

type Req = RecordedRequest<ExecutorCall>;
type Kind<K extends ExecutorClientEvent['kind']> = Extract<ExecutorClientEvent, { kind: K }>;
const isKind =
  <K extends ExecutorClientEvent['kind']>(kind: K) =>
  (e: ExecutorClientEvent): e is Kind<K> =>
    e.kind === kind;
const isEvent = (type: string) => (e: ExecutorClientEvent) => e.kind === 'event' && e.event.type === type;

const SUBSCRIBED = {
  type: 'SUBSCRIBED',
  subscribed: {
    executor_info: { executor_id: { value: EXECUTOR_ID }, type: 'CUSTOM' },
    framework_info: { user: 'trainer', name: 'nodal', id: { value: FRAMEWORK_ID } },
    agent_info: { hostname: '127.0.0.1', id: { value: 'agent-S1' } },
    container_id: { value: 'container-1' },
  },
};

/** A scripted agent: SUBSCRIBE gets a stream starting with SUBSCRIBED, calls get 202. */
class ScriptedAgent {
  readonly streams: EventStreamWriter[] = [];
  subscribeStatus: number | undefined;
  callStatus: { code: number; text?: string } = { code: 202 };
  /** How many calls arriving on a kept-alive connection to drop unanswered (an idle-close race). */
  dropReusedCalls = 0;

  private constructor(readonly server: ScriptedServer<ExecutorCall>) {
    server.handle((req, reply) => {
      if (req.call?.type === 'SUBSCRIBE') {
        if (this.subscribeStatus !== undefined)
          return reply.status(this.subscribeStatus, 'Agent has not finished recovery');
        const stream = reply.stream();
        this.streams.push(stream);
        stream.send(SUBSCRIBED);
      } else if (req.onConnection > 1 && this.dropReusedCalls > 0) {
        this.dropReusedCalls--;
        reply.drop();
      } else {
        reply.status(this.callStatus.code, this.callStatus.text ?? '');
      }
    });
  }

  static async start(): Promise<ScriptedAgent> {
    return new ScriptedAgent(
      await ScriptedServer.start<ExecutorCall>({
        callType: 'mesos.v1.executor.Call',
        eventType: 'mesos.v1.executor.Event',
      }),
    );
  }

  get stream(): EventStreamWriter {
    return this.streams.at(-1)!;
  }

  subscribes(): Req[] {
    return this.server.requests.filter((r) => r.call?.type === 'SUBSCRIBE');
  }

  calls(type: string): Req[] {
    return this.server.requests.filter((r) => r.call?.type === type);
  }

  waitForCall(type: string, from = 0): Promise<Req> {
    return this.server.waitForRequest((r) => r.call?.type === type, { from });
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds (fails the test after `timeoutMs`). */
async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(5);
  }
}

async function rejection(p: Promise<unknown>): Promise<NodalError> {
  try {
    await p;
  } catch (err) {
    return err as NodalError;
  }
  throw new Error('expected a rejection');
}

describe('executor/mesos/client @integration', function () {
  this.timeout(5000);
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startAgent(): Promise<ScriptedAgent> {
    const agent = await ScriptedAgent.start();
    cleanups.push(() => agent.server.close());
    return agent;
  }

  function startClient(
    agent: ScriptedAgent,
    env: Record<string, string> = {},
    options: Partial<ExecutorClientOptions> = {},
  ) {
    const environment = readExecutorEnvironment({
      MESOS_FRAMEWORK_ID: FRAMEWORK_ID,
      MESOS_EXECUTOR_ID: EXECUTOR_ID,
      MESOS_AGENT_ENDPOINT: agent.server.hostPort,
      MESOS_SLAVE_ID: 'agent-S1',
      MESOS_CHECKPOINT: '1',
      MESOS_RECOVERY_TIMEOUT: '2secs',
      MESOS_SUBSCRIPTION_BACKOFF_MAX: '20ms',
      ...env,
    });
    const client = ExecutorClient.create({
      environment,
      format: 'json',
      backoffInitialMs: 5,
      callTimeoutMs: 1000,
      ...options,
    });
    const log = new EventLog(client.events);
    const running = client.run();
    cleanups.push(async () => {
      await client.close();
      await running;
      await log.done;
    });
    return { client, log, running };
  }

  async function launched(agent: ScriptedAgent, log: EventLog<ExecutorClientEvent>) {
    await log.waitFor(isKind('connected'));
    agent.stream.send({ type: 'LAUNCH', launch: { task: TASK } });
    await log.waitFor(isEvent('LAUNCH'));
  }

  for (const format of ['json', 'protobuf'] as WireFormat[]) {
    it(`SUBSCRIBE (${format}) goes to /api/v1/executor with both ids, exact media types and the bearer token`, async () => {
      const agent = await startAgent();
      const { log } = startClient(agent, { MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'jwt-1' }, { format });
      const connected = await log.waitFor(isKind('connected'));
      expect(connected.executorInfo.executor_id).to.deep.equal({ value: EXECUTOR_ID });
      expect(connected.containerId).to.deep.equal({ value: 'container-1' });
      const [subscribe] = agent.subscribes();
      const mediaType = format === 'json' ? 'application/json' : 'application/x-protobuf';
      expect(subscribe!.path).to.equal('/api/v1/executor');
      expect(subscribe!.headers['content-type']).to.equal(mediaType);
      expect(subscribe!.headers.accept).to.equal(mediaType);
      expect(subscribe!.headers.authorization).to.equal('Bearer jwt-1');
      expect(subscribe!.call!.executor_id).to.deep.equal({ value: EXECUTOR_ID });
      expect(subscribe!.call!.framework_id).to.deep.equal({ value: FRAMEWORK_ID });
      if (format === 'json')
        expect(JSON.parse(subscribe!.body.toString())).to.have.deep.property('subscribe', {});
    });
  }

  it('rule 12: each UPDATE has a fresh 16-byte uuid, SOURCE_EXECUTOR and the executor id; TASK_STAGING is refused', async () => {
    const agent = await startAgent();
    const { client, log } = startClient(agent);
    await launched(agent, log);
    const staging = await rejection(client.update({ task_id: TASK.task_id, state: 'TASK_STAGING' }));
    expect(isNodalError(staging, 'VALIDATION')).to.equal(true);
    const first = await client.update({ task_id: TASK.task_id, state: 'TASK_STARTING' });
    const second = await client.update({ task_id: TASK.task_id, state: 'TASK_RUNNING' });
    expect(first.delivery).to.equal('sent');
    const updates = agent.server.requests.filter((r) => r.call?.type === 'UPDATE');
    expect(updates.map((u) => u.call!.update!.status.state)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
    const uuids = updates.map((u) => Buffer.from(u.call!.update!.status.uuid!));
    expect(uuids.map((u) => u.length)).to.deep.equal([16, 16]);
    expect(uuids[0]!.equals(uuids[1]!)).to.equal(false);
    expect(uuids[0]!.equals(Buffer.from(first.uuid))).to.equal(true);
    expect(uuids[1]!.equals(Buffer.from(second.uuid))).to.equal(true);
    for (const update of updates) {
      const status = update.call!.update!.status;
      expect(status.source).to.equal('SOURCE_EXECUTOR');
      expect(status.executor_id).to.deep.equal({ value: EXECUTOR_ID });
      expect(status.timestamp).to.be.closeTo(Date.now() / 1000, 5);
    }
  });

  it('rule 12: re-SUBSCRIBE re-sends unacknowledged updates and tasks, and forgets acknowledged ones', async () => {
    const agent = await startAgent();
    const { client, log } = startClient(agent);
    await launched(agent, log);
    const running = await client.update({ task_id: TASK.task_id, state: 'TASK_RUNNING' });
    agent.stream.destroy();
    const disconnected = await log.waitFor(isKind('disconnected'));
    expect(disconnected.willReconnect).to.equal(true);
    await log.waitFor(isKind('connected'), { from: log.items.indexOf(disconnected) });
    const resubscribe = agent.subscribes()[1]!.call!.subscribe!;
    expect(resubscribe.unacknowledged_tasks!.map((t) => t.task_id.value)).to.deep.equal([TASK.task_id.value]);
    expect(resubscribe.unacknowledged_updates).to.have.length(1);
    const resent = resubscribe.unacknowledged_updates![0]!.status;
    expect(resent.state).to.equal('TASK_RUNNING');
    expect(Buffer.from(resent.uuid!).equals(Buffer.from(running.uuid))).to.equal(true);

    agent.stream.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: TASK.task_id, uuid: running.uuid } });
    await log.waitFor(isEvent('ACKNOWLEDGED'));
    expect(client.unacknowledgedUpdates).to.deep.equal([]);
    agent.stream.close();
    const third = await agent.server.waitForRequest((r) => r.call?.type === 'SUBSCRIBE', {
      from: agent.subscribes()[1]!.index + 1,
    });
    expect(third.call!.subscribe).to.deep.equal({});
  });

  it('rule 12: waitForAcknowledgements resolves only once the terminal update is ACKNOWLEDGED', async () => {
    const agent = await startAgent();
    const { client, log } = startClient(agent);
    await launched(agent, log);
    const finished = await client.update({ task_id: TASK.task_id, state: 'TASK_FINISHED' });
    let acknowledged = false;
    const waiting = client.waitForAcknowledgements(2000).then(() => (acknowledged = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(acknowledged).to.equal(false);
    agent.stream.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: TASK.task_id, uuid: finished.uuid } });
    await waiting;
    expect(acknowledged).to.equal(true);
  });

  it('waitForAcknowledgements rejects with TIMEOUT when the agent never acknowledges', async () => {
    const agent = await startAgent();
    const { client, log } = startClient(agent);
    await launched(agent, log);
    await client.update({ task_id: TASK.task_id, state: 'TASK_FINISHED' });
    const error = await rejection(client.waitForAcknowledgements(50));
    expect(isNodalError(error, 'TIMEOUT')).to.equal(true);
    expect(error.details).to.deep.equal({ pending: 1 });
  });

  it('queues an update made while disconnected and delivers it with the next SUBSCRIBE', async () => {
    const agent = await startAgent();
    const { client, log } = startClient(agent);
    await launched(agent, log);
    agent.subscribeStatus = 503;
    agent.stream.destroy();
    await log.waitFor(isKind('disconnected'));
    const receipt = await client.update({
      task_id: TASK.task_id,
      state: 'TASK_FAILED',
      message: 'lost the PS',
    });
    expect(receipt.delivery).to.equal('queued');
    agent.subscribeStatus = undefined;
    const resubscribe = await agent.server.waitForRequest(
      (r) => r.call?.type === 'SUBSCRIBE' && (r.call.subscribe?.unacknowledged_updates?.length ?? 0) > 0,
    );
    expect(resubscribe.call!.subscribe!.unacknowledged_updates![0]!.status.message).to.equal('lost the PS');
    expect(agent.server.requests.filter((r) => r.call?.type === 'UPDATE')).to.have.length(0);
  });

  it('without checkpointing a disconnection closes the client', async () => {
    const agent = await startAgent();
    const { client, log, running } = startClient(agent, { MESOS_CHECKPOINT: '0' });
    await log.waitFor(isKind('connected'));
    agent.stream.close();
    await running;
    await log.done;
    expect(log.kinds()).to.deep.equal([
      'connected',
      'disconnected:stream-ended',
      'closed:disconnected from the agent without checkpointing',
    ]);
    expect(client.state).to.equal('closed');
    expect(agent.subscribes()).to.have.length(1);
  });

  it('gives up after MESOS_RECOVERY_TIMEOUT when the agent does not take it back', async () => {
    const agent = await startAgent();
    const { log, running } = startClient(agent, { MESOS_RECOVERY_TIMEOUT: '200ms' });
    await log.waitFor(isKind('connected'));
    agent.subscribeStatus = 503;
    const started = Date.now();
    agent.stream.destroy();
    await running;
    await log.done;
    const elapsed = Date.now() - started;
    expect(elapsed).to.be.within(150, 1500);
    const fatal = log.items.filter(isKind('error')).filter((e) => e.fatal);
    expect(fatal.map((e) => e.code)).to.deep.equal(['recovery-timeout']);
    expect(log.items.at(-1)).to.deep.equal({ kind: 'closed', reason: 'recovery timeout' });
    expect(agent.subscribes().length).to.be.greaterThan(2);
  });

  it('an ERROR event surfaces as an error and the client re-subscribes', async () => {
    const agent = await startAgent();
    const { log } = startClient(agent);
    await log.waitFor(isKind('connected'));
    agent.stream.send({ type: 'ERROR', error: { message: 'Executor is not registered' } });
    const error = await log.waitFor(isKind('error'));
    expect(error).to.deep.include({
      code: 'agent-error',
      fatal: false,
      message: 'Executor is not registered',
    });
    await log.waitFor(isKind('connected'), { from: log.items.indexOf(error) });
    expect(agent.subscribes()).to.have.length(2);
  });

  it('sends MESSAGE and HEARTBEAT, and passes agent events through', async () => {
    const agent = await startAgent();
    const { client, log } = startClient(agent);
    await launched(agent, log);
    await client.message(Buffer.from('{"step":10}'));
    await client.heartbeat();
    const message = await agent.waitForCall('MESSAGE');
    expect(Buffer.from(message.call!.message!.data).toString()).to.equal('{"step":10}');
    await agent.waitForCall('HEARTBEAT');
    agent.stream.send({ type: 'KILL', kill: { task_id: TASK.task_id } });
    agent.stream.send({ type: 'MESSAGE', message: { data: Buffer.from('spec') } });
    agent.stream.send({ type: 'HEARTBEAT' });
    agent.stream.send({ type: 'SHUTDOWN' });
    await log.waitFor(isEvent('SHUTDOWN'));
    expect(log.kinds()).to.deep.equal([
      'connected',
      'event:LAUNCH',
      'event:KILL',
      'event:MESSAGE',
      'event:HEARTBEAT',
      'event:SHUTDOWN',
    ]);
  });

  it('sends a HEARTBEAT call every 30 min by default while subscribed (as the Mesos executor library), none after close', async () => {
    const agent = await startAgent();
    const clock = new ManualClock();
    const { client, log } = startClient(agent, {}, { clock });
    await log.waitFor(isKind('connected'));
    clock.advance(DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS - 1);
    await delay(50);
    expect(agent.calls('HEARTBEAT')).to.have.length(0);
    clock.advance(1);
    const first = await agent.waitForCall('HEARTBEAT');
    expect(first.call).to.deep.include({
      executor_id: { value: EXECUTOR_ID },
      framework_id: { value: FRAMEWORK_ID },
    });
    await until(() => clock.timerCount === 1); // the answer is in: only the next heartbeat is armed
    clock.advance(DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS);
    await agent.waitForCall('HEARTBEAT', first.index + 1);
    await until(() => clock.timerCount === 1);
    await client.close();
    expect(clock.timerCount).to.equal(0);
    clock.advance(3 * DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS);
    await delay(50);
    expect(agent.calls('HEARTBEAT')).to.have.length(2);
  });

  it('sends periodic HEARTBEAT calls only while subscribed, and resumes after re-subscribing', async () => {
    const agent = await startAgent();
    const { log } = startClient(agent, {}, { heartbeatIntervalMs: 30 });
    await log.waitFor(isKind('connected'));
    const first = await agent.waitForCall('HEARTBEAT');
    await agent.waitForCall('HEARTBEAT', first.index + 1);
    agent.subscribeStatus = 503;
    agent.stream.destroy();
    const disconnected = await log.waitFor(isKind('disconnected'));
    await delay(50); // a heartbeat already on its way may still land
    const sent = agent.calls('HEARTBEAT').length;
    await delay(200);
    expect(agent.calls('HEARTBEAT')).to.have.length(sent);
    agent.subscribeStatus = undefined;
    await log.waitFor(isKind('connected'), { from: log.items.indexOf(disconnected) });
    await agent.waitForCall('HEARTBEAT', agent.server.requests.length);
  });

  it('heartbeatIntervalMs 0 sends no periodic HEARTBEAT; a negative one is refused', async () => {
    const agent = await startAgent();
    const { client, log } = startClient(agent, {}, { heartbeatIntervalMs: 0 });
    await log.waitFor(isKind('connected'));
    await client.message(Buffer.from('x'));
    await delay(100);
    expect(agent.calls('HEARTBEAT')).to.have.length(0);
    const environment = readExecutorEnvironment({
      MESOS_FRAMEWORK_ID: FRAMEWORK_ID,
      MESOS_EXECUTOR_ID: EXECUTOR_ID,
      MESOS_AGENT_ENDPOINT: agent.server.hostPort,
    });
    expect(() => ExecutorClient.create({ environment, heartbeatIntervalMs: -1 })).to.throw(
      /heartbeatIntervalMs/,
    );
  });

  it('re-sends a call once on a fresh connection when the agent closed the kept-alive one unanswered', async () => {
    const agent = await startAgent();
    const { client, log } = startClient(agent);
    await launched(agent, log);
    await client.message(Buffer.from('first'));
    agent.dropReusedCalls = 1;
    await client.message(Buffer.from('second'));
    const messages = agent.calls('MESSAGE');
    expect(messages.map((r) => r.onConnection)).to.deep.equal([1, 2, 1]);
    expect(messages.map((r) => Buffer.from(r.call!.message!.data).toString())).to.deep.equal([
      'first',
      'second',
      'second',
    ]);
    expect(messages[2]!.headers['content-type']).to.equal('application/json');
    expect(agent.dropReusedCalls).to.equal(0);
  });

  it('skips an ACKNOWLEDGED that lacks its uuid instead of failing', async () => {
    const agent = await startAgent();
    const { client, log } = startClient(agent);
    await launched(agent, log);
    await client.update({ task_id: TASK.task_id, state: 'TASK_RUNNING' });
    agent.stream.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: TASK.task_id } });
    const error = await log.waitFor(isKind('error'));
    expect(error.code).to.equal('decode-failed');
    expect(error.message).to.contain('acknowledged.uuid');
    expect(client.unacknowledgedUpdates).to.have.length(1);
    expect(client.state).to.equal('subscribed');
  });

  it('a 400 on UPDATE rejects with HTTP_STATUS and drops the update; calls before SUBSCRIBED reject', async () => {
    const agent = await startAgent();
    const { client, log } = startClient(agent);
    expect(isNodalError(await rejection(client.message(Buffer.from('x'))), 'NOT_SUBSCRIBED')).to.equal(true);
    await launched(agent, log);
    agent.callStatus = { code: 400, text: "Received status update with 'executor_id' that does not match" };
    const error = await rejection(client.update({ task_id: TASK.task_id, state: 'TASK_RUNNING' }));
    expect(isNodalError(error, 'HTTP_STATUS')).to.equal(true);
    expect(error.details).to.deep.include({ status: 400, call: 'UPDATE' });
    expect(error.message).to.contain('does not match');
    expect(client.unacknowledgedUpdates).to.deep.equal([]);
    await client.waitForAcknowledgements(10);
  });
});
