// Sends Mesos calls in the order they were queued, on whatever subscription is current. Calls on
// different HTTP connections may be applied in any order (REFERENCE §1.2) and the core's order matters
// (ACCEPT before SUPPRESS, KILL before a relaunch, ACKNOWLEDGE after the ACCEPT it follows), so each call
// waits for the previous one's answer — except that a run of offer answers (ACCEPTs and DECLINEs, each
// about different offers) goes out together: no answer to one offer can depend on the answer to another,
// and a master that launches before it answers (the embedded one does) would otherwise make every
// DECLINE wait for a LAUNCH. The input loop never waits for the master: it queues and moves on.
import { isNodalError } from '../../config/errors.js';
import type { Logger } from '../../config/logger.js';
import { describeCall, sendCall, type MesosCalls, type OutboundCall } from './outbound-calls.js';

/** The current subscription's calls; `epoch` changes with every (re)subscription. */
export interface CallTarget {
  readonly epoch: number;
  readonly calls: MesosCalls;
}

const answersOffers = (c: OutboundCall): boolean => c.kind === 'accept' || c.kind === 'decline';

export class OutboundQueue {
  private readonly pending: Array<{ call: OutboundCall; epoch: number }> = [];
  private target: CallTarget | undefined;
  private pumping: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    /** Told just before each call goes out (benchmarks and metrics). */
    private readonly onSend: (call: OutboundCall) => void = () => {},
  ) {}

  /** The subscription calls go to from now on; undefined while disconnected (queued calls are dropped). */
  setTarget(target: CallTarget | undefined): void {
    this.target = target;
    if (!target) this.pending.length = 0;
  }

  get epoch(): number | undefined {
    return this.target?.epoch;
  }

  /** Queues calls for the current subscription; without one they are dropped (the core re-sends what matters). */
  push(calls: readonly OutboundCall[]): void {
    const epoch = this.target?.epoch;
    if (epoch === undefined || calls.length === 0) return;
    for (const call of calls) this.pending.push({ call, epoch });
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  /** Resolves once every queued call has been answered (or failed). */
  async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private async pump(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = [this.pending.shift()!];
      if (answersOffers(batch[0]!.call))
        while (this.pending.length > 0 && answersOffers(this.pending[0]!.call))
          batch.push(this.pending.shift()!);
      const target = this.target;
      // A call made for an earlier subscription means nothing to the next one (offers are gone, and the
      // core re-sends kills and reconciliation after subscribing).
      const current = batch.filter((b) => target !== undefined && b.epoch === target.epoch);
      if (!target || current.length === 0) continue;
      for (const { call } of current) this.onSend(call);
      await Promise.all(current.map(({ call }) => this.send(target, call)));
    }
  }

  private async send(target: CallTarget, call: OutboundCall): Promise<void> {
    try {
      await sendCall(target.calls, call);
    } catch (e) {
      const level = isNodalError(e, 'NOT_SUBSCRIBED') ? 'debug' : 'warn';
      this.logger[level]('mesos call failed', { ...describeCall(call), error: e });
    }
  }
}
