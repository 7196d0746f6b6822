// OUR SchedulerClient against OUR embedded cluster over loopback HTTP, in both encodings: the framework's
// everyday life (subscribe, offers, launch, updates and acknowledgements, reconcile, kill), decline filters,
// and a call the master refuses.
import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import { needsAcknowledgement } from '../../../scheduler/mesos/events.js';
import type { Offer } from '../../../protos/mesos/v1/types.js';
import type { WireFormat } from '../../../protos/wire/codec.js';
import { eventually, sleep } from '../../fixtures/cluster/harness.js';
import { frameworkInfo, isEvent, isKind } from './support/scheduler-session.js';
import { World } from './support/world.js';

interface FrameworkState {
  id: string;
  connected: boolean;
  tasks: Array<{ id: string; state: string }>;
  completed_tasks: Array<{ id: string; state: string }>;
}
const frameworksOf = (w: World) => w.cluster.state().frameworks as FrameworkState[];

for (const format of ['json', 'protobuf'] as WireFormat[]) {
  describe(`scheduler client against the embedded cluster (${format}) @integration`, function () {
    this.timeout(10_000);
    let w: World;
    afterEach(async () => w?.teardown());

    it('subscribes, launches a command task, acknowledges its updates, reconciles and kills it', async () => {
      w = await World.start();
      const s = w.scheduler({ format });
      const connected = await s.connected();
      expect(s.client.state).to.equal('subscribed');
      expect(connected.masterInfo?.id).to.equal(w.cluster.masterId);
      expect(connected.heartbeatIntervalSeconds).to.equal(0.2);
      expect(frameworksOf(w).map((f) => [f.id, f.connected])).to.deep.equal([[connected.frameworkId, true]]);

      const [offer] = (await s.offers()) as [Offer];
      const agent = w.cluster.agents[0]!;
      expect(offer.agent_id.value).to.equal(agent.id);
      expect(offer.framework_id.value).to.equal(connected.frameworkId);
      const cpus = offer.resources?.find((r) => r.name === 'cpus');
      expect(cpus?.scalar?.value).to.equal(2);

      const task = w.sleeperTask('sleeper', offer);
      await s.client.accept([offer.id.value], [{ type: 'LAUNCH', launch: { task_infos: [task] } }]);

      // The agent sends only the head of a task's update queue and re-sends it until acknowledged.
      const starting = await s.update('sleeper');
      expect([starting.state, starting.source]).to.deep.equal(['TASK_STARTING', 'SOURCE_EXECUTOR']);
      expect(needsAcknowledgement(starting)).to.equal(true);
      const again = await s.update('sleeper', undefined, 2000);
      expect(again.state).to.equal('TASK_STARTING');
      expect(Buffer.from(again.uuid!).equals(Buffer.from(starting.uuid!))).to.equal(true);
      await s.acknowledgeIfNeeded(again);
      const running = await s.update('sleeper', 'TASK_RUNNING');
      await s.acknowledgeIfNeeded(running);
      expect(s.tape.has(isEvent('UPDATE'))).to.equal(false);
      // Acknowledged, the head is not re-sent any more (the retry interval is 300 ms).
      await sleep(700);
      expect(s.tape.has(isEvent('UPDATE'))).to.equal(false);

      await s.client.reconcile([{ taskId: 'sleeper', agentId: agent.id }]);
      const explicit = await s.update('sleeper');
      expect([explicit.state, explicit.reason, explicit.source]).to.deep.equal([
        'TASK_RUNNING',
        'REASON_RECONCILIATION',
        'SOURCE_MASTER',
      ]);
      expect(needsAcknowledgement(explicit)).to.equal(false);
      await s.client.reconcile([{ taskId: 'never-launched', agentId: agent.id }]);
      // Unknown to a registered agent: TASK_LOST for a framework that is not partition-aware (§5.3).
      expect((await s.update('never-launched')).state).to.equal('TASK_LOST');
      await s.client.reconcile([]);
      const implicit = await s.update('sleeper');
      expect([implicit.state, implicit.reason]).to.deep.equal(['TASK_RUNNING', 'REASON_RECONCILIATION']);

      await s.client.kill('sleeper', agent.id);
      expect(await s.ackThrough('sleeper', 'TASK_KILLED')).to.deep.equal(['TASK_KILLED']);
      await eventually(() => w.leftovers().length === 0, 2000, 'the killed task to exit');
      // The acknowledged terminal update moves the task to the completed ones.
      await eventually(
        () =>
          frameworksOf(w)[0]!.completed_tasks.some((t) => t.id === 'sleeper' && t.state === 'TASK_KILLED'),
        2000,
        'the task to complete',
      );
    });

    it('honours decline filters until they expire or REVIVE clears them', async () => {
      w = await World.start({
        agents: [
          { cpus: 1, memMb: 256, diskMb: 256 },
          { cpus: 1, memMb: 256, diskMb: 256 },
        ],
      });
      const s = w.scheduler({ format });
      await s.connected();
      const [a, b] = w.cluster.agents.map((agent) => agent.id) as [string, string];
      const byAgent = new Map<string, Offer>();
      while (byAgent.size < 2) for (const o of await s.offers()) byAgent.set(o.agent_id.value, o);

      const declinedAt = Date.now();
      await s.client.decline([byAgent.get(a)!.id.value], { refuse_seconds: 3600 });
      await s.client.decline([byAgent.get(b)!.id.value], { refuse_seconds: 0.6 });
      const [back] = (await s.offers()) as [Offer];
      expect(back.agent_id.value).to.equal(b);
      expect(Date.now() - declinedAt).to.be.at.least(550);

      await s.client.decline([back.id.value], { refuse_seconds: 3600 });
      await sleep(600); // twelve allocation cycles
      expect(s.tape.has(isEvent('OFFERS'))).to.equal(false);

      await s.client.revive();
      const revived = new Set<string>();
      while (revived.size < 2) for (const o of await s.offers()) revived.add(o.agent_id.value);
      expect([...revived].sort()).to.deep.equal([a, b].sort());
    });

    it('rejects a call the master answers with 4xx and stays subscribed', async () => {
      w = await World.start();
      const s = w.scheduler({ format });
      const { frameworkId } = await s.connected();
      const agentId = w.cluster.agents[0]!.id;

      const badAck = await s.client.acknowledge(agentId, 'some-task', new Uint8Array(3)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isNodalError(badAck) && [badAck.code, badAck.details?.status]).to.deep.equal([
        'HTTP_STATUS',
        400,
      ]);
      expect((badAck as Error).message).to.match(/expected 16 bytes, got 3/);

      const badUpdate = await s.client.updateFramework(frameworkInfo({ user: 'someone-else' })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isNodalError(badUpdate) && badUpdate.details?.status).to.equal(400);
      expect((badUpdate as Error).message).to.equal("Updating 'FrameworkInfo.user' is unsupported");

      // A 400 is the caller's mistake, not a broken subscription: nothing reconnects.
      await s.client.revive();
      await s.client.updateFramework(frameworkInfo({ name: 'renamed' }));
      expect(s.client.state).to.equal('subscribed');
      expect(s.tape.all.filter(isKind('connected'))).to.have.length(1);
      expect(s.tape.all.filter(isKind('disconnected'))).to.have.length(0);
      expect(s.client.frameworkId).to.equal(frameworkId);
      expect((w.cluster.state().frameworks as Array<{ name: string }>)[0]!.name).to.equal('renamed');
    });
  });
}
