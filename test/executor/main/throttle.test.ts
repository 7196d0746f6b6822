import { expect } from 'chai';
import { Throttle, type ThrottleTimers } from '../../../executor/main/throttle.js';

/** Timers driven by hand: `advance(ms)` runs whatever came due. */
function fakeTimers() {
  let now = 1_000;
  let next: { at: number; fn: () => void } | undefined;
  const timers: ThrottleTimers = {
    now: () => now,
    setTimeout: (fn, ms) => (next = { at: now + ms, fn }),
    clearTimeout: (h) => {
      if (h === next) next = undefined;
    },
  };
  return {
    timers,
    advance(ms: number) {
      now += ms;
      if (next && next.at <= now) {
        const due = next;
        next = undefined;
        due.fn();
      }
    },
  };
}

describe('executor/main/throttle', () => {
  it('sends at most one item per interval, the latest one, and important ones at once', () => {
    const sent: string[] = [];
    const t = fakeTimers();
    const throttle = new Throttle<string>(500, (s) => sent.push(s), t.timers);
    throttle.offer('a'); // first: at once
    throttle.offer('b');
    throttle.offer('c'); // replaces b
    expect(sent).to.deep.equal(['a']);
    t.advance(499);
    expect(sent).to.deep.equal(['a']);
    t.advance(1);
    expect(sent).to.deep.equal(['a', 'c']);
    throttle.offer('d');
    throttle.offer('E', true); // important: now, and d is dropped
    t.advance(1_000);
    expect(sent).to.deep.equal(['a', 'c', 'E']);
  });

  it('flushes the pending item and ignores everything after stop', () => {
    const sent: string[] = [];
    const t = fakeTimers();
    const throttle = new Throttle<string>(500, (s) => sent.push(s), t.timers);
    throttle.offer('a');
    throttle.offer('b');
    throttle.flush();
    expect(sent).to.deep.equal(['a', 'b']);
    throttle.offer('c');
    throttle.stop();
    throttle.offer('d', true);
    t.advance(10_000);
    expect(sent).to.deep.equal(['a', 'b']);
  });
});
