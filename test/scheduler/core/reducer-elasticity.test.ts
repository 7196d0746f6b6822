import { expect } from 'chai';
import { phaseOf } from '../../../scheduler/core/conditions.js';
import { Harness, launchesIn, only } from '../../builders/harness.js';
import { jobSpec } from '../../builders/job-spec.js';
import { offer } from '../../builders/offer.js';

function running(min: number, max: number, desired: number): Harness {
  const h = new Harness();
  h.subscribe();
  h.submit(jobSpec().id('j').workers(min, max, desired).build());
  h.offer(
    offer()
      .agent('a1')
      .cpus(64)
      .mem(1 << 20)
      .build(),
  );
  h.runAll();
  h.advance(1000);
  return h;
}

const workerSlots = (h: Harness) =>
  h.state.jobs.j!.slots.filter((s) => s.role === 'worker').map((s) => s.index);

describe('scheduler/core/reducer: elasticity', () => {
  it('scales out by reviving offers and launching new worker slots', () => {
    const h = running(1, 8, 2);
    const scaled = h.send({ type: 'scaleJob', jobId: 'j', desiredWorkers: 4 });
    expect(only(scaled, 'revive')).to.have.length(1);
    expect(workerSlots(h)).to.deep.equal([0, 1, 2, 3]);
    const l = launchesIn(h.offer(offer().cpus(64).build()));
    expect(l.map((t) => `${t.role}-${t.index}`)).to.deep.equal(['worker-2', 'worker-3']);
    // New workers get the current cluster spec at launch; nothing else changes for the running ones.
    expect(JSON.parse(l[0]!.env.NODAL_CLUSTER_SPEC!).version).to.equal(1);
  });

  it('scales in by gracefully killing the newest workers', () => {
    const h = running(1, 8, 2);
    h.send({ type: 'scaleJob', jobId: 'j', desiredWorkers: 4 });
    h.advance(5000);
    h.offer(offer().cpus(64).build());
    h.runAll();
    const cmds = h.send({ type: 'scaleJob', jobId: 'j', desiredWorkers: 1 });
    const kills = only(cmds, 'kill');
    // worker-2 and worker-3 started last; worker-1 and worker-0 started together (the higher index goes).
    expect(kills.map((k) => k.taskId)).to.deep.equal(['j.worker-3.t5', 'j.worker-2.t4', 'j.worker-1.t3']);
    expect(kills.every((k) => k.gracePeriodMs === 30_000)).to.equal(true);
    expect(workerSlots(h)).to.deep.equal([0]);
    // Their TASK_KILLED ends them without any restart, and training goes on.
    for (const k of kills) h.status(k.taskId, 'TASK_KILLED');
    expect(only(h.lastStep.commands, 'jobEvent').some((e) => e.event.kind === 'restartScheduled')).to.equal(
      false,
    );
    expect(phaseOf(h.state.jobs.j!.conditions).phase).to.equal('running');
  });

  it('drops waiting slots before killing running workers when scaling in', () => {
    const h = running(1, 8, 2);
    h.send({ type: 'scaleJob', jobId: 'j', desiredWorkers: 3 });
    const cmds = h.send({ type: 'scaleJob', jobId: 'j', desiredWorkers: 2 });
    expect(only(cmds, 'kill')).to.deep.equal([]);
    expect(workerSlots(h)).to.deep.equal([0, 1]);
  });

  it('clamps the desired count to [min, max]', () => {
    const h = running(2, 4, 2);
    const cmds = h.send({ type: 'scaleJob', jobId: 'j', desiredWorkers: 10 });
    expect(only(cmds, 'jobEvent')[0]!.event).to.deep.equal({
      kind: 'scaled',
      desiredWorkers: 4,
      requested: 10,
    });
    h.send({ type: 'scaleJob', jobId: 'j', desiredWorkers: 0 });
    expect(h.state.jobs.j!.desiredWorkers).to.equal(2);
  });

  it('a lost agent lowers the running count, training goes on, and the slots refill when offers allow', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').workers(1, 4, 3).build());
    h.offer(offer().agent('ps-host').cpus(1.1).build(), offer().agent('w-host').cpus(64).build());
    h.runAll();
    expect(phaseOf(h.state.jobs.j!.conditions).phase).to.equal('running');
    const lost = h.send({ type: 'agentLost', agentId: 'w-host' });
    // The master is asked about the tasks of that agent.
    expect(only(lost, 'reconcile')[0]!.tasks.map((t) => t.agentId)).to.deep.equal([
      'w-host',
      'w-host',
      'w-host',
    ]);
    expect(Object.values(h.state.tasks).filter((t) => t.replaced)).to.have.length(3);
    expect(phaseOf(h.state.jobs.j!.conditions)).to.include({ phase: 'running', reason: 'TasksRestarting' });
    // The PS is untouched; only one small agent comes back: one worker fits and training continues.
    h.advance(2000).tick();
    const refill = launchesIn(h.offer(offer().agent('w2').cpus(1.1).build()));
    expect(refill.map((t) => t.role)).to.deep.equal(['worker']);
    h.runAll('worker');
    expect(phaseOf(h.state.jobs.j!.conditions).phase).to.equal('running');
    // Later offers fill the other two.
    expect(launchesIn(h.offer(offer().agent('w3').cpus(64).build()))).to.have.length(2);
  });

  it('an unreachable task that comes back after its replacement launched is killed as a duplicate', () => {
    const h = running(1, 2, 1);
    const old = h.slotTask('j', 'worker', 0)!;
    h.status(old, 'TASK_UNREACHABLE', { uuid: null, reason: 'REASON_AGENT_DISCONNECTED' });
    h.advance(2000).tick();
    const [replacement] = launchesIn(h.offer(offer().agent('a2').cpus(64).build()));
    expect(replacement!.index).to.equal(0);
    const cmds = h.status(old, 'TASK_RUNNING', { uuid: null, reason: 'REASON_AGENT_REREGISTERED' });
    expect(only(cmds, 'kill').map((k) => k.taskId)).to.deep.equal([old]);
    expect(h.slotTask('j', 'worker', 0)).to.equal(replacement!.taskId);
    h.status(old, 'TASK_KILLED');
    expect(h.state.tasks[old]).to.equal(undefined);
  });

  it('an unreachable task that comes back before a replacement launched is taken back', () => {
    const h = running(1, 2, 1);
    const old = h.slotTask('j', 'worker', 0)!;
    h.status(old, 'TASK_UNREACHABLE', { uuid: null });
    const cmds = h.status(old, 'TASK_RUNNING', { uuid: null, reason: 'REASON_AGENT_REREGISTERED' });
    expect(only(cmds, 'kill')).to.deep.equal([]);
    expect(h.slotTask('j', 'worker', 0)).to.equal(old);
    expect(h.state.tasks[old]!.replaced).to.equal(undefined);
  });
});
