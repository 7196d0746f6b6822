import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import type { Logger, LogMeta } from '../../../config/logger.js';
import {
  ConnectionStateMachine,
  isLegalTransition,
  type ConnectionState,
} from '../../../protos/http/connection-state.js';

function recordingLogger(lines: Array<{ message: string; meta?: LogMeta }>): Logger {
  const log = (message: string, meta?: LogMeta) => lines.push({ message, meta });
  const logger: Logger = { info: log, warn: log, error: log, debug: log, child: () => logger };
  return logger;
}

describe('protos/http/connection-state', () => {
  const legal: Array<[ConnectionState, ConnectionState]> = [
    ['disconnected', 'connecting'],
    ['connecting', 'subscribed'],
    ['connecting', 'disconnected'],
    ['subscribed', 'disconnected'],
    ['disconnected', 'closed'],
    ['connecting', 'closed'],
    ['subscribed', 'closed'],
  ];
  const illegal: Array<[ConnectionState, ConnectionState]> = [
    ['disconnected', 'subscribed'],
    ['subscribed', 'connecting'],
    ['subscribed', 'subscribed'],
    ['closed', 'connecting'],
    ['closed', 'disconnected'],
  ];

  for (const [from, to] of legal) {
    it(`allows ${from} -> ${to}`, () => expect(isLegalTransition(from, to)).to.equal(true));
  }
  for (const [from, to] of illegal) {
    it(`forbids ${from} -> ${to}`, () => expect(isLegalTransition(from, to)).to.equal(false));
  }

  it('logs every transition with from/to and throws on an illegal one', () => {
    const lines: Array<{ message: string; meta?: LogMeta }> = [];
    const changes: string[] = [];
    const sm = new ConnectionStateMachine(recordingLogger(lines), (from, to) =>
      changes.push(`${from}>${to}`),
    );
    sm.transition('connecting');
    sm.transition('subscribed', 'SUBSCRIBED');
    expect(sm.state).to.equal('subscribed');
    expect(lines).to.deep.equal([
      { message: 'transition', meta: { from: 'disconnected', to: 'connecting' } },
      { message: 'transition', meta: { from: 'connecting', to: 'subscribed', reason: 'SUBSCRIBED' } },
    ]);
    expect(changes).to.deep.equal(['disconnected>connecting', 'connecting>subscribed']);
    let thrown: unknown;
    try {
      sm.transition('connecting');
    } catch (err) {
      thrown = err;
    }
    expect(isNodalError(thrown, 'INTERNAL')).to.equal(true);
    expect(sm.state).to.equal('subscribed');
  });
});
