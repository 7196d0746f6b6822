import { expect } from 'chai';
import { NodalError } from '../../../config/errors.js';
import type { StoredState } from '../../../scheduler/core/index.js';
import { connectZk, type ZkClient } from '../../../scheduler/ha/zk-client.js';
import { DEFAULT_CHUNK_BYTES, ZookeeperStore } from '../../../scheduler/ha/zookeeper-store.js';
import { startZookeeper, type ZookeeperServer } from '../../helpers/zookeeper-server.js';
import { captureLogger, logText } from './capture-logger.js';

// Shaped like the scheduler's StoredState as far as the store's shape check looks.
function stateWith(frameworkId: string, taskCount: number, padding = 0): StoredState {
  const tasks: Record<string, unknown> = {};
  for (let i = 0; i < taskCount; i++) {
    const taskId = `job-1.worker-${i}.${i.toString(16).padStart(6, '0')}`;
    tasks[taskId] = {
      taskId,
      jobId: 'job-1',
      agentId: `agent-${i % 17}`,
      state: 'TASK_RUNNING',
      note: 'x'.repeat(padding),
    };
  }
  return {
    version: 1,
    frameworkId,
    jobs: {
      'job-1': { id: 'job-1', spec: { name: 'camelyon', workers: taskCount }, slots: [], conditions: [] },
    },
    tasks,
  } as unknown as StoredState;
}

async function rejection(p: Promise<unknown>): Promise<NodalError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(NodalError);
    return e as NodalError;
  }
  throw new Error('expected a rejection');
}

describe('scheduler/ha/zookeeper-store @integration', function () {
  this.timeout(40_000);
  let zk: ZookeeperServer;
  let client: ZkClient;
  const extra: ZkClient[] = [];
  let rootIndex = 0;
  let root: string;
  const open = async (opts: Partial<Parameters<typeof connectZk>[0]> = {}) => {
    const c = await connectZk({ connectString: zk.connectString, sessionTimeoutMs: 4_000, ...opts });
    extra.push(c);
    return c;
  };
  const generations = async (r = root) => (await client.getChildren(`${r}/generations`)).sort();

  before(async () => {
    zk = await startZookeeper({ tickTimeMs: 200 });
    client = await connectZk({
      connectString: zk.connectString,
      sessionTimeoutMs: 4_000,
      opTimeoutMs: 1_500,
    });
  });
  beforeEach(() => {
    root = `/nodal-${++rootIndex}/state`;
  });
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await client?.close();
    await zk?.stop();
  });

  it('loads nothing before the first save, then round-trips the state', async () => {
    const store = new ZookeeperStore({ client, root });
    expect(await store.load()).to.equal(undefined);
    const state = stateWith('fw-0001', 3);
    await store.save(state);
    expect(await new ZookeeperStore({ client, root }).load()).to.deep.equal(state);
    const next = stateWith('fw-0001', 4);
    await store.save(next);
    expect(await new ZookeeperStore({ client, root }).load()).to.deep.equal(next);
    expect(await client.getChildren(root)).to.have.members(['current', 'generations']);
    expect(await generations()).to.have.length(1);
  });

  it('chunks a state far above the 1 MB znode limit and keeps only the current generation', async () => {
    const store = new ZookeeperStore({ client, root });
    const big = stateWith('fw-big', 6_000, 400);
    const bytes = Buffer.byteLength(JSON.stringify(big));
    expect(bytes).to.be.greaterThan(2.5 * 1024 * 1024);
    let t = Date.now();
    await store.save(big);
    const saveMs = Date.now() - t;
    const [generation] = await generations();
    const chunks = await client.getChildren(`${root}/generations/${generation}`);
    expect(chunks).to.have.length(Math.ceil(bytes / DEFAULT_CHUNK_BYTES));
    t = Date.now();
    expect(await new ZookeeperStore({ client, root }).load()).to.deep.equal(big);
    const loadMs = Date.now() - t;
    console.log(
      `      ${(bytes / 1048576).toFixed(1)} MiB in ${chunks.length} chunks: save ${saveMs} ms, load ${loadMs} ms`,
    );
    await store.save(stateWith('fw-big', 2));
    expect(await generations()).to.have.length(1);
    expect(await new ZookeeperStore({ client, root }).load()).to.deep.equal(stateWith('fw-big', 2));
  });

  it('refuses a save from a writer that did not see the latest state', async () => {
    const a = new ZookeeperStore({ client, root });
    const b = new ZookeeperStore({ client, root });
    await a.save(stateWith('fw-a', 1));
    await a.load();
    await b.load();
    await b.save(stateWith('fw-b', 1));
    const e = await rejection(a.save(stateWith('fw-a', 2)));
    expect(e.code).to.equal('CONFLICT');
    expect(e.details).to.include({ reason: 'stale' });
    expect(await new ZookeeperStore({ client, root }).load()).to.deep.equal(stateWith('fw-b', 1));
    expect(await generations()).to.have.length(1);
    // Having loaded the winner's state, the writer may go on.
    expect(await a.load()).to.deep.equal(stateWith('fw-b', 1));
    await a.save(stateWith('fw-b', 5));
  });

  it('a deposed leader cannot overwrite its successor, even with a fresh version', async () => {
    const leaderA = await open();
    const leaderB = await open();
    await client.mkdirp('/fence-test');
    const nodeA = await leaderA.create('/fence-test/n-', Buffer.alloc(0), 'ephemeral-sequential');
    const storeA = new ZookeeperStore({ client: leaderA, root, fence: () => nodeA });
    await storeA.load();
    await storeA.save(stateWith('fw-1', 1));

    // A loses its session (its ephemeral node goes); B is elected, loads and saves.
    await client.remove(nodeA);
    const nodeB = await leaderB.create('/fence-test/n-', Buffer.alloc(0), 'ephemeral-sequential');
    const storeB = new ZookeeperStore({ client: leaderB, root, fence: () => nodeB });
    expect(await storeB.load()).to.deep.equal(stateWith('fw-1', 1));
    await storeB.save(stateWith('fw-1', 2));

    const stale = await rejection(storeA.save(stateWith('fw-1', 99)));
    expect(stale.code).to.equal('CONFLICT');
    // A store that re-reads the version still fails: the fence, not the version, stops it.
    const fresh = new ZookeeperStore({ client: leaderA, root, fence: () => nodeA });
    const fenced = await rejection(fresh.save(stateWith('fw-1', 99)));
    expect(fenced.code).to.equal('CONFLICT');
    expect(fenced.details).to.include({ reason: 'fenced' });
    expect(fenced.message).to.contain('no longer the leader');
    expect(await new ZookeeperStore({ client, root }).load()).to.deep.equal(stateWith('fw-1', 2));
    expect(await generations()).to.have.length(1);
  });

  it('refuses to write at all while the fence says it is not leading', async () => {
    const store = new ZookeeperStore({ client, root, fence: () => undefined });
    const e = await rejection(store.save(stateWith('fw-1', 1)));
    expect(e.code).to.equal('CONFLICT');
    expect(e.details).to.include({ reason: 'fenced' });
    expect(await client.exists(root)).to.equal(undefined);
  });

  it('reports a corrupted state instead of returning it', async () => {
    const store = new ZookeeperStore({ client, root, chunkBytes: 100 });
    await store.save(stateWith('fw-1', 3));
    const [generation] = await generations();
    const chunk = `${root}/generations/${generation}/c-00001`;
    const original = (await client.getData(chunk)).data;
    await client.setData(chunk, Buffer.from(original.toString().replace(/./, '#')));
    const e = await rejection(new ZookeeperStore({ client, root }).load());
    expect(e.code).to.equal('DATA_INVALID');
    expect(e.message).to.contain('checksum');
    const misshapen = { ...stateWith('fw-1', 0), tasks: { t1: { taskId: 't1', jobId: 'job-1' } } };
    await store.load().catch(() => undefined);
    await new ZookeeperStore({ client, root }).save(misshapen as unknown as StoredState);
    const shape = await rejection(new ZookeeperStore({ client, root }).load());
    expect(shape.code).to.equal('DATA_INVALID');
    expect(shape.message).to.contain('task t1 malformed');
    await client.setData(`${root}/current`, Buffer.from('{"format":7}'));
    expect((await rejection(new ZookeeperStore({ client, root }).load())).code).to.equal('DATA_INVALID');
  });

  it('keeps the state from readers without the digest credentials, and never logs them', async () => {
    const logs = captureLogger();
    const authed = await open({ auth: { scheme: 'digest', credentials: 'nodal:s3cr3t-pw' }, logger: logs });
    await new ZookeeperStore({ client: authed, root, logger: logs }).save(stateWith('fw-secret', 1));
    expect(await new ZookeeperStore({ client: authed, root }).load()).to.deep.equal(
      stateWith('fw-secret', 1),
    );
    const e = await rejection(new ZookeeperStore({ client, root }).load());
    expect(e.code).to.equal('FORBIDDEN');
    expect(logText(logs.lines)).not.to.contain('s3cr3t-pw');
    await authed.removeRecursive(root.replace(/\/state$/, ''));
  });

  it('fails clearly while ZooKeeper is down and resumes after it restarts', async () => {
    const store = new ZookeeperStore({ client, root });
    await store.save(stateWith('fw-1', 1));
    await zk.kill9();
    try {
      const started = Date.now();
      const e = await rejection(store.save(stateWith('fw-1', 2)));
      expect(e.code).to.be.oneOf(['UNAVAILABLE', 'TIMEOUT']);
      expect(e.message).to.match(/ZooKeeper/);
      expect(Date.now() - started).to.be.below(3_000);
    } finally {
      await zk.start();
    }
    const upAt = Date.now();
    while (client.state !== 'connected' && Date.now() - upAt < 10_000)
      await new Promise((r) => setTimeout(r, 10));
    console.log(`      client reconnected ${Date.now() - upAt} ms after the server answered again`);
    await store.save(stateWith('fw-1', 3));
    expect(await new ZookeeperStore({ client, root }).load()).to.deep.equal(stateWith('fw-1', 3));
  });
});
