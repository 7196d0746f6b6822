// Faults of the workers: kill -9 (repeatedly), a worker stalled for good (SIGSTOP), and a slow one (stopped
// and resumed over and over). A killed worker's lease returns to the pool as soon as the scheduler sees its
// task end (it tells ps-0, whose coordinator gives the lease back); a stalled worker's, which nothing ends
// before the job does, when it expires. Only the untrained part is handed out again, and the job ends with
// every example counted exactly once.
import { expect } from 'chai';
import {
  EXPECTED_STEPS,
  FAULT_ROWS,
  JOB_ID,
  LEASE_TIMEOUT_MS,
  eventually,
  expectCompletedExactlyOnce,
  faultJob,
  faultRow,
  finishRun,
  printFaultTableAtEnd,
  runningTask,
  sleep,
  startFaultSystem,
  type FaultSystem,
  type RunOutcome,
  faultCaseHooks,
} from './harness.js';
import type { ProgressSample } from '../../helpers/training-audit.js';

printFaultTableAtEnd();

/**
 * What the coordinator's samples show after the job's only worker, holding the only lease, was killed at
 * `killedAtMs`: when no lease was out any more (the dead worker's was given back) and when one was again
 * (the replacement's first lease: the lowest free range, i.e. the dead lease's untrained rest), in ms after
 * the kill; and the samples of the next 12 s (`ms:leases/examples`) for a failure's message.
 */
function leaseReturn(samples: readonly ProgressSample[], killedAtMs: number, untilMs: number) {
  const after = samples.filter(
    (s) => s.atMs >= killedAtMs && s.atMs < Math.min(untilMs, killedAtMs + 30_000),
  );
  const released = after.find((s) => s.outstandingLeases === 0);
  const regranted = released && after.find((s) => s.atMs > released.atMs && s.outstandingLeases > 0);
  return {
    releasedMs: released ? released.atMs - killedAtMs : undefined,
    regrantedMs: regranted ? regranted.atMs - killedAtMs : undefined,
    timeline: after
      .filter((s) => s.atMs - killedAtMs <= 12_000)
      .map((s) => `${s.atMs - killedAtMs}:${s.outstandingLeases}/${s.examplesDone}`)
      .join(' '),
  };
}

describe('fault injection: workers @integration @faults', function () {
  this.timeout(120_000);
  let sys: FaultSystem | undefined;
  let baseline: RunOutcome;
  faultCaseHooks({
    setBaseline: (run) => (baseline = run),
    system: () => sys,
    forgetSystem: () => (sys = undefined),
  });

  it('the fault-free run completes with every example counted once and every batch applied once', () => {
    expectCompletedExactlyOnce(baseline, undefined);
    expect(baseline.finalStep, 'global steps').to.equal(EXPECTED_STEPS);
    expect(baseline.stepsLost).to.equal(0);
    FAULT_ROWS.push(faultRow('none (fault-free run)', 0, baseline, baseline));
  });

  it('kill -9 the worker three times: each is replaced, its lease returns at once, the job completes exactly once', async () => {
    sys = await startFaultSystem();
    const watch = await sys.submit(faultJob(sys.checkpointDir));
    const killed: string[] = [];
    const killedAtMs: number[] = [];
    for (const step of [4, 20, 36]) {
      // Mid-lease (a lease is 8 batches), so a half-trained lease has to come back.
      await watch.untilStep(step);
      const victim = await watch.until('the worker running', (j) => runningTask(j, 'worker', 0));
      expect(sys.cluster.killTask(victim.taskId, 'SIGKILL'), 'signalled').to.equal(true);
      killedAtMs.push(Date.now());
      killed.push(victim.taskId);
      await watch.until('the worker replaced', (j) => {
        const now = runningTask(j, 'worker', 0);
        return (now && !killed.includes(now.taskId)) || j.state !== 'running';
      });
    }
    const run = await finishRun(watch, sys.jobDir);
    expectCompletedExactlyOnce(run, baseline);
    expect(run.job.restarts, 'restarts').to.equal(3);
    expect(run.stepsLost, 'steps lost (no PS restart)').to.equal(0);
    // The agent reports TASK_FAILED at once and the scheduler tells ps-0, which gives the dead worker's lease
    // back then, not LEASE_TIMEOUT_MS after its last push: the replacement trains its rest as soon as it asks.
    const returns = killedAtMs.map((at, i) =>
      leaseReturn(watch.probe.samples, at, killedAtMs[i + 1] ?? Infinity),
    );
    returns.forEach((r, i) => {
      const what = `kill ${i + 1} (ms after the kill: leases/examples ${r.timeline})`;
      expect(r.releasedMs, `lease given back after ${what}`).to.be.a('number');
      expect(r.releasedMs!, `lease given back after ${what}`).to.be.below(LEASE_TIMEOUT_MS / 2);
      expect(r.regrantedMs, `lease granted again after ${what}`).to.be.a('number');
      expect(r.regrantedMs!, `lease granted again after ${what}`).to.be.below(LEASE_TIMEOUT_MS);
    });
    const ms = (pick: (r: (typeof returns)[number]) => number | undefined) =>
      returns.map((r) => pick(r) ?? '-').join('/');
    FAULT_ROWS.push(
      faultRow(
        'kill -9 a worker (x3)',
        3,
        run,
        baseline,
        `${run.job.restarts} restarts; lease back ${ms((r) => r.releasedMs)} ms, re-leased ${ms((r) => r.regrantedMs)} ms after the kills`,
      ),
    );
  });

  // Nothing ends a stopped worker before the job does (workers have no health check, and its process is
  // alive for the agent), so the scheduler cannot tell ps-0: its lease comes back only when it expires.
  it('a worker stalled for good (SIGSTOP): its lease expires, the other worker finishes the job', async () => {
    sys = await startFaultSystem();
    const s = sys;
    const watch = await s.submit(faultJob(s.checkpointDir, { workers: 2 }));
    await watch.untilStep(12);
    const victim = await watch.until('worker-1 running', (j) => runningTask(j, 'worker', 1));
    expect(s.cluster.killTask(victim.taskId, 'SIGSTOP'), 'signalled').to.equal(true);
    const stoppedAt = Date.now();
    const run = await finishRun(watch, s.jobDir, { hung: [victim.taskId] });
    expectCompletedExactlyOnce(run, baseline);
    expect(Date.now() - stoppedAt, 'the job waited for the lease to expire').to.be.at.least(LEASE_TIMEOUT_MS);
    expect(run.job.restarts, 'restarts').to.equal(0);
    // The job's end kills the stalled task, but a stopped executor cannot act on KILL: after unanswered
    // re-sends the scheduler SHUTs its executor down, and the agent kills the stopped process.
    const hung = s.scheduler.facade.getJob(JOB_ID).tasks.find((t) => t.taskId === victim.taskId);
    await eventually(
      'the stalled task ended by the executor SHUTDOWN, never resumed',
      () => s.scheduler.facade.getJob(JOB_ID).tasks.every((t) => t.taskId !== victim.taskId),
      90_000,
    );
    const endedAfterS = Math.round((Date.now() - stoppedAt) / 1000);
    expect(s.cluster.killTask(victim.taskId, 'SIGCONT'), 'the stopped process is gone').to.equal(false);
    FAULT_ROWS.push(
      faultRow(
        'stalled worker (SIGSTOP, never resumed)',
        1,
        run,
        baseline,
        `of 2 workers; hung task ${hung?.state ?? 'gone'} at the end, shut down ${endedAfterS} s after the stop`,
      ),
    );
  });

  it('a slow worker (stopped 1 s of every 1.4 s): the job completes, nothing skipped or doubled', async () => {
    sys = await startFaultSystem();
    const watch = await sys.submit(faultJob(sys.checkpointDir, { workers: 2 }));
    await watch.untilStep(8);
    const victim = await watch.until('worker-1 running', (j) => runningTask(j, 'worker', 1));
    let pauses = 0;
    let slowing = true;
    const slow = (async () => {
      while (slowing && sys!.cluster.killTask(victim.taskId, 'SIGSTOP')) {
        pauses++;
        await sleep(1_000);
        sys!.cluster.killTask(victim.taskId, 'SIGCONT');
        await sleep(400);
      }
    })();
    let run: RunOutcome;
    try {
      run = await finishRun(watch, sys.jobDir);
    } finally {
      slowing = false;
      await slow;
      sys.cluster.killTask(victim.taskId, 'SIGCONT');
    }
    expectCompletedExactlyOnce(run, baseline, { exactSteps: true });
    expect(pauses, 'pauses injected').to.be.greaterThan(3);
    expect(run.job.restarts, 'restarts').to.equal(0);
    FAULT_ROWS.push(
      faultRow('slow worker (SIGSTOP 1 s / SIGCONT 0.4 s)', pauses, run, baseline, 'of 2 workers'),
    );
  });
});
