import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import * as calls from '../../../executor/mesos/calls.js';
import type { TaskInfo, TaskStatus } from '../../../protos/mesos/v1/types.js';

const IDS = { frameworkId: 'fw-1', executorId: 'ex-1' };
const UUID = new Uint8Array(16).fill(9);
const NOW_MS = 1_767_225_605_250;

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('executor/mesos/calls', () => {
  it('every call carries both ids, and SUBSCRIBE has a subscribe message even when empty', () => {
    expect(calls.subscribeCall(IDS, [], [])).to.deep.equal({
      executor_id: { value: 'ex-1' },
      framework_id: { value: 'fw-1' },
      type: 'SUBSCRIBE',
      subscribe: {},
    });
    expect(calls.heartbeatCall(IDS)).to.deep.equal({
      executor_id: { value: 'ex-1' },
      framework_id: { value: 'fw-1' },
      type: 'HEARTBEAT',
    });
    expect(calls.messageCall(IDS, Buffer.from('hi')).message).to.deep.equal({ data: Buffer.from('hi') });
  });

  it('rule 12: a re-SUBSCRIBE carries unacknowledged tasks and updates', () => {
    const task: TaskInfo = { name: 'w0', task_id: { value: 't1' }, agent_id: { value: 'a1' } };
    const status: TaskStatus = { task_id: { value: 't1' }, state: 'TASK_RUNNING', uuid: UUID };
    expect(calls.subscribeCall(IDS, [task], [status]).subscribe).to.deep.equal({
      unacknowledged_tasks: [task],
      unacknowledged_updates: [{ status }],
    });
  });

  it('rule 12: an executor status gets executor_id, the uuid, SOURCE_EXECUTOR and a timestamp in seconds', () => {
    const status = calls.executorStatus(
      { task_id: { value: 't1' }, state: 'TASK_RUNNING' },
      'ex-1',
      UUID,
      NOW_MS,
    );
    expect(status).to.deep.equal({
      task_id: { value: 't1' },
      state: 'TASK_RUNNING',
      executor_id: { value: 'ex-1' },
      source: 'SOURCE_EXECUTOR',
      uuid: UUID,
      timestamp: 1_767_225_605.25,
    });
  });

  it('keeps a timestamp the caller set and overrides any source/uuid it set', () => {
    const status = calls.executorStatus(
      {
        task_id: { value: 't1' },
        state: 'TASK_FAILED',
        timestamp: 12,
        source: 'SOURCE_AGENT',
        uuid: new Uint8Array(16),
      },
      'ex-1',
      UUID,
      NOW_MS,
    );
    expect(status).to.deep.include({ timestamp: 12, source: 'SOURCE_EXECUTOR', uuid: UUID });
  });

  const refused: Array<[string, () => unknown]> = [
    [
      'TASK_STAGING',
      () => calls.executorStatus({ task_id: { value: 't' }, state: 'TASK_STAGING' }, 'ex-1', UUID, NOW_MS),
    ],
    [
      'a foreign executor_id',
      () =>
        calls.executorStatus(
          { task_id: { value: 't' }, state: 'TASK_RUNNING', executor_id: { value: 'other' } },
          'ex-1',
          UUID,
          NOW_MS,
        ),
    ],
    [
      'a uuid that is not 16 bytes',
      () =>
        calls.executorStatus(
          { task_id: { value: 't' }, state: 'TASK_RUNNING' },
          'ex-1',
          new Uint8Array(8),
          NOW_MS,
        ),
    ],
  ];
  for (const [name, fn] of refused) {
    it(`rule 12: refuses ${name} with VALIDATION`, () => {
      expect(isNodalError(thrownBy(fn), 'VALIDATION')).to.equal(true);
    });
  }
});
