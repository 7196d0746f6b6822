import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import { MasterEndpoints, schedulerEndpoint } from '../../../scheduler/mesos/masters.js';
import { resolveRedirect } from '../../../protos/http/http.js';

describe('scheduler/mesos/masters', () => {
  it('adds the scheduler path to a bare master URL and keeps an explicit one', () => {
    expect(schedulerEndpoint('http://10.0.0.5:5050').href).to.equal('http://10.0.0.5:5050/api/v1/scheduler');
    expect(schedulerEndpoint('https://m:5050/master/api/v1/scheduler').href).to.equal(
      'https://m:5050/master/api/v1/scheduler',
    );
  });

  for (const bad of ['zk://10.0.0.1:2181/mesos', 'not a url', '10.0.0.5:5050']) {
    it(`rejects '${bad}' with CONFIG_INVALID`, () => {
      let thrown: unknown;
      try {
        schedulerEndpoint(bad);
      } catch (err) {
        thrown = err;
      }
      expect(isNodalError(thrown, 'CONFIG_INVALID')).to.equal(true);
    });
  }

  it('rotates on failure, prefers a remembered leader and forgets it when it fails', () => {
    const endpoints = new MasterEndpoints(['http://a:5050', 'http://b:5050', 'http://c:5050']);
    expect(endpoints.current().host).to.equal('a:5050');
    endpoints.failed();
    expect(endpoints.current().host).to.equal('b:5050');
    endpoints.setLeader(new URL('http://leader:5050/api/v1/scheduler'));
    expect(endpoints.current().host).to.equal('leader:5050');
    endpoints.failed();
    expect(endpoints.current().host).to.equal('c:5050');
    endpoints.failed();
    expect(endpoints.current().host).to.equal('a:5050');
  });

  it('rejects an empty master list', () => {
    expect(() => new MasterEndpoints([])).to.throw(/at least one/);
  });

  describe('resolveRedirect', () => {
    const current = new URL('https://m1:5050/api/v1/scheduler');
    const cases: Array<[string, string]> = [
      ['//m2:5050/master/api/v1/scheduler', 'https://m2:5050/master/api/v1/scheduler'],
      ['http://m3:5050/api/v1/scheduler', 'http://m3:5050/api/v1/scheduler'],
      ['/other/path', 'https://m1:5050/other/path'],
    ];
    for (const [location, expected] of cases) {
      it(`resolves '${location}' against the current scheme`, () => {
        expect(resolveRedirect(location, current).href).to.equal(expected);
      });
    }
    it('refuses a non-http scheme', () => {
      expect(() => resolveRedirect('ftp://m2/x', current)).to.throw(/unsupported scheme/);
    });
  });
});
