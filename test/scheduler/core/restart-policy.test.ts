import { expect } from 'chai';
import { DEFAULT_RESTART, type RestartPolicySpec } from '../../../scheduler/core/job-spec.js';
import {
  avoidedAgents,
  backoffMs,
  decideRestart,
  recordAgentFailure,
} from '../../../scheduler/core/restart-policy.js';
import type { Slot } from '../../../scheduler/core/state.js';

const slot = (restartTimesMs: number[] = []): Slot => ({ role: 'worker', index: 0, restartTimesMs });
const policy = (p: Partial<RestartPolicySpec>): RestartPolicySpec => ({ ...DEFAULT_RESTART, ...p });

describe('scheduler/core/restart-policy', () => {
  it('backs off like Marathon: 1 s × 1.15ⁿ, capped at an hour', () => {
    expect([0, 1, 2, 10].map((n) => backoffMs(DEFAULT_RESTART, n))).to.deep.equal([1000, 1150, 1322, 4046]);
    expect(backoffMs(DEFAULT_RESTART, 100)).to.equal(3_600_000);
  });

  const cases: Array<{
    name: string;
    p: Partial<RestartPolicySpec>;
    times: number[];
    cause: Parameters<typeof decideRestart>[2];
    want: unknown;
  }> = [
    {
      name: 'on-failure restarts a failure after backoff',
      p: {},
      times: [],
      cause: 'failed',
      want: { action: 'restart', atMs: 101_000, restartTimesMs: [100_000] },
    },
    {
      name: 'backoff grows with restarts in the window',
      p: {},
      times: [90_000],
      cause: 'lost',
      want: { action: 'restart', atMs: 101_150, restartTimesMs: [90_000, 100_000] },
    },
    {
      name: 'restarts outside the window are forgotten',
      p: { windowSeconds: 60 },
      times: [10_000, 20_000],
      cause: 'failed',
      want: { action: 'restart', atMs: 101_000, restartTimesMs: [100_000] },
    },
    {
      name: 'on-failure completes a finished task',
      p: {},
      times: [],
      cause: 'finished',
      want: { action: 'complete' },
    },
    {
      name: 'always restarts a finished task',
      p: { policy: 'always' },
      times: [],
      cause: 'finished',
      want: { action: 'restart', atMs: 101_000, restartTimesMs: [100_000] },
    },
    {
      name: 'never gives up on a failure',
      p: { policy: 'never' },
      times: [],
      cause: 'failed',
      want: { action: 'give-up', reason: 'RestartPolicyNever' },
    },
    {
      name: 'never completes a finished task',
      p: { policy: 'never' },
      times: [],
      cause: 'finished',
      want: { action: 'complete' },
    },
    {
      name: 'budget spent within the window',
      p: { maxRestarts: 2 },
      times: [95_000, 99_000],
      cause: 'failed',
      want: { action: 'give-up', reason: 'RestartLimitReached' },
    },
    {
      name: 'a displaced task relaunches at once without penalty',
      p: { policy: 'never' },
      times: [1],
      cause: 'displaced',
      want: { action: 'restart', atMs: 100_000, restartTimesMs: [1] },
    },
    {
      name: 'an invalid task gives up',
      p: {},
      times: [],
      cause: 'invalid',
      want: { action: 'give-up', reason: 'TaskInvalid' },
    },
  ];
  for (const tc of cases)
    it(tc.name, () =>
      expect(decideRestart(policy(tc.p), slot(tc.times), tc.cause, 100_000)).to.deep.equal(tc.want),
    );

  it('avoids an agent after N failures for the avoidance period, then forgets', () => {
    const p = policy({ agentFailureLimit: 2, agentAvoidSeconds: 600 });
    const first = recordAgentFailure(p, undefined, 1000);
    expect(first).to.deep.equal({ count: 1, lastAtMs: 1000 });
    const second = recordAgentFailure(p, first, 2000);
    expect(second.avoidUntilMs).to.equal(602_000);
    expect([...avoidedAgents({ a: second }, 601_999)]).to.deep.equal(['a']);
    expect([...avoidedAgents({ a: second }, 602_000)]).to.deep.equal([]);
    // A failure long after the last one starts the count afresh.
    expect(recordAgentFailure(p, first, 1000 + 601_000)).to.deep.equal({ count: 1, lastAtMs: 602_000 });
  });
});
