import { expect } from 'chai';
import {
  decodeClusterSpecMessage,
  decodeSchedulerMessage,
  MAX_MESSAGE_BYTES,
} from '../../../executor/main/messages.js';
import type { Command } from '../../../scheduler/core/index.js';
import { callsFor, describeCall, sendCall } from '../../../scheduler/runtime/outbound-calls.js';
import { Harness, only } from '../../builders/harness.js';
import { jobSpec } from '../../builders/job-spec.js';
import { offer } from '../../builders/offer.js';
import { FakeMesos } from './fakes.js';

const taskInfo = {
  executorCommand: {
    value: '/usr/bin/node',
    arguments: ['/usr/bin/node', '/opt/nodal/cli/nodal.js', 'executor'],
  },
  extraEnv: { NODAL_LOG_LEVEL: 'debug' },
  frameworkId: 'fw-1',
};

/** A real launch command from the core. */
function launchCommand(): Extract<Command, { type: 'launch' }> {
  const h = new Harness();
  h.subscribe();
  h.submit(jobSpec().id('j').workers(1, 1, 1).build());
  return only(h.offer(offer().id('O1').agent('S1').build()), 'launch')[0]!;
}

describe('scheduler runtime: commands to Mesos calls', () => {
  it('ACCEPTs a launch with one LAUNCH of TaskInfos running the configured executor command', () => {
    const launch = launchCommand();
    const [call] = callsFor(launch, taskInfo);
    expect(call!.kind).to.equal('accept');
    if (call!.kind !== 'accept') return;
    expect(call.offerIds).to.deep.equal(['O1']);
    expect(call.taskIds).to.deep.equal(launch.tasks.map((t) => t.taskId));
    const infos = call.operations[0]!.launch!.task_infos ?? [];
    expect(infos.map((t) => t.task_id.value)).to.deep.equal(call.taskIds);
    const executor = infos[0]!.executor!;
    expect(executor.command).to.deep.include({ shell: false, value: '/usr/bin/node' });
    expect(executor.command!.arguments).to.deep.equal(taskInfo.executorCommand.arguments);
    expect(executor.framework_id).to.deep.equal({ value: 'fw-1' });
    const env = Object.fromEntries(executor.command!.environment!.variables!.map((v) => [v.name, v.value]));
    expect(env).to.include({ NODAL_LOG_LEVEL: 'debug', NODAL_JOB_ID: 'j' });
    expect(env.NODAL_JOB_SECRET).to.be.a('string').and.not.equal('');
  });

  it('describes a SHUTDOWN by its executor and agent', () => {
    const [call] = callsFor({ type: 'shutdown', taskId: 't', executorId: 'e', agentId: 'S1' }, taskInfo);
    expect(describeCall(call!)).to.deep.equal({ call: 'SHUTDOWN', executorId: 'e', agentId: 'S1' });
  });

  it('never lets a description of a call carry the TaskInfos (they hold the job secret)', () => {
    const [call] = callsFor(launchCommand(), taskInfo);
    const text = JSON.stringify(describeCall(call!));
    expect(text).to.not.match(/secret|NODAL_/i);
    expect(JSON.parse(text)).to.deep.include({ call: 'ACCEPT', offerIds: ['O1'] });
  });

  const table: Array<[string, Command, unknown[]]> = [
    [
      'decline with its refusal',
      { type: 'decline', offerIds: ['O1', 'O2'], refuseSeconds: 3600 },
      [{ kind: 'decline', offerIds: ['O1', 'O2'], filters: { refuse_seconds: 3600 } }],
    ],
    ['suppress', { type: 'suppress' }, [{ kind: 'suppress' }]],
    ['revive', { type: 'revive' }, [{ kind: 'revive' }]],
    [
      'kill with the grace period in nanoseconds',
      { type: 'kill', taskId: 't', agentId: 'S1', gracePeriodMs: 1500 },
      [
        {
          kind: 'kill',
          taskId: 't',
          agentId: 'S1',
          killPolicy: { grace_period: { nanoseconds: 1_500_000_000 } },
        },
      ],
    ],
    [
      'an executor shutdown (its task id is only for the core)',
      { type: 'shutdown', taskId: 't', executorId: 'nodal-executor.t', agentId: 'S1' },
      [{ kind: 'shutdown', executorId: 'nodal-executor.t', agentId: 'S1' }],
    ],
    ['implicit reconciliation', { type: 'reconcile', tasks: [] }, [{ kind: 'reconcile', tasks: [] }]],
    ['persist (no call)', { type: 'persist', frameworkId: true, jobIds: [], taskIds: [] }, []],
    ['notice (no call)', { type: 'notice', level: 'info', message: 'm', meta: {} }, []],
  ];
  for (const [name, command, calls] of table)
    it(`maps ${name}`, () => {
      expect(callsFor(command, taskInfo)).to.deep.equal(calls);
    });

  it('acknowledges with the very bytes of the update’s uuid', () => {
    const uuid = Buffer.from([9, 0, 200, 31]);
    const [call] = callsFor(
      { type: 'acknowledge', agentId: 'S1', taskId: 't', uuid: uuid.toString('base64') },
      taskInfo,
    );
    expect(call).to.deep.include({ kind: 'acknowledge', agentId: 'S1', taskId: 't' });
    expect([...(call as { uuid: Uint8Array }).uuid]).to.deep.equal([...uuid]);
  });

  it('MESSAGEs the cluster spec to every target executor in the executor’s format', () => {
    const calls = callsFor(
      {
        type: 'sendClusterSpec',
        jobId: 'j',
        spec: { jobId: 'j', ps: ['h1:31000'], coordinator: 'h1:31000', evaluator: '', version: 3 },
        targets: [
          { taskId: 't1', agentId: 'S1', executorId: 'e1' },
          { taskId: 't2', agentId: 'S2', executorId: 'e2' },
        ],
      },
      taskInfo,
    );
    expect(calls.map((c) => c.kind === 'message' && [c.agentId, c.executorId])).to.deep.equal([
      ['S1', 'e1'],
      ['S2', 'e2'],
    ]);
    const decoded = decodeClusterSpecMessage((calls[0] as { data: Uint8Array }).data);
    expect(decoded.spec).to.deep.equal({
      job_id: 'j',
      ps: ['h1:31000'],
      coordinator: 'h1:31000',
      evaluator: '',
      version: 3,
    });
  });

  it('MESSAGEs the ended workers to the executor of ps-0 only', () => {
    const calls = callsFor(
      {
        type: 'sendWorkersEnded',
        jobId: 'j',
        taskIds: ['j.worker-0.t3', 'j.worker-1.t4'],
        target: { taskId: 'j.ps-0.t1', agentId: 'S1', executorId: 'e1' },
      },
      taskInfo,
    );
    expect(calls).to.have.length(1);
    expect(calls[0]).to.deep.include({ kind: 'message', agentId: 'S1', executorId: 'e1' });
    expect(describeCall(calls[0]!)).to.deep.equal({ call: 'MESSAGE', executorId: 'e1', agentId: 'S1' });
    expect(decodeSchedulerMessage((calls[0] as { data: Uint8Array }).data)).to.deep.equal({
      type: 'workersEnded',
      jobId: 'j',
      taskIds: ['j.worker-0.t3', 'j.worker-1.t4'],
    });
  });

  it('splits ended workers over several MESSAGEs when one would be too large, naming each id once', () => {
    const taskIds = Array.from({ length: 600 }, (_, i) => `j.worker-${i}.${'x'.repeat(200)}`);
    const calls = callsFor(
      {
        type: 'sendWorkersEnded',
        jobId: 'j',
        taskIds,
        target: { taskId: 'p', agentId: 'S1', executorId: 'e1' },
      },
      taskInfo,
    );
    expect(calls.length).to.be.greaterThan(1);
    const sent: string[] = [];
    for (const c of calls) {
      const data = (c as { data: Uint8Array }).data;
      expect(data.byteLength).to.be.at.most(MAX_MESSAGE_BYTES);
      const m = decodeSchedulerMessage(data);
      if (m.type === 'workersEnded') sent.push(...m.taskIds);
    }
    expect(sent).to.deep.equal(taskIds);
  });

  it('sends each call through the matching client method', async () => {
    const mesos = new FakeMesos();
    const calls = [
      ...callsFor({ type: 'revive' }, taskInfo),
      ...callsFor({ type: 'kill', taskId: 't', gracePeriodMs: 0 }, taskInfo),
      ...callsFor({ type: 'shutdown', taskId: 't', executorId: 'e', agentId: 'S1' }, taskInfo),
      ...callsFor({ type: 'reconcile', tasks: [{ taskId: 't', agentId: 'S1' }] }, taskInfo),
    ];
    for (const c of calls) await sendCall(mesos, c);
    expect(mesos.calls).to.deep.equal([
      { kind: 'revive' },
      { kind: 'kill', taskId: 't', killPolicy: { grace_period: { nanoseconds: 0 } } },
      { kind: 'shutdown', executorId: 'e', agentId: 'S1' },
      { kind: 'reconcile', tasks: [{ taskId: 't', agentId: 'S1' }] },
    ]);
  });
});
