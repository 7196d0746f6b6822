// Sends Mesos calls on whatever subscription is current. Calls on different HTTP connections may be
// applied in any order (REFERENCE §1.2), and the core's order matters — a DECLINE's filter must not be
// applied after a later REVIVE meant to clear it, a KILL must not overtake the ACCEPT that launches its
// task — so each call waits until everything queued before it has been answered.
//
// Offer answers (ACCEPTs and DECLINEs) are the exception: they go out the moment they are queued, all
// together, and only what is queued after them waits for them. Nothing queued earlier can depend on
// them (they name offers that did not exist when it was queued), and nothing about an offer depends on
// an earlier call still in flight: the REVIVE that brought the offers, for one, has already been applied.
// Holding offers behind unrelated calls would only keep resources from every framework.
import { isNodalError } from '../../config/errors.js';
import type { Logger } from '../../config/logger.js';
import { describeCall, sendCall, type MesosCalls, type OutboundCall } from './outbound-calls.js';

/** The current subscription's calls; `epoch` changes with every (re)subscription. */
export interface CallTarget {
  readonly epoch: number;
  readonly calls: MesosCalls;
}

type Entry = { readonly call: OutboundCall; readonly epoch: number } | { readonly barrier: Promise<void> };

const answersOffers = (c: OutboundCall): boolean => c.kind === 'accept' || c.kind === 'decline';

/** Offer answers of one step in flight at once (a step launching on hundreds of agents opens no more). */
export const MAX_CONCURRENT_ANSWERS = 16;

export class OutboundQueue {
  private readonly pending: Entry[] = [];
  private target: CallTarget | undefined;
  private pumping: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

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

  /**
   * Queues calls for the current subscription (one step's, in the core's order); without one they are
   * dropped (the core re-sends what matters after subscribing). Offer answers among them go out at once.
   */
  push(calls: readonly OutboundCall[]): void {
    const target = this.target;
    if (target === undefined || calls.length === 0) return;
    const answers = calls.filter(answersOffers);
    if (answers.length > 0) {
      const sent = this.sendAnswers(target, answers);
      this.inFlight.add(sent);
      void sent.finally(() => this.inFlight.delete(sent));
      this.pending.push({ barrier: sent });
    }
    for (const call of calls) if (!answersOffers(call)) this.pending.push({ call, epoch: target.epoch });
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  /** Resolves once every queued call has been answered (or failed). */
  async idle(): Promise<void> {
    while (this.pumping || this.inFlight.size > 0) {
      await this.pumping;
      await Promise.all([...this.inFlight]);
    }
  }

  private async pump(): Promise<void> {
    for (let next = this.pending.shift(); next; next = this.pending.shift()) {
      if ('barrier' in next) {
        await next.barrier;
        continue;
      }
      const target = this.target;
      // A call made for an earlier subscription means nothing to the next one (offers are gone, and the
      // core re-sends kills and reconciliation after subscribing).
      if (!target || target.epoch !== next.epoch) continue;
      this.onSend(next.call);
      await this.send(target, next.call);
    }
  }

  private async sendAnswers(target: CallTarget, answers: readonly OutboundCall[]): Promise<void> {
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < answers.length; i = next++) {
        this.onSend(answers[i]!);
        await this.send(target, answers[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_ANSWERS, answers.length) }, lane));
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
