import { expect } from 'chai';
import { NodalError } from '../../../config/errors.js';
import { parseZkUrl, redactZkUrl } from '../../../scheduler/ha/zk-url.js';

describe('scheduler/ha/zk-url', () => {
  const good: [string, { connectString: string; path: string; credentials?: string }][] = [
    ['zk://127.0.0.1:2181/mesos', { connectString: '127.0.0.1:2181', path: '/mesos' }],
    ['zk://zk1:2181,zk2:2182,zk3/mesos', { connectString: 'zk1:2181,zk2:2182,zk3:2181', path: '/mesos' }],
    ['zk://zk1/mesos/', { connectString: 'zk1:2181', path: '/mesos' }],
    ['ZK://zk1:2181/a/b-c/d_e', { connectString: 'zk1:2181', path: '/a/b-c/d_e' }],
    ['zk://[::1]:2181,[fe80::1]/mesos', { connectString: '[::1]:2181,[fe80::1]:2181', path: '/mesos' }],
    [
      'zk://ops:s3cret@zk1:2181,zk2:2181/mesos',
      { connectString: 'zk1:2181,zk2:2181', path: '/mesos', credentials: 'ops:s3cret' },
    ],
    [
      'zk://ops:p%40ss%2Fw%3Ard@zk1/mesos',
      { connectString: 'zk1:2181', path: '/mesos', credentials: 'ops:p@ss/w:rd' },
    ],
  ];
  for (const [url, want] of good) {
    it(`parses ${url}`, () => {
      const parsed = parseZkUrl(url);
      expect(parsed.connectString).to.equal(want.connectString);
      expect(parsed.path).to.equal(want.path);
      if (want.credentials)
        expect(parsed.auth).to.deep.equal({ scheme: 'digest', credentials: want.credentials });
      else expect(parsed.auth).to.equal(undefined);
    });
  }

  it('gives hosts with their ports, 2181 by default', () => {
    expect(parseZkUrl('zk://a:1,b/x').hosts).to.deep.equal([
      { host: 'a', port: 1 },
      { host: 'b', port: 2181 },
    ]);
  });

  const bad: [string, RegExp][] = [
    ['http://zk1:2181/mesos', /must start with zk:\/\//],
    ['zk://zk1:2181', /needs a znode path/],
    ['zk://zk1:2181/', /needs a znode path/],
    ['zk:///mesos', /names no host/],
    ['zk://zk1:99999/mesos', /port out of range/],
    ['zk://zk1:0/mesos', /port out of range/],
    ['zk://zk1:21x/mesos', /malformed host/],
    ['zk://zk1,,zk2/mesos', /malformed host/],
    ['zk://zk1/a//b', /invalid znode path/],
    ['zk://zk1/a/../b', /invalid znode path/],
    ['zk://zk1/a/./b', /invalid znode path/],
    ['zk://user@zk1/mesos', /credentials must be user:password/],
    ['zk://user:@zk1/mesos', /credentials must be user:password/],
    ['zk://:pw@zk1/mesos', /credentials must be user:password/],
    ['zk://user:%E0%A4%A@zk1/mesos', /percent-encoding/],
  ];
  for (const [url, message] of bad) {
    it(`rejects ${url}`, () => {
      expect(() => parseZkUrl(url))
        .to.throw(NodalError, message)
        .that.has.property('code', 'CONFIG_INVALID');
    });
  }

  it('never puts the password into an error', () => {
    for (const url of ['zk://ops:hunter2@zk1:99999/mesos', 'zk://ops:hunter2@zk1', 'zk://ops:hunter2@/x']) {
      try {
        parseZkUrl(url);
        expect.fail(`${url} should not parse`);
      } catch (e) {
        expect(e).to.be.instanceOf(NodalError);
        expect(JSON.stringify({ m: (e as NodalError).message, d: (e as NodalError).details })).not.to.contain(
          'hunter2',
        );
      }
    }
  });

  it('redacts the password and nothing else', () => {
    expect(redactZkUrl('zk://ops:hunter2@zk1:2181,zk2/mesos')).to.equal('zk://ops:***@zk1:2181,zk2/mesos');
    expect(redactZkUrl('zk://zk1:2181/mesos@2')).to.equal('zk://zk1:2181/mesos@2');
    expect(redactZkUrl('zk://zk1/mesos')).to.equal('zk://zk1/mesos');
    expect(parseZkUrl('zk://ops:hunter2@zk1/mesos').redacted).to.equal('zk://ops:***@zk1/mesos');
    expect(JSON.stringify(parseZkUrl('zk://zk1/m'))).not.to.contain('***');
  });
});
