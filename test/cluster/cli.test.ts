import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Offer } from '../../protos/mesos/v1/types.js';
import { commandTask, eventually, launch, processesWith } from '../fixtures/cluster/harness.js';
import { getJson, RawScheduler } from '../fixtures/cluster/raw-scheduler.js';

const NODAL = fileURLToPath(new URL('../../cli/nodal.js', import.meta.url));

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`nodal cluster exited early with ${code}`)));
  });
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

describe('nodal cluster (standalone) @integration', () => {
  let workDir: string;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'nodal-cli-'));
  });
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    it(`prints the master URL, serves schedulers, and stops cleanly on ${signal}`, async () => {
      const marker = `nodal-cli-${randomUUID()}`;
      child = spawn(
        process.execPath,
        [
          NODAL,
          'cluster',
          '--agents',
          '1',
          '--port',
          '0',
          '--agent-cpus',
          '1',
          '--agent-mem-mb',
          '256',
          '--work-dir',
          workDir,
        ],
        {
          env: { ...process.env, NODAL_LOG_LEVEL: 'error', NODAL_CONFIG: '' },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const masterUrl = await firstLine(child);
      expect(masterUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const state = await getJson<{ slaves: Array<{ resources: { cpus: number; mem: number } }> }>(
        `${masterUrl}/master/state`,
      );
      expect(state.slaves.map((a) => [a.resources.cpus, a.resources.mem])).to.deep.equal([[1, 256]]);

      const s = await RawScheduler.connect(masterUrl);
      const [offer] = (await s.offers()) as [Offer];
      await launch(s, offer, [commandTask('cli-task', offer, `sleep 30; : ${marker}`, offer.resources)]);
      await s.acknowledge(await s.update('cli-task', 'TASK_STARTING'));
      await s.update('cli-task', 'TASK_RUNNING');
      expect(processesWith(marker)).to.have.length(1);

      child.kill(signal);
      expect(await exited(child)).to.equal(0);
      await s.closed;
      await eventually(() => processesWith(marker).length === 0, 1000, 'task process gone');
    });
});
