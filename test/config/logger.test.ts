import { expect } from 'chai';
import { redact, REDACTED, createLogger } from '../../config/logger.js';

describe('config/logger', () => {
  it('redacts secret-looking keys at any depth', () => {
    const out = redact({
      user: 'ann',
      secret: 'x',
      nested: { apiToken: 'y', list: [{ password: 'z', ok: 1 }], Authorization: 'Basic abc' },
    }) as Record<string, any>;
    expect(out.user).to.equal('ann');
    expect(out.secret).to.equal(REDACTED);
    expect(out.nested.apiToken).to.equal(REDACTED);
    expect(out.nested.Authorization).to.equal(REDACTED);
    expect(out.nested.list[0]).to.deep.equal({ password: REDACTED, ok: 1 });
  });

  it('never writes a secret to the transport (json format)', () => {
    const lines: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    (process.stderr as any).write = (chunk: string) => {
      lines.push(String(chunk));
      return true;
    };
    try {
      const log = createLogger({ level: 'info', format: 'json', stderr: true }).child({ component: 't' });
      log.info('subscribing', {
        principal: 'p',
        secret: 'hunter2',
        headers: { authorization: 'Basic aGk=' },
      });
    } finally {
      (process.stderr as any).write = orig;
    }
    const text = lines.join('');
    expect(text).to.contain('"component":"t"');
    expect(text).to.contain('"principal":"p"');
    expect(text).not.to.contain('hunter2');
    expect(text).not.to.contain('aGk=');
  });
});
