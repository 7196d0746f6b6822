// Truncated exponential backoff with full jitter (AWS architecture blog "Exponential Backoff and Jitter"):
// spreading reconnects uniformly keeps many schedulers/executors from hammering a master or agent that
// just came back, in lock step.

/** Delays of one retry sequence. */
export interface BackoffPolicy {
  /** Upper bound of the first delay. */
  readonly initialMs: number;
  /** No delay exceeds this. */
  readonly maxMs: number;
}

/** Attempt n (from 0) waits a uniform random time in [0, min(maxMs, initialMs * 2^n)]. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {
    if (!(policy.initialMs > 0) || !(policy.maxMs >= policy.initialMs)) {
      throw new RangeError(`invalid backoff policy ${JSON.stringify(policy)}`);
    }
  }

  /** The ceiling of the next delay (before jitter). */
  ceilingMs(): number {
    // 2^30 already exceeds any sane maximum; capping the exponent keeps the product finite.
    return Math.min(this.policy.maxMs, this.policy.initialMs * 2 ** Math.min(this.attempt, 30));
  }

  /** The next delay in milliseconds; advances the sequence. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceilingMs());
    this.attempt += 1;
    return delay;
  }

  /** Starts the sequence again (after a successful subscription). */
  reset(): void {
    this.attempt = 0;
  }

  /** How many delays were handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }
}
