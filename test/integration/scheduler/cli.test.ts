// `nodal scheduler` as a program: configuration from flags and environment, the exit codes of
// config/errors.ts, and a clean exit on SIGTERM.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_CODES } from '../../../config/errors.js';
import type { HealthView } from '../../../scheduler/api/types.js';
import {
  api,
  eventually,
  SchedulerProcess,
  startCluster,
  stopCluster,
  agent,
  type TestCluster,
} from './support.js';

const CLI = fileURLToPath(new URL('../../../cli/nodal.js', import.meta.url));

function runCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, 'scheduler', ...args], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

describe('nodal scheduler (command) @integration', function () {
  this.timeout(30_000);
  let dir: string;
  let t: TestCluster | undefined;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'nodal-it-cli-'))));
  afterEach(async () => {
    await stopCluster(t);
    t = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits with the configuration error code on an unknown flag or a bad value', () => {
    const unknown = runCli(['--no-such-flag', 'x']);
    expect(unknown.status).to.equal(EXIT_CODES.CONFIG_INVALID);
    expect(unknown.stderr).to.include('unknown flag --no-such-flag');
    const bad = runCli(['--store=postgres']);
    expect(bad.status).to.equal(EXIT_CODES.CONFIG_INVALID);
  });

  it('exits with the data error code when its state file is corrupt', () => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(join(dir, 'state', 'state.json'), 'not json');
    const r = runCli([
      '--api-port=0',
      '--api-auth-disabled',
      `--store-path=${join(dir, 'state')}`,
      '--log-level=error',
    ]);
    expect(r.status).to.equal(EXIT_CODES.DATA_INVALID);
    expect(r.stderr).to.include('state.json');
  });

  it('takes its settings from the environment, serves, and exits 0 on SIGTERM', async () => {
    t = await startCluster([agent()]);
    const s = await SchedulerProcess.start(['--api-port=0', '--api-auth-disabled'], {
      NODAL_MESOS_MASTER: t.cluster.masterUrl,
      NODAL_STORE_PATH: join(dir, 'state'),
      NODAL_EXECUTOR_IMAGE: '',
      NODAL_LOG_LEVEL: 'warn',
    });
    const h = await eventually('subscribed', async () => {
      const r = await api<HealthView>(s.apiUrl, '/health');
      return r.status === 200 ? r.body : undefined;
    });
    expect(h).to.deep.include({ leader: true, storeReachable: true });
    expect(h.master).to.include(new URL(t.cluster.masterUrl).host);
    expect(await s.stop('SIGTERM')).to.equal(0);
  });
});
