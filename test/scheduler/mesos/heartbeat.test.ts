import { expect } from 'chai';
import { IdleWatchdog, heartbeatTimeoutMs } from '../../../scheduler/mesos/heartbeat.js';
import { ManualClock } from '../../protos/http/manual-clock.js';

describe('scheduler/mesos/heartbeat', () => {
  it('allows missLimit intervals of silence, 15 s intervals by default', () => {
    expect(heartbeatTimeoutMs(15, 5)).to.equal(75_000);
    expect(heartbeatTimeoutMs(undefined, 5)).to.equal(75_000);
    expect(heartbeatTimeoutMs(0, 5)).to.equal(75_000);
    expect(heartbeatTimeoutMs(0.05, 3)).to.equal(150);
  });

  it('fires once after the timeout of silence, and each kick restarts the silence', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const watchdog = new IdleWatchdog(clock, (idle) => fired.push(idle));
    watchdog.arm(1000);
    clock.advance(600);
    watchdog.kick();
    clock.advance(600);
    expect(fired).to.deep.equal([]);
    watchdog.kick();
    clock.advance(999);
    expect(fired).to.deep.equal([]);
    clock.advance(1);
    expect(fired).to.deep.equal([1000]);
    clock.advance(5000);
    expect(fired).to.have.length(1);
  });

  it('re-arming changes the timeout and stop cancels', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const watchdog = new IdleWatchdog(clock, (idle) => fired.push(idle));
    watchdog.arm(10_000);
    watchdog.arm(100);
    clock.advance(100);
    expect(fired).to.deep.equal([100]);
    watchdog.arm(100);
    watchdog.stop();
    clock.advance(1000);
    expect(fired).to.have.length(1);
    expect(clock.timerCount).to.equal(0);
  });
});
