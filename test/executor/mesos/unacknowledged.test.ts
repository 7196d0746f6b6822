import { expect } from 'chai';
import { Unacknowledged } from '../../../executor/mesos/unacknowledged.js';

const uuid = (n: number) => new Uint8Array(16).fill(n);
const task = (id: string) => ({ name: id, task_id: { value: id }, agent_id: { value: 'a1' } });
const status = (id: string, n: number) => ({
  task_id: { value: id },
  state: 'TASK_RUNNING' as const,
  uuid: uuid(n),
});

describe('executor/mesos/unacknowledged', () => {
  it('keeps updates until their own uuid is acknowledged, in sending order', () => {
    const pending = new Unacknowledged();
    pending.updateSent(status('t1', 1));
    pending.updateSent(status('t1', 2));
    pending.updateSent(status('t2', 3));
    expect(pending.acknowledged('t1', uuid(2))).to.equal(true);
    expect(pending.pendingUpdates.map((s) => s.uuid![0])).to.deep.equal([1, 3]);
    expect(pending.acknowledged('t1', uuid(9))).to.equal(false);
    expect(pending.updateCount).to.equal(2);
  });

  it('keeps a task until any of its updates is acknowledged', () => {
    const pending = new Unacknowledged();
    pending.taskLaunched(task('t1'));
    pending.taskLaunched(task('t2'));
    pending.updateSent(status('t1', 1));
    expect(pending.pendingTasks.map((t) => t.task_id.value)).to.deep.equal(['t1', 't2']);
    pending.acknowledged('t1', uuid(1));
    expect(pending.pendingTasks.map((t) => t.task_id.value)).to.deep.equal(['t2']);
  });

  it('matches uuids by content, not by identity, and drops refused updates', () => {
    const pending = new Unacknowledged();
    pending.updateSent(status('t1', 4));
    pending.dropUpdate(Buffer.from(uuid(4)));
    expect(pending.updateCount).to.equal(0);
  });
});
