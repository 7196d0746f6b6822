// The soak benchmark, briefly: `node scripts/bench/soak.js --seconds 25 --json` as a process of its own (so
// its descriptor count is its own), which must finish every job exactly once and leave nothing behind.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SoakResult } from '../../../scripts/bench/soak.js';

const SOAK = fileURLToPath(new URL('../../../scripts/bench/soak.js', import.meta.url));

describe('soak benchmark (25 s) @integration @faults', function () {
  this.timeout(150_000);

  it('runs jobs with injected faults, all complete exactly once, no process or descriptor leaks', async () => {
    const child = spawn(process.execPath, [SOAK, '--seconds', '25', '--seed', '7', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 140_000);
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    clearTimeout(timer);
    expect(out, `soak printed nothing; stderr:\n${err}`).to.not.equal('');
    const r = JSON.parse(out) as SoakResult;
    const faults = Object.values(r.faultsInjected).reduce((n, v) => n + (v ?? 0), 0);
    expect(r.jobs.length, 'jobs').to.be.at.least(1);
    expect(faults, 'faults injected').to.be.at.least(1);
    expect(r.jobsCompleted, err).to.equal(r.jobs.length);
    expect(r.exactlyOnceViolations).to.equal(0);
    expect(r.leakedProcesses).to.deep.equal([]);
    expect(r.leakedFds).to.deep.equal([]);
    expect(code, 'exit code').to.equal(0);
  });
});
