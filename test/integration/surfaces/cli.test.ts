// The operator's commands as a person runs them: the built `nodal` binary as a child process, configured
// by NODAL_API_URL / NODAL_API_TOKEN, against a scheduler with auth enabled on the embedded cluster.
// Exit codes are the contract scripts rely on (config/errors.ts EXIT_CODES).
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_CODES } from '../../../config/errors.js';
import type { JobStatus, JobSummary, TaskView } from '../../../scheduler/api/types.js';
import {
  activeMasterTasks,
  startLocalSystem,
  tinyJob,
  waitFor,
  type LocalSystem,
} from '../../helpers/local-system.js';

const CLI = fileURLToPath(new URL('../../../cli/nodal.js', import.meta.url));
const TOKEN = 'cli-token-7f3a';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

/**
 * Runs `nodal args…` asynchronously: the scheduler serves from this very process, so a synchronous
 * spawn would block the server the command talks to.
 */
function nodal(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        NODAL_LOG_LEVEL: 'error',
        ...env,
      },
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nodal ${args.join(' ')} ran over ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('nodal CLI against a running scheduler @integration', function () {
  this.timeout(120_000);
  let system: LocalSystem;
  let env: Record<string, string>;
  const cli = (args: string[], timeoutMs?: number) => nodal(args, env, timeoutMs);
  const specFile = (name: string, content: unknown) => {
    const path = join(system.workDir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const runningWorkers = () =>
    activeMasterTasks(system.cluster, system.scheduler.frameworkId).filter(
      (t) => t.name.includes('worker') && t.state === 'TASK_RUNNING',
    ).length;

  before(async () => {
    // Executors log at info so their sandbox stderr has something for `nodal logs` to read.
    system = await startLocalSystem({ token: TOKEN, executorEnv: { NODAL_LOG_LEVEL: 'info' } });
    env = { NODAL_API_URL: system.apiUrl, NODAL_API_TOKEN: TOKEN };
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    const left = (await system?.stop()) ?? [];
    expect(left, 'processes left in the work directory').to.deep.equal([]);
  });

  it('refuses an invalid spec with exit 65 and says what is wrong', async () => {
    const bad = tinyJob('bad', { steps: 10, checkpointDir: join(system.workDir, 'ckpt') });
    bad.roles.worker = { ...bad.roles.worker, min: 3, max: 1 };
    const r = await cli(['submit', specFile('bad.json', bad)]);
    expect(r.code, r.stderr).to.equal(EXIT_CODES.VALIDATION);
    expect(r.stderr).to.include('roles.worker.min').and.include('must be <= max');
    expect(r.stdout).to.equal('');

    const notJson = await cli(['submit', specFile('broken.json', '{"roles": ')]);
    expect(notJson.code).to.equal(EXIT_CODES.VALIDATION);
    expect(notJson.stderr).to.include('broken.json is not valid JSON');
    expect(system.scheduler.facade.listJobs()).to.deep.equal([]);
  });

  it('exits 77 with a wrong token and 69 when the scheduler is unreachable', async () => {
    const wrong = await nodal(['jobs'], { ...env, NODAL_API_TOKEN: 'not-the-token' });
    expect(wrong.code, wrong.stderr).to.equal(EXIT_CODES.UNAUTHORIZED);
    expect(wrong.stderr).to.include('UNAUTHORIZED');

    const none = await nodal(['jobs'], { ...env, NODAL_API_TOKEN: '' });
    expect(none.code, none.stderr).to.equal(EXIT_CODES.UNAUTHORIZED);

    const url = `http://127.0.0.1:${await closedPort()}`;
    const away = await nodal(['status', 'x'], { ...env, NODAL_API_URL: url });
    expect(away.code, away.stderr).to.equal(EXIT_CODES.UNAVAILABLE);
    expect(away.stderr).to.include(`cannot reach the scheduler at ${url}`);
  });

  it('submits a spec file and `watch` follows the job until it succeeds (exit 0)', async () => {
    const spec = tinyJob('short', { steps: 30, checkpointDir: join(system.workDir, 'ckpt-short') });
    const submitted = await cli(['submit', specFile('short.json', spec)]);
    expect(submitted.code, submitted.stderr).to.equal(0);
    expect(submitted.stdout.trim()).to.equal('submitted short');

    const watched = await cli(['watch', 'short'], 90_000);
    expect(watched.code, watched.stderr + watched.stdout).to.equal(0);
    const lines = watched.stdout.trim().split('\n');
    expect(lines[lines.length - 1]).to.match(/^short succeeded(: |$)/);
    expect(lines.some((l) => /^short running .* step \d+/.test(l))).to.equal(true);
    expect(system.scheduler.facade.getJob('short').state).to.equal('succeeded');
  });

  it('lists, inspects, scales, reads the logs of and kills a running job', async () => {
    const spec = tinyJob('long', {
      steps: 100_000,
      workers: 1,
      max: 2,
      checkpointDir: join(system.workDir, 'ckpt-long'),
    });
    const submitted = await cli(['submit', specFile('long.json', spec), '--json']);
    expect(submitted.code, submitted.stderr).to.equal(0);
    expect((JSON.parse(submitted.stdout) as JobStatus).id).to.equal('long');
    await waitFor('the job to train', () => system.scheduler.facade.getJob('long').progress.step > 0, 60_000);

    const jobs = await cli(['jobs']);
    expect(jobs.code, jobs.stderr).to.equal(0);
    expect(jobs.stdout).to.match(/^long\s+running\s+\d+\s+1\/1/m);
    expect(jobs.stdout).to.match(/^short\s+succeeded/m);
    const jobsJson = JSON.parse((await cli(['jobs', '--json'])).stdout) as JobSummary[];
    expect(jobsJson.map((j) => j.id).sort()).to.deep.equal(['long', 'short']);

    const status = await cli(['status', 'long']);
    expect(status.code, status.stderr).to.equal(0);
    expect(status.stdout).to.match(/^state\s+running\b/m);
    expect(status.stdout).to.match(/^workers\s+1 running, desired 1 \(min 1, max 2\)$/m);
    const statusJson = JSON.parse((await cli(['status', 'long', '--json'])).stdout) as JobStatus;
    expect(statusJson).to.deep.include({ id: 'long', state: 'running' });
    expect(statusJson.progress.step).to.be.greaterThan(0);
    expect(statusJson.tasks.map((t) => `${t.role}-${t.index}`).sort()).to.deep.equal([
      'evaluator-0',
      'ps-0',
      'worker-0',
    ]);

    const tasks = await cli(['tasks', 'long']);
    expect(tasks.code, tasks.stderr).to.equal(0);
    for (const slot of ['ps-0', 'worker-0', 'evaluator-0'])
      expect(tasks.stdout).to.match(new RegExp(`\\s${slot}\\s+TASK_RUNNING\\s`));
    const taskViews = JSON.parse((await cli(['tasks', 'long', '--json'])).stdout) as TaskView[];
    expect(taskViews).to.have.length(3);

    const scaled = await cli(['scale', 'long', '--workers', '2']);
    expect(scaled.code, scaled.stderr).to.equal(0);
    expect(scaled.stdout).to.match(/^long: desired workers 2 \(running \d\)$/m);
    expect(system.scheduler.facade.getJob('long').workers.desired).to.equal(2);
    await waitFor('two worker tasks running on the agents', () => runningWorkers() === 2, 60_000);
    const badScale = await cli(['scale', 'long', '--workers', 'many']);
    expect(badScale.code).to.equal(EXIT_CODES.VALIDATION);
    // Above `max` is clamped by the scheduler (the reducer's contract), and the answer says so.
    const tooMany = await cli(['scale', 'long', '--workers', '5']);
    expect(tooMany.code, tooMany.stderr).to.equal(0);
    expect(tooMany.stdout).to.match(/^long: desired workers 2 /m);

    // The sandbox's location is looked up from the agent on first use: a person retries when told to.
    const psLog = await waitFor('the PS stderr through its sandbox', async () => {
      const r = await cli(['logs', 'long', 'ps-0', '--stderr']);
      if (r.code === EXIT_CODES.UNAVAILABLE) return undefined;
      expect(r.code, r.stderr).to.equal(0);
      return r.stdout.includes('task launched') ? r : undefined;
    });
    const firstLine = JSON.parse(psLog.stdout.split('\n')[0]!) as { message?: string };
    expect(firstLine).to.have.property('message');
    const workerOut = await waitFor('the worker stdout', async () => {
      const r = await cli(['logs', 'long', 'worker-0']);
      return r.code === 0 ? r : undefined;
    });
    expect(workerOut.stderr).to.equal('');
    const noTask = await cli(['logs', 'long', 'worker-9']);
    expect(noTask.code).to.equal(EXIT_CODES.NOT_FOUND);
    expect(noTask.stderr).to.include("no task 'worker-9' in job long");

    const killed = await cli(['kill', 'long']);
    expect(killed.code, killed.stderr).to.equal(0);
    expect(killed.stdout.trim()).to.equal('long: killed');
    await waitFor(
      'no active task in the master',
      () => activeMasterTasks(system.cluster, system.scheduler.frameworkId).length === 0,
      30_000,
    );
    const missing = await cli(['status', 'no-such-job']);
    expect(missing.code).to.equal(EXIT_CODES.NOT_FOUND);
  });
});
