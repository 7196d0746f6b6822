// The training worker: lease a range of example indices from the coordinator, and for each batch in it
// read, augment, compute gradients, push every shard its share (the pushes return fresh weights), report
// progress; complete the lease; repeat until the job is done. It keeps no state that matters: when it
// dies the scheduler tells ps-0 (or, failing that, its lease expires) and only the untrained part goes to
// another worker; when a PS restarts (from its checkpoint) it retries with backoff, re-seeds or re-pulls,
// and recomputes the batch.
//
// Exactly once across PS restarts: every push names its lease and how far into it the batch goes. ps-0,
// which hosts the coordinator, applies a push only while the coordinator knows the lease, and records that
// progress in the same turn as the step, so its checkpoints hold the same batches in the weights and in the
// lease book. A ps-0 restored from a checkpoint knows none of the leases handed out before the crash: it
// refuses their pushes (leaseUnknown) and the worker drops the lease at once, so none of its batches is
// applied on top of the restored weights while the coordinator hands its examples out again. After any shard
// restart the worker also confirms its lease with the coordinator before it pushes again, so a forgotten
// lease reaches no other shard either.
//
// States: created → connecting → training ⇄ waiting, any of those → reconnecting → training,
// then stopping → stopped (job done or shutdown) or failed (an error that retries cannot fix).
import { NodalError, isNodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import type { GrantedLease, WorkerReport } from '../coordinator/coordinator.js';
import { augmentBatch } from '../data/augment.js';
import { toModelInput } from '../data/normalize.js';
import { mixSeed } from '../data/rng.js';
import type { GradientDtype, PushAnswer, PushLease } from '../ps/client.js';
import type { BackoffOptions } from '../rpc/backoff.js';
import { sleep } from '../rpc/backoff.js';
import type { RpcClientOptions } from '../rpc/client.js';
import { retrying } from '../rpc/retry.js';
import type { ClusterSpec } from './cluster-spec.js';
import { TrainingConnections } from './connections.js';
import { RoleState } from './lifecycle.js';
import type { Trainable } from './trainable.js';

export type WorkerState =
  'created' | 'connecting' | 'training' | 'waiting' | 'reconnecting' | 'stopping' | 'stopped' | 'failed';

/** Rows of the training split by index. */
export interface TrainSource {
  readBatch(indices: readonly number[]): { x: Uint8Array; y: Uint8Array };
}

/** Turns a uint8 batch into model input in [0, 1], deterministically for a seed. */
export type AugmentFn = (x: Uint8Array, seed: number) => Float32Array;

export interface WorkerProgress {
  workerId: string;
  state: WorkerState;
  epoch: number;
  leaseId: number;
  /** Examples trained on by this worker since it started. */
  examples: number;
  batches: number;
  /** Smoothed batch loss. */
  loss: number;
  /** Smoothed throughput (read + augment + gradients + push). */
  imagesPerSec: number;
  /** Largest staleness of the last push over all shards. */
  staleness: number;
  /** Shard 0's step after the last push. */
  step: number;
  stalePushes: number;
}

export interface WorkerOptions {
  workerId: string;
  cluster: Pick<ClusterSpec, 'ps' | 'coordinator'>;
  secret: string;
  rpc?: Omit<RpcClientOptions, 'secret'>;
  trainable: Trainable;
  data: TrainSource;
  batchSize: number;
  /** Seed of the augmentation (combined with epoch and position, so a re-run batch is augmented the same way). */
  seed: number;
  /** Default: flips, 90° rotations and light colour jitter (executor/data/augment); false: none. */
  augment?: AugmentFn | false;
  onProgress?: (p: WorkerProgress) => void;
  /** Retry pauses when a PS or the coordinator is away (default 200 ms doubling to 5 s). */
  backoff?: BackoffOptions;
  /** Fail after the cluster has been unreachable this long (default 10 min). */
  giveUpAfterMs?: number;
  /** Longest a push may take (sync pushes wait for their step; default 120 s). */
  pushDeadlineMs?: number;
  /** Times a batch rejected as too stale is recomputed on fresh weights before it is skipped (default 2). */
  staleRetries?: number;
  /** How long shutdown waits for the current batch before releasing the lease anyway (default 5 s). */
  shutdownGraceMs?: number;
  /** How gradients travel to the PS: float32 (default) or float16, half the bytes (compress/fp16). */
  gradientDtype?: GradientDtype;
  logger?: Logger;
}

const SMOOTHING = 0.3;

/** One worker. `create`, then `run()` (resolves when the job is done or after `shutdown()`). */
export class TrainingWorker {
  private readonly life: RoleState<WorkerState>;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private readonly conn: TrainingConnections;
  private weights: Map<string, Float32Array>;
  private baseSteps: number[] = [];
  private incarnations: string[] = [];
  private lease: { lease: GrantedLease; processed: number } | undefined;
  /** A shard restarted since the lease was confirmed: the coordinator may have forgotten it. */
  private leaseInDoubt = false;
  private running: Promise<void> | undefined;
  private readonly progress: WorkerProgress;

  private constructor(private readonly opts: WorkerOptions) {
    if (!opts.workerId) throw new NodalError('VALIDATION', 'worker needs an id');
    if (!(Number.isInteger(opts.batchSize) && opts.batchSize > 0))
      throw new NodalError('VALIDATION', 'batchSize must be a positive integer');
    if (opts.cluster.ps.length === 0)
      throw new NodalError('VALIDATION', 'worker needs at least one PS address');
    this.log = (opts.logger ?? silentLogger).child({ component: 'worker', workerId: opts.workerId });
    this.life = new RoleState<WorkerState>('created', this.log);
    this.conn = new TrainingConnections({
      cluster: opts.cluster,
      specs: opts.trainable.specs,
      rpc: { ...opts.rpc, secret: opts.secret },
      pushDeadlineMs: opts.pushDeadlineMs ?? 120_000,
      gradientDtype: opts.gradientDtype,
      logger: this.log,
    });
    this.weights = opts.trainable.getWeights();
    this.progress = {
      workerId: opts.workerId,
      state: 'created',
      epoch: 0,
      leaseId: 0,
      examples: 0,
      batches: 0,
      loss: NaN,
      imagesPerSec: 0,
      staleness: 0,
      step: 0,
      stalePushes: 0,
    };
    this.life.onChange((to) => {
      this.progress.state = to;
    });
  }

  /** A worker ready to run. Throws VALIDATION for bad options. */
  static create(opts: WorkerOptions): TrainingWorker {
    return new TrainingWorker(opts);
  }

  get state(): WorkerState {
    return this.life.state;
  }

  /** Calls `fn` on every state change. */
  onStateChange(fn: (to: WorkerState, from: WorkerState) => void): void {
    this.life.onChange(fn);
  }

  /** Points the worker at new addresses (a PS moved); taken up at the next reconnect or lease. */
  updateCluster(cluster: Pick<ClusterSpec, 'ps' | 'coordinator'>): void {
    this.conn.update(cluster);
  }

  /** Trains until the job is done (resolves), shutdown() (resolves), or an unrecoverable error (rejects). */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  private async loop(): Promise<void> {
    if (!this.life.transitionTo(['created'], 'connecting')) return;
    try {
      this.conn.connect();
      await this.resync();
      while (!this.aborted) {
        // A moved PS is followed here, between leases, and before a retry: never during a call.
        this.conn.applyPending();
        const answer = await this.retry(() => this.conn.coordinator.lease(this.opts.workerId));
        if (answer.kind === 'done') break;
        if (answer.kind === 'wait') {
          this.life.transitionTo(['training', 'connecting', 'reconnecting'], 'waiting');
          await sleep(answer.retryAfterMs, this.abort.signal);
          continue;
        }
        this.life.transitionTo(['waiting', 'connecting', 'reconnecting'], 'training');
        const finished = await this.trainLease(answer.lease);
        if (finished === 'job-done') break;
      }
      await this.releaseLease();
      this.life.transitionTo(['connecting', 'training', 'waiting', 'reconnecting', 'stopping'], 'stopping');
      this.life.transitionTo(['stopping'], 'stopped');
    } catch (e) {
      await this.releaseLease();
      if (this.aborted) {
        this.life.transitionTo(['connecting', 'training', 'waiting', 'reconnecting', 'stopping'], 'stopped');
        return;
      }
      this.log.error('worker failed', { error: e });
      this.life.transitionTo(['connecting', 'training', 'waiting', 'reconnecting', 'stopping'], 'failed', {
        error: (e as Error).message,
      });
      throw e;
    } finally {
      this.conn.close();
    }
  }

  private get aborted(): boolean {
    return this.abort.signal.aborted;
  }

  private async retry<T>(fn: () => Promise<T>, retryIf?: (e: unknown) => boolean): Promise<T> {
    const before = this.life.state;
    const result = await retrying(fn, {
      backoff: this.opts.backoff ?? { initialMs: 200, maxMs: 5_000 },
      giveUpAfterMs: this.opts.giveUpAfterMs ?? 600_000,
      signal: this.abort.signal,
      retryIf,
      onRetry: (error, attempt, delayMs) => {
        this.log.warn('cluster unreachable; retrying', { attempt, delayMs, error: error.message });
        this.life.transitionTo(['connecting', 'training', 'waiting'], 'reconnecting');
        // The cluster is away: perhaps it moved.
        this.conn.applyPending();
      },
    });
    // Back to what the worker was doing before the cluster went away.
    if (before !== 'reconnecting') this.life.transitionTo(['reconnecting'], before);
    return result;
  }

  /** Seeds shards that lost their state, then pulls every shard's weights. */
  private async resync(): Promise<void> {
    // CONFLICT here is a shard still restoring or not yet seeded by anyone: the next round seeds it.
    const pulled = await this.retry(
      async () => {
        await this.conn.group.initialize(this.weights);
        return this.conn.group.pullAll();
      },
      (e) => isNodalError(e, 'CONFLICT'),
    );
    const restarted =
      this.incarnations.length > 0 && pulled.incarnations.some((inc, i) => inc !== this.incarnations[i]);
    if (restarted) {
      this.log.warn('a PS shard restarted; weights re-pulled', { steps: pulled.steps });
      this.leaseInDoubt = true;
    }
    this.adopt(pulled.values, pulled.steps, pulled.incarnations);
  }

  private adopt(
    values: ReadonlyMap<string, Float32Array>,
    steps: readonly number[],
    incarnations: readonly string[],
  ): void {
    for (const [k, v] of values) this.weights.set(k, v);
    this.opts.trainable.setWeights(this.weights);
    this.baseSteps = [...steps];
    this.incarnations = [...incarnations];
    this.progress.step = steps[0] ?? 0;
  }

  private async trainLease(
    lease: GrantedLease,
  ): Promise<'lease-done' | 'abandoned' | 'job-done' | 'aborted'> {
    this.lease = { lease, processed: 0 };
    // Granted by the coordinator as it is now; a restart from here on raises the doubt again.
    this.leaseInDoubt = false;
    this.progress.epoch = lease.epoch;
    this.progress.leaseId = lease.leaseId;
    const n = lease.indices.length;
    // Each batch's progress report travels while the next batch computes; its answer (lease still ours?
    // job done?) is read one batch later, which costs at most one batch of duplicated work.
    let pending: Promise<{ leaseValid: boolean; done: boolean }> | undefined;
    const settle = async (): Promise<'abandoned' | 'job-done' | undefined> => {
      const r = pending ? await pending : undefined;
      pending = undefined;
      if (r && !r.leaseValid)
        return this.dropLease(lease, 'expired and reassigned, or forgotten by a restart');
      return r?.done ? 'job-done' : undefined;
    };
    for (let offset = 0; offset < n; offset += this.opts.batchSize) {
      if (this.aborted) {
        await pending?.catch(() => {});
        return 'aborted';
      }
      const indices = lease.indices.subarray(offset, Math.min(n, offset + this.opts.batchSize));
      // A gradient step blocks the event loop; yield between batches so a KILL or a progress report is
      // handled within one batch instead of waiting for the next network round trip.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if ((await this.trainBatch(lease, offset, indices)) === 'lease-lost') {
        // A report of this lease still travelling must not outlive it.
        await pending?.catch(() => {});
        return this.dropLease(
          lease,
          'the coordinator does not know it (restored from a checkpoint, or reassigned)',
        );
      }
      this.lease.processed = offset + indices.length;
      const stop = await settle();
      if (stop) return stop;
      const report = this.reportOf(lease.leaseId, this.lease.processed);
      pending = this.retry(() => this.conn.coordinator.report(report));
      // Not awaited here: a rejection is read by settle() at the next batch or after the loop.
      pending.catch(() => {});
      this.opts.onProgress?.({ ...this.progress });
    }
    const stop = await settle();
    if (stop) return stop;
    const c = await this.retry(() => this.conn.coordinator.complete(this.opts.workerId, lease.leaseId));
    if (!c.accepted) this.log.warn('lease completion rejected', { leaseId: lease.leaseId, reason: c.reason });
    this.lease = undefined;
    return 'lease-done';
  }

  private dropLease(lease: GrantedLease, why: string): 'abandoned' {
    this.log.warn(`lease lost (${why}); abandoning it`, { leaseId: lease.leaseId });
    this.lease = undefined;
    return 'abandoned';
  }

  private reportOf(leaseId: number, processed: number): WorkerReport {
    return {
      workerId: this.opts.workerId,
      leaseId,
      processed,
      loss: this.progress.loss,
      imagesPerSec: this.progress.imagesPerSec,
      staleness: this.progress.staleness,
      examples: this.progress.examples,
    };
  }

  /**
   * Trains one batch: gradients pushed to every shard, recomputed on fresh weights for the shards that
   * refused them as stale or could not be reached. 'lease-lost' when the coordinator no longer knows the
   * lease (ps-0 refused the push, or did not confirm the lease after a shard restarted): ps-0 did not apply
   * the batch, and nothing more of the lease may be pushed.
   */
  private async trainBatch(
    lease: GrantedLease,
    offset: number,
    indices: Uint32Array,
  ): Promise<'trained' | 'lease-lost'> {
    const started = performance.now();
    const { x, y } = this.opts.data.readBatch(Array.from(indices));
    const augment = this.opts.augment === undefined ? augmentBatch : this.opts.augment;
    const input = augment
      ? augment(x, mixSeed(this.opts.seed, lease.epoch, lease.start + offset))
      : toModelInput(x);
    const shardCount = this.conn.group.size;
    const pushLease: PushLease = { leaseId: lease.leaseId, processed: offset + indices.length };
    let todo = Array.from({ length: shardCount }, (_, i) => i);
    let staleRounds = 0;
    let loss = NaN;
    let staleness = 0;
    while (todo.length > 0) {
      // A shard restarted (seen by a pull or a push answer): if it was ps-0, its coordinator came back from a
      // checkpoint and may not know this lease. Ask before any shard gets another push of it.
      if (this.leaseInDoubt) {
        const confirmed = await this.retry(() =>
          this.conn.coordinator.report(this.reportOf(lease.leaseId, this.lease?.processed ?? 0)),
        );
        if (!confirmed.leaseValid) return 'lease-lost';
        this.leaseInDoubt = false;
      }
      const step = this.opts.trainable.lossAndGradients(input, y);
      loss = step.loss;
      const settled = await this.conn.group.pushEach(
        this.opts.workerId,
        this.baseSteps,
        step.grads,
        indices.length,
        todo,
        pushLease,
      );
      const stale: number[] = [];
      const failed: number[] = [];
      const errors: unknown[] = [];
      let leaseUnknown = false;
      settled.forEach((r, k) => {
        const shard = todo[k]!;
        if (r.status === 'rejected') {
          failed.push(shard);
          errors.push(r.reason);
          return;
        }
        const a: PushAnswer = r.value;
        if (a.values) for (const [name, v] of a.values) this.weights.set(name, v);
        this.baseSteps[shard] = a.step;
        if (a.incarnation !== this.incarnations[shard] && this.incarnations[shard] !== undefined) {
          this.log.warn('PS shard restarted', { shard, step: a.step });
          this.leaseInDoubt = true;
        }
        this.incarnations[shard] = a.incarnation;
        staleness = Math.max(staleness, a.staleness);
        if (a.leaseUnknown) leaseUnknown = true;
        else if (a.outcome === 'stale') stale.push(shard);
      });
      this.opts.trainable.setWeights(this.weights);
      if (leaseUnknown) return 'lease-lost';
      this.progress.stalePushes += stale.length;
      if (failed.length > 0) {
        const fatal = errors.find(
          (e) =>
            !(isNodalError(e, 'UNAVAILABLE') || isNodalError(e, 'TIMEOUT') || isNodalError(e, 'CONFLICT')),
        );
        if (this.aborted || fatal !== undefined) throw fatal ?? errors[0];
        this.log.warn('push failed; reconnecting', {
          shards: failed,
          error: (errors[0] as Error).message,
        });
        this.life.transitionTo(['training'], 'reconnecting');
        await this.resync();
        this.life.transitionTo(['reconnecting'], 'training');
        // Only the shards that did not take the batch get it again (on the re-pulled weights).
        todo = [...failed, ...stale].sort((a, b) => a - b);
        continue;
      }
      // Recompute on the fresh weights for the shards that refused, so the batch is still trained on once.
      todo = stale.length > 0 && staleRounds++ < (this.opts.staleRetries ?? 2) ? stale : [];
    }
    const seconds = (performance.now() - started) / 1000;
    const ips = indices.length / Math.max(seconds, 1e-6);
    const p = this.progress;
    p.loss = Number.isNaN(p.loss) ? loss : (1 - SMOOTHING) * p.loss + SMOOTHING * loss;
    p.imagesPerSec = p.imagesPerSec === 0 ? ips : (1 - SMOOTHING) * p.imagesPerSec + SMOOTHING * ips;
    p.staleness = staleness;
    p.examples += indices.length;
    p.batches++;
    p.step = this.baseSteps[0] ?? 0;
    return 'trained';
  }

  /** Gives back the current lease (its trained part counts) — on KILL, on failure, at the end. */
  private async releaseLease(): Promise<void> {
    const held = this.lease;
    if (!held || !this.conn.connected) return;
    this.lease = undefined;
    try {
      await this.conn.coordinator.release(this.opts.workerId, held.lease.leaseId, held.processed, 2_000);
      this.log.info('lease released', { leaseId: held.lease.leaseId, processed: held.processed });
    } catch (e) {
      // It will expire instead; only its untrained part is handed out again either way.
      this.log.warn('cannot release lease; it will expire', {
        leaseId: held.lease.leaseId,
        error: (e as Error).message,
      });
    }
  }

  /** The latest progress numbers. */
  snapshot(): WorkerProgress {
    return { ...this.progress };
  }

  /**
   * Stops after the current batch (KILL): the lease is released with what was trained, clients close.
   * Resolves when stopped, at most `shutdownGraceMs` later. Idempotent.
   */
  async shutdown(): Promise<void> {
    if (this.life.state === 'created') {
      this.life.transitionTo(['created'], 'stopped');
      return;
    }
    this.life.transitionTo(['connecting', 'training', 'waiting', 'reconnecting'], 'stopping');
    this.abort.abort();
    if (!this.running) return;
    const grace = this.opts.shutdownGraceMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.running.catch(() => {}),
      new Promise<void>((r) => (timer = setTimeout(r, grace))),
    ]);
    clearTimeout(timer);
    await this.releaseLease();
  }
}
