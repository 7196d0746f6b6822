import { expect } from 'chai';
import { phaseOf } from '../../../scheduler/core/conditions.js';
import { TASK_STATES, type TaskState } from '../../../scheduler/core/task-states.js';
import { Harness, launchesIn, only, typesOf } from '../../builders/harness.js';
import { jobSpec } from '../../builders/job-spec.js';
import { offer } from '../../builders/offer.js';

/** A subscribed harness with job `j` (1 PS, 2 workers, 1 evaluator) launched on one big agent. */
function launched(spec = jobSpec().id('j').workers(1, 4, 2).evaluator(1).build()): Harness {
  const h = new Harness();
  h.subscribe();
  h.submit(spec);
  h.offer(
    offer()
      .agent('a1')
      .cpus(64)
      .mem(1 << 20)
      .build(),
  );
  return h;
}

function running(): Harness {
  const h = launched();
  h.runAll();
  return h;
}

describe('scheduler/core/reducer: life cycle', () => {
  it('subscribes: persists the framework id first, reconciles implicitly, suppresses with nothing to do', () => {
    const h = new Harness();
    const cmds = h.subscribe('fw-9');
    expect(typesOf(cmds)).to.deep.equal(['persist', 'reconcile', 'suppress']);
    expect(cmds[0]).to.deep.equal({ type: 'persist', frameworkId: true, jobIds: [], taskIds: [] });
    expect(only(cmds, 'reconcile')[0]!.tasks).to.deep.equal([]);
    expect(h.state.frameworkId).to.equal('fw-9');
  });

  it('revives on submission and launches PS, evaluator and workers from one offer', () => {
    const h = new Harness();
    h.subscribe();
    const submitted = h.submit(jobSpec().id('j').workers(1, 4, 2).evaluator(1).build());
    expect(typesOf(submitted)).to.deep.equal(['persist', 'revive', 'jobEvent', 'jobEvent']);
    const cmds = h.offer(
      offer()
        .agent('a1')
        .hostname('node1')
        .cpus(64)
        .mem(1 << 20)
        .ports(31000, 31009)
        .build(),
    );
    expect(typesOf(cmds).slice(0, 3)).to.deep.equal(['persist', 'launch', 'suppress']);
    const tasks = launchesIn(cmds);
    expect(tasks.map((t) => `${t.role}-${t.index}`)).to.deep.equal([
      'ps-0',
      'evaluator-0',
      'worker-0',
      'worker-1',
    ]);
    expect(tasks.map((t) => t.taskId)).to.deep.equal([
      'j.ps-0.t1',
      'j.evaluator-0.t2',
      'j.worker-0.t3',
      'j.worker-1.t4',
    ]);
    expect(new Set(tasks.map((t) => t.executorId)).size).to.equal(4);
    const ps = tasks[0]!;
    expect(ps.ports).to.deep.equal([31000]);
    expect(ps.env).to.include({
      NODAL_JOB_ID: 'j',
      NODAL_ROLE: 'ps',
      NODAL_INDEX: '0',
      NODAL_PORT: '31000',
      NODAL_JOB_SECRET: 'secret-1',
      NODAL_PS_COUNT: '1',
    });
    // Every task starts with the complete spec, including the PS placed in the same offer round.
    for (const t of tasks)
      expect(JSON.parse(t.env.NODAL_CLUSTER_SPEC!)).to.deep.equal({
        job_id: 'j',
        ps: ['node1:31000'],
        coordinator: 'node1:31000',
        evaluator: 'node1:31001',
        version: 1,
      });
    expect(JSON.parse(ps.env.NODAL_TRAINING!)).to.have.keys(
      'training',
      'data',
      'checkpoint',
      'workers',
      'evaluators',
    );
    expect(ps.healthCheck).to.deep.include({ type: 'TCP', port: 31000 });
    expect(ps.killGracePeriodMs).to.equal(60_000);
    expect(h.state.tasks['j.ps-0.t1']).to.include({ state: 'TASK_STAGING', awaitingFirstUpdate: true });
  });

  it('never launches a slot twice from a burst of offers while its launch is expected', () => {
    const h = launched();
    const again = h.offer(offer().cpus(64).build(), offer().cpus(64).build());
    expect(launchesIn(again)).to.deep.equal([]);
    expect(only(again, 'decline')[0]!.refuseSeconds).to.equal(3600);
    h.advance(60_000);
    expect(launchesIn(h.offer(offer().cpus(64).build()))).to.deep.equal([]);
  });

  it('acknowledges exactly the updates that carry a uuid, after the persist', () => {
    const h = launched();
    const withUuid = h.status('j.ps-0.t1', 'TASK_RUNNING', { uuid: 'AAAA' });
    expect(typesOf(withUuid).slice(0, 2)).to.deep.equal(['persist', 'acknowledge']);
    expect(only(withUuid, 'acknowledge')).to.deep.equal([
      { type: 'acknowledge', agentId: 'a1', taskId: 'j.ps-0.t1', uuid: 'AAAA' },
    ]);
    const fromMaster = h.status('j.worker-0.t3', 'TASK_RUNNING', {
      uuid: null,
      reason: 'REASON_RECONCILIATION',
    });
    expect(only(fromMaster, 'acknowledge')).to.deep.equal([]);
    // A redelivered update changes nothing but is acknowledged again.
    const dup = h.status('j.ps-0.t1', 'TASK_RUNNING', { uuid: 'AAAA' });
    expect(typesOf(dup)).to.deep.equal(['acknowledge']);
    // An update of a task we do not know: acknowledged too (or the agent blocks its stream).
    const unknown = h.status('other.task', 'TASK_FINISHED', { uuid: 'BBBB', agentId: 'a7' });
    expect(only(unknown, 'acknowledge')).to.have.length(1);
  });

  it('becomes Running when every PS and enough workers run', () => {
    const h = launched();
    h.status('j.ps-0.t1', 'TASK_RUNNING');
    expect(phaseOf(h.state.jobs.j!.conditions).phase).to.equal('pending');
    h.status('j.worker-0.t3', 'TASK_RUNNING');
    expect(phaseOf(h.state.jobs.j!.conditions)).to.include({ phase: 'running', reason: 'JobRunning' });
  });

  it('restarts a failed worker after backoff, on the same slot index with a fresh task id', () => {
    const h = running();
    const failed = h.status('j.worker-1.t4', 'TASK_FAILED', { reason: 'REASON_EXECUTOR_TERMINATED' });
    expect(only(failed, 'jobEvent').map((e) => e.event.kind)).to.include('restartScheduled');
    expect(h.state.tasks['j.worker-1.t4']).to.equal(undefined);
    expect(h.lastStep.nextTickAtMs).to.equal(h.nowMs + 1000);
    // Before the backoff expires there is nothing to launch; offers are suppressed.
    expect(launchesIn(h.offer(offer().cpus(64).build()))).to.deep.equal([]);
    const revived = h.tickToNext();
    expect(typesOf(revived)).to.include('revive');
    const relaunch = launchesIn(h.offer(offer().agent('a2').cpus(64).build()));
    expect(relaunch.map((t) => t.taskId)).to.deep.equal(['j.worker-1.t5']);
  });

  it('moves a task to another agent after repeated failures on one', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(
      jobSpec()
        .id('j')
        .workers(1, 1, 1)
        .restart('worker', {
          agentFailureLimit: 2,
          agentAvoidSeconds: 600,
          backoff: { initialSeconds: 1, factor: 1 },
        })
        .build(),
    );
    const bad = () => offer().agent('bad').cpus(64).build();
    h.offer(bad());
    h.runAll();
    for (let i = 0; i < 2; i++) {
      const id = h.slotTask('j', 'worker', 0)!;
      h.status(id, 'TASK_FAILED');
      h.advance(1000).tick();
      if (i === 0) expect(launchesIn(h.offer(bad())).map((t) => t.agentId)).to.deep.equal(['bad']);
    }
    expect(h.state.jobs.j!.agentFailures.bad!.avoidUntilMs).to.equal(h.nowMs - 1000 + 600_000);
    const cmds = h.offer(bad(), offer().agent('good').cpus(64).build());
    expect(launchesIn(cmds).map((t) => t.agentId)).to.deep.equal(['good']);
  });

  it('fails the job with the reason when the restart budget of a PS is spent', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').restart('ps', { maxRestarts: 1 }).build());
    h.offer(offer().cpus(64).build());
    h.runAll();
    h.status(h.slotTask('j', 'ps', 0)!, 'TASK_FAILED');
    h.advance(2000).tick();
    h.offer(offer().cpus(64).build());
    h.runAll();
    const cmds = h.status(h.slotTask('j', 'ps', 0)!, 'TASK_FAILED', { message: 'segfault' });
    const phase = phaseOf(h.state.jobs.j!.conditions);
    expect(phase).to.include({ phase: 'failed', reason: 'RestartLimitReached' });
    expect(phase.message).to.match(/ps-0: restart limit reached; last state TASK_FAILED: segfault/);
    // Every remaining task of the failed job is killed.
    expect(
      only(cmds, 'kill')
        .map((k) => k.taskId)
        .sort(),
    ).to.deep.equal(Object.keys(h.state.tasks).sort());
    expect(Object.keys(h.state.tasks)).to.have.length(2);
  });

  it('retires a worker slot under the never policy and keeps training with the rest', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').workers(1, 3, 2).restart('worker', { policy: 'never' }).build());
    h.offer(offer().cpus(64).build());
    h.runAll();
    h.status(h.slotTask('j', 'worker', 1)!, 'TASK_FAILED');
    const job = h.state.jobs.j!;
    expect(job.retiredWorkers).to.equal(1);
    expect(job.slots.filter((s) => s.role === 'worker')).to.have.length(1);
    expect(phaseOf(job.conditions).phase).to.equal('running');
    // Not replaced by a fresh slot although max (3) would allow it: `never` means never.
    expect(launchesIn(h.offer(offer().cpus(64).build()))).to.deep.equal([]);
    // The last worker is needed for min 1: losing it leaves 3 - 2 = 1 possible slot, so it is replaced.
    h.status(h.slotTask('j', 'worker', 0)!, 'TASK_FAILED');
    expect(phaseOf(h.state.jobs.j!.conditions).phase).to.equal('running');
    expect(launchesIn(h.offer(offer().cpus(64).build())).map((t) => t.role)).to.deep.equal(['worker']);
    h.runAll();
    h.status(h.slotTask('j', 'worker', 0)!, 'TASK_FAILED');
    expect(phaseOf(h.state.jobs.j!.conditions)).to.include({
      phase: 'failed',
      reason: 'RestartLimitReached',
    });
  });

  it('fails at once on TASK_ERROR: relaunching the same TaskInfo cannot help', () => {
    const h = running();
    h.status('j.worker-0.t3', 'TASK_ERROR', {
      reason: 'REASON_TASK_INVALID',
      uuid: null,
      message: 'bad resources',
    });
    expect(phaseOf(h.state.jobs.j!.conditions)).to.include({ phase: 'failed', reason: 'TaskInvalid' });
  });

  it('relaunches a dropped launch at once without counting a restart', () => {
    const h = launched();
    h.status('j.worker-0.t3', 'TASK_DROPPED', { reason: 'REASON_INVALID_OFFERS', uuid: null });
    const slot = h.state.jobs.j!.slots.find((s) => s.role === 'worker' && s.index === 0)!;
    expect(slot).to.deep.equal({ role: 'worker', index: 0, restartTimesMs: [], backoffUntilMs: h.nowMs });
    expect(launchesIn(h.offer(offer().cpus(64).build())).map((t) => `${t.role}-${t.index}`)).to.deep.equal([
      'worker-0',
    ]);
  });

  it('succeeds when training finishes and stops every PS and evaluator task', () => {
    const h = running();
    const cmds = h.send({
      type: 'progress',
      jobId: 'j',
      step: 128,
      finished: true,
      metrics: { accuracy: 0.91 },
    });
    expect(phaseOf(h.state.jobs.j!.conditions)).to.include({
      phase: 'succeeded',
      reason: 'TrainingCompleted',
    });
    expect(only(cmds, 'kill').map((k) => k.taskId)).to.have.members([
      'j.ps-0.t1',
      'j.evaluator-0.t2',
      'j.worker-0.t3',
      'j.worker-1.t4',
    ]);
    expect(only(cmds, 'kill').find((k) => k.taskId === 'j.ps-0.t1')!.gracePeriodMs).to.equal(60_000);
    // Their terminal updates release them without restarts.
    for (const id of Object.keys(h.state.tasks)) h.status(id, 'TASK_KILLED');
    expect(h.state.tasks).to.deep.equal({});
    expect(h.lastStep.commands.some((c) => c.type === 'launch')).to.equal(false);
  });

  it('with an evaluator: waits for its final report after the workers finish, then ends the PS', () => {
    const h = running();
    h.status('j.worker-0.t3', 'TASK_FINISHED');
    expect(phaseOf(h.state.jobs.j!.conditions).phase).to.equal('running');
    const afterWorkers = h.status('j.worker-1.t4', 'TASK_FINISHED');
    // The evaluator still has the test split to evaluate and the model to export: nothing is killed.
    expect(phaseOf(h.state.jobs.j!.conditions)).to.include({ phase: 'running', reason: 'FinalEvaluation' });
    expect(only(afterWorkers, 'kill')).to.have.length(0);
    const cmds = h.send({
      type: 'progress',
      jobId: 'j',
      taskId: 'j.evaluator-0.t2',
      step: 40,
      finished: true,
    });
    expect(phaseOf(h.state.jobs.j!.conditions)).to.include({
      phase: 'succeeded',
      reason: 'TrainingCompleted',
    });
    expect(only(cmds, 'kill').map((k) => k.taskId)).to.have.members(['j.ps-0.t1', 'j.evaluator-0.t2']);
  });

  it('without an evaluator: succeeds when every worker finished, and then ends the PS', () => {
    const h = launched(jobSpec().id('j').workers(1, 4, 2).evaluator(0).build());
    h.runAll();
    const workers = Object.keys(h.state.tasks).filter((id) => id.includes('.worker-'));
    expect(workers).to.have.length(2);
    h.status(workers[0]!, 'TASK_FINISHED');
    expect(phaseOf(h.state.jobs.j!.conditions).phase).to.equal('running');
    const cmds = h.status(workers[1]!, 'TASK_FINISHED');
    expect(phaseOf(h.state.jobs.j!.conditions)).to.include({
      phase: 'succeeded',
      reason: 'AllWorkersCompleted',
    });
    expect(only(cmds, 'kill').map((k) => k.taskId)).to.have.length(1);
    expect(only(cmds, 'kill')[0]!.taskId).to.contain('.ps-0.');
  });

  it('fails a job whose training reports failure', () => {
    const h = running();
    h.send({ type: 'progress', jobId: 'j', step: 3, failed: true, message: 'NaN loss' });
    expect(phaseOf(h.state.jobs.j!.conditions)).to.deep.equal({
      phase: 'failed',
      reason: 'TrainingFailed',
      message: 'NaN loss',
    });
  });

  it('kills a job on request and ignores later scale requests', () => {
    const h = running();
    const cmds = h.send({ type: 'killJob', jobId: 'j' });
    expect(only(cmds, 'kill')).to.have.length(4);
    expect(phaseOf(h.state.jobs.j!.conditions).phase).to.equal('killed');
    const scaled = h.send({ type: 'scaleJob', jobId: 'j', desiredWorkers: 3 });
    expect(only(scaled, 'jobEvent')[0]!.event).to.deep.include({ kind: 'rejected', reason: 'JobFinished' });
  });

  it('re-sends a kill that got no terminal update', () => {
    const h = running();
    h.send({ type: 'killJob', jobId: 'j' });
    h.advance(120_000);
    const cmds = h.tick();
    expect(only(cmds, 'kill').map((k) => k.taskId)).to.include('j.ps-0.t1');
  });

  it('PS restart: workers keep running and are sent the new cluster spec', () => {
    const h = running();
    h.status('j.ps-0.t1', 'TASK_FAILED');
    expect(phaseOf(h.state.jobs.j!.conditions)).to.include({ phase: 'running', reason: 'TasksRestarting' });
    h.advance(1000).tick();
    const relaunch = h.offer(offer().agent('a2').hostname('node2').cpus(64).ports(32000, 32010).build());
    expect(launchesIn(relaunch).map((t) => t.taskId)).to.deep.equal(['j.ps-0.t5']);
    const messages = only(relaunch, 'sendClusterSpec');
    expect(messages).to.have.length(1);
    expect(messages[0]!.spec).to.include({ coordinator: 'node2:32000', version: 2 });
    expect(messages[0]!.targets.map((t) => t.taskId)).to.have.members([
      'j.evaluator-0.t2',
      'j.worker-0.t3',
      'j.worker-1.t4',
    ]);
    expect(only(relaunch, 'kill')).to.deep.equal([]);
  });

  it('fails a running job whose PS stays down past the deadline', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').set('psUnavailableTimeoutSeconds', 30).build());
    h.offer(offer().cpus(64).build());
    h.runAll();
    h.status(h.slotTask('j', 'ps', 0)!, 'TASK_FAILED');
    expect(h.lastStep.nextTickAtMs).to.equal(h.nowMs + 1000);
    h.advance(29_000).tick();
    expect(phaseOf(h.state.jobs.j!.conditions).phase).to.equal('running');
    h.advance(1_000).tick();
    expect(phaseOf(h.state.jobs.j!.conditions)).to.include({
      phase: 'failed',
      reason: 'ParameterServerUnavailable',
    });
  });

  it('does not start workers before every PS shard has a task (no deadlock: the PS gets the room first)', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').ps(2).build());
    // Room for one task only: it goes to a PS, never to a worker.
    const first = launchesIn(h.offer(offer().cpus(1.1).build()));
    expect(first.map((t) => t.role)).to.deep.equal(['ps']);
    const second = launchesIn(h.offer(offer().cpus(1.1).build(), offer().cpus(2.2).build()));
    expect(second.map((t) => `${t.role}-${t.index}`)).to.deep.equal(['ps-1', 'worker-0', 'worker-1']);
  });

  // Every TaskState arriving for a running worker, not killed by us.
  const outcome: Record<TaskState, 'active' | 'restart' | 'replaced' | 'complete' | 'failed-job'> = {
    TASK_STAGING: 'active',
    TASK_STARTING: 'active',
    TASK_RUNNING: 'active',
    TASK_KILLING: 'active',
    TASK_FINISHED: 'complete',
    TASK_FAILED: 'restart',
    TASK_KILLED: 'restart',
    TASK_ERROR: 'failed-job',
    TASK_LOST: 'restart',
    TASK_DROPPED: 'restart',
    TASK_UNREACHABLE: 'replaced',
    TASK_GONE: 'restart',
    TASK_GONE_BY_OPERATOR: 'restart',
    TASK_UNKNOWN: 'restart',
  };
  for (const state of TASK_STATES)
    it(`handles ${state} for a running worker: ${outcome[state]}`, () => {
      const h = running();
      h.status('j.worker-0.t3', state);
      const job = h.state.jobs.j!;
      const slot = job.slots.find((s) => s.role === 'worker' && s.index === 0)!;
      const task = h.state.tasks['j.worker-0.t3'];
      switch (outcome[state]) {
        case 'active':
          expect(slot.taskId).to.equal('j.worker-0.t3');
          expect(task!.state).to.equal(state);
          break;
        case 'restart':
          expect(task).to.equal(undefined);
          expect(slot.taskId).to.equal(undefined);
          expect(slot.backoffUntilMs).to.be.a('number');
          break;
        case 'replaced':
          expect(task).to.include({ replaced: true, state });
          expect(slot.taskId).to.equal(undefined);
          break;
        case 'complete':
          expect(task).to.equal(undefined);
          expect(slot.completed).to.equal(true);
          break;
        case 'failed-job':
          expect(phaseOf(job.conditions).phase).to.equal('failed');
          break;
      }
    });
});
