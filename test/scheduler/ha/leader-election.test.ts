import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { StoredState } from '../../../scheduler/core/index.js';
import {
  create,
  electionOrder,
  type DeposedReason,
  type LeaderElection,
} from '../../../scheduler/ha/leader-election.js';
import { connectZk, type ZkClient } from '../../../scheduler/ha/zk-client.js';
import { ZookeeperStore } from '../../../scheduler/ha/zookeeper-store.js';
import { startZookeeper, type ZookeeperServer } from '../../helpers/zookeeper-server.js';

const SESSION_MS = 2_000;
const CONTENDER = fileURLToPath(new URL('./fixtures/election-contender.js', import.meta.url));

interface Contender {
  readonly id: string;
  readonly client: ZkClient;
  readonly election: LeaderElection;
  readonly events: string[];
  readonly ended: Promise<unknown>;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('scheduler/ha/leader-election electionOrder', () => {
  it('orders contender nodes by sequence number and ignores anything else', () => {
    expect(
      electionOrder(['c_b-n_0000000011', 'junk', 'c_a-n_0000000002', 'c_c-n_0000000010', 'c_d-n_12']),
    ).to.deep.equal(['c_a-n_0000000002', 'c_c-n_0000000010', 'c_b-n_0000000011']);
  });
});

describe('scheduler/ha/leader-election @integration', function () {
  this.timeout(45_000);
  let zk: ZookeeperServer;
  let observer: ZkClient;
  let contenders: Contender[] = [];
  const children: ChildProcess[] = [];
  let pathIndex = 0;
  let path: string;

  const contend = async (id: string, sessionTimeoutMs = SESSION_MS): Promise<Contender> => {
    const client = await connectZk({ connectString: zk.connectString, sessionTimeoutMs });
    const events: string[] = [];
    const election = create({
      client,
      path,
      id,
      onLeader: () => events.push('leading'),
      onDeposed: (reason: DeposedReason) => events.push(`deposed:${reason}`),
    });
    const ended = election.run().catch((e: unknown) => e);
    const c = { id, client, election, events, ended };
    contenders.push(c);
    return c;
  };
  const leaders = () => contenders.filter((c) => c.election.isLeader());

  before(async () => {
    zk = await startZookeeper({ tickTimeMs: 100 });
    observer = await connectZk({ connectString: zk.connectString, sessionTimeoutMs: SESSION_MS });
  });
  beforeEach(() => {
    path = `/nodal-${++pathIndex}/leader`;
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const c of contenders) {
      await c.election.shutdown();
      await c.client.close();
    }
    contenders = [];
  });
  after(async () => {
    await observer?.close();
    await zk?.stop();
  });

  it('of three contenders exactly one leads, and everyone can see who', async () => {
    const all = [
      await contend('http://10.0.0.1:8080'),
      await contend('http://10.0.0.2:8080'),
      await contend('http://10.0.0.3:8080'),
    ];
    await until('a leader', () => leaders().length > 0, 5_000);
    await until('all queued', async () => (await observer.getChildren(path)).length === 3, 5_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(leaders()).to.have.length(1);
    const leader = leaders()[0]!;
    // The first to create its node leads; that is the one whose node has the lowest sequence.
    const first = electionOrder(await observer.getChildren(path))[0]!;
    expect(leader.election.leaderNode()).to.equal(`${path}/${first}`);
    for (const x of all) {
      expect(await x.election.currentLeader()).to.deep.equal({
        id: leader.id,
        node: leader.election.leaderNode(),
      });
      if (x !== leader) {
        expect(x.election.state).to.equal('contending');
        expect(x.election.leaderNode()).to.equal(undefined);
        expect(x.events).to.deep.equal([]);
      }
    }
    expect(leader.events).to.deep.equal(['leading']);
  });

  it('hands over within milliseconds when the leader closes its session, one contender at a time', async () => {
    const a = await contend('a');
    await a.election.whenLeader(5_000);
    const b = await contend('b');
    const c = await contend('c');
    await until('b and c queued', async () => (await observer.getChildren(path)).length === 3, 5_000);
    const closedAt = Date.now();
    await a.client.close();
    // Milliseconds on a quiet machine (printed); the bound only guards against a hang, since a loaded
    // CI machine can starve the ZooKeeper JVM for seconds.
    await b.election.whenLeader(15_000);
    const takeoverMs = Date.now() - closedAt;
    console.log(`      takeover after the leader closed its session: ${takeoverMs} ms`);
    expect(takeoverMs).to.be.below(15_000);
    expect(a.events).to.deep.equal(['leading', 'deposed:client-closed']);
    expect(await a.ended).to.have.property('code', 'UNAVAILABLE');
    await new Promise((r) => setTimeout(r, 200));
    expect(leaders().map((l) => l.id)).to.deep.equal(['b']);
    expect(c.events).to.deep.equal([]);
    await b.election.shutdown();
    await c.election.whenLeader(15_000);
    expect(b.events).to.deep.equal(['leading', 'deposed:shutdown']);
  });

  it('takes over within a session timeout when the leader process is SIGKILLed, with its state', async () => {
    const child = spawn(
      process.execPath,
      [CONTENDER, zk.connectString, path, 'http://child:8080', String(SESSION_MS)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    const lines: { event: string }[] = [];
    child.stdout!.on('data', (d: Buffer) => {
      for (const l of d.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as { event: string });
    });
    await until('the child leads', () => lines.some((l) => l.event === 'leading'), 10_000);

    // The leader persists its framework id, fenced by its election node.
    const childNode = (await observer.getChildren(path)).map((n) => `${path}/${n}`)[0]!;
    const childStore = new ZookeeperStore({
      client: observer,
      root: `${path}-state`,
      fence: () => childNode,
    });
    const state = { version: 1, frameworkId: 'fw-7c1f-0000', jobs: {}, tasks: {} } as StoredState;
    await childStore.save(state);

    const standby = await contend('http://standby:8080');
    await until('the standby queued', async () => (await observer.getChildren(path)).length === 2, 5_000);
    expect(await standby.election.currentLeader()).to.include({ id: 'http://child:8080' });
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await standby.election.whenLeader(SESSION_MS * 3);
    const takeoverMs = Date.now() - killedAt;
    console.log(
      `      takeover after SIGKILL of the leader (session timeout ${SESSION_MS} ms): ${takeoverMs} ms`,
    );
    expect(takeoverMs).to.be.within(SESSION_MS * 0.5, SESSION_MS * 2.5);

    // The new leader resumes with the same framework id; the dead leader's fence no longer holds.
    const store = new ZookeeperStore({
      client: standby.client,
      root: `${path}-state`,
      fence: () => standby.election.leaderNode(),
    });
    expect(await store.load()).to.deep.equal(state);
    await store.save({ ...state, frameworkId: 'fw-7c1f-0000' });
    const late = await childStore.save(state).catch((e: unknown) => e);
    expect(late).to.have.property('code', 'CONFLICT');
  });

  it('a leader cut off from ZooKeeper is deposed at once and leads again when its session survives', async () => {
    const a = await contend('a', 4_000);
    await a.election.whenLeader(5_000);
    const b = await contend('b', 4_000);
    await until('b queued', async () => (await observer.getChildren(path)).length === 2, 5_000);
    await zk.kill9();
    await until('a deposed', () => a.events.includes('deposed:disconnected'), 5_000);
    expect(a.election.isLeader()).to.equal(false);
    expect(a.election.leaderNode()).to.equal(undefined);
    await zk.start();
    await a.election.whenLeader(10_000);
    expect(a.events).to.deep.equal(['leading', 'deposed:disconnected', 'leading']);
    expect(b.events).to.deep.equal([]);
    expect(leaders().map((l) => l.id)).to.deep.equal(['a']);
  });

  it('after an outage longer than the session timeout, the contenders rejoin and exactly one leads', async () => {
    const a = await contend('a', 1_000);
    await a.election.whenLeader(5_000);
    const b = await contend('b', 1_000);
    await until('b queued', async () => (await observer.getChildren(path)).length === 2, 5_000);
    await zk.kill9();
    await until('a deposed', () => a.events.includes('deposed:disconnected'), 5_000);
    await until(
      'both sessions given up',
      () =>
        a.client.state !== 'connected' &&
        a.client.state !== 'disconnected' &&
        b.client.state !== 'connected' &&
        b.client.state !== 'disconnected',
      5_000,
    );
    await zk.start();
    await until('a leader again', () => leaders().length === 1, 15_000).catch((e: Error) => {
      const states = contenders.map(
        (c) => `${c.id}: ${c.election.state}/${c.client.state} ${c.events.join(',')}`,
      );
      throw new Error(`${e.message} (${states.join('; ')}; server running: ${zk.running})`);
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(leaders()).to.have.length(1);
    const nodes = electionOrder(await observer.getChildren(path));
    // Both rejoined with new sessions; the old sessions' nodes are gone.
    expect(nodes).to.have.length(2);
    expect(await observer.getData(`${path}/${nodes[0]}`)).to.have.nested.property(
      'stat.ephemeralOwner',
      leaders()[0]!.client.sessionId,
    );
  });
});
