import { expect } from 'chai';
import { validateTask, type LaunchContext } from '../../../cluster/master/launch-validation.js';
import { bagOf, summaryOf } from '../../../cluster/resources.js';
import type { ExecutorInfo, TaskInfo } from '../../../protos/mesos/v1/types.js';
import { resources } from '../../fixtures/cluster/builders.js';

const ctx = (over: Partial<LaunchContext> = {}): LaunchContext => ({
  frameworkId: 'fw',
  agentId: 'S0',
  offerRole: '*',
  pool: bagOf(resources().cpus(2).mem(256).ports(31000, 31009).build()),
  taskIdInUse: () => false,
  existingExecutor: () => undefined,
  ...over,
});

const task = (over: Partial<TaskInfo> = {}): TaskInfo => ({
  name: 't',
  task_id: { value: 't1' },
  agent_id: { value: 'S0' },
  resources: resources().cpus(1).mem(64).build(),
  command: { value: 'true' },
  ...over,
});

const executor: ExecutorInfo = {
  executor_id: { value: 'ex' },
  command: { value: 'run-executor' },
  resources: resources().cpus(0.1).mem(32).build(),
};

describe('cluster launch validation', () => {
  const rejections: Array<[string, TaskInfo, Partial<LaunchContext>, RegExp]> = [
    ['empty id', task({ task_id: { value: '' } }), {}, /must not be empty/],
    ['slash in id', task({ task_id: { value: 'a/b' } }), {}, /slashes/],
    ['duplicate id', task(), { taskIdInUse: () => true }, /duplicate ID/],
    ['other agent', task({ agent_id: { value: 'S9' } }), {}, /invalid agent/],
    ['neither command nor executor', task({ command: undefined }), {}, /at least one \(but not both\)/],
    ['both command and executor', task({ executor }), {}, /at least one \(but not both\)/],
    ['no resources', task({ resources: [] }), {}, /no resources/],
    ['fractional gpus', task({ resources: resources().cpus(1).gpus(0.5).build() }), {}, /unsigned integer/],
    ['beyond the offer', task({ resources: resources().cpus(3).build() }), {}, /more resources cpus:3/],
    [
      'port not offered',
      task({ resources: resources().cpus(1).ports(32000, 32000).build() }),
      {},
      /more resources/,
    ],
    ['negative kill grace', task({ kill_policy: { grace_period: { nanoseconds: -1 } } }), {}, /non-negative/],
    ['health check without type', task({ health_check: {} }), {}, /must specify 'type'/],
    ['limit below request', task({ limits: { cpus: { value: 0.5 } } }), {}, /below its request/],
    ['limit on disk', task({ limits: { disk: { value: 5 } } }), {}, /not supported/],
    [
      'wrong role',
      task({ resources: resources().cpus(1, 'other').build() }),
      { offerRole: 'ml' },
      /not to the offer's role/,
    ],
  ];
  for (const [name, t, over, message] of rejections)
    it(`rejects: ${name}`, () => {
      const v = validateTask(t, ctx(over));
      expect(v.ok).to.equal(false);
      if (!v.ok) expect(v.message).to.match(message);
    });

  it('charges a new executor once, with the task', () => {
    const v = validateTask(task({ command: undefined, executor }), ctx());
    expect(v).to.include({ ok: true, newExecutor: true });
    if (v.ok) expect(summaryOf(v.consumed)).to.include({ cpus: 1.1, mem: 96 });
    const again = validateTask(
      task({ command: undefined, executor }),
      ctx({ existingExecutor: () => executor }),
    );
    expect(again).to.include({ ok: true, newExecutor: false });
  });

  it('refuses to reuse an executor id with a different ExecutorInfo', () => {
    const other = { ...executor, command: { value: 'something-else' } };
    const v = validateTask(
      task({ command: undefined, executor: other }),
      ctx({ existingExecutor: () => executor }),
    );
    expect(v.ok).to.equal(false);
  });

  it('requires a typed executor for a task group, and command tasks in a DEFAULT group', () => {
    expect(validateTask(task(), ctx(), executor).ok).to.equal(false);
    const def: ExecutorInfo = {
      executor_id: { value: 'd' },
      type: 'DEFAULT',
      resources: resources().cpus(0.1).mem(32).build(),
    };
    expect(validateTask(task(), ctx(), def).ok).to.equal(true);
    expect(validateTask(task({ command: undefined }), ctx(), def).ok).to.equal(false);
    expect(validateTask(task(), ctx(), { ...def, command: { value: 'x' } }).ok).to.equal(false);
  });
});
