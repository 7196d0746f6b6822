import { expect } from 'chai';
import {
  reconcile,
  type AgentStanding,
  type ReconcileInput,
  type TaskView,
} from '../../../cluster/master/reconcile.js';

const running: TaskView = { taskId: 'a', agentId: 'S0', state: 'TASK_RUNNING' };
const away: TaskView = { taskId: 'b', agentId: 'S1', state: 'TASK_RUNNING', unreachableTimeMs: 5000 };
const standing: Record<string, AgentStanding> = {
  S0: { kind: 'active' },
  S1: { kind: 'unreachable', sinceMs: 5000 },
};

const input = (partitionAware: boolean, requested: ReconcileInput['requested']): ReconcileInput => ({
  partitionAware,
  requested,
  knownTask: (id) => [running, away].find((t) => t.taskId === id),
  allTasks: () => [running, away],
  agentStanding: (id) => standing[id] ?? { kind: 'unknown' },
});

describe('cluster reconciliation', () => {
  it('answers an implicit reconciliation with every known task, without uuids', () => {
    const out = reconcile(input(true, []));
    expect(out.map((s) => [s.task_id.value, s.state, s.reason, s.source])).to.deep.equal([
      ['a', 'TASK_RUNNING', 'REASON_RECONCILIATION', 'SOURCE_MASTER'],
      ['b', 'TASK_UNREACHABLE', 'REASON_RECONCILIATION', 'SOURCE_MASTER'],
    ]);
    expect(out.every((s) => s.uuid === undefined)).to.equal(true);
    expect(out[1]!.unreachable_time).to.deep.equal({ nanoseconds: 5000 * 1e6 });
  });

  const table: Array<[string, { taskId: string; agentId?: string }, string, string]> = [
    ['known task', { taskId: 'a', agentId: 'S0' }, 'TASK_RUNNING', 'TASK_RUNNING'],
    ['unknown task on a live agent', { taskId: 'zz', agentId: 'S0' }, 'TASK_GONE', 'TASK_LOST'],
    [
      'unknown task on an unreachable agent',
      { taskId: 'zz', agentId: 'S1' },
      'TASK_UNREACHABLE',
      'TASK_LOST',
    ],
    ['unknown agent', { taskId: 'zz', agentId: 'S7' }, 'TASK_UNKNOWN', 'TASK_LOST'],
    ['no agent given', { taskId: 'zz' }, 'TASK_UNKNOWN', 'TASK_LOST'],
  ];
  for (const [name, req, pa, legacy] of table)
    it(`explicit: ${name}`, () => {
      expect(reconcile(input(true, [req]))[0]!.state).to.equal(pa);
      expect(reconcile(input(false, [req]))[0]!.state).to.equal(legacy);
    });
});
