// A task whose executor hangs (SIGSTOPped: it can act on neither KILL nor SHUTDOWN) is scaled in. The
// scheduler re-sends the KILL, then escalates to a SHUTDOWN of the task's executor; the agent destroys the
// stopped executor after its shutdown grace period and reports the task terminal, so the master frees
// its resources and the job goes on with the workers it wants.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, LogMeta } from '../../../config/logger.js';
import { executorIdFor } from '../../../scheduler/core/ids.js';
import type { JobStatus } from '../../../scheduler/api/types.js';
import { FileStore, Scheduler } from '../../../scheduler/runtime/index.js';
import {
  activeTasksBySlot,
  agent,
  eventually,
  masterState,
  runningOf,
  startCluster,
  stopCluster,
  testConfig,
  tinyJob,
  TERMINAL_JOB,
  type TestCluster,
} from './support.js';

/** Keeps warnings (the core's notices among them); drops the rest. */
class WarningLog implements Logger {
  constructor(readonly warnings: Array<{ message: string; meta: LogMeta }> = []) {}
  error(): void {}
  warn(message: string, meta: LogMeta = {}): void {
    this.warnings.push({ message, meta });
  }
  info(): void {}
  debug(): void {}
  child(): Logger {
    return this;
  }
}

describe('scheduler: a kill the executor never answers @integration', function () {
  this.timeout(150_000);
  let t: TestCluster | undefined;
  let scheduler: Scheduler | undefined;
  let scratch: string;
  let stopped: string | undefined;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'nodal-it-hung-'));
  });
  afterEach(async () => {
    if (stopped) t?.cluster.killTask(stopped, 'SIGKILL');
    await scheduler?.stop();
    const left = await stopCluster(t);
    rmSync(scratch, { recursive: true, force: true });
    scheduler = undefined;
    t = undefined;
    stopped = undefined;
    expect(left, 'processes left in the cluster directory').to.deep.equal([]);
  });

  it('scaling in a SIGSTOPped worker: KILL, then SHUTDOWN of its executor; the task ends and frees its slot', async () => {
    t = await startCluster([agent(), agent()]);
    const log = new WarningLog();
    // The worker's kill grace is 3 s, so KILL is re-sent every 2 × 3 s = 6 s (killRetryMs is lowered from
    // its 60 s); with the default killResendsBeforeShutdown (2) the SHUTDOWN goes out about 18 s after the
    // kill, and the agent kills the executor its shutdown grace (3 s + 5 s) later.
    const s = Scheduler.create({
      config: testConfig(),
      logger: log,
      store: new FileStore(join(scratch, 'state')),
      masters: [t.cluster.masterUrl],
      core: { reconcileHoldMs: 2_000, killRetryMs: 1_000 },
    });
    scheduler = s;
    await s.start();
    const job = (): JobStatus => s.facade.getJob('hung');
    await s.facade.submitJob(
      tinyJob('hung', { steps: 100_000, workers: 1, max: 2, checkpointDir: join(scratch, 'ckpt') }),
    );
    await eventually(
      'one worker training',
      () => job().progress.step >= 2 && runningOf(job(), 'worker') === 1,
      60_000,
    );

    // A second worker: launched last, it is the one a scale-in back to one kills.
    await s.facade.scaleJob('hung', 2);
    const victim = await eventually(
      'the second worker running',
      () => job().tasks.find((x) => x.role === 'worker' && x.index === 1 && x.state === 'TASK_RUNNING'),
      60_000,
    );
    expect(t.cluster.killTask(victim.taskId, 'SIGSTOP'), 'stopped').to.equal(true);
    stopped = victim.taskId;

    const killedAt = Date.now();
    await s.facade.scaleJob('hung', 1);
    const end = await t.cluster.waitForTaskState(
      victim.taskId,
      ['TASK_KILLED', 'TASK_FAILED', 'TASK_LOST', 'TASK_DROPPED'],
      60_000,
    );
    const tookMs = Date.now() - killedAt;
    stopped = undefined;
    // Nobody answered the KILL: the agent ended the executor (slave.cpp: TASK_FAILED, EXECUTOR_TERMINATED).
    expect([end.state, end.source, end.reason]).to.deep.equal([
      'TASK_FAILED',
      'SOURCE_AGENT',
      'REASON_EXECUTOR_TERMINATED',
    ]);
    // Not before 3 retry intervals (18 s) plus the executor's shutdown grace (8 s); well before a minute.
    expect(tookMs).to.be.within(18_000, 60_000);
    const escalations = log.warnings.filter((w) => w.message.includes('shutting down'));
    expect(escalations, 'one notice').to.have.length(1);
    expect(escalations[0]!.meta).to.deep.include({
      taskId: victim.taskId,
      executorId: executorIdFor(victim.taskId),
      agentId: victim.agentId,
    });

    // The scheduler forgot it, the master holds no task of the slot, and training goes on with one worker.
    await eventually(
      'the task gone from the job',
      () => !job().tasks.some((x) => x.taskId === victim.taskId),
      10_000,
    );
    const active = activeTasksBySlot(masterState(t.cluster), s.frameworkId!);
    expect(active.get('hung/worker-1'), 'worker-1 at the master').to.equal(undefined);
    expect(job().state).to.equal('running');
    const step = job().progress.step;
    await eventually('training goes on', () => job().progress.step > step, 30_000);

    await s.facade.killJob('hung');
    await eventually(
      'every task stopped',
      () => TERMINAL_JOB.has(job().state) && job().tasks.length === 0,
      30_000,
    );
    const fw = masterState(t.cluster).frameworks.find((f) => f.id === s.frameworkId)!;
    expect(fw.tasks, 'tasks still known to the master').to.deep.equal([]);
  });
});
