import { expect } from 'chai';
import { EventChannel } from '../../../protos/http/event-channel.js';

describe('protos/http/event-channel', () => {
  it('delivers buffered and later items in order, then ends after close', async () => {
    const channel = new EventChannel<number>();
    channel.push(1);
    channel.push(2);
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const n of channel) seen.push(n);
    })();
    await new Promise((r) => setImmediate(r));
    channel.push(3);
    channel.close();
    channel.push(4);
    await consumer;
    expect(seen).to.deep.equal([1, 2, 3]);
  });

  it('allows a single consumer only', () => {
    const channel = new EventChannel<number>();
    channel[Symbol.asyncIterator]();
    expect(() => channel[Symbol.asyncIterator]()).to.throw(/single consumer/);
  });

  it('stops buffering when the consumer breaks out', async () => {
    const channel = new EventChannel<number>();
    channel.push(1);
    channel.push(2);
    for await (const n of channel) {
      expect(n).to.equal(1);
      break;
    }
    expect(channel.isClosed).to.equal(true);
  });
});
