import { expect } from 'chai';
import {
  REASON_TABLE,
  STATE_TABLE,
  TASK_REASONS,
  TASK_STATES,
  classifyUpdate,
  type Disposition,
  type TaskReason,
  type TaskState,
} from '../../../scheduler/core/task-states.js';

describe('scheduler/core/task-states', () => {
  it('maps every Mesos TaskState and every reason', () => {
    expect(Object.keys(STATE_TABLE).sort()).to.deep.equal([...TASK_STATES].sort());
    expect(Object.keys(REASON_TABLE).sort()).to.deep.equal([...TASK_REASONS].sort());
    expect(TASK_STATES).to.have.length(14);
    expect(TASK_REASONS).to.have.length(35);
  });

  // Every state, not killed by us, without a reason.
  const byState: Record<TaskState, Disposition> = {
    TASK_STAGING: { kind: 'active' },
    TASK_STARTING: { kind: 'active' },
    TASK_RUNNING: { kind: 'active' },
    TASK_KILLING: { kind: 'active' },
    TASK_FINISHED: { kind: 'ended', cause: 'finished', penalised: false, blamesAgent: false },
    TASK_FAILED: { kind: 'ended', cause: 'failed', penalised: true, blamesAgent: true },
    TASK_KILLED: { kind: 'ended', cause: 'failed', penalised: true, blamesAgent: false },
    TASK_ERROR: { kind: 'ended', cause: 'invalid', penalised: false, blamesAgent: false },
    TASK_LOST: { kind: 'ended', cause: 'lost', penalised: true, blamesAgent: true },
    TASK_DROPPED: { kind: 'ended', cause: 'displaced', penalised: false, blamesAgent: false },
    TASK_UNREACHABLE: { kind: 'unreachable', penalised: true, blamesAgent: true },
    TASK_GONE: { kind: 'ended', cause: 'lost', penalised: true, blamesAgent: true },
    TASK_GONE_BY_OPERATOR: { kind: 'ended', cause: 'lost', penalised: true, blamesAgent: true },
    TASK_UNKNOWN: { kind: 'ended', cause: 'lost', penalised: true, blamesAgent: true },
  };
  for (const state of TASK_STATES)
    it(`classifies ${state}`, () =>
      expect(classifyUpdate(state, undefined, false)).to.deep.equal(byState[state]));

  it('treats every terminal state of a task we asked to kill as the expected stop', () => {
    for (const state of TASK_STATES) {
      const d = classifyUpdate(state, undefined, true);
      if (STATE_TABLE[state].class === 'active') expect(d.kind, state).to.equal('active');
      else if (state === 'TASK_UNREACHABLE') expect(d.kind, state).to.equal('unreachable');
      else
        expect(d, state).to.deep.equal({
          kind: 'ended',
          cause: 'stopped',
          penalised: false,
          blamesAgent: false,
        });
    }
  });

  const withReason: Array<[TaskState, TaskReason, Partial<Extract<Disposition, { kind: 'ended' }>>]> = [
    ['TASK_FAILED', 'REASON_CONTAINER_LIMITATION_MEMORY', { cause: 'failed', blamesAgent: false }],
    ['TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', { cause: 'failed', blamesAgent: true }],
    ['TASK_FAILED', 'REASON_EXECUTOR_TERMINATED', { cause: 'failed', blamesAgent: true }],
    ['TASK_KILLED', 'REASON_AGENT_DRAINING', { cause: 'displaced', penalised: false }],
    ['TASK_KILLED', 'REASON_FRAMEWORK_REMOVED', { cause: 'displaced', penalised: false }],
    ['TASK_LOST', 'REASON_INVALID_OFFERS', { cause: 'displaced', penalised: false }],
    ['TASK_GONE', 'REASON_CONTAINER_PREEMPTED', { cause: 'displaced', penalised: false }],
    ['TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR', { cause: 'displaced', penalised: false }],
    ['TASK_DROPPED', 'REASON_AGENT_RESTARTED', { cause: 'displaced', penalised: false }],
    ['TASK_ERROR', 'REASON_TASK_INVALID', { cause: 'invalid' }],
    ['TASK_ERROR', 'REASON_TASK_UNAUTHORIZED', { cause: 'invalid' }],
  ];
  for (const [state, reason, want] of withReason)
    it(`classifies ${state} with ${reason}`, () =>
      expect(classifyUpdate(state, reason, false)).to.include(want));

  it('keeps a running task active whatever the reason (reconciliation, health, re-registration)', () => {
    for (const reason of TASK_REASONS)
      expect(classifyUpdate('TASK_RUNNING', reason, false)).to.deep.equal({ kind: 'active' });
  });

  it('gives every reason a blame and a meaning', () => {
    for (const reason of TASK_REASONS) {
      expect(['task', 'agent', 'infrastructure', 'framework', 'none']).to.include(REASON_TABLE[reason].blame);
      expect(REASON_TABLE[reason].meaning).to.be.a('string').with.length.greaterThan(3);
      // And every (state, reason) pair classifies without throwing.
      for (const state of TASK_STATES) expect(classifyUpdate(state, reason, false).kind).to.be.a('string');
    }
  });
});
