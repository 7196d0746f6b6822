import { expect } from 'chai';
import type { Command } from '../../../scheduler/core/index.js';
import { RuntimeRecords } from '../../../scheduler/runtime/job-history.js';
import { clusterSpecView, jobStatus, jobSummary, metricsSnapshot } from '../../../scheduler/runtime/views.js';
import { Harness } from '../../builders/harness.js';
import { jobSpec } from '../../builders/job-spec.js';
import { offer } from '../../builders/offer.js';

/** A harness whose job events also go into runtime records, as the driver does. */
function world() {
  const h = new Harness();
  const records = new RuntimeRecords();
  const feed = (commands: readonly Command[]) => {
    for (const c of commands)
      if (c.type === 'jobEvent' && h.state.jobs[c.jobId]) records.job(c.jobId).onEvent(c.event, c.atMs);
    return commands;
  };
  const spec = jobSpec()
    .id('j')
    .ps(1)
    .workers(1, 3, 2)
    .evaluator(1)
    .restart('worker', { backoff: { initialSeconds: 5, maxSeconds: 5 } })
    .set('training', { steps: 100 })
    .build();
  feed(h.subscribe());
  feed(h.submit(spec));
  feed(h.offer(offer().id('O1').agent('S1', 'node-1').cpus(16).mem(65536).ports(31000, 31099).build()));
  for (const t of Object.values(h.state.tasks)) feed(h.status(t.taskId, 'TASK_RUNNING'));
  return { h, records, feed };
}

describe('scheduler runtime: API views', () => {
  it('summarises a running job with its workers, progress and restarts', () => {
    const { h, records, feed } = world();
    const worker0 = h.slotTask('j', 'worker', 0)!;
    feed(h.status(worker0, 'TASK_FAILED', { message: 'out of memory' }));
    records.job('j').onReport(
      {
        input: { type: 'progress', jobId: 'j', step: 42, metrics: { loss: 0.4, examplesSeen: 1344 } },
        role: 'ps',
        index: 0,
      },
      'ps0',
      h.nowMs,
    );
    const s = jobSummary(h.state, records, h.state.jobs.j!);
    expect(s).to.deep.include({
      id: 'j',
      state: 'running',
      step: 42,
      examplesSeen: 1344,
      loss: 0.4,
      restarts: 1,
      createdAt: new Date(h.state.jobs.j!.submittedAtMs).toISOString(),
    });
    expect(s.workers).to.deep.equal({ min: 1, max: 3, desired: 2, running: 1 });
  });

  it('lists the job’s tasks with agent hostname, endpoint, start time and their slot’s last failure', () => {
    const { h, records, feed } = world();
    const worker0 = h.slotTask('j', 'worker', 0)!;
    feed(h.status(worker0, 'TASK_FAILED', { message: 'out of memory' }));
    h.advance(5_000);
    feed(h.tick());
    feed(h.offer(offer().id('O2').agent('S2', 'node-2').ports(32000, 32010).build()));
    const status = jobStatus(h.state, records, h.state.jobs.j!, h.nowMs);
    expect(status.tasks.map((t) => `${t.role}-${t.index}`)).to.deep.equal([
      'ps-0',
      'evaluator-0',
      'worker-0',
      'worker-1',
    ]);
    const ps = status.tasks[0]!;
    expect(ps).to.deep.include({ hostname: 'node-1', agentId: 'S1', state: 'TASK_RUNNING', restarts: 0 });
    expect(ps.endpoint).to.match(/^node-1:310\d\d$/);
    expect(ps.startedAt).to.be.a('string');
    const w0 = status.tasks[2]!;
    expect(w0).to.deep.include({ hostname: 'node-2', state: 'TASK_STAGING', restarts: 1 });
    expect(w0.lastFailure).to.deep.include({ state: 'TASK_FAILED', message: 'out of memory' });
    expect(status.spec).to.deep.include({ id: 'j' });
    expect(JSON.stringify(status)).to.not.include(h.state.jobs.j!.secret);
    expect(status.progress).to.deep.include({ step: 0, totalSteps: 100 });
    expect(status.conditions.map((c) => [c.type, c.status])).to.deep.include(['Running', true]);
  });

  it('shows where the tasks serve: PS shards and coordinator as told, and the workers', () => {
    const { h } = world();
    const v = clusterSpecView(h.state, h.state.jobs.j!);
    expect(v.version).to.equal(1);
    expect(v.ps).to.have.length(1);
    expect(v.coordinator).to.equal(v.ps[0]);
    expect(v.workers).to.have.length(2);
    expect(v.evaluator).to.match(/^node-1:/);
  });

  it('snapshots task counts, restarts and offer counters for /metrics', () => {
    const { h, records, feed } = world();
    feed(h.status(h.slotTask('j', 'worker', 1)!, 'TASK_LOST'));
    records.offersAccepted = 3;
    records.offersDeclined = 7;
    const m = metricsSnapshot(h.state, records, h.nowMs);
    expect(m.offersAcceptedTotal).to.equal(3);
    expect(m.offersDeclinedTotal).to.equal(7);
    expect(m.tasksByRoleAndState).to.deep.include.members([
      { role: 'ps', state: 'TASK_RUNNING', count: 1 },
      { role: 'worker', state: 'TASK_RUNNING', count: 1 },
    ]);
    expect(m.restartsTotal).to.deep.equal([{ jobId: 'j', role: 'worker', count: 1 }]);
    expect(m.jobs[0]).to.deep.include({ jobId: 'j', state: 'running', step: 0 });
  });
});
