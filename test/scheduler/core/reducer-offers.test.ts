import { expect } from 'chai';
import { Harness, launchesIn, only } from '../../builders/harness.js';
import { jobSpec } from '../../builders/job-spec.js';
import { offer, offers } from '../../builders/offer.js';

describe('scheduler/core/reducer: offers, suppress and revive', () => {
  it('declines every offer it cannot use: briefly while tasks wait, for an hour when idle', () => {
    const h = new Harness();
    h.subscribe();
    expect(only(h.offer(offer().build()), 'decline')[0]!.refuseSeconds).to.equal(3600);
    h.submit(jobSpec().id('j').role('worker', { gpus: 1 }).build());
    const cmds = h.offer(offer().agent('cpu').cpus(64).build(), offer().agent('cpu2').cpus(64).build());
    // The PS goes to one agent; workers need GPUs nobody offered: the rest is declined briefly.
    expect(launchesIn(cmds).map((t) => t.role)).to.deep.equal(['ps']);
    expect(only(cmds, 'decline')).to.deep.equal([
      { type: 'decline', offerIds: [only(cmds, 'decline')[0]!.offerIds[0]!], refuseSeconds: 10 },
    ]);
    const gpu = launchesIn(h.offer(offer().agent('gpu').gpus(2).cpus(64).build()));
    expect(gpu.map((t) => [t.role, t.gpu])).to.deep.equal([
      ['worker', true],
      ['worker', true],
    ]);
  });

  it('uses every offer once: accepted or declined, never held', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').workers(1, 3, 3).build());
    const batch = offers(10, (b) => b.cpus(2.2));
    const cmds = h.offer(...batch);
    const used = [
      ...only(cmds, 'launch').flatMap((l) => l.offerIds),
      ...only(cmds, 'decline').flatMap((d) => d.offerIds),
    ];
    expect(used.sort()).to.deep.equal(batch.map((o) => o.id).sort());
  });

  it('suppresses when nothing is pending and revives when a restart becomes due', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').build());
    const launched = h.offer(offer().cpus(64).build());
    expect(only(launched, 'suppress')).to.have.length(1);
    h.runAll();
    const failed = h.status('j.worker-0.t2', 'TASK_FAILED');
    // Not yet: the slot is in backoff, so offers stay suppressed.
    expect(only(failed, 'revive')).to.deep.equal([]);
    expect(h.state.suppressed).to.equal(true);
    h.advance(1000);
    expect(only(h.tick(), 'revive')).to.have.length(1);
    // No REVIVE loop: further ticks and declines do not revive again.
    expect(only(h.tick(), 'revive')).to.deep.equal([]);
  });

  it('revives again when demand rises while not suppressed (clears earlier decline filters)', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').workers(1, 8, 2).build());
    h.offer(offer().cpus(1.1).build()); // PS only; workers still pending
    expect(h.state.suppressed).to.equal(false);
    const scaled = h.send({ type: 'scaleJob', jobId: 'j', desiredWorkers: 5 });
    expect(only(scaled, 'revive')).to.have.length(1);
  });

  it('launches one ACCEPT per offer, each with the tasks packed into it', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').workers(1, 4, 4).build());
    const cmds = h.offer(offer().agent('a').cpus(2.2).build(), offer().agent('b').cpus(3.3).build());
    const launches = only(cmds, 'launch');
    expect(launches.map((l) => [l.agentId, l.tasks.length])).to.deep.equal([
      ['a', 2],
      ['b', 3],
    ]);
    expect(
      launches.every((l) => l.offerIds.length === 1 && l.tasks.every((t) => t.agentId === l.agentId)),
    ).to.equal(true);
  });

  it('places jobs in submission order', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('first').workers(1, 1, 1).build());
    h.advance(1);
    h.submit(jobSpec().id('second').workers(1, 1, 1).build());
    const l = launchesIn(h.offer(offer().cpus(2.2).build()));
    expect(l.map((t) => t.jobId)).to.deep.equal(['first', 'first']);
  });

  it('rejects a second job with the same id', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').build());
    const again = h.submit(jobSpec().id('j').build());
    expect(only(again, 'jobEvent')[0]!.event).to.deep.include({ kind: 'rejected', reason: 'AlreadyExists' });
    expect(only(again, 'persist')).to.deep.equal([]);
  });
});
