import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, redactedConfig } from '../../config/load.js';
import { isNodalError } from '../../config/errors.js';

const expectInvalid = (fn: () => unknown, fragment: string) => {
  try {
    fn();
  } catch (e) {
    expect(isNodalError(e, 'CONFIG_INVALID'), String(e)).to.equal(true);
    expect((e as Error).message).to.contain(fragment);
    return;
  }
  expect.fail('expected CONFIG_INVALID');
};

describe('config/load', () => {
  it('gives validated defaults without reading process.env or argv', () => {
    const c = loadConfig({ env: {} });
    expect(c.api.port).to.equal(8080);
    expect(c.mesos.failoverTimeoutMs).to.be.greaterThan(0);
    expect(c.mesos.master).to.deep.equal(['http://127.0.0.1:5050']);
  });

  it('applies file < environment < flags < overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodal-cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ api: { port: 1000, host: '127.0.0.2' }, log: { level: 'debug' } }));
    const c = loadConfig({
      files: [file],
      env: { PORT0: '2000', NODAL_LOG_LEVEL: 'warn' },
      args: ['--api-port', '3000', '--master=http://a:1,http://b:2', '--api-auth-disabled'],
      overrides: { 'cluster.agents': 4 },
    });
    expect(c.api.host).to.equal('127.0.0.2');
    expect(c.log.level).to.equal('warn');
    expect(c.api.port).to.equal(3000);
    expect(c.api.authDisabled).to.equal(true);
    expect(c.mesos.master).to.deep.equal(['http://a:1', 'http://b:2']);
    expect(c.cluster.agents).to.equal(4);
  });

  it('keeps a zk:// master URL with several hosts as one entry', () => {
    const c = loadConfig({ env: { NODAL_MESOS_MASTER: 'zk://a:2181,b:2181,c:2181/mesos' } });
    expect(c.mesos.master).to.deep.equal(['zk://a:2181,b:2181,c:2181/mesos']);
  });

  it('returns a frozen object', () => {
    const c = loadConfig({ env: {} });
    expect(Object.isFrozen(c)).to.equal(true);
    expect(Object.isFrozen(c.api)).to.equal(true);
  });

  it('names the bad key in the error', () => {
    expectInvalid(() => loadConfig({ env: { PORT0: '70000' } }), 'api.port');
    expectInvalid(() => loadConfig({ args: ['--api-port', 'x'] }), 'api.port');
    expectInvalid(() => loadConfig({ env: { NODAL_LOG_LEVEL: 'loud' } }), 'log.level');
    expectInvalid(() => loadConfig({ env: { NODAL_CLUSTER_AGENTS: '0' } }), 'cluster.agents');
    expectInvalid(() => loadConfig({ args: ['--no-such-flag', '1'] }), '--no-such-flag');
  });

  it('rejects unknown keys in a file and a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodal-cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ api: { prot: 1 } }));
    expectInvalid(() => loadConfig({ files: [file], env: {} }), 'api.prot');
    expectInvalid(() => loadConfig({ files: [join(dir, 'nope.json')], env: {} }), 'nope.json');
  });

  it('redacts secrets for display', () => {
    const c = loadConfig({ env: { NODAL_MESOS_SECRET: 's3cret', NODAL_API_TOKEN: 'tok' } });
    const text = JSON.stringify(redactedConfig(c));
    expect(text).not.to.contain('s3cret');
    expect(text).not.to.contain('"tok"');
  });
});
