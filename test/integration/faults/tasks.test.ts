// Faults of the PS and the evaluator. A PS killed with -9 writes no final checkpoint: its replacement
// resumes from the latest one, so at most the checkpoint interval of steps is lost, and the coordinator's
// lease book comes back with it (the examples of the lost steps are trained again, none twice in the
// ledger). No batch of a lease the restored book forgot reaches the new PS, so the job ends with exactly
// one global step per batch. A killed evaluator is replaced and the job still ends with a final evaluation.
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readLedger } from '../../helpers/training-audit.js';
import {
  CHECKPOINT_EVERY_STEPS,
  FAULT_ROWS,
  eventually,
  expectCompletedExactlyOnce,
  faultJob,
  faultRow,
  finishRun,
  printFaultTableAtEnd,
  runningTask,
  startFaultSystem,
  type FaultSystem,
  type RunOutcome,
  faultCaseHooks,
} from './harness.js';

printFaultTableAtEnd();

/** Steps of checkpoints being written (temporary files) in a shard directory. */
function checkpointsInFlight(shardDir: string): number[] {
  let names: string[] = [];
  try {
    names = readdirSync(shardDir);
  } catch {
    // not created yet
  }
  return names.flatMap((n) => {
    const m = /^\.ckpt-(\d+)\.bin\.tmp-/.exec(n);
    return m ? [Number(m[1])] : [];
  });
}

describe('fault injection: PS and evaluator @integration @faults', function () {
  this.timeout(120_000);
  let sys: FaultSystem | undefined;
  let baseline: RunOutcome;
  faultCaseHooks({
    setBaseline: (run) => (baseline = run),
    system: () => sys,
    forgetSystem: () => (sys = undefined),
  });

  it('kill -9 the PS: it resumes from its checkpoint, losing at most the checkpoint interval', async () => {
    sys = await startFaultSystem();
    const s = sys;
    const watch = await s.submit(faultJob(s.checkpointDir));
    // Between two checkpoints (every 8 steps), so some steps are really lost.
    await eventually('a checkpoint and a few steps after it', async () => {
      const ledger = await readLedger(s.jobDir);
      const step = (await watch.probe.sample())?.globalStep ?? 0;
      return ledger && ledger.step >= CHECKPOINT_EVERY_STEPS && step - ledger.step >= 3;
    });
    const ps = await watch.until('ps-0 running', (j) => runningTask(j, 'ps', 0));
    const before = await eventually('the step before the kill', () => watch.probe.sample());
    expect(s.cluster.killTask(ps.taskId, 'SIGKILL'), 'signalled').to.equal(true);
    const inFlight = checkpointsInFlight(join(s.jobDir, 'ps-0'));
    const resumed = await readLedger(s.jobDir);
    expect(resumed, 'a checkpoint to resume from').to.not.equal(null);
    const killedAt = Date.now();

    const replacement = await watch.until('ps-0 replaced', (j) => {
      const now = runningTask(j, 'ps', 0);
      return now && now.taskId !== ps.taskId ? now : undefined;
    });
    const run = await finishRun(watch, s.jobDir);
    // Exact: the checkpoint's book holds the batches its weights hold, and ps-0 refuses pushes of the leases
    // it forgot, so the lost steps' examples are trained again exactly once.
    expectCompletedExactlyOnce(run, baseline, { exactSteps: true });
    const lost = before.globalStep - resumed!.step;
    expect(lost, 'steps lost').to.be.at.least(0);
    if (inFlight.length === 0) expect(lost, 'steps lost').to.be.at.most(CHECKPOINT_EVERY_STEPS);
    // A write under way when the PS died is lost too: the durable one is at most an interval behind it.
    else
      expect(Math.max(...inFlight) - resumed!.step, 'checkpoint behind the one in flight').to.be.at.most(
        CHECKPOINT_EVERY_STEPS,
      );
    const after = watch.probe.samples.filter((x) => x.atMs > killedAt);
    expect(Math.min(...after.map((x) => x.globalStep)), 'never behind the checkpoint').to.be.at.least(
      resumed!.step,
    );
    expect(run.job.restarts, 'restarts').to.equal(1);
    expect(replacement.restarts).to.equal(1);
    FAULT_ROWS.push({
      ...faultRow(
        'kill -9 the PS',
        1,
        run,
        baseline,
        `step ${before.globalStep} -> resumed at ${resumed!.step}`,
      ),
      stepsLost: lost,
    });
  });

  it('kill -9 the evaluator: it is replaced and the job ends with a final evaluation', async () => {
    sys = await startFaultSystem();
    const watch = await sys.submit(faultJob(sys.checkpointDir));
    await watch.untilStep(20);
    const evaluator = await watch.until('the evaluator running', (j) => runningTask(j, 'evaluator', 0));
    expect(sys.cluster.killTask(evaluator.taskId, 'SIGKILL'), 'signalled').to.equal(true);
    await watch.until('the evaluator replaced', (j) => {
      const now = runningTask(j, 'evaluator', 0);
      return (now && now.taskId !== evaluator.taskId) || j.state !== 'running';
    });
    const run = await finishRun(watch, sys.jobDir);
    expectCompletedExactlyOnce(run, baseline, { exactSteps: true });
    expect(run.job.restarts, 'restarts').to.equal(1);
    expect(run.stepsLost, 'steps lost').to.equal(0);
    FAULT_ROWS.push(faultRow('kill -9 the evaluator', 1, run, baseline));
  });
});
