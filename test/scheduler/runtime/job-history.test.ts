import { expect } from 'chai';
import type { Input } from '../../../scheduler/core/index.js';
import type { ProgressReport } from '../../../scheduler/runtime/executor-messages.js';
import {
  JobHistory,
  MAX_SERIES_POINTS,
  RATE_WINDOW_MS,
  appendPoint,
  type SeriesPoint,
} from '../../../scheduler/runtime/job-history.js';

type Role = 'ps' | 'worker' | 'evaluator';
const report = (
  role: Role,
  index: number,
  step: number,
  metrics: Record<string, number>,
  extra: Partial<Extract<Input, { type: 'progress' }>> = {},
): ProgressReport => ({
  input: { type: 'progress', jobId: 'j', taskId: `j.${role}-${index}.x`, step, metrics, ...extra },
  role,
  index,
});

describe('scheduler runtime: job history', () => {
  it('takes job-wide numbers from ps-0 and the evaluator, not from workers or other shards', () => {
    const h = new JobHistory();
    h.onReport(report('ps', 0, 10, { loss: 0.7, examplesSeen: 320 }), 'ps0', 1_000);
    h.onReport(report('worker', 1, 11, { loss: 9.9, imagesPerSec: 40 }), 'w1', 1_100);
    h.onReport(report('ps', 1, 11, { loss: 8.8, stalenessMean: 1, stalenessMax: 3 }), 'ps1', 1_100);
    h.onReport(report('evaluator', 0, 12, { valAccuracy: 0.6, valAuc: 0.65, valLoss: 0.69 }), 'ev', 1_200);
    expect(h.latest).to.deep.equal({
      loss: 0.7,
      examplesSeen: 320,
      valAccuracy: 0.6,
      valAuc: 0.65,
      valLoss: 0.69,
    });
    expect(h.series).to.deep.equal({
      loss: [[10, 0.7]],
      valAccuracy: [[12, 0.6]],
      valAuc: [[12, 0.65]],
      valLoss: [[12, 0.69]],
    });
    expect(h.step).to.equal(12);
  });

  it('reports images/s from ps-0 when it has them, else the sum over live workers', () => {
    const h = new JobHistory();
    h.onReport(report('worker', 0, 1, { imagesPerSec: 30 }), 'w0', 0);
    h.onReport(report('worker', 1, 1, { imagesPerSec: 20 }), 'w1', 0);
    expect(h.imagesPerSec(1_000)).to.equal(50);
    expect(h.imagesPerSec(RATE_WINDOW_MS + 1)).to.equal(0);
    h.onReport(report('ps', 0, 2, { imagesPerSec: 55 }), 'ps0', 500);
    expect(h.imagesPerSec(1_000)).to.equal(55);
  });

  it('takes staleness from the shards, falling back to the workers’ own figures', () => {
    const h = new JobHistory();
    h.onReport(report('worker', 0, 1, { staleness: 2 }), 'w0', 0);
    h.onReport(report('worker', 1, 1, { staleness: 4 }), 'w1', 0);
    expect(h.staleness(10)).to.deep.equal({ mean: 3, max: 4 });
    h.onReport(report('ps', 0, 1, { stalenessMean: 1, stalenessMax: 5 }), 'ps0', 0);
    h.onReport(report('ps', 1, 1, { stalenessMean: 2, stalenessMax: 3 }), 'ps1', 0);
    expect(h.staleness(10)).to.deep.equal({ mean: 1.5, max: 5 });
    expect(new JobHistory().staleness(0)).to.equal(undefined);
  });

  it('measures the step rate over the window', () => {
    const h = new JobHistory();
    h.onReport(report('ps', 0, 100, {}), 'ps0', 10_000);
    expect(h.stepRate(10_000)).to.equal(0);
    h.onReport(report('ps', 0, 150, {}), 'ps0', 12_000);
    h.onReport(report('ps', 0, 200, {}), 'ps0', 14_000);
    expect(h.stepRate(14_000)).to.equal(25);
  });

  it('counts restarts per slot and keeps the last failure of each slot', () => {
    const h = new JobHistory();
    h.onEvent({ kind: 'restartScheduled', role: 'worker', index: 1, atMs: 5, restartsInWindow: 1 }, 1);
    h.onEvent({ kind: 'restartScheduled', role: 'worker', index: 1, atMs: 9, restartsInWindow: 2 }, 2);
    h.onEvent({ kind: 'restartScheduled', role: 'ps', index: 0, atMs: 9, restartsInWindow: 1 }, 3);
    h.onEvent(
      {
        kind: 'taskState',
        taskId: 'a',
        role: 'worker',
        index: 1,
        state: 'TASK_FAILED',
        reason: 'REASON_EXECUTOR_TERMINATED',
        message: 'boom',
      },
      4_000,
    );
    h.onEvent({ kind: 'taskState', taskId: 'b', role: 'worker', index: 1, state: 'TASK_KILLED' }, 5_000);
    expect(h.restartsOf('worker', 1)).to.equal(2);
    expect(h.totalRestarts()).to.equal(3);
    expect([...h.restartsByRole()]).to.deep.equal([
      ['worker', 2],
      ['ps', 1],
    ]);
    expect(h.lastFailureOf('worker', 1)).to.deep.equal({
      taskId: 'a',
      state: 'TASK_FAILED',
      reason: 'REASON_EXECUTOR_TERMINATED',
      message: 'boom',
      atMs: 4_000,
    });
    expect(h.lastFailureOf('worker', 0)).to.equal(undefined);
  });

  it('remembers when a task first ran', () => {
    const h = new JobHistory();
    h.onEvent({ kind: 'taskState', taskId: 'a', role: 'ps', index: 0, state: 'TASK_RUNNING' }, 100);
    h.onEvent(
      { kind: 'taskState', taskId: 'a', role: 'ps', index: 0, state: 'TASK_RUNNING', healthy: true },
      200,
    );
    expect(h.startedAtMs('a')).to.equal(100);
  });

  it('keeps series steps non-decreasing and their length bounded, newest point kept', () => {
    const s: SeriesPoint[] = [];
    appendPoint(s, 5, 1);
    appendPoint(s, 3, 2); // a late report of an older step
    appendPoint(s, 5, 1.5); // the same step again: newest value
    expect(s).to.deep.equal([[5, 1.5]]);
    for (let i = 6; i < 6 + 2 * MAX_SERIES_POINTS; i++) appendPoint(s, i, i);
    expect(s.length).to.be.at.most(MAX_SERIES_POINTS);
    expect(s[s.length - 1]).to.deep.equal([5 + 2 * MAX_SERIES_POINTS, 5 + 2 * MAX_SERIES_POINTS]);
    for (let i = 1; i < s.length; i++) expect(s[i]![0]).to.be.greaterThan(s[i - 1]![0]);
  });
});
