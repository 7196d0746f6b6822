// The scheduler runtime end to end: the embedded cluster over loopback HTTP, real `nodal executor`
// processes training tiny synthetic jobs, and faults injected into the cluster and the scheduler.
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodalError } from '../../../config/errors.js';
import { silentLogger } from '../../../config/logger.js';
import type { StoredState } from '../../../scheduler/core/index.js';
import type { HealthView, JobStatus } from '../../../scheduler/api/types.js';
import { FileStore, Scheduler } from '../../../scheduler/runtime/index.js';
import {
  activeTasksBySlot,
  agent,
  api,
  eventually,
  freePort,
  masterState,
  runningOf,
  SchedulerProcess,
  startCluster,
  stopCluster,
  testConfig,
  tinyJob,
  TERMINAL_JOB,
  type TestCluster,
} from './support.js';

describe('scheduler runtime on the embedded cluster @integration', function () {
  this.timeout(150_000);
  let t: TestCluster | undefined;
  let scheduler: Scheduler | undefined;
  let child: SchedulerProcess | undefined;
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'nodal-it-run-'));
  });
  afterEach(async () => {
    await scheduler?.stop();
    await child?.stop('SIGKILL');
    const left = await stopCluster(t);
    rmSync(scratch, { recursive: true, force: true });
    scheduler = undefined;
    child = undefined;
    t = undefined;
    expect(left, 'processes left in the cluster directory').to.deep.equal([]);
  });

  async function startScheduler(
    agents = [agent(), agent()],
    store: { load(): Promise<StoredState | undefined>; save(s: StoredState): Promise<void> } = new FileStore(
      join(scratch, 'state'),
    ),
  ): Promise<Scheduler> {
    t = await startCluster(agents);
    scheduler = Scheduler.create({
      config: testConfig(),
      logger: silentLogger,
      store,
      masters: [t.cluster.masterUrl],
      core: { reconcileHoldMs: 2_000 },
      // Executors log at info so their sandboxes have something to read back.
      executorEnv: { NODAL_LOG_LEVEL: 'info' },
    });
    await scheduler.start();
    return scheduler;
  }

  const job = (s: Scheduler, id: string): JobStatus => s.facade.getJob(id);
  // Ended, and every task stopped — except one on a lost agent, which nobody can stop or confirm gone
  // (it stays TASK_UNREACHABLE, is killed if its agent ever comes back, and is never counted twice).
  const finished = (s: Scheduler, id: string) => () => {
    const j = job(s, id);
    return TERMINAL_JOB.has(j.state) && j.tasks.every((x) => x.state === 'TASK_UNREACHABLE') ? j : undefined;
  };

  it('runs a job to completion and stops every task', async () => {
    const s = await startScheduler();
    await s.facade.submitJob(tinyJob('done', { steps: 20, checkpointDir: join(scratch, 'ckpt') }));
    const end = await eventually('the job to finish', finished(s, 'done'), 90_000);
    expect(end.state, end.reason).to.equal('succeeded');
    expect(end.tasks).to.deep.equal([]);
    expect(end.progress.step).to.be.at.least(20);
    expect(end.progress.modelPath).to.be.a('string');
    expect(existsSync(join(end.progress.modelPath!, 'model.json'))).to.equal(true);
    expect(end.history.loss.length).to.be.greaterThan(0);
    const fw = masterState(t!.cluster).frameworks.find((f) => f.id === s.frameworkId)!;
    expect(fw.webui_url).to.equal(s.apiUrl);
    expect(fw.tasks, 'tasks still known to the master').to.deep.equal([]);
    expect(fw.completed_tasks.map((c) => c.state)).to.include('TASK_FINISHED');
    // The logs of an ended task, through the API, from its agent's sandbox.
    const ps = fw.completed_tasks.find((c) => c.id.startsWith('done.ps-0.'))!;
    const log = await eventually('the sandbox found', async () => {
      const r = await api<{ data: string; offset: number }>(
        s.apiUrl!,
        `/v1/jobs/done/tasks/${ps.id}/files/stderr`,
      );
      return r.status === 200 ? r.body : undefined;
    });
    expect(log.data).to.match(/"level":"info"/);
  });

  it('restarts a killed worker and the job still completes', async () => {
    const s = await startScheduler();
    await s.facade.submitJob(tinyJob('kill', { steps: 160, checkpointDir: join(scratch, 'ckpt') }));
    const victim = await eventually('a worker training', () => {
      const j = job(s, 'kill');
      return j.progress.step >= 5
        ? j.tasks.find((x) => x.role === 'worker' && x.state === 'TASK_RUNNING')
        : undefined;
    });
    expect(t!.cluster.killTask(victim.taskId)).to.equal(true);
    const replaced = await eventually('the worker slot refilled', () =>
      job(s, 'kill').tasks.find(
        (x) =>
          x.role === 'worker' &&
          x.index === victim.index &&
          x.taskId !== victim.taskId &&
          x.state === 'TASK_RUNNING',
      ),
    );
    expect(replaced.restarts).to.equal(1);
    expect(replaced.lastFailure).to.deep.include({ state: 'TASK_FAILED' });
    const end = await eventually('the job to finish', finished(s, 'kill'), 90_000);
    expect(end.state, end.reason).to.equal('succeeded');
    expect(end.restarts).to.equal(1);
  });

  it('moves the tasks of a lost agent to another agent', async () => {
    const s = await startScheduler([agent({ zone: 'ps' }), agent({ zone: 'w' }), agent({ zone: 'w' })]);
    const spec = tinyJob('lost', { steps: 160, workers: 1, checkpointDir: join(scratch, 'ckpt') });
    spec.roles.worker = {
      ...spec.roles.worker,
      constraints: [['zone', 'LIKE', 'w']],
    } as typeof spec.roles.worker;
    spec.roles.ps = { ...spec.roles.ps, constraints: [['zone', 'LIKE', 'ps']] } as typeof spec.roles.ps;
    spec.roles.evaluator = {
      ...spec.roles.evaluator,
      constraints: [['zone', 'LIKE', 'ps']],
    } as typeof spec.roles.evaluator;
    await s.facade.submitJob(spec);
    const before = await eventually('the worker training', () => {
      const j = job(s, 'lost');
      return j.progress.step >= 5
        ? j.tasks.find((x) => x.role === 'worker' && x.state === 'TASK_RUNNING')
        : undefined;
    });
    await t!.cluster.loseAgent(before.agentId!);
    const moved = await eventually('the worker relaunched elsewhere', () =>
      job(s, 'lost').tasks.find(
        (x) => x.role === 'worker' && x.taskId !== before.taskId && x.state === 'TASK_RUNNING',
      ),
    );
    expect(moved.agentId).to.not.equal(before.agentId);
    const end = await eventually('the job to finish', finished(s, 'lost'), 90_000);
    expect(end.state, end.reason).to.equal('succeeded');
    expect(end.tasks.map((x) => [x.taskId, x.state])).to.deep.equal([[before.taskId, 'TASK_UNREACHABLE']]);
  });

  it('re-attaches to the running tasks after `nodal scheduler` is SIGKILLed and started again', async () => {
    t = await startCluster([agent(), agent()]);
    const flags = [
      `--master=${t.cluster.masterUrl}`,
      '--store=file',
      `--store-path=${join(scratch, 'state')}`,
      '--api-port=0',
      '--api-auth-disabled',
      '--executor-image=',
      '--log-level=warn',
      '--failover-timeout-ms=120000',
    ];
    child = await SchedulerProcess.start(flags);
    const submitted = await api<JobStatus>(child.apiUrl, '/v1/jobs', {
      method: 'POST',
      body: tinyJob('again', { steps: 400, checkpointDir: join(scratch, 'ckpt') }),
    });
    expect(submitted.status).to.equal(201);
    const first = await eventually('every task running and training', async () => {
      const j = (await api<JobStatus>(child!.apiUrl, '/v1/jobs/again')).body;
      return j.progress.step >= 5 && j.tasks.length === 4 && j.tasks.every((x) => x.state === 'TASK_RUNNING')
        ? j
        : undefined;
    });
    const health = (await api<HealthView>(child.apiUrl, '/health')).body;
    expect(await child.stop('SIGKILL')).to.equal('SIGKILL');

    child = await SchedulerProcess.start(flags);
    const again = await eventually('the job reconciled', async () => {
      const h = (await api<HealthView>(child!.apiUrl, '/health')).body;
      const j = (await api<JobStatus>(child!.apiUrl, '/v1/jobs/again')).body;
      return h.subscribed && j.tasks.every((x) => x.state === 'TASK_RUNNING') ? { h, j } : undefined;
    });
    expect(again.h.frameworkId).to.equal(health.frameworkId);
    expect(again.j.tasks.map((x) => x.taskId).sort()).to.deep.equal(first.tasks.map((x) => x.taskId).sort());
    const bySlot = activeTasksBySlot(masterState(t.cluster), health.frameworkId!);
    expect(
      [...bySlot.values()].every((ids) => ids.length === 1),
      JSON.stringify([...bySlot]),
    ).to.equal(true);
    expect(bySlot.size).to.equal(4);
    const end = await eventually(
      'the job to finish',
      async () => {
        const j = (await api<JobStatus>(child!.apiUrl, '/v1/jobs/again')).body;
        return TERMINAL_JOB.has(j.state) && j.tasks.length === 0 ? j : undefined;
      },
      90_000,
    );
    expect(end.state, end.reason).to.equal('succeeded');
    expect(end.restarts).to.equal(0);
    expect(await child.stop('SIGTERM')).to.equal(0);
  });

  it('scales workers 1 → 3 → 1 through the HTTP API while training', async () => {
    const s = await startScheduler();
    const base = s.apiUrl!;
    await api(base, '/v1/jobs', {
      method: 'POST',
      body: tinyJob('elastic', { steps: 100_000, workers: 1, max: 3, checkpointDir: join(scratch, 'ckpt') }),
    });
    await eventually(
      'one worker training',
      () => job(s, 'elastic').progress.step >= 3 && runningOf(job(s, 'elastic'), 'worker') === 1,
    );
    const up = await api<JobStatus>(base, '/v1/jobs/elastic/scale', { method: 'POST', body: { workers: 3 } });
    expect(up.status).to.equal(200);
    expect(up.body.workers.desired).to.equal(3);
    await eventually('three workers running', () => runningOf(job(s, 'elastic'), 'worker') === 3);
    const stepAt3 = job(s, 'elastic').progress.step;
    await api(base, '/v1/jobs/elastic/scale', { method: 'POST', body: { workers: 1 } });
    await eventually(
      'back to one worker',
      () => job(s, 'elastic').tasks.filter((x) => x.role === 'worker').length === 1,
    );
    const after = job(s, 'elastic');
    expect(after.state).to.equal('running');
    expect(after.workers).to.deep.include({ desired: 1, running: 1 });
    await eventually('training goes on', () => job(s, 'elastic').progress.step > stepAt3);
    const killed = await api<JobStatus>(base, '/v1/jobs/elastic', { method: 'DELETE' });
    expect(killed.body.state).to.equal('killed');
    await eventually('every task stopped', finished(s, 'elastic'));
    const fw = masterState(t!.cluster).frameworks.find((f) => f.id === s.frameworkId)!;
    expect(fw.tasks).to.deep.equal([]);
  });

  it('keeps API requests made before any master is reachable and acts on them once subscribed', async () => {
    const port = await freePort();
    scheduler = Scheduler.create({
      config: testConfig(),
      logger: silentLogger,
      store: new FileStore(join(scratch, 'state')),
      masters: [`http://127.0.0.1:${port}`],
    });
    const { apiUrl } = await scheduler.start();
    const down = await api<HealthView>(apiUrl, '/health');
    expect(down.status).to.equal(503);
    expect(down.body.subscribed).to.equal(false);
    const submitted = await api<JobStatus>(apiUrl, '/v1/jobs', {
      method: 'POST',
      body: tinyJob('early', { steps: 100_000, workers: 1, checkpointDir: join(scratch, 'ckpt') }),
    });
    expect(submitted.status).to.equal(201);
    expect(submitted.body.state).to.equal('pending');
    const scaled = await api<JobStatus>(apiUrl, '/v1/jobs/early/scale', {
      method: 'POST',
      body: { workers: 2 },
    });
    expect(scaled.body.workers.desired).to.equal(2);
    t = await startCluster([agent()], { port });
    const s = scheduler;
    await eventually('the job running with both workers', () => runningOf(job(s, 'early'), 'worker') === 2);
    await api(apiUrl, '/v1/jobs/early', { method: 'DELETE' });
    await eventually('every task stopped', finished(s, 'early'));
  });

  it('reports an unreachable store on /health and refuses requests until it recovers', async () => {
    const store = new FileStore(join(scratch, 'state'));
    let broken = false;
    const flaky = {
      load: () => store.load(),
      save: (state: StoredState) =>
        broken ? Promise.reject(new NodalError('UNAVAILABLE', 'disk unplugged')) : store.save(state),
    };
    const s = await startScheduler([agent()], flaky);
    const base = s.apiUrl!;
    await eventually('subscribed', async () => (await api<HealthView>(base, '/health')).status === 200);
    broken = true;
    const refused = await api<{ error: { code: string; message: string } }>(base, '/v1/jobs', {
      method: 'POST',
      body: tinyJob('nostore', { steps: 10, checkpointDir: join(scratch, 'ckpt') }),
    });
    expect(refused.status).to.equal(503);
    expect(refused.body.error.message).to.match(/could not be saved: disk unplugged/);
    const red = await api<HealthView>(base, '/health');
    expect(red.status).to.equal(503);
    expect(red.body).to.deep.include({ storeReachable: false, subscribed: true, leader: true });
    expect((await api<{ jobs: unknown[] }>(base, '/v1/jobs')).body.jobs).to.deep.equal([]);
    broken = false;
    const accepted = await api(base, '/v1/jobs', {
      method: 'POST',
      body: tinyJob('nostore', { steps: 10, checkpointDir: join(scratch, 'ckpt') }),
    });
    expect(accepted.status).to.equal(201);
    expect((await api<HealthView>(base, '/health')).status).to.equal(200);
    await api(base, '/v1/jobs/nostore', { method: 'DELETE' });
    await eventually('every task stopped', finished(s, 'nostore'));
  });

  it('tears the framework down on request: its tasks die and the store forgets the framework id', async () => {
    const s = await startScheduler([agent()]);
    await s.facade.submitJob(
      tinyJob('bye', { steps: 100_000, workers: 1, checkpointDir: join(scratch, 'ckpt') }),
    );
    await eventually('the job running', () => job(s, 'bye').state === 'running');
    const frameworkId = s.frameworkId!;
    await s.teardown();
    expect(s.state).to.equal('stopped');
    await eventually('the framework gone from the master', () => {
      const fw = masterState(t!.cluster).frameworks.find((f) => f.id === frameworkId);
      return fw === undefined || (!fw.active && fw.tasks.length === 0);
    });
    const stored = await new FileStore(join(scratch, 'state')).load();
    expect(stored?.frameworkId).to.equal(undefined);
    expect(stored?.tasks).to.deep.equal({});
    expect(stored?.jobs.bye?.conditions.find((c) => c.type === 'Killed')?.status).to.equal(true);
  });
});
