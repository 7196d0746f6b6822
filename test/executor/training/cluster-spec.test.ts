import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import {
  decodeClusterSpec,
  encodeClusterSpec,
  parseClusterSpec,
} from '../../../executor/training/cluster-spec.js';

describe('executor/training/cluster-spec', () => {
  it('round-trips through the nodal.ClusterSpec protobuf', () => {
    const spec = {
      jobId: 'job-1',
      ps: ['10.0.0.1:31000', 'host-b:31001'],
      coordinator: '10.0.0.1:31000',
      evaluator: '[::1]:4000',
      version: 3,
    };
    expect(decodeClusterSpec(encodeClusterSpec(spec))).to.deep.equal(spec);
  });

  it('accepts snake_case JSON and defaults the coordinator to ps-0', () => {
    expect(parseClusterSpec({ job_id: 'j', ps: ['a:1'] })).to.deep.equal({
      jobId: 'j',
      ps: ['a:1'],
      coordinator: 'a:1',
      version: 0,
    });
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['no object', null, /object/],
    ['no job id', { ps: ['a:1'] }, /jobId/],
    ['no ps', { jobId: 'j', ps: [] }, /at least one ps/],
    ['a bad address', { jobId: 'j', ps: ['a:1', 'nope'] }, /ps\[1\] 'nope'/],
    ['port 0', { jobId: 'j', ps: ['a:0'] }, /not host:port/],
    ['a bad version', { jobId: 'j', ps: ['a:1'], version: -1 }, /version/],
  ];
  for (const [what, raw, message] of bad) {
    it(`rejects ${what}`, () => {
      try {
        parseClusterSpec(raw);
        expect.fail('should throw');
      } catch (e) {
        expect(isNodalError(e, 'VALIDATION')).to.equal(true);
        expect((e as Error).message).to.match(message);
      }
    });
  }
});
