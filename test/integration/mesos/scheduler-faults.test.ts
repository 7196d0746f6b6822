// OUR SchedulerClient when things break: a dropped stream, silent heartbeats, a half-open stream, a standby
// master, a lost agent, a second instance of the framework, TEARDOWN.
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isNodalError } from '../../../config/errors.js';
import { needsAcknowledgement } from '../../../scheduler/mesos/events.js';
import type { FrameworkInfo, Offer, SchedulerCall } from '../../../protos/mesos/v1/types.js';
import { eventually } from '../../fixtures/cluster/harness.js';
import { frameworkInfo, isEvent, isKind, type SchedulerSession } from './support/scheduler-session.js';
import { StandbyMaster } from './support/standby-master.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { World } from './support/world.js';

const isConnected = (w: World) =>
  (w.cluster.state().frameworks as Array<{ connected: boolean }>)[0]?.connected === true;

/** Launches a long command task on `offer`, acknowledges it through TASK_RUNNING. */
async function runSleeper(w: World, s: SchedulerSession, offer: Offer, taskId: string): Promise<void> {
  await s.client.accept(
    [offer.id.value],
    [{ type: 'LAUNCH', launch: { task_infos: [w.sleeperTask(taskId, offer)] } }],
  );
  await s.ackThrough(taskId, 'TASK_RUNNING');
}

/** The client's answer to a reconciliation of `taskId`: its state, and that it needs no acknowledgement. */
async function reconciledState(s: SchedulerSession, taskId: string, agentId: string): Promise<string> {
  await s.client.reconcile([{ taskId, agentId }]);
  const status = await s.update(taskId);
  expect([status.reason, needsAcknowledgement(status)]).to.deep.equal(['REASON_RECONCILIATION', false]);
  return status.state;
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('scheduler client surviving faults of the embedded cluster @integration', function () {
  this.timeout(10_000);
  let w: World;
  afterEach(async () => w?.teardown());

  it('re-subscribes with the same framework id after the master drops the stream; tasks keep running', async () => {
    w = await World.start();
    const s = w.scheduler({ format: 'protobuf' });
    const { frameworkId } = await s.connected();
    const [offer] = (await s.offers()) as [Offer];
    await s.client.accept(
      [offer.id.value],
      [{ type: 'LAUNCH', launch: { task_infos: [w.sleeperTask('survivor', offer)] } }],
    );
    await s.acknowledgeIfNeeded(await s.update('survivor', 'TASK_STARTING'));
    const unacknowledged = await s.update('survivor', 'TASK_RUNNING');

    expect(w.cluster.dropSchedulerStream(frameworkId)).to.equal(true);
    const lost = await s.tape.take(isKind('disconnected'));
    expect(lost.reason).to.be.oneOf(['stream-ended', 'stream-error']);
    const again = await s.connected();
    expect(again.frameworkId).to.equal(frameworkId);
    expect(s.client.frameworkId).to.equal(frameworkId);

    // The agent re-sends what was not acknowledged before the drop, to the new subscription.
    const resent = await s.update('survivor', 'TASK_RUNNING', 3000);
    expect(Buffer.from(resent.uuid!).equals(Buffer.from(unacknowledged.uuid!))).to.equal(true);
    await s.acknowledgeIfNeeded(resent);
    expect(await reconciledState(s, 'survivor', offer.agent_id.value)).to.equal('TASK_RUNNING');
    expect(w.leftovers()).to.have.length(1);
    // Offers made before the drop are gone; the master makes new ones to the new subscription.
    const [fresh] = (await s.offers()) as [Offer];
    expect(fresh.id.value).to.not.equal(offer.id.value);
    await s.client.decline([fresh.id.value]);
  });

  it('re-subscribes when heartbeats stop arriving on a stream that never closes', async () => {
    w = await World.start();
    const proxy = await TcpProxy.start(new URL(w.cluster.masterUrl).host);
    w.onTeardown(() => proxy.close());
    const s = w.scheduler({ format: 'json', masters: [`http://${proxy.endpoint}`] });
    const { frameworkId } = await s.connected();
    const [offer] = (await s.offers()) as [Offer];
    await runSleeper(w, s, offer, 'patient');

    proxy.stallStreams();
    const stalledAt = Date.now();
    const lost = await s.tape.take(isKind('disconnected'), 4000);
    // Five missed 200 ms heartbeats: about one second of silence, not a closed connection.
    expect(lost.reason).to.equal('heartbeat-missed');
    expect(Date.now() - stalledAt).to.be.at.least(900);
    const again = await s.connected();
    expect(again.frameworkId).to.equal(frameworkId);
    // The stalled stream got "Framework failed over", which this client no longer listens to.
    expect(s.tape.all.filter(isKind('error'))).to.deep.equal([]);
    expect(await reconciledState(s, 'patient', offer.agent_id.value)).to.equal('TASK_RUNNING');
    expect(w.leftovers()).to.have.length(1);
  });

  it('learns from a 403 that the master lost its stream, and re-subscribes', async () => {
    w = await World.start();
    const proxy = await TcpProxy.start(new URL(w.cluster.masterUrl).host);
    w.onTeardown(() => proxy.close());
    // Patient heartbeats, so the 403 rather than the silence is what gives it away.
    const s = w.scheduler({ masters: [`http://${proxy.endpoint}`], heartbeatMissLimit: 25 });
    const { frameworkId } = await s.connected();

    proxy.severStreams();
    await eventually(() => !isConnected(w), 2000, 'the master to see the framework disconnected');
    const refused = await s.client.revive().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isNodalError(refused) && [refused.details?.status, refused.message]).to.deep.equal([
      403,
      'Framework is not subscribed',
    ]);
    expect((await s.tape.take(isKind('disconnected'))).reason).to.equal('not-subscribed');
    expect((await s.connected()).frameworkId).to.equal(frameworkId);
    expect(isConnected(w)).to.equal(true);
    await s.client.revive();
  });

  it('follows a standby master to the leader: connection refused, 503 during the election, then 307', async () => {
    w = await World.start();
    const standby = await StandbyMaster.start(w.cluster.masterUrl, 1);
    w.onTeardown(() => standby.close());
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const s = w.scheduler({ format: 'json', masters: [dead, standby.url] });

    const connected = await s.connected();
    expect(connected.master).to.equal(`${w.cluster.masterUrl}/master/api/v1/scheduler`);
    const errors = s.tape.all.filter(isKind('error'));
    expect(errors.map((e) => [e.code, e.status])).to.deep.include.members([
      ['subscribe-failed', undefined],
      ['subscribe-failed', 503],
    ]);
    expect(standby.requests.map((r) => r.status)).to.deep.equal([503, 307]);
    // The redirected SUBSCRIBE was re-sent to the leader unchanged: same body, no stream id.
    const redirected = standby.requests[1]!;
    expect([redirected.contentType, redirected.streamId]).to.deep.equal(['application/json', undefined]);
    const call = JSON.parse(redirected.body.toString('utf8')) as SchedulerCall;
    expect([call.type, call.subscribe?.framework_info.name]).to.deep.equal(['SUBSCRIBE', 'nodal e2e']);

    // Calls go straight to the leader with the stream id; the standby hears nothing more.
    const [offer] = (await s.offers()) as [Offer];
    await s.client.decline([offer.id.value], { refuse_seconds: 60 });
    await s.client.reconcile([]);
    expect(standby.requests).to.have.length(2);
  });

  for (const [label, info, lostState] of [
    ['partition-aware', frameworkInfo({ capabilities: [{ type: 'PARTITION_AWARE' }] }), 'TASK_UNREACHABLE'],
    ['not partition-aware', frameworkInfo(), 'TASK_LOST'],
  ] as Array<[string, FrameworkInfo, string]>) {
    it(`reports a lost agent (${label}): ${lostState} without uuid, RESCIND, FAILURE; a new agent is offered`, async () => {
      w = await World.start({
        agents: [
          { cpus: 1, memMb: 256, diskMb: 256 },
          { cpus: 1, memMb: 256, diskMb: 256 },
        ],
      });
      const s = w.scheduler({ frameworkInfo: info });
      await s.connected();
      const doomed = w.cluster.agents[0]!.id;
      const first = await s.offerFrom(doomed);
      // Refuse nothing, so what the task leaves is offered again and must be rescinded with the agent.
      await s.client.accept(
        [first.id.value],
        [{ type: 'LAUNCH', launch: { task_infos: [w.sleeperTask('far', first)] } }],
        { refuse_seconds: 0 },
      );
      await s.ackThrough('far', 'TASK_RUNNING');
      const remainder = await s.offerFrom(doomed);

      await w.cluster.loseAgent(doomed);
      const status = await s.update('far');
      expect([status.state, status.reason, status.source]).to.deep.equal([
        lostState,
        'REASON_AGENT_REMOVED',
        'SOURCE_MASTER',
      ]);
      expect(needsAcknowledgement(status)).to.equal(false);
      const rescind = await s.tape.take(isEvent('RESCIND'));
      expect(rescind.event.rescind!.offer_id.value).to.equal(remainder.id.value);
      const failure = await s.tape.take(isEvent('FAILURE'));
      expect(failure.event.failure).to.deep.equal({ agent_id: { value: doomed } });
      expect(w.leftovers()).to.deep.equal([]);
      expect(await reconciledState(s, 'far', doomed)).to.equal(lostState);

      const added = await w.cluster.addAgent({ cpus: 1, memMb: 128, diskMb: 128 });
      expect((await s.offerFrom(added.id)).resources?.find((r) => r.name === 'cpus')?.scalar?.value).to.equal(
        1,
      );
    });
  }

  it('stops when another instance subscribes with its framework id (failed over)', async () => {
    w = await World.start();
    const first = w.scheduler({ format: 'json' });
    const { frameworkId } = await first.connected();
    const second = w.scheduler({ frameworkId });
    expect((await second.connected()).frameworkId).to.equal(frameworkId);

    const error = await first.tape.take(isKind('error'));
    expect([error.code, error.fatal]).to.deep.equal(['framework-failed-over', true]);
    await first.tape.take(isKind('closed'));
    expect(first.client.state).to.equal('closed');
    await second.client.revive();
    expect(second.client.state).to.equal('subscribed');
  });

  it('TEARDOWN removes the framework, kills its tasks and closes the client', async () => {
    w = await World.start();
    const s = w.scheduler();
    await s.connected();
    const [offer] = (await s.offers()) as [Offer];
    await runSleeper(w, s, offer, 'torn');
    await s.client.teardown();
    expect(s.client.state).to.equal('closed');
    const killed = await w.cluster.waitForTaskState('torn', 'TASK_KILLED', 3000);
    expect(killed.reason).to.equal('REASON_FRAMEWORK_REMOVED');
    await eventually(() => w.leftovers().length === 0, 2000, 'the task process to die');
    expect(w.cluster.state().frameworks).to.deep.equal([]);
  });
});
