import { expect } from 'chai';
import { isTerminal, phaseOf, setCondition, type Condition } from '../../../scheduler/core/conditions.js';

describe('scheduler/core/conditions', () => {
  const created = setCondition([], 'Created', true, 'JobCreated', 'created', 1);

  it('adds, then leaves unchanged when status and reason are the same', () => {
    expect(created).to.deep.equal([
      { type: 'Created', status: true, reason: 'JobCreated', message: 'created', lastTransitionMs: 1 },
    ]);
    expect(setCondition(created, 'Created', true, 'JobCreated', 'other message', 2)).to.equal(created);
  });

  it('never has Running and Restarting true together', () => {
    let c = setCondition(created, 'Running', true, 'JobRunning', '', 2);
    c = setCondition(c, 'Restarting', true, 'TasksRestarting', '', 3);
    expect(c.filter((x) => x.status).map((x) => x.type)).to.deep.equal(['Created', 'Restarting']);
    c = setCondition(c, 'Running', true, 'JobRunning', '', 4);
    expect(c.filter((x) => x.status).map((x) => x.type)).to.deep.equal(['Created', 'Running']);
  });

  it('makes Failed sticky and turns Running off', () => {
    let c: readonly Condition[] = setCondition(created, 'Running', true, 'JobRunning', '', 2);
    c = setCondition(c, 'Failed', true, 'RestartLimitReached', 'ps-0', 3);
    expect(isTerminal(c)).to.equal(true);
    expect(c.find((x) => x.type === 'Running')!.status).to.equal(false);
    expect(setCondition(c, 'Running', true, 'JobRunning', '', 4)).to.equal(c);
    expect(setCondition(c, 'Succeeded', true, 'TrainingCompleted', '', 4)).to.equal(c);
    expect(phaseOf(c)).to.deep.equal({ phase: 'failed', reason: 'RestartLimitReached', message: 'ps-0' });
  });

  const phases: Array<[string, (c: readonly Condition[]) => readonly Condition[], string]> = [
    ['pending', (c) => c, 'pending'],
    ['running', (c) => setCondition(c, 'Running', true, 'JobRunning', '', 2), 'running'],
    ['restarting', (c) => setCondition(c, 'Restarting', true, 'TasksRestarting', '', 2), 'running'],
    ['succeeded', (c) => setCondition(c, 'Succeeded', true, 'TrainingCompleted', '', 2), 'succeeded'],
    ['killed', (c) => setCondition(c, 'Killed', true, 'KilledByOperator', '', 2), 'killed'],
  ];
  for (const [name, f, phase] of phases)
    it(`phase: ${name}`, () => expect(phaseOf(f(created)).phase).to.equal(phase));
});
