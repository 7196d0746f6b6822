// `nodal local` (what `npm start` runs) as a person runs it: a child process, interrupted with Ctrl-C
// (SIGINT) while its job trains. It must stop the scheduler and the cluster and leave no process behind.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processesUnder, waitFor } from '../../helpers/local-system.js';

const CLI = fileURLToPath(new URL('../../../cli/nodal.js', import.meta.url));
const DEFAULT_JOB = fileURLToPath(new URL('../../../../config/jobs/default.json', import.meta.url));

describe('nodal local @integration', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'nodal-local-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('Ctrl-C mid-job stops the cluster and every task process, exit code 130', async () => {
    // The default job, made long enough that it is still training when interrupted.
    const spec = JSON.parse(readFileSync(DEFAULT_JOB, 'utf8'));
    spec.training.epochs = 50;
    const jobFile = join(dir, 'job.json');
    writeFileSync(jobFile, JSON.stringify(spec));
    const child = spawn(process.execPath, [CLI, 'local', '--job', jobFile, '--work-dir', join(dir, 'work')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODAL_LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Training has started: progress lines show a step > 0 (printed every few seconds off a TTY).
      await waitFor('training to start', () => /step [1-9]\d*/.test(out), 150_000);
      expect(processesUnder(join(dir, 'work')).length, 'executors running in sandboxes').to.be.greaterThan(0);
      child.kill('SIGINT');
      const code = await exited;
      expect(code, out).to.equal(130);
      expect(out).to.contain('stopping the cluster');
      await waitFor(
        'no process left in the work directory',
        () => processesUnder(join(dir, 'work')).length === 0,
        10_000,
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
