// Faults of the cluster: an agent lost under a worker, agents added while the job waits for room, and the
// scheduler's subscription stream to the master dropped. Training carries on and every example of every
// epoch is still counted exactly once.
import { expect } from 'chai';
import {
  FAULT_ROWS,
  eventually,
  expectCompletedExactlyOnce,
  faultAgent,
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

const ACTIVE = new Set(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING']);

/** Active task ids per task name (`job/role-index`) in the master's state: more than one is a duplicate. */
function activeTasksByName(sys: FaultSystem): Map<string, string[]> {
  const state = sys.cluster.state() as {
    frameworks?: Array<{ id: string; tasks: Array<{ id: string; name: string; state: string }> }>;
  };
  const out = new Map<string, string[]>();
  const fw = state.frameworks?.find((f) => f.id === sys.scheduler.frameworkId);
  for (const t of fw?.tasks ?? [])
    if (ACTIVE.has(t.state)) out.set(t.name, [...(out.get(t.name) ?? []), t.id]);
  return out;
}

describe('fault injection: cluster @integration @faults', function () {
  this.timeout(120_000);
  let sys: FaultSystem | undefined;
  let baseline: RunOutcome;
  faultCaseHooks({
    setBaseline: (run) => (baseline = run),
    system: () => sys,
    forgetSystem: () => (sys = undefined),
  });

  it("lose the worker's agent: the worker moves to another agent and the job completes exactly once", async () => {
    sys = await startFaultSystem([
      faultAgent({ zone: 'ps' }),
      faultAgent({ zone: 'w' }),
      faultAgent({ zone: 'w' }),
    ]);
    const onPs = [['zone', 'LIKE', 'ps']] as Array<[string, string, string]>;
    const watch = await sys.submit(
      faultJob(sys.checkpointDir, {
        constraints: { ps: onPs, evaluator: onPs, worker: [['zone', 'LIKE', 'w']] },
      }),
    );
    await watch.untilStep(12);
    const before = await watch.until('the worker running', (j) => runningTask(j, 'worker', 0));
    await sys.cluster.loseAgent(before.agentId!);
    const moved = await watch.until('the worker relaunched elsewhere', (j) => {
      const now = runningTask(j, 'worker', 0);
      return now && now.taskId !== before.taskId ? now : undefined;
    });
    expect(moved.agentId).to.not.equal(before.agentId);
    const run = await finishRun(watch, sys.jobDir);
    expectCompletedExactlyOnce(run, baseline);
    // Nobody can confirm the lost agent's task gone: it stays unreachable, and it is never counted twice.
    expect(run.job.tasks.map((t) => [t.taskId, t.state])).to.deep.equal([
      [before.taskId, 'TASK_UNREACHABLE'],
    ]);
    expect(run.stepsLost, 'steps lost').to.equal(0);
    FAULT_ROWS.push(faultRow("lose the worker's agent", 1, run, baseline, `${run.job.restarts} restarts`));
  });

  it('add agents mid-job: the worker that did not fit starts on them and the job completes exactly once', async () => {
    // Room for the PS, the evaluator and one worker (0.5 cpus each plus 0.1 per executor), not two workers.
    sys = await startFaultSystem([faultAgent({}, 2)]);
    const firstAgent = sys.cluster.agents[0]!.id;
    const watch = await sys.submit(faultJob(sys.checkpointDir, { workers: 2 }));
    await watch.untilStep(16);
    const waiting = watch.latest!.tasks.filter((t) => t.role === 'worker' && t.state === 'TASK_RUNNING');
    expect(
      waiting.map((t) => t.index),
      'workers running before',
    ).to.deep.equal([0]);
    const added = [
      await sys.cluster.addAgent(faultAgent({}, 2)),
      await sys.cluster.addAgent(faultAgent({}, 2)),
    ];
    const joined = await watch.until('worker-1 running on a new agent', (j) => runningTask(j, 'worker', 1));
    expect(added.map((a) => a.id)).to.include(joined.agentId);
    expect(joined.agentId).to.not.equal(firstAgent);
    const run = await finishRun(watch, sys.jobDir);
    expectCompletedExactlyOnce(run, baseline, { exactSteps: true });
    expect(run.job.restarts, 'restarts').to.equal(0);
    FAULT_ROWS.push(faultRow('add 2 agents mid-job', 2, run, baseline, 'worker-1 joined at step 16+'));
  });

  it('drop the master stream twice: the scheduler re-subscribes with the same framework id, no task restarts', async () => {
    sys = await startFaultSystem();
    const s = sys;
    const frameworkId = await eventually('subscribed', () => s.scheduler.frameworkId);
    let resubscribed = 0;
    s.cluster.on('framework', (e) => {
      if (e.frameworkId === frameworkId && e.change === 'resubscribed') resubscribed++;
    });
    const watch = await s.submit(faultJob(s.checkpointDir));
    for (const [k, step] of [12, 36].entries()) {
      await watch.untilStep(step);
      expect(s.cluster.dropSchedulerStream(frameworkId), `stream dropped (${k + 1})`).to.equal(true);
      await eventually(
        'the scheduler re-subscribed',
        () => resubscribed === k + 1 && s.scheduler.facade.health().subscribed,
      );
      expect(s.scheduler.frameworkId, 'framework id').to.equal(frameworkId);
      const dup = [...activeTasksByName(s)].filter(([, ids]) => ids.length > 1);
      expect(dup, 'duplicate tasks').to.deep.equal([]);
    }
    const run = await finishRun(watch, s.jobDir);
    expectCompletedExactlyOnce(run, baseline, { exactSteps: true });
    expect(run.job.restarts, 'restarts').to.equal(0);
    expect(run.stepsLost, 'steps lost').to.equal(0);
    FAULT_ROWS.push(faultRow('drop the master stream (x2)', 2, run, baseline));
  });
});
