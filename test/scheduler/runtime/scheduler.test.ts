import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { NodalError } from '../../../config/errors.js';
import { loadConfig } from '../../../config/load.js';
import { silentLogger } from '../../../config/logger.js';
import { FileStore } from '../../../scheduler/store/file-store.js';
import { Scheduler, advertisedUrl } from '../../../scheduler/runtime/scheduler.js';

const config = () =>
  loadConfig({ env: {}, overrides: { 'api.port': 0, 'api.authDisabled': true, 'executor.image': '' } });

describe('scheduler runtime: Scheduler lifecycle', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(os.tmpdir(), 'nodal-sched-unit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('advertises a wildcard-bound API under this host’s name', () => {
    expect(advertisedUrl('http://0.0.0.0:8080')).to.equal(`http://${os.hostname()}:8080`);
    expect(advertisedUrl('http://[::]:8080')).to.equal(`http://${os.hostname()}:8080`);
    expect(advertisedUrl('https://10.1.2.3:443')).to.equal('https://10.1.2.3');
    expect(advertisedUrl('http://127.0.0.1:9000')).to.equal('http://127.0.0.1:9000');
  });

  it('refuses to start on a corrupt state file, names it, and leaves nothing listening', async () => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(join(dir, 'state', 'state.json'), '{"version": 1, "jobs": 7');
    const s = Scheduler.create({
      config: config(),
      logger: silentLogger,
      store: new FileStore(join(dir, 'state')),
      // Never contacted: the term fails while loading the store.
      masters: ['http://127.0.0.1:1'],
    });
    const err = await s.start().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NodalError).with.property('code', 'DATA_INVALID');
    expect((err as Error).message).to.include('state.json');
    expect(s.state).to.equal('failed');
    const run = await s.run().catch((e: unknown) => e);
    expect(run).to.equal(err);
    await fetch(s.apiUrl!).then(
      () => expect.fail('the API still answers'),
      (e: unknown) => expect(String((e as Error & { cause?: unknown }).cause ?? e)).to.match(/ECONNREFUSED/),
    );
  });

  it('serves the API before leading, answers UNAVAILABLE when stopped, and stops idempotently', async () => {
    const s = Scheduler.create({
      config: config(),
      logger: silentLogger,
      store: new FileStore(join(dir, 'state')),
      masters: ['http://127.0.0.1:1'],
      client: { backoffInitialMs: 50, backoffMaxMs: 100 },
    });
    const { apiUrl } = await s.start();
    expect(s.state).to.equal('leading');
    const health = await fetch(`${apiUrl}/health`);
    expect(health.status).to.equal(503);
    expect(await health.json()).to.deep.include({ subscribed: false, storeReachable: true, leader: true });
    expect(s.facade.listJobs()).to.deep.equal([]);
    await Promise.all([s.stop(), s.stop()]);
    expect(s.state).to.equal('stopped');
    expect(() => s.facade.listJobs())
      .to.throw(NodalError)
      .with.property('code', 'UNAVAILABLE');
    await s.run();
  });
});
