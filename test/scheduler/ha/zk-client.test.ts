import net from 'node:net';
import { expect } from 'chai';
import { NodalError } from '../../../config/errors.js';
import {
  connectZk,
  zkCodeOf,
  type ZkClient,
  type ZkConnectionState,
} from '../../../scheduler/ha/zk-client.js';
import { startZookeeper, type ZookeeperServer } from '../../helpers/zookeeper-server.js';
import { captureLogger, logText } from './capture-logger.js';

const SESSION_MS = 1_500;

async function rejection(p: Promise<unknown>): Promise<NodalError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(NodalError);
    return e as NodalError;
  }
  throw new Error('expected a rejection');
}

function recordStates(client: ZkClient): { states: ZkConnectionState[]; at: number[] } {
  const record = { states: [] as ZkConnectionState[], at: [] as number[] };
  client.onStateChange((s) => {
    record.states.push(s);
    record.at.push(Date.now());
  });
  return record;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('scheduler/ha/zk-client @integration', function () {
  this.timeout(30_000);
  let zk: ZookeeperServer;
  const clients: ZkClient[] = [];
  const open = async (opts: Partial<Parameters<typeof connectZk>[0]> = {}) => {
    const c = await connectZk({ connectString: zk.connectString, sessionTimeoutMs: SESSION_MS, ...opts });
    clients.push(c);
    return c;
  };

  before(async () => {
    zk = await startZookeeper({ tickTimeMs: 100 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await zk?.stop();
  });

  it('gives up connecting after the connect timeout with a clear error', async () => {
    const started = Date.now();
    const e = await rejection(connectZk({ connectString: '127.0.0.1:1', connectTimeoutMs: 600 }));
    expect(e.code).to.equal('TIMEOUT');
    expect(e.message).to.contain('127.0.0.1:1').and.contain('600 ms');
    expect(Date.now() - started).to.be.within(550, 3_000);
  });

  it('drops a server that accepts the connection but never answers the handshake and tries the next', async () => {
    // The library has no handshake timeout; without our watchdog a client that picks this server first
    // (the library shuffles the list) would wait forever.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as net.AddressInfo).port;
    try {
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const c = await open({
          connectString: `127.0.0.1:${silentPort},${zk.connectString}`,
          sessionTimeoutMs: 1_000,
          connectTimeoutMs: 5_000,
        });
        expect(c.state).to.equal('connected');
        expect(Date.now() - started).to.be.below(2_000);
      }
    } finally {
      silent.close();
    }
  });

  it('maps ZooKeeper errors to NodalError codes and keeps the ZooKeeper code', async () => {
    const c = await open();
    const missing = await rejection(c.getData('/zkc/missing'));
    expect([missing.code, zkCodeOf(missing)]).to.deep.equal(['NOT_FOUND', 'NO_NODE']);
    await c.mkdirp('/zkc/a/b');
    await c.mkdirp('/zkc/a/b');
    const exists = await rejection(c.create('/zkc/a'));
    expect([exists.code, zkCodeOf(exists)]).to.deep.equal(['CONFLICT', 'NODE_EXISTS']);
    const stat = await c.setData('/zkc/a', Buffer.from('x'), 0);
    expect(stat.version).to.equal(1);
    const stale = await rejection(c.setData('/zkc/a', Buffer.from('y'), 0));
    expect([stale.code, zkCodeOf(stale)]).to.deep.equal(['CONFLICT', 'BAD_VERSION']);
    const notEmpty = await rejection(c.remove('/zkc/a'));
    expect(zkCodeOf(notEmpty)).to.equal('NOT_EMPTY');
    const tooBig = await rejection(c.create('/zkc/big', Buffer.alloc(2 * 1024 * 1024)));
    expect(tooBig.code).to.equal('VALIDATION');
    await c.removeRecursive('/zkc');
    expect(await c.exists('/zkc')).to.equal(undefined);
  });

  it('applies a multi all or nothing and honours version 0 (the library drops it)', async () => {
    const c = await open();
    await c.create('/multi', Buffer.from('0'));
    const e = await rejection(
      c.multi([
        { op: 'create', path: '/multi-side', data: Buffer.from('x') },
        { op: 'set', path: '/multi', data: Buffer.from('1'), version: 0 },
        { op: 'set', path: '/multi', data: Buffer.from('2'), version: 0 },
      ]),
    );
    expect(e.code).to.equal('CONFLICT');
    expect(e.details).to.include({ zkCode: 'BAD_VERSION', opIndex: 2, path: '/multi' });
    expect(await c.exists('/multi-side')).to.equal(undefined);
    expect((await c.getData('/multi')).data.toString()).to.equal('0');
    await c.multi([
      { op: 'check', path: '/multi', version: 0 },
      { op: 'set', path: '/multi', data: Buffer.from('1'), version: 0 },
    ]);
    expect((await c.getData('/multi')).stat.version).to.equal(1);
    await c.remove('/multi');
  });

  it('removes ephemeral nodes when the session closes and fires watches on another session', async () => {
    const owner = await open();
    const watcher = await open();
    await watcher.mkdirp('/eph');
    const node = await owner.create('/eph/n-', Buffer.from('me'), 'ephemeral-sequential');
    expect(node).to.match(/^\/eph\/n-\d{10}$/);
    const events: string[] = [];
    expect(await watcher.exists(node, (ev) => events.push(`${ev.type} ${ev.path}`))).to.not.equal(undefined);
    const stat = await watcher.exists(node);
    expect(stat!.ephemeralOwner).to.equal(owner.sessionId);
    await owner.close();
    await until('the deletion watch', () => events.length > 0, 3_000);
    expect(events).to.deep.equal([`deleted ${node}`]);
    expect(owner.state).to.equal('closed');
    const closed = await rejection(owner.exists('/'));
    expect(closed.code).to.equal('UNAVAILABLE');
  });

  it('protects nodes with digest credentials and never logs them', async () => {
    const lines = captureLogger();
    const authed = await open({ auth: { scheme: 'digest', credentials: 'nodal:hunter2' }, logger: lines });
    await authed.mkdirp('/secure/state');
    await authed.setData('/secure/state', Buffer.from('framework-id'));
    expect((await authed.getData('/secure/state')).data.toString()).to.equal('framework-id');

    const anonymous = await open({ logger: lines });
    const denied = await rejection(anonymous.getData('/secure/state'));
    expect([denied.code, zkCodeOf(denied)]).to.deep.equal(['FORBIDDEN', 'NO_AUTH']);
    const wrong = await open({ auth: { scheme: 'digest', credentials: 'nodal:wrong' }, logger: lines });
    expect((await rejection(wrong.setData('/secure/state', Buffer.from('x')))).code).to.equal('FORBIDDEN');
    await authed.removeRecursive('/secure');
    expect(lines.lines.length).to.be.greaterThan(0);
    expect(logText(lines.lines)).not.to.contain('hunter2');
  });

  it('notices a hung server, declares the session lost after its timeout and opens a new one', async () => {
    const c = await open({ opTimeoutMs: 500 });
    const rec = recordStates(c);
    const firstSession = c.sessionId;
    const pausedAt = Date.now();
    zk.pause();
    try {
      await until('disconnected', () => rec.states.includes('disconnected'), 5_000);
      const noticedMs = rec.at[rec.states.indexOf('disconnected')]! - pausedAt;
      await until('expired', () => rec.states.includes('expired'), 5_000);
      const lostMs = rec.at[rec.states.indexOf('expired')]! - pausedAt;
      console.log(
        `      hung server noticed after ${noticedMs} ms, session declared lost after ${lostMs} ms`,
      );
      expect(noticedMs).to.be.below(SESSION_MS + 500);
      expect(lostMs - noticedMs).to.be.within(SESSION_MS - 100, SESSION_MS + 1_000);
      const waiting = await rejection(c.exists('/'));
      expect(waiting.code).to.equal('UNAVAILABLE');
      expect(waiting.message).to.contain('no ZooKeeper connection');
    } finally {
      zk.resume();
    }
    await until('a new session', () => c.state === 'connected', 10_000);
    expect(c.sessionId).to.not.equal(firstSession);
    expect(rec.states.slice(0, 4)).to.deep.equal(['disconnected', 'expired', 'connecting', 'connected']);
  });

  it('keeps its session across a server restart shorter than the session timeout', async () => {
    const c = await open({ sessionTimeoutMs: 2_000 });
    const rec = recordStates(c);
    const session = c.sessionId;
    const node = await c.create('/survivor', Buffer.alloc(0), 'ephemeral');
    await zk.kill9();
    await zk.start();
    await until('reconnected', () => c.state === 'connected' && rec.states.includes('disconnected'), 10_000);
    expect(c.sessionId).to.equal(session);
    expect(rec.states).to.deep.equal(['disconnected', 'connected']);
    expect(await c.exists(node)).to.not.equal(undefined);
  });
});
