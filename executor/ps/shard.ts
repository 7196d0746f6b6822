// The stateful shell around one shard's pure apply rule: it holds the current state, restores it from
// the latest checkpoint at start, takes Init/Pull/Push calls, holds sync pushes until their step is
// applied, runs the sync timeout, and writes checkpoints every K steps and on shutdown. No wire types.
import { randomUUID } from 'node:crypto';
import { NodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import {
  applyPush,
  createShardState,
  initializeShard,
  meanStaleness,
  pendingDeadline,
  tick,
  validateShardConfig,
  type Push,
  type PushResult,
  type ShardConfig,
  type ShardState,
} from './apply.js';
import { assignShards } from './assign.js';
import type { ShardSnapshot } from './checkpoint-format.js';
import { CheckpointStore, type CheckpointIo, type WrittenCheckpoint } from './checkpoint-store.js';
import { initialSlots, slotNames, type Slots } from './optimizers.js';
import { sameSpecs, validateSpecs, type VariableSpec } from './specs.js';

export interface ParameterShardOptions {
  shardIndex: number;
  shardCount: number;
  config: ShardConfig;
  /** Checkpoint root (`<dir>/ps-<i>/`); undefined: no checkpoints. */
  checkpointDir?: string;
  /** Write a checkpoint every this many steps (0: only on request and shutdown). */
  checkpointEverySteps?: number;
  checkpointIo?: CheckpointIo;
  /** ps-0: state saved into every checkpoint beside the variables (the coordinator's lease book). */
  extraState?: () => unknown;
  /** Longest a sync push with returnWeights waits for its step (default: sync timeout + 5 s, else 60 s). */
  syncWaitMs?: number;
  now?: () => number;
  logger?: Logger;
}

/** A shard's public numbers (the Status call). */
export interface ShardStatus {
  shardIndex: number;
  shardCount: number;
  initialized: boolean;
  step: number;
  variables: number;
  bytes: number;
  mode: ShardConfig['mode'];
  optimizer: string;
  pushesApplied: number;
  pushesStale: number;
  pushesDropped: number;
  meanStaleness: number;
  maxStaleness: number;
  /** -1 before the first checkpoint is written or restored. */
  checkpointStep: number;
  incarnation: string;
}

export interface PushReply {
  result: PushResult;
  /** The shard's values after the push (when asked for). */
  values?: ReadonlyMap<string, Float32Array>;
  step: number;
}

interface Waiter {
  baseStep: number;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_SYNC_WAIT_MS = 60_000;

/** One PS shard. Create with `ParameterShard.create`, which restores the latest checkpoint if any. */
export class ParameterShard {
  /** Random per process start: tells workers a shard restarted. */
  readonly incarnation = randomUUID();
  readonly shardIndex: number;
  readonly shardCount: number;
  private state: ShardState | null = null;
  private readonly config: ShardConfig;
  private readonly store: CheckpointStore | undefined;
  private readonly log: Logger;
  private readonly now: () => number;
  private waiters: Waiter[] = [];
  private syncTimer: NodeJS.Timeout | undefined;
  private checkpointStep = -1;
  private writing: Promise<unknown> = Promise.resolve();
  private pendingWrites = 0;
  private closed = false;
  private restoredExtra: unknown;
  private readonly stepListeners: Array<(step: number) => void> = [];

  private constructor(private readonly opts: ParameterShardOptions) {
    validateShardConfig(opts.config);
    if (!(
      Number.isInteger(opts.shardCount) &&
      opts.shardCount >= 1 &&
      opts.shardIndex >= 0 &&
      opts.shardIndex < opts.shardCount
    )) {
      throw new NodalError(
        'VALIDATION',
        `shard ${opts.shardIndex} of ${opts.shardCount} is not a valid shard`,
      );
    }
    this.shardIndex = opts.shardIndex;
    this.shardCount = opts.shardCount;
    this.config = opts.config;
    this.now = opts.now ?? Date.now;
    this.log = (opts.logger ?? silentLogger).child({ component: 'ps-shard', shard: opts.shardIndex });
    this.store = opts.checkpointDir
      ? new CheckpointStore({
          dir: opts.checkpointDir,
          shardIndex: opts.shardIndex,
          io: opts.checkpointIo,
          logger: opts.logger,
        })
      : undefined;
  }

  /** A shard, restored from its latest readable checkpoint when there is one. Throws VALIDATION on bad options. */
  static async create(opts: ParameterShardOptions): Promise<ParameterShard> {
    const shard = new ParameterShard(opts);
    await shard.restore();
    return shard;
  }

  private async restore(): Promise<void> {
    const found = await this.store?.readLatest();
    if (!found) return;
    const snap = found.snapshot;
    if (snap.shardIndex !== this.shardIndex || snap.shardCount !== this.shardCount) {
      throw new NodalError(
        'CONFLICT',
        `checkpoint ${found.path} is shard ${snap.shardIndex} of ${snap.shardCount}, not ${this.shardIndex} of ${this.shardCount}`,
      );
    }
    let state = createShardState(this.config, snap.specs);
    state = initializeShard(state, snap.values);
    let slots: ReadonlyMap<string, Slots> = snap.slots;
    const want = slotNames(this.config.optimizer).sort().join(',');
    const have = snap.specs.every(
      (s) =>
        Object.keys(snap.slots.get(s.name) ?? {})
          .sort()
          .join(',') === want,
    );
    if (snap.optimizer.kind !== this.config.optimizer.kind || !have) {
      this.log.warn('checkpoint optimizer differs; optimizer state reset', {
        saved: snap.optimizer.kind,
        configured: this.config.optimizer.kind,
      });
      slots = new Map(snap.specs.map((s) => [s.name, initialSlots(this.config.optimizer, s.bytes / 4)]));
    }
    // The restored arrays are private copies (decodeCheckpoint copies), so they can be the state as is.
    this.state = { ...state, values: snap.values, slots, step: snap.step };
    this.checkpointStep = snap.step;
    this.restoredExtra = snap.coordinator;
    this.log.info('restored from checkpoint', {
      path: found.path,
      step: snap.step,
      variables: snap.specs.length,
    });
  }

  /** The extra state (coordinator) found in the restored checkpoint, if any. */
  get restoredExtraState(): unknown {
    return this.restoredExtra;
  }

  get initialized(): boolean {
    return this.state !== null;
  }

  get step(): number {
    return this.state?.step ?? 0;
  }

  /** This shard's variables (empty before Init or restore). */
  get specs(): readonly VariableSpec[] {
    return this.state?.specs ?? [];
  }

  /** Calls `fn` after every step change. */
  onStep(fn: (step: number) => void): void {
    this.stepListeners.push(fn);
  }

  /**
   * Initializes the shard from the full model `specs` (this shard keeps its share by assignShards) and the
   * initial `values` of its variables. A no-op returning initializedNow=false when already initialized with
   * the same variables; CONFLICT when the model or shard count differs; VALIDATION for bad values.
   */
  init(
    allSpecs: readonly VariableSpec[],
    shardCount: number,
    values: ReadonlyMap<string, Float32Array>,
  ): { initializedNow: boolean; step: number } {
    this.ensureOpen();
    validateSpecs(allSpecs);
    if (shardCount !== this.shardCount) {
      throw new NodalError('CONFLICT', `init for ${shardCount} shards, but this job has ${this.shardCount}`);
    }
    const mine = assignShards(allSpecs, shardCount).shards[this.shardIndex];
    if (this.state) {
      if (!sameSpecs(this.state.specs, mine))
        throw new NodalError('CONFLICT', 'init with a different model than the one this shard holds');
      return { initializedNow: false, step: this.state.step };
    }
    this.state = initializeShard(createShardState(this.config, mine), values);
    this.log.info('initialized', { variables: mine.length, bytes: mine.reduce((n, s) => n + s.bytes, 0) });
    return { initializedNow: true, step: 0 };
  }

  /** The current values (of `names`, default all) and step; the arrays must not be modified. */
  pull(names: readonly string[] = []): { step: number; values: ReadonlyMap<string, Float32Array> } {
    const s = this.requireState();
    if (names.length === 0) return { step: s.step, values: s.values! };
    const out = new Map<string, Float32Array>();
    for (const n of names) {
      const v = s.values!.get(n);
      if (!v) throw new NodalError('VALIDATION', `unknown variable ${n}`, { name: n });
      out.set(n, v);
    }
    return { step: s.step, values: out };
  }

  /**
   * Applies a push (see applyPush for outcomes and errors). With `returnWeights` the reply carries the values
   * after it; in sync mode it resolves once the push's step is applied (or the sync wait runs out).
   * `onAccepted` runs when the push is applied or aggregated, in the same turn and before the new state is
   * visible or checkpointed (ps-0 records the push's data-lease progress there); if it throws, nothing changes.
   */
  async push(
    p: Push,
    opts: { returnWeights?: boolean; onAccepted?: (result: PushResult) => void } = {},
  ): Promise<PushReply> {
    this.ensureOpen();
    const before = this.requireState();
    const { state, result } = applyPush(before, p, this.now());
    if (result.outcome === 'applied' || result.outcome === 'aggregated') opts.onAccepted?.(result);
    this.setState(state);
    if (this.config.mode === 'sync' && result.outcome === 'aggregated' && state.step === before.step) {
      this.armSyncTimer();
      if (opts.returnWeights) await this.waitForStepAfter(p.baseStep);
    }
    const now = this.requireState();
    return opts.returnWeights ? { result, values: now.values!, step: now.step } : { result, step: now.step };
  }

  private setState(next: ShardState): void {
    const stepped = next.step !== this.state?.step;
    this.state = next;
    if (!stepped) return;
    this.releaseWaiters();
    for (const fn of this.stepListeners) fn(next.step);
    const every = this.opts.checkpointEverySteps ?? 0;
    if (
      this.store &&
      every > 0 &&
      next.step - Math.max(0, this.checkpointStep) >= every &&
      this.pendingWrites === 0
    ) {
      this.checkpoint().catch(() => {
        // Reported by the store; training goes on with the previous checkpoint.
      });
    }
  }

  private waitForStepAfter(baseStep: number): Promise<void> {
    if (this.step > baseStep) return Promise.resolve();
    const waitMs =
      this.opts.syncWaitMs ??
      (this.config.syncTimeoutMs !== undefined ? this.config.syncTimeoutMs + 5_000 : DEFAULT_SYNC_WAIT_MS);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        baseStep,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve();
        }, waitMs),
      };
      this.waiters.push(waiter);
    });
  }

  private releaseWaiters(): void {
    const ready = this.waiters.filter((w) => this.step > w.baseStep);
    this.waiters = this.waiters.filter((w) => this.step <= w.baseStep);
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve();
    }
  }

  private armSyncTimer(): void {
    if (this.syncTimer || !this.state) return;
    const deadline = pendingDeadline(this.state);
    if (deadline === undefined) return;
    this.syncTimer = setTimeout(
      () => {
        this.syncTimer = undefined;
        if (!this.state || this.closed) return;
        const before = this.state.step;
        this.setState(tick(this.state, this.now()));
        if (this.state.step !== before)
          this.log.warn('sync step applied after timeout with fewer replicas', { step: this.state.step });
        this.armSyncTimer();
      },
      Math.max(0, deadline - this.now()),
    );
  }

  /**
   * Writes a checkpoint of the current state now (after any write in flight). Throws UNAVAILABLE when
   * the write fails (the previous checkpoint stays), CONFLICT when there is nothing to save or no directory.
   */
  checkpoint(): Promise<WrittenCheckpoint> {
    const store = this.store;
    if (!store) return Promise.reject(new NodalError('CONFLICT', 'this shard has no checkpoint directory'));
    const run = async (): Promise<WrittenCheckpoint> => {
      const s = this.requireState();
      const snapshot: ShardSnapshot = {
        shardIndex: this.shardIndex,
        shardCount: this.shardCount,
        step: s.step,
        optimizer: this.config.optimizer,
        specs: s.specs,
        values: s.values!,
        slots: s.slots,
        createdAtMs: this.now(),
        ...(this.opts.extraState ? { coordinator: this.opts.extraState() } : {}),
      };
      const written = await store.write(snapshot);
      this.checkpointStep = Math.max(this.checkpointStep, written.step);
      return written;
    };
    // Counted synchronously so that steps arriving before the write starts do not queue more writes.
    this.pendingWrites++;
    const p = this.writing.then(run, run).finally(() => this.pendingWrites--);
    this.writing = p.catch(() => {});
    return p;
  }

  status(): ShardStatus {
    const s = this.state;
    const stats = s?.stats;
    return {
      shardIndex: this.shardIndex,
      shardCount: this.shardCount,
      initialized: s !== null,
      step: s?.step ?? 0,
      variables: s?.specs.length ?? 0,
      bytes: s?.specs.reduce((n, v) => n + v.bytes, 0) ?? 0,
      mode: this.config.mode,
      optimizer: this.config.optimizer.kind,
      pushesApplied: stats?.applied ?? 0,
      pushesStale: stats?.stale ?? 0,
      pushesDropped: stats?.dropped ?? 0,
      meanStaleness: stats ? meanStaleness(stats) : 0,
      maxStaleness: stats?.maxStaleness ?? 0,
      checkpointStep: this.checkpointStep,
      incarnation: this.incarnation,
    };
  }

  /**
   * Stops taking calls, releases waiting sync pushes and writes a final checkpoint when there is state and
   * a directory (a KILL must not lose the steps since the last one). Idempotent; resolves even if the
   * final write fails (it is logged).
   */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.syncTimer);
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve();
    }
    this.waiters = [];
    if (this.store && this.state) {
      await this.writing;
      if (this.state.step !== this.checkpointStep || this.opts.extraState) {
        await this.checkpoint().catch(() => {});
      }
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new NodalError('UNAVAILABLE', 'shard is shutting down');
  }

  private requireState(): ShardState {
    if (!this.state) throw new NodalError('CONFLICT', 'shard not initialized: Init it first');
    return this.state;
  }
}
