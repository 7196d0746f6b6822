import { expect } from 'chai';
import { stepTask, type TaskInput, type TaskLife, type TaskStep } from '../../../executor/main/task-life.js';

const life = (phase: TaskLife['phase'], more: Partial<TaskLife> = {}): TaskLife => ({ phase, ...more });
const health = (healthy: boolean, killTask = false): TaskInput => ({
  kind: 'health',
  healthy,
  killTask,
  detail: 'probe',
});
const data = Uint8Array.from([1, 2]);

const HEALTH = 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';

// [from, input, expected next phase, expected update (partial) or null, stopRole]
const table: Array<
  [TaskLife, TaskInput, TaskLife['phase'], Partial<NonNullable<TaskStep['update']>> | null, boolean]
> = [
  [
    life('starting'),
    { kind: 'started', message: 'ps-0 serving' },
    'running',
    { state: 'TASK_RUNNING', message: 'ps-0 serving' },
    false,
  ],
  [
    life('starting'),
    { kind: 'failed', message: 'bad config' },
    'failed',
    { state: 'TASK_FAILED', message: 'bad config' },
    false,
  ],
  [life('starting'), { kind: 'kill' }, 'killing', null, true],
  [life('starting'), health(true), 'starting', null, false],
  [
    life('running'),
    { kind: 'completed', message: 'done', data },
    'finished',
    { state: 'TASK_FINISHED', message: 'done', data },
    false,
  ],
  [
    life('running'),
    { kind: 'failed', message: 'boom' },
    'failed',
    { state: 'TASK_FAILED', message: 'boom' },
    false,
  ],
  [life('running'), { kind: 'kill' }, 'killing', null, true],
  [life('running'), { kind: 'started', message: 'again' }, 'running', null, false],
  [life('running'), health(true), 'running', { state: 'TASK_RUNNING', healthy: true, reason: HEALTH }, false],
  [life('running', { healthy: true }), health(true), 'running', null, false],
  [
    life('running', { healthy: true }),
    health(false),
    'running',
    { state: 'TASK_RUNNING', healthy: false, reason: HEALTH },
    false,
  ],
  [
    life('running', { healthy: false }),
    health(false, true),
    'killing',
    { state: 'TASK_RUNNING', healthy: false },
    true,
  ],
  [life('killing'), { kind: 'completed', message: 'done' }, 'killing', null, false],
  [life('killing'), { kind: 'failed', message: 'boom' }, 'killing', null, false],
  [life('killing'), { kind: 'kill' }, 'killing', null, false],
  [
    life('killing'),
    { kind: 'stopped', message: 'ps-0 killed' },
    'killed',
    { state: 'TASK_KILLED', message: 'ps-0 killed' },
    false,
  ],
  [
    life('killing', { killedByHealthCheck: true, healthy: false }),
    { kind: 'stopped', message: 'stopped' },
    'killed',
    { state: 'TASK_KILLED', healthy: false, reason: HEALTH },
    false,
  ],
  [life('running'), { kind: 'stopped', message: 'x' }, 'running', null, false],
  [life('finished'), { kind: 'kill' }, 'finished', null, false],
  [life('killed'), { kind: 'failed', message: 'late' }, 'killed', null, false],
  [life('failed'), health(true), 'failed', null, false],
];

describe('executor/main/task-life', () => {
  for (const [from, input, phase, update, stopRole] of table) {
    it(`${from.phase}${from.healthy === undefined ? '' : ` (healthy ${from.healthy})`} + ${input.kind} → ${phase}${update ? ` ${update.state}` : ''}`, () => {
      const step = stepTask(from, input);
      expect(step.life.phase).to.equal(phase);
      if (update) expect(step.update).to.deep.include(update);
      else expect(step.update).to.equal(undefined);
      expect(Boolean(step.stopRole)).to.equal(stopRole);
    });
  }

  it('says in the final TASK_KILLED that the health check killed the task', () => {
    const killing = stepTask(life('running', { healthy: true }), health(false, true)).life;
    const step = stepTask(killing, { kind: 'stopped', message: 'worker-0 killed; stopped cleanly' });
    expect(step.update?.message).to.equal(
      'killed after failing its health check; worker-0 killed; stopped cleanly',
    );
  });
});
