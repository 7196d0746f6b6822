import { expect } from 'chai';
import type { Input } from '../../../scheduler/core/inputs.js';
import { clusterSpecJson } from '../../../scheduler/core/cluster-spec.js';
import {
  decodeClusterSpecMessage,
  decodeProgressMessage,
  decodeSchedulerMessage,
  encodeClusterSpecMessage,
  encodeProgressMessage,
  encodeWorkersEndedMessage,
  MAX_MESSAGE_BYTES,
  MAX_TASK_ID_CHARS,
} from '../../../executor/main/messages.js';

const bytes = (v: unknown): Uint8Array => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

const progress = {
  jobId: 'job-1',
  taskId: 'job-1.evaluator-0.ab',
  role: 'evaluator' as const,
  index: 0,
  step: 120,
  epoch: 2,
  metrics: { testAccuracy: 0.91, testAuc: 0.95, valLoss: 0.3 },
  finished: true,
  message: 'done',
  modelPath: '/ckpt/job-1/model',
};

describe('executor/main/messages', () => {
  it('round-trips a progress message that the scheduler core accepts as its progress input', () => {
    const decoded = decodeProgressMessage(encodeProgressMessage(progress));
    expect(decoded).to.deep.equal({ type: 'progress', ...progress });
    // Compile-time contract: a decoded message is the core's `progress` input.
    const input: Extract<Input, { type: 'progress' }> = decoded;
    expect(input.type).to.equal('progress');
  });

  it('leaves non-finite metrics out when encoding (JSON has no NaN)', () => {
    const m = decodeProgressMessage(
      encodeProgressMessage({ ...progress, metrics: { loss: NaN, valAuc: Infinity, step: 3 } }),
    );
    expect(m.metrics).to.deep.equal({ step: 3 });
  });

  it('omits optional fields that are not set', () => {
    const m = decodeProgressMessage(
      encodeProgressMessage({ jobId: 'j', taskId: 't', role: 'worker', index: 1, step: 0, metrics: {} }),
    );
    expect(m).to.deep.equal({
      type: 'progress',
      jobId: 'j',
      taskId: 't',
      role: 'worker',
      index: 1,
      step: 0,
      metrics: {},
    });
  });

  const bad: Array<[string, Uint8Array, string, RegExp?]> = [
    ['not JSON', bytes('{nope'), 'WIRE_DECODE'],
    ['a JSON array', bytes([1]), 'WIRE_DECODE'],
    ['invalid UTF-8', Uint8Array.from([0x7b, 0xff, 0x7d]), 'WIRE_DECODE'],
    ['too large', new Uint8Array(MAX_MESSAGE_BYTES + 1), 'WIRE_DECODE'],
    ['another type', bytes({ type: 'hello' }), 'VALIDATION', /type must be 'progress'/],
    [
      'missing ids and a bad role',
      bytes({ type: 'progress', role: 'boss', index: 0, step: 1, metrics: {} }),
      'VALIDATION',
      /jobId .*taskId .*role must be one of ps, worker, evaluator/,
    ],
    [
      'a non-numeric metric',
      bytes({ ...progress, type: 'progress', metrics: { loss: 'low' } }),
      'VALIDATION',
      /metrics\.loss must be a finite number/,
    ],
    ['a negative step', bytes({ ...progress, type: 'progress', step: -1 }), 'VALIDATION', /step must be/],
    [
      'finished not boolean',
      bytes({ ...progress, type: 'progress', finished: 'yes' }),
      'VALIDATION',
      /finished/,
    ],
  ];
  for (const [what, data, code, pattern] of bad) {
    it(`refuses ${what} with ${code}`, () => {
      expect(codeOf(() => decodeProgressMessage(data))).to.equal(code);
      if (pattern) expect(() => decodeProgressMessage(data)).to.throw(pattern);
    });
  }

  it('round-trips the cluster spec message built from the core spec JSON', () => {
    const json = clusterSpecJson({
      jobId: 'job-1',
      ps: ['10.0.0.1:31000', '10.0.0.2:31005'],
      coordinator: '10.0.0.1:31000',
      evaluator: '',
      version: 3,
    });
    const msg = decodeClusterSpecMessage(encodeClusterSpecMessage(JSON.parse(json)));
    expect(msg).to.deep.equal({ type: 'clusterSpec', spec: JSON.parse(json) });
  });

  it('refuses a malformed cluster spec message', () => {
    expect(codeOf(() => decodeClusterSpecMessage(bytes({ type: 'progress' })))).to.equal('VALIDATION');
    expect(() =>
      decodeClusterSpecMessage(bytes({ type: 'clusterSpec', spec: { job_id: '', ps: [1], version: -1 } })),
    ).to.throw(/job_id .*spec\.ps must be a list.*version/);
    expect(codeOf(() => decodeClusterSpecMessage(bytes('x')))).to.equal('WIRE_DECODE');
  });

  describe('workersEnded (scheduler → ps-0)', () => {
    const ended = { jobId: 'job-1', taskIds: ['job-1.worker-0.t3', 'job-1.worker-2.t9'] };

    it('round-trips through the one scheduler-message decoder the executor uses', () => {
      expect(decodeSchedulerMessage(encodeWorkersEndedMessage(ended))).to.deep.equal({
        type: 'workersEnded',
        ...ended,
      });
    });

    it('the same decoder still reads a cluster spec message', () => {
      const spec = { job_id: 'j', ps: ['h:1'], coordinator: 'h:1', evaluator: '', version: 2 };
      expect(decodeSchedulerMessage(encodeClusterSpecMessage(spec))).to.deep.equal({
        type: 'clusterSpec',
        spec,
      });
    });

    it('names each task once, however often the message lists it', () => {
      const m = decodeSchedulerMessage(bytes({ type: 'workersEnded', jobId: 'j', taskIds: ['a', 'b', 'a'] }));
      expect(m).to.deep.equal({ type: 'workersEnded', jobId: 'j', taskIds: ['a', 'b'] });
    });

    it('refuses to encode more than a message may carry (WIRE_ENCODE)', () => {
      const taskIds = Array.from({ length: 400 }, (_, i) => `${'x'.repeat(200)}-${i}`);
      expect(codeOf(() => encodeWorkersEndedMessage({ jobId: 'j', taskIds }))).to.equal('WIRE_ENCODE');
    });

    const refused: Array<[string, Uint8Array, string, RegExp?]> = [
      ['not JSON', bytes('[{'), 'WIRE_DECODE'],
      ['too large', new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(0x20), 'WIRE_DECODE'],
      [
        'an unknown type',
        bytes({ type: 'workersGone', jobId: 'j', taskIds: ['a'] }),
        'VALIDATION',
        /type must be 'clusterSpec' or 'workersEnded' \(got "workersGone"\)/,
      ],
      [
        'a missing job id and no task ids',
        bytes({ type: 'workersEnded', taskIds: [] }),
        'VALIDATION',
        /jobId must be a non-empty string; taskIds must be a non-empty list of task ids/,
      ],
      [
        'task ids that are not a list',
        bytes({ type: 'workersEnded', jobId: 'j', taskIds: 'a' }),
        'VALIDATION',
        /taskIds must be a non-empty list/,
      ],
      [
        'an empty, a numeric and an over-long task id',
        bytes({
          type: 'workersEnded',
          jobId: 'j',
          taskIds: ['', 7, 'x'.repeat(MAX_TASK_ID_CHARS + 1), 'ok'],
        }),
        'VALIDATION',
        /taskIds\[0\] must be a string of 1-256 characters; taskIds\[1\] .*; taskIds\[2\] /,
      ],
    ];
    for (const [what, data, code, pattern] of refused) {
      it(`refuses ${what} with ${code}`, () => {
        expect(codeOf(() => decodeSchedulerMessage(data))).to.equal(code);
        if (pattern) expect(() => decodeSchedulerMessage(data)).to.throw(pattern);
      });
    }

    it('is not a cluster spec: the cluster-spec-only decoder refuses it', () => {
      expect(codeOf(() => decodeClusterSpecMessage(encodeWorkersEndedMessage(ended)))).to.equal('VALIDATION');
    });
  });
});
