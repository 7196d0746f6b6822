import { expect } from 'chai';
import type { FrameworkInfo, TaskStatus } from '../../../protos/mesos/v1/types.js';
import * as calls from '../../../scheduler/mesos/calls.js';
import { needsAcknowledgement } from '../../../scheduler/mesos/events.js';

const INFO: FrameworkInfo = {
  user: 'trainer',
  name: 'nodal',
  failover_timeout: 604800,
  id: { value: 'stale' },
};

describe('scheduler/mesos/calls', () => {
  it('a first SUBSCRIBE carries no framework id at all', () => {
    const call = calls.subscribeCall(INFO, undefined, []);
    expect(call).to.deep.equal({
      type: 'SUBSCRIBE',
      subscribe: { framework_info: { user: 'trainer', name: 'nodal', failover_timeout: 604800 } },
    });
  });

  it('rule 4: a re-SUBSCRIBE sets framework_id and framework_info.id to the same id', () => {
    const call = calls.subscribeCall(INFO, 'fw-1', []);
    expect(call.framework_id).to.deep.equal({ value: 'fw-1' });
    expect(call.subscribe!.framework_info.id).to.deep.equal({ value: 'fw-1' });
  });

  it('rule 9: SUBSCRIBE and UPDATE_FRAMEWORK carry the suppressed roles', () => {
    expect(calls.subscribeCall(INFO, 'fw-1', ['training']).subscribe!.suppressed_roles).to.deep.equal([
      'training',
    ]);
    const update = calls.updateFrameworkCall('fw-1', INFO, ['training']);
    expect(update.update_framework!.suppressed_roles).to.deep.equal(['training']);
    expect(update.update_framework!.framework_info.id).to.deep.equal({ value: 'fw-1' });
  });

  it('rule 10: an implicit reconciliation has an empty but present reconcile message', () => {
    expect(calls.reconcileCall('fw-1', [])).to.deep.equal({
      framework_id: { value: 'fw-1' },
      type: 'RECONCILE',
      reconcile: {},
    });
  });

  it('REVIVE and SUPPRESS without roles apply to all roles', () => {
    expect(calls.reviveCall('fw-1').revive).to.deep.equal({});
    expect(calls.suppressCall('fw-1', []).suppress).to.deep.equal({});
  });

  it('omits optional parts that were not given', () => {
    expect(calls.killCall('fw-1', 't1').kill).to.deep.equal({ task_id: { value: 't1' } });
    expect(calls.declineCall('fw-1', ['o1']).decline).to.deep.equal({ offer_ids: [{ value: 'o1' }] });
    expect(calls.acceptCall('fw-1', ['o1'], []).accept).to.deep.equal({ offer_ids: [{ value: 'o1' }] });
    expect(calls.teardownCall('fw-1')).to.deep.equal({ framework_id: { value: 'fw-1' }, type: 'TEARDOWN' });
  });
});

describe('scheduler/mesos/events needsAcknowledgement (rule 6)', () => {
  const base: TaskStatus = { task_id: { value: 't1' }, state: 'TASK_RUNNING', agent_id: { value: 'a1' } };
  const uuid = new Uint8Array(16).fill(7);
  const cases: Array<[string, TaskStatus, boolean]> = [
    ['an executor update with a uuid', { ...base, source: 'SOURCE_EXECUTOR', uuid }, true],
    ['an agent update with a uuid', { ...base, state: 'TASK_FAILED', source: 'SOURCE_AGENT', uuid }, true],
    [
      'a reconciliation answer (master, no uuid)',
      { ...base, source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' },
      false,
    ],
    [
      'a master update for an unreachable agent',
      { ...base, state: 'TASK_UNREACHABLE', source: 'SOURCE_MASTER' },
      false,
    ],
    ['an update with an empty uuid', { ...base, source: 'SOURCE_EXECUTOR', uuid: new Uint8Array(0) }, false],
    ['a master update that somehow has a uuid', { ...base, source: 'SOURCE_MASTER', uuid }, false],
  ];
  for (const [name, status, expected] of cases) {
    it(`${expected ? 'acknowledges' : 'does not acknowledge'} ${name}`, () => {
      expect(needsAcknowledgement(status)).to.equal(expected);
    });
  }
});
