// A KILL nobody answers (the executor hangs, is stopped, or ignores it): the core keeps re-sending it,
// and after `killResendsBeforeShutdown` unanswered re-sends it also SHUTs DOWN the task's executor, so
// the agent destroys it and reports the task terminal (REFERENCE §5.7).
import { expect } from 'chai';
import type { Command } from '../../../scheduler/core/index.js';
import { executorIdFor } from '../../../scheduler/core/ids.js';
import { Harness, only, runningOnOneAgent, typesOf } from '../../builders/harness.js';
import { jobSpec } from '../../builders/job-spec.js';
import { offer } from '../../builders/offer.js';

/** A subscribed harness with job `j` (1 PS, 2 workers) running on agent a1, advanced past the start. */
function running(opts: ConstructorParameters<typeof Harness>[0] = {}): Harness {
  const h = runningOnOneAgent(jobSpec().id('j').workers(1, 4, 2).build(), opts);
  h.advance(1000);
  return h;
}

/** Scales `j` in to one worker; returns the id of the worker being killed. */
function scaleIn(h: Harness): string {
  const kills = only(h.send({ type: 'scaleJob', jobId: 'j', desiredWorkers: 1 }), 'kill');
  expect(kills).to.have.length(1);
  return kills[0]!.taskId;
}

const shutdowns = (cmds: readonly Command[]) => only(cmds, 'shutdown');
const escalationNotices = (cmds: readonly Command[]) =>
  only(cmds, 'notice').filter((n) => n.message.includes('shutting down'));

// The worker's kill grace period is 30 s, so KILL is re-sent every max(60 s, 2 × 30 s) = 60 s.
const WORKER_RETRY_MS = 60_000;

describe('scheduler/core/reducer: escalating an unanswered kill to SHUTDOWN', () => {
  it('re-sends KILL, then after the second unanswered re-send SHUTs DOWN the task’s executor once', () => {
    const h = running();
    const victim = scaleIn(h);
    const executorId = h.state.tasks[victim]!.executorId;
    expect(executorId).to.equal(executorIdFor(victim));

    // Two re-sends without an answer: KILL only.
    for (let i = 1; i <= 2; i++) {
      const cmds = h.advance(WORKER_RETRY_MS).tick();
      expect(
        only(cmds, 'kill').map((k) => k.taskId),
        `re-send ${i}`,
      ).to.deep.equal([victim]);
      expect(shutdowns(cmds), `re-send ${i}`).to.deep.equal([]);
      expect(h.state.tasks[victim]!.killResends).to.equal(i);
    }
    // The second re-send went unanswered too: KILL again, and one SHUTDOWN of its executor on its agent.
    const escalated = h.advance(WORKER_RETRY_MS).tick();
    expect(only(escalated, 'kill').map((k) => k.taskId)).to.deep.equal([victim]);
    expect(shutdowns(escalated)).to.deep.equal([
      { type: 'shutdown', taskId: victim, executorId, agentId: 'a1' },
    ]);
    // Persisted first (the escalation is part of the task's record), then the calls, then the notice.
    expect(typesOf(escalated)).to.deep.equal(['persist', 'kill', 'shutdown', 'notice']);
    expect(escalationNotices(escalated)).to.have.length(1);
    expect(escalationNotices(escalated)[0]).to.deep.include({ level: 'warn' });
    expect(escalationNotices(escalated)[0]!.meta).to.deep.include({
      taskId: victim,
      executorId,
      agentId: 'a1',
      killsSent: 3,
    });
    expect(h.state.tasks[victim]!.executorShutdownAtMs).to.equal(h.nowMs);

    // Still no answer: both are re-sent (either may have been lost), the notice is not repeated.
    const later = h.advance(WORKER_RETRY_MS).tick();
    expect(only(later, 'kill')).to.have.length(1);
    expect(shutdowns(later)).to.have.length(1);
    expect(escalationNotices(later)).to.deep.equal([]);

    // The agent destroys the executor and reports the task (slave.cpp: TASK_FAILED, EXECUTOR_TERMINATED).
    const ended = h.status(victim, 'TASK_FAILED', { reason: 'REASON_EXECUTOR_TERMINATED' });
    expect(h.state.tasks[victim]).to.equal(undefined);
    expect(typesOf(ended)).to.include('acknowledge');
    // A kill we asked for: no penalty, no restart of the removed slot.
    expect(only(ended, 'jobEvent').some((e) => e.event.kind === 'restartScheduled')).to.equal(false);
    expect(h.state.jobs.j!.slots.filter((s) => s.role === 'worker')).to.have.length(1);

    // Nothing more for it, ever.
    for (let i = 0; i < 5; i++) {
      const cmds = h.advance(WORKER_RETRY_MS).tick();
      expect(only(cmds, 'kill').filter((k) => k.taskId === victim)).to.deep.equal([]);
      expect(shutdowns(cmds)).to.deep.equal([]);
      expect(escalationNotices(cmds)).to.deep.equal([]);
    }
  });

  it('never escalates a kill that is answered in time', () => {
    const h = running();
    const victim = scaleIn(h);
    h.advance(WORKER_RETRY_MS).tick();
    h.advance(WORKER_RETRY_MS).tick();
    h.status(victim, 'TASK_KILLING');
    expect(h.state.tasks[victim]).to.not.equal(undefined);
    h.advance(WORKER_RETRY_MS / 2);
    const killed = h.status(victim, 'TASK_KILLED');
    expect(shutdowns(killed)).to.deep.equal([]);
    const all = [...h.steps.flatMap((s) => s.commands), ...h.advance(10 * WORKER_RETRY_MS).tick()];
    expect(shutdowns(all)).to.deep.equal([]);
    expect(escalationNotices(all)).to.deep.equal([]);
  });

  it('derives the time to escalate from each task’s kill grace period', () => {
    // Killing the job kills the PS (grace 60 s: re-sent every 120 s) and the workers (every 60 s).
    const h = running();
    const killed = only(h.send({ type: 'killJob', jobId: 'j' }), 'kill');
    expect(killed).to.have.length(3);
    const ps = killed.find((k) => k.taskId.includes('.ps-0.'))!;
    expect(ps.gracePeriodMs).to.equal(60_000);
    const shutdownAt = new Map<string, number>();
    const start = h.nowMs;
    for (let t = 0; t < 20 && shutdownAt.size < 3; t++) {
      const cmds = h.tickToNext();
      // The first SHUTDOWN of a task comes with its one notice (later re-sends have none).
      const noticed = escalationNotices(cmds).map((n) => n.meta.taskId);
      for (const s of shutdowns(cmds)) {
        expect(noticed.includes(s.taskId), `notice for ${s.taskId}`).to.equal(!shutdownAt.has(s.taskId));
        if (!shutdownAt.has(s.taskId)) shutdownAt.set(s.taskId, h.nowMs - start);
      }
    }
    for (const k of killed) {
      const expected = k.taskId === ps.taskId ? 3 * 120_000 : 3 * WORKER_RETRY_MS;
      expect(shutdownAt.get(k.taskId), k.taskId).to.equal(expected);
    }
  });

  it('honours killResendsBeforeShutdown (0: at the first retry)', () => {
    const h = running({ killResendsBeforeShutdown: 0 });
    const victim = scaleIn(h);
    const first = h.advance(WORKER_RETRY_MS).tick();
    expect(shutdowns(first).map((s) => s.taskId)).to.deep.equal([victim]);
    expect(escalationNotices(first)).to.have.length(1);
  });

  it('re-sends the SHUTDOWN with the KILL after a re-subscription, without a second notice', () => {
    const h = running();
    const victim = scaleIn(h);
    // Before the escalation a re-subscription re-sends the KILL alone and counts no retry.
    h.send({ type: 'disconnected' });
    const early = h.send({ type: 'subscribed', frameworkId: 'fw-1' });
    expect(only(early, 'kill').map((k) => k.taskId)).to.deep.equal([victim]);
    expect(shutdowns(early)).to.deep.equal([]);
    expect(h.state.tasks[victim]!.killResends ?? 0).to.equal(0);

    for (let i = 0; i < 3; i++) h.advance(WORKER_RETRY_MS).tick();
    expect(h.state.tasks[victim]!.executorShutdownAtMs).to.be.a('number');
    // While disconnected nothing is sent, and no tick escalates or re-sends.
    h.send({ type: 'disconnected' });
    const offline = h.advance(WORKER_RETRY_MS).tick();
    expect(only(offline, 'kill')).to.deep.equal([]);
    expect(shutdowns(offline)).to.deep.equal([]);
    const again = h.send({ type: 'subscribed', frameworkId: 'fw-1' });
    expect(only(again, 'kill').map((k) => k.taskId)).to.deep.equal([victim]);
    expect(shutdowns(again)).to.deep.equal([
      { type: 'shutdown', taskId: victim, executorId: executorIdFor(victim), agentId: 'a1' },
    ]);
    expect(escalationNotices(again)).to.deep.equal([]);
  });

  it('forgets a killed task that never reported after five unanswered re-sends', () => {
    const h = new Harness();
    h.subscribe();
    h.submit(jobSpec().id('j').workers(1, 4, 1).build());
    h.offer(
      offer()
        .agent('a1')
        .cpus(64)
        .mem(1 << 20)
        .build(),
    );
    // Killed before any of its tasks ever reported (their launch may have been lost).
    const worker = Object.values(h.state.tasks).find((t) => t.role === 'worker')!;
    expect(worker.awaitingFirstUpdate).to.equal(true);
    h.send({ type: 'killJob', jobId: 'j' });
    let forgottenAfter = 0;
    for (let i = 1; i <= 12 && forgottenAfter === 0; i++) {
      const cmds = h.advance(WORKER_RETRY_MS).tick();
      if (only(cmds, 'notice').some((n) => n.message === 'Forgetting a killed task that never reported'))
        forgottenAfter = i;
    }
    // Re-sent five times (the SHUTDOWN of its executor went out with the last three), then dropped.
    expect(forgottenAfter).to.equal(6);
    expect(h.state.tasks[worker.taskId]).to.equal(undefined);
  });
});
