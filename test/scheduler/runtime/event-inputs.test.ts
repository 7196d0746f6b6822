import { expect } from 'chai';
import { encodeProgressMessage } from '../../../executor/main/messages.js';
import { agentUrlOf, translateEvent } from '../../../scheduler/runtime/event-inputs.js';
import type { Offer, SchedulerEvent } from '../../../protos/mesos/v1/types.js';

const offer = (id: string, agent: string, port = 5051): Offer => ({
  id: { value: id },
  framework_id: { value: 'fw' },
  agent_id: { value: agent },
  hostname: `host-${agent}`,
  url: { scheme: 'http', address: { hostname: `host-${agent}`, ip: '10.0.0.1', port }, path: '/slave(1)' },
  resources: [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 1024 } },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31009 }] } },
  ],
});

describe('scheduler runtime: Mesos events to core inputs', () => {
  it('turns OFFERS into one offers input and remembers each agent’s URL', () => {
    const t = translateEvent({
      type: 'OFFERS',
      offers: { offers: [offer('O1', 'S1'), offer('O2', 'S2', 5052)] },
    });
    expect(t.inputs).to.have.length(1);
    const input = t.inputs[0]!;
    expect(input.type).to.equal('offers');
    if (input.type !== 'offers') return;
    expect(input.offers.map((o) => [o.id, o.agentId, o.resources.cpus])).to.deep.equal([
      ['O1', 'S1', 4],
      ['O2', 'S2', 4],
    ]);
    expect(t.notes).to.deep.equal([
      { kind: 'agentUrl', agentId: 'S1', url: 'http://host-S1:5051' },
      { kind: 'agentUrl', agentId: 'S2', url: 'http://host-S2:5052' },
    ]);
  });

  it('builds an agent URL from the offer’s url, preferring the hostname, and bracketing IPv6', () => {
    const o = offer('O', 'S');
    expect(agentUrlOf({ ...o, url: { scheme: 'https', address: { ip: '::1', port: 5051 } } })).to.equal(
      'https://[::1]:5051',
    );
    expect(agentUrlOf({ ...o, url: undefined })).to.equal(undefined);
  });

  const table: Array<[string, SchedulerEvent, unknown[]]> = [
    [
      'RESCIND',
      { type: 'RESCIND', rescind: { offer_id: { value: 'O9' } } },
      [{ type: 'rescinded', offerId: 'O9' }],
    ],
    [
      'UPDATE with a uuid (base64 of the same bytes)',
      {
        type: 'UPDATE',
        update: {
          status: {
            task_id: { value: 't1' },
            state: 'TASK_RUNNING',
            source: 'SOURCE_EXECUTOR',
            agent_id: { value: 'S1' },
            uuid: new Uint8Array([0, 255, 7]),
          },
        },
      },
      [
        {
          type: 'taskStatus',
          taskId: 't1',
          state: 'TASK_RUNNING',
          source: 'SOURCE_EXECUTOR',
          agentId: 'S1',
          uuid: Buffer.from([0, 255, 7]).toString('base64'),
        },
      ],
    ],
    [
      'FAILURE of an executor',
      {
        type: 'FAILURE',
        failure: { agent_id: { value: 'S1' }, executor_id: { value: 'e1' }, status: 256 },
      },
      [{ type: 'executorFailure', agentId: 'S1', executorId: 'e1', status: 256 }],
    ],
    [
      'FAILURE of an agent',
      { type: 'FAILURE', failure: { agent_id: { value: 'S3' } } },
      [{ type: 'agentLost', agentId: 'S3' }],
    ],
    ['HEARTBEAT', { type: 'HEARTBEAT' }, []],
    ['INVERSE_OFFERS (unused)', { type: 'INVERSE_OFFERS', inverse_offers: {} }, []],
  ];
  for (const [name, event, inputs] of table)
    it(`translates ${name}`, () => {
      expect(translateEvent(event).inputs).to.deep.equal(inputs);
    });

  it('turns an executor’s progress MESSAGE into a progress input and keeps role and model path aside', () => {
    const data = encodeProgressMessage({
      jobId: 'j',
      taskId: 'j.evaluator-0.a',
      role: 'evaluator',
      index: 0,
      step: 40,
      metrics: { valAccuracy: 0.75 },
      finished: true,
      modelPath: '/models/j',
    });
    const t = translateEvent({
      type: 'MESSAGE',
      message: { agent_id: { value: 'S1' }, executor_id: { value: 'e1' }, data },
    });
    expect(t.inputs).to.deep.equal([
      {
        type: 'progress',
        jobId: 'j',
        taskId: 'j.evaluator-0.a',
        step: 40,
        metrics: { valAccuracy: 0.75 },
        finished: true,
      },
    ]);
    expect(t.notes).to.have.length(1);
    expect(t.notes[0]).to.deep.include({ kind: 'report', executorId: 'e1' });
    const note = t.notes[0] as Extract<(typeof t.notes)[number], { kind: 'report' }>;
    expect(note.report).to.deep.include({ role: 'evaluator', index: 0, modelPath: '/models/j' });
  });

  it('refuses a malformed MESSAGE with a reason and no input', () => {
    for (const text of ['not json', '{"type":"progress","jobId":"j"}', '{"type":"hello"}']) {
      const t = translateEvent({
        type: 'MESSAGE',
        message: { agent_id: { value: 'S1' }, executor_id: { value: 'e1' }, data: Buffer.from(text) },
      });
      expect(t.inputs, text).to.deep.equal([]);
      expect(t.notes[0], text).to.deep.include({ kind: 'badMessage', agentId: 'S1', executorId: 'e1' });
    }
  });
});
