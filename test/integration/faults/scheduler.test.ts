// The scheduler killed mid-job: `nodal scheduler` runs as a child process against the embedded cluster in
// this process, is SIGKILLed while the job trains, and started again on the same file store. Training goes
// on without it (failover_timeout keeps the tasks), and the restarted scheduler re-attaches: same framework
// id, the same tasks (none launched twice), and the job completes with every example counted once.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LocalCluster } from '../../../cluster/index.js';
import type { HealthView, JobStatus } from '../../../scheduler/api/types.js';
import {
  FAST_CLUSTER,
  FAULT_ROWS,
  JOB_ID,
  JobWatch,
  eventually,
  expectCompletedExactlyOnce,
  faultAgent,
  faultFreeBaseline,
  faultJob,
  faultRow,
  finishRun,
  printFaultTableAtEnd,
  processesUnder,
  sandboxTails,
  type RunOutcome,
} from './harness.js';

printFaultTableAtEnd();

const CLI = fileURLToPath(new URL('../../../cli/nodal.js', import.meta.url));

/** `nodal scheduler` as a child process; `apiUrl` is the line it prints once it serves. */
class SchedulerChild {
  private constructor(
    readonly child: ChildProcess,
    readonly apiUrl: string,
  ) {}

  static async start(flags: string[]): Promise<SchedulerChild> {
    const child = spawn(process.execPath, [CLI, 'scheduler', ...flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8_000)));
    const apiUrl = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`nodal scheduler exited with ${code}:\n${stderr}`)));
    });
    return new SchedulerChild(child, apiUrl);
  }

  async get<T>(path: string): Promise<T> {
    const res = await fetch(new URL(path, this.apiUrl), { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return (await res.json()) as T;
  }

  async post(path: string, body: unknown): Promise<number> {
    const res = await fetch(new URL(path, this.apiUrl), {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
    await res.text();
    return res.status;
  }

  /** Sends `signal`; resolves with the exit code or signal once the process is gone. */
  stop(signal: NodeJS.Signals): Promise<number | string> {
    const c = this.child;
    if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c.exitCode ?? c.signalCode!);
    return new Promise((resolve) => {
      c.once('exit', (code, sig) => resolve(code ?? sig ?? -1));
      c.kill(signal);
    });
  }
}

interface MasterTasks {
  frameworks: Array<{ id: string; tasks: Array<{ id: string; name: string; state: string }> }>;
}

describe('fault injection: scheduler @integration @faults', function () {
  this.timeout(120_000);
  let baseline: RunOutcome;
  let workDir: string;
  let cluster: LocalCluster | undefined;
  let scheduler: SchedulerChild | undefined;

  before(async function () {
    this.timeout(150_000);
    baseline = await faultFreeBaseline();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(sandboxTails(workDir) + '\n');
    await scheduler?.stop('SIGKILL');
    await cluster?.stop();
    scheduler = undefined;
    cluster = undefined;
    const left = processesUnder(workDir);
    rmSync(workDir, { recursive: true, force: true });
    expect(left, 'processes left behind').to.deep.equal([]);
  });

  it('kill -9 `nodal scheduler` mid-job: the restarted one re-attaches and the job completes exactly once', async () => {
    workDir = mkdtempSync(join(tmpdir(), 'nodal-faults-sched-'));
    const c = await LocalCluster.start({
      ...FAST_CLUSTER,
      agents: [faultAgent(), faultAgent()],
      workDir: join(workDir, 'cluster'),
    });
    cluster = c;
    const stateDir = join(workDir, 'state');
    const checkpointDir = join(workDir, 'checkpoints');
    const flags = [
      `--master=${c.masterUrl}`,
      '--store=file',
      `--store-path=${stateDir}`,
      '--api-host=127.0.0.1',
      '--api-port=0',
      '--api-auth-disabled',
      '--executor-image=',
      '--backend=wasm',
      '--log-level=warn',
      '--failover-timeout-ms=120000',
      '--backoff-initial-ms=100',
      '--backoff-max-ms=1000',
    ];
    scheduler = await SchedulerChild.start(flags);
    expect(await scheduler.post('/v1/jobs', faultJob(checkpointDir)), 'submitted').to.equal(201);
    // The job secret is in the scheduler's store (as it must be, to survive this very fault).
    const stored = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as {
      jobs: Record<string, { secret: string }>;
    };
    const watch = new JobWatch(
      () => scheduler!.get<JobStatus>(`/v1/jobs/${JOB_ID}`),
      stored.jobs[JOB_ID]!.secret,
    );
    await watch.untilStep(16);
    const health = await scheduler.get<HealthView>('/health');
    const tasks = watch.latest!.tasks.map((t) => t.taskId).sort();
    expect(tasks, 'tasks before').to.have.length(3);
    expect(await scheduler.stop('SIGKILL'), 'killed').to.equal('SIGKILL');
    const downStep = watch.probe.samples.at(-1)!.globalStep;
    // Training goes on while no scheduler runs.
    await watch.untilStep(downStep + 4);

    scheduler = await SchedulerChild.start(flags);
    const again = await eventually('re-attached', async () => {
      const h = await scheduler!.get<HealthView>('/health');
      return h.subscribed ? h : undefined;
    });
    expect(again.frameworkId, 'framework id').to.equal(health.frameworkId);
    const reattached = await watch.until('the tasks reconciled', (j) =>
      j.tasks.length === 3 && j.tasks.every((t) => t.state === 'TASK_RUNNING') ? j : undefined,
    );
    expect(reattached.tasks.map((t) => t.taskId).sort(), 'the same tasks').to.deep.equal(tasks);
    const fw = (c.state() as unknown as MasterTasks).frameworks.find((f) => f.id === health.frameworkId)!;
    const names = fw.tasks.filter((t) => t.state === 'TASK_RUNNING').map((t) => t.name);
    expect(new Set(names).size, `duplicate tasks in the master: ${names.join(', ')}`).to.equal(names.length);

    const run = await finishRun(watch, join(checkpointDir, JOB_ID));
    expectCompletedExactlyOnce(run, baseline, { exactSteps: true });
    expect(run.job.restarts, 'restarts').to.equal(0);
    expect(run.stepsLost, 'steps lost').to.equal(0);
    expect(await scheduler.stop('SIGTERM'), 'clean exit').to.equal(0);
    FAULT_ROWS.push(faultRow('kill -9 the scheduler', 1, run, baseline, `down from step ${downStep}`));
  });
});
