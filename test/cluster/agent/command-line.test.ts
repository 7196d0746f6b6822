import { expect } from 'chai';
import { commandLine } from '../../../cluster/agent/command-line.js';

describe('cluster command lines', () => {
  it('runs shell commands (the default) with /bin/sh -c and ignores arguments', () => {
    expect(commandLine({ value: 'echo hi', arguments: ['x'] })).to.deep.equal({
      file: '/bin/sh',
      args: ['-c', 'echo hi'],
    });
  });
  it('execs value with arguments as the full argv when shell is false', () => {
    expect(
      commandLine({ shell: false, value: '/usr/bin/node', arguments: ['node', 'main.js', '--x'] }),
    ).to.deep.equal({
      file: '/usr/bin/node',
      args: ['main.js', '--x'],
      argv0: 'node',
    });
  });
  it('cannot run an image entrypoint', () => {
    expect(commandLine({ shell: false, arguments: ['--x'] }))
      .to.have.property('problem')
      .that.matches(/ENTRYPOINT/);
    expect(commandLine({})).to.have.property('problem');
  });
});
