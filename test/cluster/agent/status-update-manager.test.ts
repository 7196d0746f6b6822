import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { StatusUpdateManager } from '../../../cluster/agent/status-update-manager.js';
import type { TaskState, TaskStatus } from '../../../protos/mesos/v1/types.js';

const status = (taskId: string, state: TaskState): TaskStatus => ({
  task_id: { value: taskId },
  state,
  uuid: randomBytes(16),
  source: 'SOURCE_EXECUTOR',
});

describe('cluster status update manager', () => {
  let forwarded: TaskStatus[];
  let sum: StatusUpdateManager;
  beforeEach(() => {
    forwarded = [];
    sum = new StatusUpdateManager({
      retryInitialMs: 40,
      retryMaxMs: 80,
      forward: (_f, s) => forwarded.push(s),
    });
  });
  afterEach(() => sum.stop());

  it('forwards only the head of a task stream until it is acknowledged', () => {
    const running = status('t', 'TASK_RUNNING');
    const finished = status('t', 'TASK_FINISHED');
    sum.add('fw', running);
    sum.add('fw', finished);
    sum.add('fw', status('other', 'TASK_RUNNING'));
    expect(forwarded.map((s) => [s.task_id.value, s.state])).to.deep.equal([
      ['t', 'TASK_RUNNING'],
      ['other', 'TASK_RUNNING'],
    ]);
    expect(sum.acknowledge('fw', 't', finished.uuid!)).to.equal(undefined); // not the head
    expect(sum.acknowledge('fw', 't', running.uuid!)?.state).to.equal('TASK_RUNNING');
    expect(forwarded.at(-1)!.state).to.equal('TASK_FINISHED');
  });

  it('ignores duplicates and ends the stream on a terminal acknowledgement', () => {
    const finished = status('t', 'TASK_FINISHED');
    expect(sum.add('fw', finished)).to.equal(true);
    expect(sum.add('fw', finished)).to.equal(false);
    sum.acknowledge('fw', 't', finished.uuid!);
    expect(sum.add('fw', status('t', 'TASK_RUNNING'))).to.equal(false);
    expect(sum.pendingOf('fw', 't')).to.deep.equal([]);
  });

  it('re-sends the unacknowledged head with doubling backoff', async () => {
    sum.add('fw', status('t', 'TASK_RUNNING'));
    await new Promise((r) => setTimeout(r, 150)); // 40 + 80 (capped) → at least two re-sends
    expect(forwarded.length).to.be.within(3, 4);
    sum.resend('fw');
    expect(forwarded.length).to.be.within(4, 5);
  });

  it('forgets a removed framework', () => {
    sum.add('fw', status('t', 'TASK_RUNNING'));
    sum.removeFramework('fw');
    expect(sum.pendingOf('fw', 't')).to.deep.equal([]);
  });
});
