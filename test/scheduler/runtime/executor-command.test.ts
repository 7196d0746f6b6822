import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { NodalError } from '../../../config/errors.js';
import { loadConfig } from '../../../config/load.js';
import {
  OWN_CLI_PATH,
  executorCommandFrom,
  executorEnvironment,
  splitCommandLine,
} from '../../../scheduler/runtime/executor-command.js';

describe('scheduler runtime: executor command', () => {
  const words: Array<[string, string[]]> = [
    ['nodal executor', ['nodal', 'executor']],
    [
      '  /usr/bin/node   /opt/nodal/cli/nodal.js executor ',
      ['/usr/bin/node', '/opt/nodal/cli/nodal.js', 'executor'],
    ],
    [`node '/opt/my dir/nodal.js' executor`, ['node', '/opt/my dir/nodal.js', 'executor']],
    [`sh -c "echo \\"hi\\" there"`, ['sh', '-c', 'echo "hi" there']],
    [`a\\ b c`, ['a b', 'c']],
    [`run ''`, ['run', '']],
  ];
  for (const [line, expected] of words)
    it(`splits ${JSON.stringify(line)} like a shell`, () => {
      expect(splitCommandLine(line)).to.deep.equal(expected);
    });

  it('refuses an unterminated quote and an empty command', () => {
    for (const bad of [`node 'oops`, '   '])
      expect(() => splitCommandLine(bad))
        .to.throw(NodalError)
        .with.property('code', 'CONFIG_INVALID');
  });

  it('uses argv[0] as the program and keeps it in the argv', () => {
    expect(executorCommandFrom('/opt/bin/nodal executor --log-level debug')).to.deep.equal({
      value: '/opt/bin/nodal',
      arguments: ['/opt/bin/nodal', 'executor', '--log-level', 'debug'],
    });
  });

  it('defaults to this Node running this installation’s CLI', () => {
    const cmd = executorCommandFrom('');
    expect(cmd).to.deep.equal({
      value: process.execPath,
      arguments: [process.execPath, OWN_CLI_PATH, 'executor'],
    });
    expect(existsSync(OWN_CLI_PATH), OWN_CLI_PATH).to.equal(true);
  });

  it('gives executors the log settings, the backend and the API URL but no token', () => {
    const config = loadConfig({
      env: {},
      overrides: { 'log.level': 'debug', 'executor.backend': 'wasm', 'api.token': 'sekrit' },
    });
    const env = executorEnvironment(config, 'http://10.0.0.5:8080');
    expect(env).to.deep.equal({
      NODAL_LOG_LEVEL: 'debug',
      NODAL_LOG_FORMAT: 'json',
      NODAL_BACKEND: 'wasm',
      NODAL_SCHEDULER_URL: 'http://10.0.0.5:8080',
    });
  });
});
