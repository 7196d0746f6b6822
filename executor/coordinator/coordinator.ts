// The stateful shell of the lease book on ps-0: the clock, the epoch permutations (cached), the global
// step (read from shard 0), the workers' latest metrics, and the book's snapshot for checkpoints. No wire.
// Besides its gRPC service it hears from the scheduler (through ps-0's executor) which workers ended, and
// gives their leases back at once (workersEnded).
import { silentLogger, type Logger } from '../../config/logger.js';
import {
  completeLease,
  createLeaseBook,
  endWorkers,
  leaseNext,
  leaseProgress,
  releaseLeases,
  reportLease,
  restoreLeaseBook,
  snapshotLeaseBook,
  type Counted,
  type LeaseBookConfig,
  type LeaseBookSnapshot,
  type LeaseBookState,
  type LeaseProgress,
} from './leases.js';
import { epochPermutation } from './permutation.js';

export interface CoordinatorOptions extends LeaseBookConfig {
  /** Seed of the per-epoch shuffles. */
  seed: number;
  /** The job's global step (shard 0's step). */
  globalStep: () => number;
  /** A restored book (from ps-0's checkpoint). */
  restored?: LeaseBookSnapshot;
  now?: () => number;
  logger?: Logger;
}

/** A lease as the worker sees it: positions [start, end) of the epoch and the example indices there. */
export interface GrantedLease {
  leaseId: number;
  epoch: number;
  start: number;
  end: number;
  indices: Uint32Array;
  expiresAtMs: number;
}

/** Whether ps-0 may apply a push of a lease (see Coordinator.admitPush). */
export type PushAdmission = 'ok' | 'unknown' | 'duplicate';

export type LeaseAnswer =
  { kind: 'granted'; lease: GrantedLease } | { kind: 'wait'; retryAfterMs: number } | { kind: 'done' };

export interface WorkerReport {
  workerId: string;
  leaseId: number;
  processed: number;
  loss: number;
  imagesPerSec: number;
  staleness: number;
  examples: number;
}

export interface JobProgress extends LeaseProgress {
  globalStep: number;
  maxSteps: number;
  /** Sum of the throughput of workers that reported recently. */
  imagesPerSec: number;
  /** Mean of the recent workers' latest losses (NaN before any report). */
  meanLoss: number;
}

/** A worker counts in throughput and loss this long after its last report. */
const REPORT_FRESH_MS = 30_000;
const CACHED_PERMUTATIONS = 3;

/** Data leases and job progress for one job. */
export class Coordinator {
  private state: LeaseBookState;
  private readonly permutations = new Map<number, Uint32Array>();
  private readonly reports = new Map<string, { at: number; loss: number; imagesPerSec: number }>();
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly countedListeners: Array<(c: Counted) => void> = [];

  constructor(private readonly opts: CoordinatorOptions) {
    this.state = opts.restored ? restoreLeaseBook(opts, opts.restored) : createLeaseBook(opts);
    this.now = opts.now ?? Date.now;
    this.log = (opts.logger ?? silentLogger).child({ component: 'coordinator' });
    if (opts.restored)
      this.log.info('lease book restored', { ...leaseProgress(this.state, opts.globalStep()) });
  }

  /** Calls `fn` for every range newly counted as trained on (tests audit exactly-once with it). */
  onCounted(fn: (c: Counted) => void): void {
    this.countedListeners.push(fn);
  }

  private apply<T extends { state: LeaseBookState; counted: Counted[] }>(r: T): T {
    this.state = r.state;
    for (const c of r.counted) for (const fn of this.countedListeners) fn(c);
    return r;
  }

  private permutation(epoch: number): Uint32Array {
    let p = this.permutations.get(epoch);
    if (!p) {
      p = epochPermutation(this.opts.seed, epoch, this.opts.datasetSize);
      this.permutations.set(epoch, p);
      for (const k of this.permutations.keys())
        if (this.permutations.size > CACHED_PERMUTATIONS && k !== epoch) this.permutations.delete(k);
    }
    return p;
  }

  lease(workerId: string): LeaseAnswer {
    const r = this.apply(leaseNext(this.state, workerId, this.now(), this.opts.globalStep()));
    if (r.grant.kind !== 'granted') return r.grant;
    const l = r.grant.lease;
    this.log.debug('lease granted', { workerId, leaseId: l.id, epoch: l.epoch, start: l.origin, end: l.end });
    return {
      kind: 'granted',
      lease: {
        leaseId: l.id,
        epoch: l.epoch,
        start: l.origin,
        end: l.end,
        indices: this.permutation(l.epoch).slice(l.origin, l.end),
        expiresAtMs: l.expiresAtMs,
      },
    };
  }

  complete(workerId: string, leaseId: number): { accepted: boolean; reason: string } {
    const r = this.apply(completeLease(this.state, workerId, leaseId, this.now()));
    if (!r.accepted) this.log.warn('late lease completion rejected', { workerId, leaseId, reason: r.reason });
    return { accepted: r.accepted, reason: r.reason };
  }

  /** Returns one lease (`leaseId`) or all of a worker's leases; counts what was trained on. */
  release(workerId: string, leaseId?: number, processed?: number): number {
    const r = this.apply(releaseLeases(this.state, workerId, leaseId, processed, this.now()));
    if (r.released) this.log.info('leases released', { workerId, leaseId, released: r.released });
    return r.released;
  }

  /**
   * The scheduler says these worker tasks ended (or gave up on them): every lease they hold goes back to
   * the pool now instead of when it expires — the trained prefix counted, the rest handed to the next
   * worker that asks — and a later push, report or completion of such a lease finds nothing. Ids holding
   * no lease are ignored. Returns how many leases were released.
   */
  workersEnded(workerIds: readonly string[]): number {
    const r = this.apply(endWorkers(this.state, workerIds, this.now()));
    const holders = new Set(r.released.map((l) => l.worker));
    const idle = workerIds.filter((w) => !holders.has(w));
    if (idle.length > 0)
      this.log.debug('ended workers hold no lease; nothing to release', { workerIds: idle });
    if (r.released.length > 0)
      this.log.info('leases of ended workers released', {
        workerIds: [...holders],
        leases: r.released.map((l) => ({
          leaseId: l.id,
          workerId: l.worker,
          epoch: l.epoch,
          trained: l.processed,
          returned: [Math.max(l.start, l.origin + l.processed), l.end],
        })),
      });
    return r.released.length;
  }

  report(rep: WorkerReport): { leaseValid: boolean; done: boolean; expiresAtMs: number } {
    const now = this.now();
    if (Number.isFinite(rep.loss) && Number.isFinite(rep.imagesPerSec)) {
      this.reports.set(rep.workerId, { at: now, loss: rep.loss, imagesPerSec: rep.imagesPerSec });
    }
    let leaseValid = true;
    let expiresAtMs = 0;
    if (rep.leaseId > 0) {
      const r = this.apply(reportLease(this.state, rep.workerId, rep.leaseId, rep.processed, now));
      leaseValid = r.valid;
      expiresAtMs = r.expiresAtMs;
    }
    return { leaseValid, done: this.progress().done, expiresAtMs };
  }

  /**
   * ps-0 asks before it applies a push from `workerId`'s lease `leaseId` that takes the lease to `processed`
   * positions: `unknown` when the lease is not live (this book was restored from a checkpoint older than
   * the lease, or it expired and went to another worker) and `duplicate` when those positions are already
   * recorded (a retried push that was applied) — either way the push must have no effect — else `ok`. Like
   * a report, it extends the lease (or revives an expired one whose range nobody took).
   */
  admitPush(workerId: string, leaseId: number, processed: number): PushAdmission {
    const r = this.apply(reportLease(this.state, workerId, leaseId, 0, this.now()));
    if (!r.valid) {
      this.log.warn('push of an unknown lease refused', { workerId, leaseId });
      return 'unknown';
    }
    return processed > 0 && r.processed >= processed ? 'duplicate' : 'ok';
  }

  /**
   * ps-0 calls this in the same turn as it applies an admitted push, before the step can be checkpointed:
   * the book then holds exactly the batches the weights hold, and a restore re-trains nothing twice.
   */
  pushApplied(workerId: string, leaseId: number, processed: number): void {
    this.apply(reportLease(this.state, workerId, leaseId, processed, this.now()));
  }

  progress(): JobProgress {
    const step = this.opts.globalStep();
    const p = leaseProgress(this.state, step);
    const now = this.now();
    const fresh = [...this.reports.values()].filter((r) => now - r.at <= REPORT_FRESH_MS);
    return {
      ...p,
      globalStep: step,
      maxSteps: this.opts.maxSteps ?? 0,
      imagesPerSec: fresh.reduce((n, r) => n + r.imagesPerSec, 0),
      meanLoss: fresh.length ? fresh.reduce((n, r) => n + r.loss, 0) / fresh.length : NaN,
    };
  }

  /** The book for ps-0's checkpoint. */
  snapshot(): LeaseBookSnapshot {
    return snapshotLeaseBook(this.state);
  }
}
