import { expect } from 'chai';
import type { Input } from '../../../scheduler/core/inputs.js';
import { clusterSpecJson } from '../../../scheduler/core/cluster-spec.js';
import {
  decodeClusterSpecMessage,
  decodeProgressMessage,
  encodeClusterSpecMessage,
  encodeProgressMessage,
  MAX_MESSAGE_BYTES,
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
});
