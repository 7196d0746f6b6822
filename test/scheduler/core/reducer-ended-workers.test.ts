import { expect } from 'chai';
import { phaseOf } from '../../../scheduler/core/conditions.js';
import { TASK_STATES, type TaskState } from '../../../scheduler/core/task-states.js';
import { Harness, only, runningOnOneAgent } from '../../builders/harness.js';
import { jobSpec } from '../../builders/job-spec.js';
import { offer } from '../../builders/offer.js';

const PS = 'j.ps-0.t1';
const W0 = 'j.worker-0.t3';
const W1 = 'j.worker-1.t4';

/** Job `j` (1 PS, 2 workers, 1 evaluator) running on one big agent `a1`. */
function running(): Harness {
  return runningOnOneAgent(jobSpec().id('j').workers(1, 4, 2).evaluator(1).build());
}

/** Job `j` with ps-0 alone on agent `a1` and the evaluator and both workers on `a2`, all running. */
function twoAgents(): Harness {
  const h = new Harness();
  h.subscribe();
  h.submit(jobSpec().id('j').workers(1, 4, 2).evaluator(1).build());
  h.offer(offer().agent('a1').cpus(1.1).build());
  h.offer(
    offer()
      .agent('a2')
      .cpus(64)
      .mem(1 << 20)
      .build(),
  );
  h.runAll();
  return h;
}

/** Where the core must send the message: ps-0's executor. */
const ps0Target = (h: Harness) => {
  const ps = h.state.tasks[h.slotTask('j', 'ps', 0)!]!;
  return { taskId: ps.taskId, agentId: ps.agentId, executorId: ps.executorId };
};

describe('scheduler/core/reducer: telling ps-0 which workers ended', () => {
  it('a worker that fails: one MESSAGE to the executor of the running ps-0 naming it', () => {
    const h = running();
    const cmds = h.status(W0, 'TASK_FAILED');
    expect(only(cmds, 'sendWorkersEnded')).to.deep.equal([
      { type: 'sendWorkersEnded', jobId: 'j', taskIds: [W0], target: ps0Target(h) },
    ]);
    expect(ps0Target(h).taskId).to.equal(PS);
    expect(only(cmds, 'notice').map((n) => n.message)).to.include('Telling ps-0 which workers ended');
    // A redelivered update changes nothing and tells nobody again.
    expect(only(h.status(W0, 'TASK_FAILED'), 'sendWorkersEnded')).to.deep.equal([]);
  });

  // Every TaskState arriving for a running worker we did not kill: does ps-0 hear of it?
  const told: Record<TaskState, boolean> = {
    TASK_STAGING: false,
    TASK_STARTING: false,
    TASK_RUNNING: false,
    TASK_KILLING: false,
    TASK_FINISHED: true,
    TASK_FAILED: true,
    TASK_KILLED: true,
    // The job fails (the TaskInfo is refused): every task is killed, nobody trains on.
    TASK_ERROR: false,
    TASK_LOST: true,
    TASK_DROPPED: true,
    // It may still run, but its slot is given to a new task.
    TASK_UNREACHABLE: true,
    TASK_GONE: true,
    TASK_GONE_BY_OPERATOR: true,
    TASK_UNKNOWN: true,
  };
  for (const state of TASK_STATES)
    it(`${state} of a running worker: ${told[state] ? 'ps-0 is told' : 'nothing sent'}`, () => {
      const h = running();
      const sent = only(h.status(W0, state), 'sendWorkersEnded');
      expect(sent.map((m) => m.taskIds)).to.deep.equal(told[state] ? [[W0]] : []);
      if (state === 'TASK_ERROR') expect(phaseOf(h.state.jobs.j!.conditions).phase).to.equal('failed');
    });

  it('a worker that was replaced (unreachable) is not named again when its terminal update comes', () => {
    const h = running();
    expect(only(h.status(W0, 'TASK_UNREACHABLE'), 'sendWorkersEnded')).to.have.length(1);
    expect(only(h.status(W0, 'TASK_LOST'), 'sendWorkersEnded')).to.deep.equal([]);
  });

  it('an agent lost with the workers on it: one MESSAGE naming every worker, sent to ps-0 elsewhere', () => {
    const h = twoAgents();
    expect(h.state.tasks[PS]!.agentId).to.equal('a1');
    const cmds = h.send({ type: 'agentLost', agentId: 'a2' });
    const sent = only(cmds, 'sendWorkersEnded');
    expect(sent).to.have.length(1);
    expect(sent[0]!.taskIds).to.have.members([W0, W1]);
    expect(sent[0]!.target).to.deep.equal(ps0Target(h));
  });

  it('an agent lost with ps-0 on it: nothing sent (a restarted ps-0 holds no live lease)', () => {
    const h = running();
    expect(only(h.send({ type: 'agentLost', agentId: 'a1' }), 'sendWorkersEnded')).to.deep.equal([]);
  });

  it('nothing is sent while ps-0 is not running', () => {
    const h = running();
    h.status(PS, 'TASK_FAILED');
    expect(only(h.status(W0, 'TASK_FAILED'), 'sendWorkersEnded')).to.deep.equal([]);
  });

  it('nothing is sent for the workers of a job that ended (every task is being stopped)', () => {
    const h = running();
    h.send({ type: 'killJob', jobId: 'j' });
    expect(only(h.status(W0, 'TASK_KILLED'), 'sendWorkersEnded')).to.deep.equal([]);
    expect(only(h.status(W1, 'TASK_FAILED'), 'sendWorkersEnded')).to.deep.equal([]);
  });

  it('a launched worker that never reported and is replaced on the timer is named too', () => {
    const h = new Harness({ launchTimeoutMs: 10_000 });
    h.subscribe();
    h.submit(jobSpec().id('j').workers(1, 4, 1).build());
    h.offer(
      offer()
        .agent('a1')
        .cpus(64)
        .mem(1 << 20)
        .build(),
    );
    h.runAll('ps');
    const worker = h.slotTask('j', 'worker', 0)!;
    h.advance(10_000).tick(); // reconciled explicitly first
    const cmds = h.advance(10_000).tick();
    expect(only(cmds, 'kill').map((k) => k.taskId)).to.include(worker);
    expect(only(cmds, 'sendWorkersEnded').map((m) => m.taskIds)).to.deep.equal([[worker]]);
  });

  it('sends nothing while disconnected', () => {
    const h = running();
    h.send({ type: 'disconnected' });
    const cmds = h.status(W0, 'TASK_FAILED', { uuid: null });
    expect(only(cmds, 'sendWorkersEnded')).to.deep.equal([]);
    expect(only(cmds, 'notice').map((n) => n.message)).to.not.include('Telling ps-0 which workers ended');
  });
});
