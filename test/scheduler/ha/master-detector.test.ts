import { expect } from 'chai';
import { NodalError } from '../../../config/errors.js';
import { createMasterDetector, type MasterDetector } from '../../../scheduler/ha/master-detector.js';
import { connectZk, type ZkClient } from '../../../scheduler/ha/zk-client.js';
import { startZookeeper, type ZookeeperServer } from '../../helpers/zookeeper-server.js';
import { captureLogger, logText } from './capture-logger.js';

// What a Mesos master writes into its contender node (fields as in the shared examples).
const masterInfo = (n: number, extra: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      id: `master-${n}`,
      ip: 16777343,
      port: 5050,
      pid: `master@127.0.0.1:${5050 + n}`,
      hostname: `master-${n}.test`,
      version: '1.11.0',
      address: { hostname: `master-${n}.test`, ip: '127.0.0.1', port: 5050 + n },
      ...extra,
    }),
  );

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('scheduler/ha/master-detector @integration', function () {
  this.timeout(30_000);
  let zk: ZookeeperServer;
  let admin: ZkClient;
  const masters: ZkClient[] = [];
  const detectors: MasterDetector[] = [];
  let pathIndex = 0;
  let path: string;

  /** A fake master: its own session, contending like a real one with an ephemeral sequential node. */
  const master = async (n: number, info = masterInfo(n), auth?: string) => {
    const c = await connectZk({
      connectString: zk.connectString,
      sessionTimeoutMs: 2_000,
      ...(auth ? { auth: { scheme: 'digest' as const, credentials: auth } } : {}),
    });
    masters.push(c);
    await c.mkdirp(path);
    const node = await c.create(`${path}/json.info_`, info, 'ephemeral-sequential');
    return { client: c, node };
  };
  const detect = (
    url: string,
    extra: Parameters<typeof createMasterDetector>[0] extends infer O ? Partial<O> : never = {},
  ) => {
    const seen: (string | undefined)[] = [];
    const detector = createMasterDetector({
      url,
      sessionTimeoutMs: 2_000,
      onChange: (l) => seen.push(l),
      ...extra,
    });
    detectors.push(detector);
    const ended = detector.run().catch((e: unknown) => e);
    return { detector, seen, ended };
  };

  before(async () => {
    zk = await startZookeeper({ tickTimeMs: 100 });
    admin = await connectZk({ connectString: zk.connectString });
  });
  beforeEach(() => {
    path = `/mesos-${++pathIndex}`;
  });
  afterEach(async () => {
    await Promise.all(detectors.splice(0).map((d) => d.shutdown()));
    await Promise.all(masters.splice(0).map((m) => m.close()));
  });
  after(async () => {
    await admin?.close();
    await zk?.stop();
  });

  it('yields the lowest-sequence master and follows leadership changes', async () => {
    const m1 = await master(1);
    await master(2);
    await admin.create(`${path}/log_replicas`);
    const { detector, seen } = detect(`zk://${zk.connectString}${path}`);
    expect(await detector.waitForLeader(5_000)).to.equal('http://master-1.test:5051');

    // The leader dies: its node goes with its session and the next master leads.
    await m1.client.close();
    await until('the second master', () => detector.leader() === 'http://master-2.test:5052', 5_000);

    // A newly started master queues behind the leader and changes nothing.
    await master(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).to.deep.equal(['http://master-1.test:5051', 'http://master-2.test:5052']);
  });

  it('follows a change of the leading node’s data and reads the legacy ip', async () => {
    const m = await master(1, Buffer.from(JSON.stringify({ id: 'old', ip: 83886090, port: 5050 })));
    const { detector } = detect(`zk://${zk.connectString}${path}`);
    expect(await detector.waitForLeader(5_000)).to.equal('http://10.0.0.5:5050');
    await m.client.setData(m.node, masterInfo(7));
    await until('the updated address', () => detector.leader() === 'http://master-7.test:5057', 5_000);
  });

  it('waits for the path and the first master, and reports when no master leads', async () => {
    const { detector, seen } = detect(`zk://${zk.connectString}${path}`);
    const rejected = await detector.waitForLeader(300).catch((e: unknown) => e);
    expect(rejected).to.be.instanceOf(NodalError).with.property('code', 'TIMEOUT');
    const m = await master(4);
    expect(await detector.waitForLeader(5_000)).to.equal('http://master-4.test:5054');
    await m.client.close();
    await until('no leader', () => detector.leader() === undefined, 5_000);
    expect(seen).to.deep.equal(['http://master-4.test:5054', undefined]);
  });

  it('skips an unreadable leader record without crashing and recovers when it is fixed', async () => {
    const logs = captureLogger();
    const m = await master(1, Buffer.from('not json'));
    const { detector } = detect(`zk://${zk.connectString}${path}`, { logger: logs });
    await until(
      'the error to be logged',
      () => logs.lines.some((l) => l.message === 'leading master info unreadable'),
      5_000,
    );
    expect(detector.leader()).to.equal(undefined);
    await m.client.setData(m.node, masterInfo(1));
    expect(await detector.waitForLeader(5_000)).to.equal('http://master-1.test:5051');
  });

  it('reads ACL-protected master nodes with zk://user:password@ credentials and never logs the password', async () => {
    await master(1, masterInfo(1), 'mesos:m4ster-pw');
    const logs = captureLogger();
    const anonymous = detect(`zk://${zk.connectString}${path}`, { logger: logs });
    // The master created the path with a creator-only ACL: without credentials even listing it is refused.
    expect(await anonymous.ended)
      .to.be.instanceOf(NodalError)
      .with.property('code', 'FORBIDDEN');
    expect(anonymous.detector.leader()).to.equal(undefined);
    const { detector } = detect(`zk://mesos:m4ster-pw@${zk.connectString}${path}`, { logger: logs });
    expect(await detector.waitForLeader(5_000)).to.equal('http://master-1.test:5051');
    expect(logText(logs.lines)).to.contain('zk://mesos:***@').and.not.contain('m4ster-pw');
  });

  it('fails run() clearly when ZooKeeper cannot be reached, and rejects a bad URL at once', async () => {
    const { ended } = detect('zk://127.0.0.1:1/mesos', { connectTimeoutMs: 500 });
    const e = await ended;
    expect(e).to.be.instanceOf(NodalError).with.property('code', 'TIMEOUT');
    expect(() => createMasterDetector({ url: 'http://127.0.0.1:5050' }))
      .to.throw(NodalError)
      .with.property('code', 'CONFIG_INVALID');
  });

  it('keeps following the leader across a ZooKeeper restart', async () => {
    await master(1);
    const { detector } = detect(`zk://${zk.connectString}${path}`);
    expect(await detector.waitForLeader(5_000)).to.equal('http://master-1.test:5051');
    await zk.kill9();
    await zk.start();
    // The masters' sessions survive the short restart; a new master queued afterwards changes nothing,
    // while the leader's departure is still noticed through the re-registered watches.
    const m2 = await master(2);
    await masters[0]!.close();
    await until('the second master', () => detector.leader() === 'http://master-2.test:5052', 10_000);
    expect(m2.node).to.match(/json\.info_\d{10}$/);
  });
});
