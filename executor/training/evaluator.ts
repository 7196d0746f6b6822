// The evaluator: watches the job's global step on the coordinator, and every `evalEverySteps` steps pulls
// the weights from every shard and evaluates the validation split (accuracy, exact AUC, log loss); when
// the job is done it evaluates the validation and test splits one last time. Workers never stop for it.
//
// States: created → connecting → watching ⇄ evaluating, → reconnecting when the cluster is away,
// then stopping → stopped (job done or shutdown) or failed.
import { NodalError, isNodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import { toModelInput } from '../data/normalize.js';
import { binaryMetrics } from '../metrics/classification.js';
import type { BackoffOptions } from '../rpc/backoff.js';
import { sleep } from '../rpc/backoff.js';
import type { RpcClientOptions } from '../rpc/client.js';
import { retrying } from '../rpc/retry.js';
import type { ClusterSpec } from './cluster-spec.js';
import { TrainingConnections } from './connections.js';
import { RoleState } from './lifecycle.js';
import type { Trainable } from './trainable.js';
import type { TrainSource } from './worker.js';

export type EvaluatorState =
  'created' | 'connecting' | 'watching' | 'evaluating' | 'reconnecting' | 'stopping' | 'stopped' | 'failed';

/** A held-out split: its size and rows by index. */
export interface EvalSource extends TrainSource {
  readonly size: number;
}

export interface EvalReport {
  split: 'valid' | 'test';
  /** Shard 0's step of the evaluated weights. */
  step: number;
  accuracy: number;
  /** Exact ROC AUC (rank-based); NaN when the split has one class only. */
  auc: number;
  loss: number;
  n: number;
  /** The evaluation after the job finished. */
  final: boolean;
  durationMs: number;
}

export interface EvaluatorOptions {
  cluster: Pick<ClusterSpec, 'ps' | 'coordinator'>;
  secret: string;
  rpc?: Omit<RpcClientOptions, 'secret'>;
  trainable: Trainable;
  valid: EvalSource;
  test?: EvalSource;
  /** Evaluate whenever the global step has advanced this much since the last evaluation. */
  evalEverySteps: number;
  /** How often to look at the global step (default 1 s). */
  pollMs?: number;
  /** Evaluate only the first this-many validation examples during training (the final run uses all). */
  maxValidExamples?: number;
  /** Examples per inference chunk (default 128). */
  chunkSize?: number;
  onReport?: (r: EvalReport) => void;
  backoff?: BackoffOptions;
  giveUpAfterMs?: number;
  logger?: Logger;
}

/** The evaluator role. `create`, then `run()` (resolves after the final evaluation or `shutdown()`). */
export class Evaluator {
  private readonly life: RoleState<EvaluatorState>;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private readonly conn: TrainingConnections;
  private running: Promise<void> | undefined;
  private lastEvalStep = -1;
  private readonly reports: EvalReport[] = [];

  private constructor(private readonly opts: EvaluatorOptions) {
    if (!(Number.isInteger(opts.evalEverySteps) && opts.evalEverySteps > 0))
      throw new NodalError('VALIDATION', 'evalEverySteps must be a positive integer');
    if (opts.valid.size < 1) throw new NodalError('VALIDATION', 'the validation split is empty');
    this.log = (opts.logger ?? silentLogger).child({ component: 'evaluator' });
    this.life = new RoleState<EvaluatorState>('created', this.log);
    this.conn = new TrainingConnections({
      cluster: opts.cluster,
      specs: opts.trainable.specs,
      rpc: { ...opts.rpc, secret: opts.secret },
      logger: this.log,
    });
  }

  /** An evaluator ready to run; throws VALIDATION for bad options. */
  static create(opts: EvaluatorOptions): Evaluator {
    return new Evaluator(opts);
  }

  get state(): EvaluatorState {
    return this.life.state;
  }

  onStateChange(fn: (to: EvaluatorState, from: EvaluatorState) => void): void {
    this.life.onChange(fn);
  }

  /** Every report so far, oldest first. */
  history(): readonly EvalReport[] {
    return this.reports;
  }

  /** Points the evaluator at new addresses (a PS moved); taken up at the next poll or retry. */
  updateCluster(cluster: Pick<ClusterSpec, 'ps' | 'coordinator'>): void {
    this.conn.update(cluster);
  }

  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  private async loop(): Promise<void> {
    if (!this.life.transitionTo(['created'], 'connecting')) return;
    this.conn.connect();
    const all: StateList = ['connecting', 'watching', 'evaluating', 'reconnecting', 'stopping'];
    try {
      while (!this.aborted) {
        // A moved PS is followed here, between polls, and before a retry: never during a call.
        this.conn.applyPending();
        const progress = await this.retry(() => this.conn.coordinator.progress(), 'watching');
        this.life.transitionTo(['connecting', 'reconnecting'], 'watching');
        if (progress.done) {
          await this.finalEvaluation();
          break;
        }
        if (
          progress.globalStep > 0 &&
          progress.globalStep >= Math.max(0, this.lastEvalStep) + this.opts.evalEverySteps
        ) {
          await this.evaluateLatest('valid', false);
        }
        await sleep(this.opts.pollMs ?? 1_000, this.abort.signal);
      }
      this.life.transitionTo(all, 'stopping');
      this.life.transitionTo(['stopping'], 'stopped');
    } catch (e) {
      if (this.aborted) {
        this.life.transitionTo(all, 'stopped');
        return;
      }
      this.log.error('evaluator failed', { error: e });
      this.life.transitionTo(all, 'failed', { error: (e as Error).message });
      throw e;
    } finally {
      this.conn.close();
    }
  }

  private get aborted(): boolean {
    return this.abort.signal.aborted;
  }

  private async retry<T>(fn: () => Promise<T>, resume: EvaluatorState): Promise<T> {
    const r = await retrying(fn, {
      backoff: this.opts.backoff ?? { initialMs: 200, maxMs: 5_000 },
      giveUpAfterMs: this.opts.giveUpAfterMs ?? 600_000,
      signal: this.abort.signal,
      // CONFLICT: a shard not seeded yet (no worker has started); it will be.
      retryIf: (e) => isNodalError(e, 'CONFLICT'),
      onRetry: (error, attempt, delayMs) => {
        this.log.warn('cluster unreachable; retrying', { attempt, delayMs, error: error.message });
        this.life.transitionTo(['connecting', 'watching', 'evaluating'], 'reconnecting');
        // The cluster is away: perhaps it moved.
        this.conn.applyPending();
      },
    });
    this.life.transitionTo(['reconnecting'], resume);
    return r;
  }

  private async finalEvaluation(): Promise<void> {
    const step = await this.evaluateLatest('valid', true);
    if (!this.opts.test || this.aborted) return;
    this.life.transitionTo(['watching'], 'evaluating');
    await this.evaluateAt('test', step, true);
    this.life.transitionTo(['evaluating'], 'watching');
  }

  /** Pulls the latest weights and evaluates `split`; returns the step evaluated. */
  private async evaluateLatest(split: 'valid' | 'test', final: boolean): Promise<number> {
    this.life.transitionTo(['watching'], 'evaluating');
    const pulled = await this.retry(() => this.conn.group.pullAll(), 'evaluating');
    this.opts.trainable.setWeights(pulled.values);
    const step = pulled.steps[0] ?? 0;
    await this.evaluateAt(split, step, final);
    this.life.transitionTo(['evaluating'], 'watching');
    return step;
  }

  private async evaluateAt(split: 'valid' | 'test', step: number, final: boolean): Promise<void> {
    const source = split === 'valid' ? this.opts.valid : this.opts.test!;
    const limit =
      split === 'valid' && !final && this.opts.maxValidExamples
        ? Math.min(this.opts.maxValidExamples, source.size)
        : source.size;
    const started = performance.now();
    const chunk = this.opts.chunkSize ?? 128;
    const probs = new Float32Array(limit);
    const labels = new Uint8Array(limit);
    for (let start = 0; start < limit; start += chunk) {
      if (this.aborted) return;
      const indices = Array.from({ length: Math.min(chunk, limit - start) }, (_, k) => start + k);
      const { x, y } = source.readBatch(indices);
      probs.set(this.opts.trainable.predict(toModelInput(x)), start);
      labels.set(y, start);
      // Give gRPC and timers a turn between chunks of a long evaluation.
      await new Promise((r) => setImmediate(r));
    }
    const m = binaryMetrics(probs, labels);
    const report: EvalReport = {
      split,
      step,
      accuracy: m.accuracy,
      auc: m.auc,
      loss: m.loss,
      n: m.n,
      final,
      durationMs: performance.now() - started,
    };
    if (split === 'valid') this.lastEvalStep = step;
    this.reports.push(report);
    this.log.info('evaluated', { ...report });
    this.opts.onReport?.(report);
  }

  /** Stops watching (an evaluation in progress ends at its next chunk). Resolves when stopped. */
  async shutdown(): Promise<void> {
    if (this.life.state === 'created') {
      this.life.transitionTo(['created'], 'stopped');
      return;
    }
    this.life.transitionTo(['connecting', 'watching', 'evaluating', 'reconnecting'], 'stopping');
    this.abort.abort();
    await this.running?.catch(() => {});
  }
}

type StateList = EvaluatorState[];
