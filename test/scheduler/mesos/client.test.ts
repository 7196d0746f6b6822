import { expect } from 'chai';
import { isNodalError, type NodalError } from '../../../config/errors.js';
import type { FrameworkInfo, SchedulerCall } from '../../../protos/mesos/v1/types.js';
import type { WireFormat } from '../../../protos/wire/codec.js';
import { encodeRecord } from '../../../protos/wire/recordio.js';
import { SchedulerClient } from '../../../scheduler/mesos/client.js';
import type { SchedulerClientEvent } from '../../../scheduler/mesos/events.js';
import type { SchedulerClientInput } from '../../../scheduler/mesos/options.js';
import { EventLog } from '../../protos/http/event-log.js';
import {
  ScriptedServer,
  type EventStreamWriter,
  type RecordedRequest,
} from '../../helpers/scripted-server.js';

const FRAMEWORK_ID = '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-0000';
const FRAMEWORK_INFO: FrameworkInfo = {
  user: 'trainer',
  name: 'nodal-test',
  roles: ['training'],
  failover_timeout: 604800,
  checkpoint: true,
  capabilities: [{ type: 'MULTI_ROLE' }, { type: 'GPU_RESOURCES' }],
};

type Req = RecordedRequest<SchedulerCall>;
type Kind<K extends SchedulerClientEvent['kind']> = Extract<SchedulerClientEvent, { kind: K }>;
const isKind =
  <K extends SchedulerClientEvent['kind']>(kind: K) =>
  (e: SchedulerClientEvent): e is Kind<K> =>
    e.kind === kind;

const subscribedEvent = (heartbeatSeconds: number, frameworkId = FRAMEWORK_ID) => ({
  type: 'SUBSCRIBED',
  subscribed: {
    framework_id: { value: frameworkId },
    heartbeat_interval_seconds: heartbeatSeconds,
    master_info: { id: 'master-1', ip: 16777343, port: 5050, hostname: '127.0.0.1' },
  },
});

/** A scripted master: SUBSCRIBE gets a stream (SUBSCRIBED first unless told otherwise), calls get 202. */
class ScriptedMaster {
  readonly streams: EventStreamWriter[] = [];
  heartbeatSeconds = 15;
  sendSubscribed = true;
  frameworkIdToAssign = FRAMEWORK_ID;
  callStatus: { code: number; text?: string; headers?: Record<string, string> } = { code: 202 };
  /** How many calls arriving on a kept-alive connection to drop unanswered (an idle-close race). */
  dropReusedCalls = 0;

  private constructor(readonly server: ScriptedServer<SchedulerCall>) {
    server.handle((req, reply) => {
      if (req.call?.type === 'SUBSCRIBE') {
        const stream = reply.stream({ streamId: `stream-${this.streams.length + 1}` });
        this.streams.push(stream);
        if (this.sendSubscribed)
          stream.send(subscribedEvent(this.heartbeatSeconds, this.frameworkIdToAssign));
      } else if (req.onConnection > 1 && this.dropReusedCalls > 0) {
        this.dropReusedCalls--;
        reply.drop();
      } else {
        reply.status(this.callStatus.code, this.callStatus.text ?? '', this.callStatus.headers);
      }
    });
  }

  static async start(): Promise<ScriptedMaster> {
    return new ScriptedMaster(
      await ScriptedServer.start<SchedulerCall>({
        callType: 'mesos.v1.scheduler.Call',
        eventType: 'mesos.v1.scheduler.Event',
      }),
    );
  }

  subscribes(): Req[] {
    return this.server.requests.filter((r) => r.call?.type === 'SUBSCRIBE');
  }

  waitForCall(type: string, from = 0): Promise<Req> {
    return this.server.waitForRequest((r) => r.call?.type === type, { from });
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

describe('scheduler/mesos/client @integration', function () {
  this.timeout(5000);
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startMaster(): Promise<ScriptedMaster> {
    const master = await ScriptedMaster.start();
    cleanups.push(() => master.server.close());
    return master;
  }

  function startClient(input: Partial<SchedulerClientInput> & Pick<SchedulerClientInput, 'masters'>) {
    const client = SchedulerClient.create({
      frameworkInfo: FRAMEWORK_INFO,
      backoffInitialMs: 10,
      backoffMaxMs: 40,
      subscribeTimeoutMs: 1000,
      callTimeoutMs: 1000,
      ...input,
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

  for (const format of ['json', 'protobuf'] as WireFormat[]) {
    it(`SUBSCRIBE (${format}) has exact media types, no Mesos-Stream-Id, basic auth and a nonzero failover_timeout (rule 1)`, async () => {
      const master = await startMaster();
      const { log } = startClient({
        masters: [master.server.url],
        format,
        credentials: { principal: 'nodal', secret: 's3cret' },
      });
      const connected = await log.waitFor(isKind('connected'));
      expect(connected.frameworkId).to.equal(FRAMEWORK_ID);
      expect(connected.heartbeatIntervalSeconds).to.equal(15);
      const [subscribe] = master.subscribes();
      const mediaType = format === 'json' ? 'application/json' : 'application/x-protobuf';
      expect(subscribe!.path).to.equal('/api/v1/scheduler');
      expect(subscribe!.headers['content-type']).to.equal(mediaType);
      expect(subscribe!.headers.accept).to.equal(mediaType);
      expect(subscribe!.headers).to.not.have.property('mesos-stream-id');
      expect(subscribe!.headers.authorization).to.equal(
        `Basic ${Buffer.from('nodal:s3cret').toString('base64')}`,
      );
      const info = subscribe!.call!.subscribe!.framework_info;
      expect(info.failover_timeout).to.equal(604800);
      expect(info.principal).to.equal('nodal');
      expect(subscribe!.call).to.not.have.property('framework_id');
      expect(info).to.not.have.property('id');
      if (format === 'json') expect(subscribe!.body.toString()).to.contain('"failover_timeout":604800');
    });
  }

  it('rule 4: waits for the SUBSCRIBED event before calling, then sends Mesos-Stream-Id on every call', async () => {
    const master = await startMaster();
    master.sendSubscribed = false;
    const { client, log } = startClient({ masters: [master.server.url], format: 'json' });
    await master.server.waitForRequest((r) => r.call?.type === 'SUBSCRIBE');
    await new Promise((r) => setTimeout(r, 50)); // the 200 has arrived, SUBSCRIBED has not
    expect(client.state).to.equal('connecting');
    const early = await rejection(client.revive());
    expect(isNodalError(early, 'NOT_SUBSCRIBED')).to.equal(true);
    master.streams[0]!.send(subscribedEvent(15));
    await log.waitFor(isKind('connected'));
    expect(client.state).to.equal('subscribed');
    await client.revive(['training']);
    await client.decline(['offer-1'], { refuse_seconds: 3600 });
    const calls = master.server.requests.filter((r) => r.call?.type !== 'SUBSCRIBE');
    expect(calls.map((r) => r.call!.type)).to.deep.equal(['REVIVE', 'DECLINE']);
    for (const call of calls) {
      expect(call.headers['mesos-stream-id']).to.equal('stream-1');
      expect(call.headers['content-type']).to.equal('application/json');
      expect(call.call!.framework_id).to.deep.equal({ value: FRAMEWORK_ID });
    }
  });

  it('sends every typed call with the body Mesos expects', async () => {
    const master = await startMaster();
    const { client, log } = startClient({
      masters: [master.server.url],
      format: 'protobuf',
      suppressedRoles: () => ['training'],
    });
    await log.waitFor(isKind('connected'));
    const uuid = Uint8Array.from({ length: 16 }, (_, i) => i);
    const steps: Array<[() => Promise<void>, string, Record<string, unknown>]> = [
      [
        () => client.accept(['o1'], [{ type: 'LAUNCH', launch: { task_infos: [] } }], { refuse_seconds: 5 }),
        'ACCEPT',
        {
          accept: {
            offer_ids: [{ value: 'o1' }],
            operations: [{ type: 'LAUNCH', launch: {} }],
            filters: { refuse_seconds: 5 },
          },
        },
      ],
      [
        () => client.decline(['o2', 'o3']),
        'DECLINE',
        { decline: { offer_ids: [{ value: 'o2' }, { value: 'o3' }] } },
      ],
      [() => client.revive(), 'REVIVE', { revive: {} }],
      [() => client.suppress(['training']), 'SUPPRESS', { suppress: { roles: ['training'] } }],
      [
        () => client.kill('t1', 'a1', { grace_period: { nanoseconds: 5e9 } }),
        'KILL',
        {
          kill: {
            task_id: { value: 't1' },
            agent_id: { value: 'a1' },
            kill_policy: { grace_period: { nanoseconds: 5e9 } },
          },
        },
      ],
      [
        () => client.shutdown('e1', 'a1'),
        'SHUTDOWN',
        { shutdown: { executor_id: { value: 'e1' }, agent_id: { value: 'a1' } } },
      ],
      [
        () => client.acknowledge('a1', 't1', uuid),
        'ACKNOWLEDGE',
        { acknowledge: { agent_id: { value: 'a1' }, task_id: { value: 't1' }, uuid: Buffer.from(uuid) } },
      ],
      [
        () => client.reconcile([{ taskId: 't1', agentId: 'a1' }, { taskId: 't2' }]),
        'RECONCILE',
        {
          reconcile: {
            tasks: [{ task_id: { value: 't1' }, agent_id: { value: 'a1' } }, { task_id: { value: 't2' } }],
          },
        },
      ],
      [
        () => client.message('a1', 'e1', Buffer.from('spec')),
        'MESSAGE',
        { message: { agent_id: { value: 'a1' }, executor_id: { value: 'e1' }, data: Buffer.from('spec') } },
      ],
    ];
    for (const [send, type, expected] of steps) {
      const from = master.server.requests.length;
      await send();
      const req = await master.waitForCall(type, from);
      const { framework_id, type: sentType, ...body } = req.call as unknown as Record<string, unknown>;
      expect(sentType).to.equal(type);
      expect(framework_id).to.deep.equal({ value: FRAMEWORK_ID });
      expect(JSON.parse(JSON.stringify(body))).to.deep.equal(JSON.parse(JSON.stringify(expected)));
    }
  });

  it('rule 10: an implicit reconciliation sends "reconcile": {}', async () => {
    const master = await startMaster();
    const { client, log } = startClient({ masters: [master.server.url], format: 'json' });
    await log.waitFor(isKind('connected'));
    await client.reconcile([]);
    const req = await master.waitForCall('RECONCILE');
    expect(JSON.parse(req.body.toString())).to.have.deep.property('reconcile', {});
  });

  it('UPDATE_FRAMEWORK sends the current suppressed roles and later re-SUBSCRIBEs carry the new info', async () => {
    const master = await startMaster();
    master.callStatus = { code: 200 };
    const suppressed = ['training'];
    const { client, log } = startClient({
      masters: [master.server.url],
      format: 'json',
      suppressedRoles: () => suppressed,
    });
    await log.waitFor(isKind('connected'));
    await client.updateFramework({ ...FRAMEWORK_INFO, name: 'renamed' });
    const update = await master.waitForCall('UPDATE_FRAMEWORK');
    expect(update.call!.update_framework!.suppressed_roles).to.deep.equal(['training']);
    expect(update.call!.update_framework!.framework_info.id).to.deep.equal({ value: FRAMEWORK_ID });
    master.streams[0]!.close();
    const resubscribe = await master.server.waitForRequest((r) => r.call?.type === 'SUBSCRIBE', { from: 1 });
    expect(resubscribe.call!.subscribe!.framework_info.name).to.equal('renamed');
  });

  it('follows a 307 with a scheme-less Location to the leader and sends calls there', async () => {
    const leader = await startMaster();
    const follower = await ScriptedServer.start<SchedulerCall>({
      callType: 'mesos.v1.scheduler.Call',
      eventType: 'mesos.v1.scheduler.Event',
    });
    cleanups.push(() => follower.close());
    follower.handle((_req, reply) => reply.redirect(`//${leader.server.hostPort}/master/api/v1/scheduler`));
    const { client, log } = startClient({ masters: [follower.url], format: 'json' });
    const connected = await log.waitFor(isKind('connected'));
    expect(connected.master).to.equal(`http://${leader.server.hostPort}/master/api/v1/scheduler`);
    const [redirected] = follower.requests;
    const [subscribe] = leader.subscribes();
    expect(subscribe!.path).to.equal('/master/api/v1/scheduler');
    expect(subscribe!.body.equals(redirected!.body)).to.equal(true);
    await client.suppress();
    const suppress = await leader.waitForCall('SUPPRESS');
    expect(suppress.path).to.equal('/master/api/v1/scheduler');
    expect(follower.requests).to.have.length(1);
  });

  it('rules 4 and 9: after the stream drops it re-subscribes with both framework ids and the current suppressed roles', async () => {
    const master = await startMaster();
    let suppressed: string[] = [];
    const { client, log } = startClient({
      masters: [master.server.url],
      format: 'protobuf',
      suppressedRoles: () => suppressed,
    });
    await log.waitFor(isKind('connected'));
    suppressed = ['training'];
    master.streams[0]!.destroy();
    const disconnected = await log.waitFor(isKind('disconnected'));
    expect(disconnected.offersInvalidated).to.equal(true);
    expect(disconnected.reason).to.be.oneOf(['stream-error', 'stream-ended']);
    const connectedAgain = await log.waitFor(isKind('connected'), { from: log.items.indexOf(disconnected) });
    expect(connectedAgain.frameworkId).to.equal(FRAMEWORK_ID);
    const [, resubscribe] = master.subscribes();
    expect(resubscribe!.call!.framework_id).to.deep.equal({ value: FRAMEWORK_ID });
    expect(resubscribe!.call!.subscribe!.framework_info.id).to.deep.equal({ value: FRAMEWORK_ID });
    expect(resubscribe!.call!.subscribe!.suppressed_roles).to.deep.equal(['training']);
    expect(resubscribe!.headers).to.not.have.property('mesos-stream-id');
    await client.revive();
    const revive = await master.waitForCall('REVIVE');
    expect(revive.headers['mesos-stream-id']).to.equal('stream-2');
  });

  it('reconnects when heartbeats are missed on a stalled stream', async () => {
    const master = await startMaster();
    master.heartbeatSeconds = 0.05;
    const { log } = startClient({ masters: [master.server.url], format: 'json', heartbeatMissLimit: 2 });
    await log.waitFor(isKind('connected'));
    master.streams[0]!.send({ type: 'HEARTBEAT' });
    // The heartbeat reaches the caller and restarts the silence.
    await log.waitFor((e) => e.kind === 'event' && e.event.type === 'HEARTBEAT');
    const started = Date.now();
    const disconnected = await log.waitFor(isKind('disconnected'));
    expect(disconnected.reason).to.equal('heartbeat-missed');
    expect(Date.now() - started).to.be.within(50, 1000);
    await log.waitFor(isKind('connected'), { from: log.items.indexOf(disconnected) });
    expect(master.subscribes()).to.have.length(2);
    expect(master.streams[0]!.closed).to.equal(true);
  });

  it('rejects a call answered 400 with HTTP_STATUS, the status and the body text, and stays subscribed', async () => {
    const master = await startMaster();
    master.callStatus = {
      code: 400,
      text: "Failed to validate scheduler::Call: Expecting 'reconcile' to be present",
    };
    const { client, log } = startClient({ masters: [master.server.url], format: 'json' });
    await log.waitFor(isKind('connected'));
    const error = await rejection(client.kill('t1'));
    expect(isNodalError(error, 'HTTP_STATUS')).to.equal(true);
    expect(error.details).to.deep.include({ status: 400, call: 'KILL' });
    expect(error.message).to.equal("Failed to validate scheduler::Call: Expecting 'reconcile' to be present");
    expect(client.state).to.equal('subscribed');
  });

  it('re-subscribes after a call gets 403 "Framework is not subscribed"', async () => {
    const master = await startMaster();
    master.callStatus = { code: 403, text: 'Framework is not subscribed' };
    const { client, log } = startClient({ masters: [master.server.url], format: 'json' });
    await log.waitFor(isKind('connected'));
    const error = await rejection(client.revive());
    expect(error.details).to.deep.include({ status: 403 });
    const disconnected = await log.waitFor(isKind('disconnected'));
    expect(disconnected.reason).to.equal('not-subscribed');
    await log.waitFor(isKind('connected'), { from: log.items.indexOf(disconnected) });
    expect(master.subscribes()).to.have.length(2);
  });

  it('rule 8: an ERROR event on a 200 stream surfaces as an error event and the client re-subscribes', async () => {
    const master = await startMaster();
    master.sendSubscribed = false;
    const { log } = startClient({ masters: [master.server.url], format: 'json' });
    await master.server.waitForRequest((r) => r.call?.type === 'SUBSCRIBE');
    master.streams[0]!.send({ type: 'ERROR', error: { message: "Role 'training' requires MULTI_ROLE" } });
    master.streams[0]!.close();
    const error = await log.waitFor(isKind('error'));
    expect(error).to.deep.include({
      code: 'master-error',
      fatal: false,
      message: "Role 'training' requires MULTI_ROLE",
    });
    await master.server.waitForRequest((r) => r.call?.type === 'SUBSCRIBE', { from: 1 });
    expect(log.items.filter(isKind('error'))).to.have.length(1);
  });

  it('"Framework failed over" closes the client instead of fighting for the id', async () => {
    const master = await startMaster();
    const { client, log, running } = startClient({ masters: [master.server.url], format: 'json' });
    await log.waitFor(isKind('connected'));
    master.streams[0]!.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
    const error = await log.waitFor(isKind('error'));
    expect(error).to.deep.include({ code: 'framework-failed-over', fatal: true });
    await running;
    await log.done;
    expect(client.state).to.equal('closed');
    expect(log.items.at(-1)).to.deep.equal({ kind: 'closed', reason: 'framework failed over' });
    expect(master.subscribes()).to.have.length(1);
    expect(isNodalError(await rejection(client.revive()), 'NOT_SUBSCRIBED')).to.equal(true);
  });

  it('"Framework has been removed" clears the framework id and subscribes as a new framework', async () => {
    const master = await startMaster();
    master.sendSubscribed = false;
    const { client, log } = startClient({
      masters: [master.server.url],
      format: 'json',
      frameworkId: 'dead-0001',
    });
    const first = await master.server.waitForRequest((r) => r.call?.type === 'SUBSCRIBE');
    expect(first.call!.framework_id).to.deep.equal({ value: 'dead-0001' });
    master.sendSubscribed = true;
    master.frameworkIdToAssign = 'fresh-0002';
    master.streams[0]!.send({ type: 'ERROR', error: { message: 'Framework has been removed' } });
    master.streams[0]!.close();
    const error = await log.waitFor(isKind('error'));
    expect(error).to.deep.include({ code: 'framework-removed', fatal: false });
    const connected = await log.waitFor(isKind('connected'));
    expect(connected.frameworkId).to.equal('fresh-0002');
    const [, second] = master.subscribes();
    expect(second!.call).to.not.have.property('framework_id');
    expect(second!.call!.subscribe!.framework_info).to.not.have.property('id');
    expect(client.frameworkId).to.equal('fresh-0002');
  });

  it('moves to the next master when one is unreachable and retries a 503 with backoff', async () => {
    const gone = await ScriptedServer.start({
      callType: 'mesos.v1.scheduler.Call',
      eventType: 'mesos.v1.scheduler.Event',
    });
    const goneUrl = gone.url;
    await gone.close();
    const recovering = await ScriptedServer.start<SchedulerCall>({
      callType: 'mesos.v1.scheduler.Call',
      eventType: 'mesos.v1.scheduler.Event',
    });
    cleanups.push(() => recovering.close());
    recovering.handle((_req, reply) => reply.status(503, 'Master has not finished recovery'));
    const master = await startMaster();
    const { log } = startClient({ masters: [goneUrl, recovering.url, master.server.url], format: 'json' });
    await log.waitFor(isKind('connected'));
    const failures = log.items.filter(isKind('error'));
    expect(failures.map((f) => f.code)).to.deep.equal(['subscribe-failed', 'subscribe-failed']);
    expect(failures[1]).to.deep.include({ status: 503 });
    expect(failures[1]!.message).to.contain('Master has not finished recovery');
  });

  it('skips an undecodable event with an error event, and re-subscribes on corrupt framing', async () => {
    const master = await startMaster();
    const { log } = startClient({ masters: [master.server.url], format: 'json' });
    await log.waitFor(isKind('connected'));
    const stream = master.streams[0]!;
    stream.sendRaw(encodeRecord(Buffer.from('{"type":"OFFERS","offers":{"offerz":[]}}')));
    stream.sendRaw(encodeRecord(Buffer.from('{"type":"RESCIND","rescind":{}}'))); // offer_id is required
    stream.send({ type: 'RESCIND', rescind: { offer_id: { value: 'o1' } } });
    await log.waitFor((e) => e.kind === 'event' && e.event.type === 'RESCIND');
    expect(log.kinds()).to.deep.equal([
      'connected',
      'error:decode-failed',
      'error:decode-failed',
      'event:RESCIND',
    ]);
    expect(log.items.filter(isKind('error'))[0]!.message).to.contain('offerz');
    stream.sendRaw(Buffer.from('12x\n{}'));
    const disconnected = await log.waitFor(isKind('disconnected'));
    expect(disconnected.reason).to.equal('stream-error');
    await log.waitFor(isKind('connected'), { from: log.items.indexOf(disconnected) });
  });

  it('close() ends the event stream with closed and stops re-subscribing', async () => {
    const master = await startMaster();
    const { client, log, running } = startClient({ masters: [master.server.url], format: 'json' });
    await log.waitFor(isKind('connected'));
    await client.close();
    await running;
    await log.done;
    expect(log.kinds()).to.deep.equal(['connected', 'closed:closed by caller']);
    await new Promise((r) => setTimeout(r, 60));
    expect(master.subscribes()).to.have.length(1);
  });

  it('teardown() sends TEARDOWN and closes', async () => {
    const master = await startMaster();
    const { client, log, running } = startClient({ masters: [master.server.url], format: 'json' });
    await log.waitFor(isKind('connected'));
    await client.teardown();
    await running;
    expect(master.server.requests.map((r) => r.call?.type)).to.deep.equal(['SUBSCRIBE', 'TEARDOWN']);
    expect(client.state).to.equal('closed');
  });

  it('re-sends a call once on a fresh connection when the master closed the kept-alive one unanswered', async () => {
    const master = await startMaster();
    const { client, log } = startClient({
      masters: [master.server.url],
      format: 'json',
      credentials: { principal: 'nodal', secret: 's3cret' },
    });
    await log.waitFor(isKind('connected'));
    await client.kill('task-1');
    master.dropReusedCalls = 1;
    await client.kill('task-2');
    const kills = master.server.requests.filter((r) => r.call?.type === 'KILL');
    expect(kills.map((r) => r.onConnection)).to.deep.equal([1, 2, 1]);
    expect(kills.map((r) => r.call!.kill!.task_id.value)).to.deep.equal(['task-1', 'task-2', 'task-2']);
    for (const name of ['content-type', 'mesos-stream-id', 'authorization']) {
      expect(kills[2]!.headers[name], name).to.equal(kills[1]!.headers[name]);
    }
    expect(kills[2]!.headers['mesos-stream-id']).to.equal('stream-1');
    expect(master.dropReusedCalls).to.equal(0);
    expect(master.subscribes()).to.have.length(1); // the subscription was not disturbed
  });

  it('never re-sends an ACCEPT after a reset: a second one would name used offers', async () => {
    const master = await startMaster();
    const { client, log } = startClient({ masters: [master.server.url], format: 'json' });
    await log.waitFor(isKind('connected'));
    await client.kill('task-1');
    master.dropReusedCalls = 1;
    const err = await client.accept(['o1'], [{ type: 'LAUNCH', launch: { task_infos: [] } }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as { code?: string })?.code).to.equal('UNAVAILABLE');
    expect(master.server.requests.filter((r) => r.call?.type === 'ACCEPT')).to.have.length(1);
  });

  it('rejects a call that gets no answer in time with TIMEOUT', async () => {
    const master = await startMaster();
    const { client, log } = startClient({ masters: [master.server.url], format: 'json', callTimeoutMs: 80 });
    await log.waitFor(isKind('connected'));
    master.server.handle(() => {}); // never answers
    const error = await rejection(client.revive());
    expect(isNodalError(error, 'TIMEOUT')).to.equal(true);
  });
});
