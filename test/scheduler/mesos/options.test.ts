import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import { resolveSchedulerClientOptions } from '../../../scheduler/mesos/options.js';

const frameworkInfo = { user: 'u', name: 'n', failover_timeout: 60 };

describe('scheduler/mesos/options', () => {
  it('fills the documented defaults and freezes the result', () => {
    const options = resolveSchedulerClientOptions({ masters: ['http://m:5050'], frameworkInfo });
    expect(options).to.deep.include({
      format: 'protobuf',
      heartbeatMissLimit: 5,
      callTimeoutMs: 75_000,
      subscribeTimeoutMs: 75_000,
      backoffInitialMs: 500,
      backoffMaxMs: 15_000,
      maxRedirects: 3,
      frameworkId: undefined,
      credentials: undefined,
    });
    expect(options.suppressedRoles()).to.deep.equal([]);
    expect(Object.isFrozen(options)).to.equal(true);
  });

  it('takes the framework id from frameworkInfo.id when not given', () => {
    const options = resolveSchedulerClientOptions({
      masters: ['http://m:5050'],
      frameworkInfo: { ...frameworkInfo, id: { value: 'fw-9' } },
    });
    expect(options.frameworkId).to.equal('fw-9');
  });

  const invalid: Array<[string, Parameters<typeof resolveSchedulerClientOptions>[0]]> = [
    ['no masters', { masters: [], frameworkInfo }],
    ['a zk:// master', { masters: ['zk://z:2181/mesos'], frameworkInfo }],
    ['a frameworkInfo without user', { masters: ['http://m'], frameworkInfo: { name: 'n' } as never }],
    [
      'a frameworkInfo with a camelCase key',
      { masters: ['http://m'], frameworkInfo: { ...frameworkInfo, failoverTimeout: 5 } as never },
    ],
    ['a zero heartbeat miss limit', { masters: ['http://m'], frameworkInfo, heartbeatMissLimit: 0 }],
    [
      'an inverted backoff',
      { masters: ['http://m'], frameworkInfo, backoffInitialMs: 100, backoffMaxMs: 10 },
    ],
    [
      'a principal that differs from the credentials',
      {
        masters: ['http://m'],
        frameworkInfo: { ...frameworkInfo, principal: 'a' },
        credentials: { principal: 'b', secret: 's' },
      },
    ],
  ];
  for (const [name, input] of invalid) {
    it(`rejects ${name} with CONFIG_INVALID`, () => {
      let thrown: unknown;
      try {
        resolveSchedulerClientOptions(input);
      } catch (err) {
        thrown = err;
      }
      expect(isNodalError(thrown, 'CONFIG_INVALID')).to.equal(true);
    });
  }
});
