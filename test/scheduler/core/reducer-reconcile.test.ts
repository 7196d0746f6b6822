import { expect } from 'chai';
import { fromStored, toStored } from '../../../scheduler/core/state.js';
import { Harness, launchesIn, only, typesOf } from '../../builders/harness.js';
import { jobSpec } from '../../builders/job-spec.js';
import { offer } from '../../builders/offer.js';

/** A running job `j` (1 PS, 2 workers), then a scheduler restart from the stored state. */
function restarted(): { before: Harness; after: Harness } {
  const before = new Harness();
  before.subscribe('fw-1');
  before.submit(jobSpec().id('j').build());
  before.offer(offer().agent('a1').cpus(64).build());
  before.runAll();
  const stored = JSON.parse(JSON.stringify(toStored(before.state)));
  const after = new Harness({}, fromStored(stored), before.nowMs + 5000);
  return { before, after };
}

describe('scheduler/core/reducer: reconciliation and failover', () => {
  it('keeps the framework id and jobs across a restart and re-subscribes with them', () => {
    const { after } = restarted();
    expect(after.state.frameworkId).to.equal('fw-1');
    expect(Object.keys(after.state.tasks)).to.have.length(3);
    const cmds = after.subscribe('fw-1');
    // Same framework id: nothing to persist; explicit reconciliation of every stored task first.
    expect(typesOf(cmds)[0]).to.equal('reconcile');
    expect(
      only(cmds, 'reconcile')[0]!
        .tasks.map((t) => t.taskId)
        .sort(),
    ).to.deep.equal(Object.keys(after.state.tasks).sort());
  });

  it('holds launches until the explicit answers arrive, then reconciles implicitly', () => {
    const { after } = restarted();
    after.subscribe('fw-1');
    const ids = Object.keys(after.state.tasks);
    // The master lost one worker while we were away (TASK_GONE); the others still run.
    after.status(ids[0]!, 'TASK_RUNNING', { uuid: null, reason: 'REASON_RECONCILIATION' });
    after.status(ids[1]!, 'TASK_RUNNING', { uuid: null, reason: 'REASON_RECONCILIATION' });
    const held = after.offer(offer().cpus(64).build());
    expect(launchesIn(held)).to.deep.equal([]);
    expect(only(held, 'decline')[0]!.refuseSeconds).to.equal(5);
    const last = after.status(ids[2]!, 'TASK_GONE', { uuid: null, reason: 'REASON_RECONCILIATION' });
    expect(only(last, 'reconcile')).to.deep.equal([{ type: 'reconcile', tasks: [] }]);
    // The task the store knew but the master did not is relaunched (after its backoff).
    after.advance(1000).tick();
    const l = launchesIn(after.offer(offer().cpus(64).build()));
    expect(l).to.have.length(1);
    expect(l[0]!.taskId).to.not.equal(ids[2]);
  });

  it('retries unanswered explicit reconciliation with backoff and stops holding launches after the hold', () => {
    const { after } = restarted();
    after.subscribe('fw-1');
    expect(after.lastStep.nextTickAtMs).to.equal(after.nowMs + 2000);
    after.advance(2000);
    const retry = after.tick();
    expect(only(retry, 'reconcile')[0]!.tasks).to.have.length(3);
    expect(after.lastStep.nextTickAtMs).to.equal(after.nowMs + 4000);
    after.advance(28_000);
    const hold = after.tick();
    // The hold is over: implicit reconciliation goes out, and offers may be used again.
    expect(only(hold, 'reconcile').some((r) => r.tasks.length === 0)).to.equal(true);
    expect(only(hold, 'notice').map((n) => n.message)).to.include(
      'Reconciliation unanswered; launching anyway',
    );
  });

  it('kills tasks the master knows but the store does not', () => {
    const { after } = restarted();
    after.subscribe('fw-1');
    const cmds = after.status('j.worker-7.zz', 'TASK_RUNNING', {
      uuid: null,
      agentId: 'a9',
      reason: 'REASON_RECONCILIATION',
    });
    expect(only(cmds, 'kill')).to.deep.equal([
      { type: 'kill', taskId: 'j.worker-7.zz', agentId: 'a9', gracePeriodMs: 0 },
    ]);
    // A terminal update of an unknown task needs no kill.
    expect(only(after.status('x.y.z', 'TASK_FAILED', { uuid: null, agentId: 'a9' }), 'kill')).to.deep.equal(
      [],
    );
  });

  it('reconciles periodically (explicit, then implicit after a retry)', () => {
    const h = new Harness({ reconcileIntervalMs: 60_000 });
    h.subscribe();
    h.submit(jobSpec().id('j').build());
    h.offer(offer().cpus(64).build());
    h.runAll();
    expect(h.lastStep.nextTickAtMs).to.equal(1_000_000 + 60_000);
    h.tickToNext();
    const explicit = only(h.lastStep.commands, 'reconcile');
    expect(explicit).to.have.length(1);
    expect(explicit[0]!.tasks).to.have.length(3);
    // A periodic round holds no launches.
    h.tickToNext();
    expect(only(h.lastStep.commands, 'reconcile').map((r) => r.tasks.length)).to.deep.equal([3, 0]);
  });

  it('reconciles a launched task that stays silent, then replaces it', () => {
    const h = new Harness({ launchTimeoutMs: 60_000 });
    h.subscribe();
    h.submit(jobSpec().id('j').workers(1, 1, 1).build());
    h.offer(offer().agent('a1').cpus(64).build());
    h.status('j.ps-0.t1', 'TASK_RUNNING');
    h.advance(60_000);
    const first = h.tick();
    expect(only(first, 'reconcile')).to.deep.equal([
      { type: 'reconcile', tasks: [{ taskId: 'j.worker-0.t2', agentId: 'a1' }] },
    ]);
    h.advance(60_000);
    const second = h.tick();
    expect(only(second, 'kill').map((k) => k.taskId)).to.deep.equal(['j.worker-0.t2']);
    expect(h.slotTask('j', 'worker', 0)).to.equal(undefined);
    h.advance(2000).tick();
    expect(launchesIn(h.offer(offer().cpus(64).build())).map((t) => t.taskId)).to.deep.equal([
      'j.worker-0.t3',
    ]);
  });

  it('emits no Mesos call while disconnected and re-sends pending kills after subscribing', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').build());
    h.offer(offer().cpus(64).build());
    h.runAll();
    h.send({ type: 'disconnected' });
    const killed = h.send({ type: 'killJob', jobId: 'j' });
    expect(
      typesOf(killed).filter((t) => t === 'kill' || t === 'reconcile' || t === 'suppress'),
    ).to.deep.equal([]);
    const sub = h.subscribe();
    expect(only(sub, 'kill')).to.have.length(3);
  });

  it('ignores offers while unsubscribed and forgets nothing on RESCIND', () => {
    const h = new Harness();
    expect(h.offer(offer().build())).to.deep.equal([]);
    h.subscribe();
    expect(h.send({ type: 'rescinded', offerId: 'O1' })).to.deep.equal([]);
  });

  it('reconciles the task of a failed executor', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').build());
    h.offer(offer().agent('a1').cpus(64).build());
    const t = h.state.tasks['j.ps-0.t1']!;
    const cmds = h.send({ type: 'executorFailure', agentId: 'a1', executorId: t.executorId, status: 256 });
    expect(only(cmds, 'reconcile')).to.deep.equal([
      { type: 'reconcile', tasks: [{ taskId: t.taskId, agentId: 'a1' }] },
    ]);
  });
});
