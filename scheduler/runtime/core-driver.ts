// Drives the pure core (scheduler/core/README.md): one input at a time through a single queue, the step's
// `persist` made durable before any of its calls go out, the calls queued in order, job events recorded,
// notices logged, and one timer re-armed at the step's nextTickAtMs. One driver lives for one term of
// leadership; it knows nothing of HTTP: the Mesos subscription is handed in as a CallTarget.
//
// Store failures: the step is thrown away as if its input never arrived — nothing of it is sent, so an
// update stays unacknowledged (the agent re-sends it), an API request fails with UNAVAILABLE, offers are
// declined by the safety net below, and a `subscribed` or `tick` is retried shortly. Health reports the
// store as unreachable until a save succeeds again.
import { NodalError, isNodalError } from '../../config/errors.js';
import type { Logger } from '../../config/logger.js';
import {
  createReducer,
  toStored,
  type Command,
  type CoreOptions,
  type CoreState,
  type IdSource,
  type Input,
  type Reducer,
  type Step,
} from '../core/index.js';
import type { TaskInfoOptions } from '../launch/task-info.js';
import type { Store } from '../store/store.js';
import type { ProgressReport } from './executor-messages.js';
import { RuntimeRecords } from './job-history.js';
import { callsFor, type OutboundCall } from './outbound-calls.js';
import { OutboundQueue, type CallTarget } from './outbound-queue.js';

/** Delay before a `subscribed` or `tick` whose step could not be saved is fed again. */
export const STORE_RETRY_MS = 1_000;
/** Offers the core did not answer (it was not subscribed, or the step failed) are declined for this long. */
export const UNANSWERED_OFFER_REFUSE_SECONDS = 5;

/** Hooks for benchmarks and tests; called synchronously, keep them cheap. */
export interface RuntimeProbe {
  /** An input was handed to the driver (before it waits in the queue). */
  onInput?(input: Input): void;
  /** A call is about to be sent. */
  onCall?(call: OutboundCall): void;
  /** An input's step was committed: how long the core took, and the save (0 without one). */
  onStep?(input: Input, timing: { readonly reduceMs: number; readonly saveMs: number }): void;
}

export interface CoreDriverOptions {
  readonly logger: Logger;
  readonly store: Store;
  /** The state to resume from (see `fromStored`). */
  readonly initial: CoreState;
  readonly core: Partial<CoreOptions> & { ids: IdSource };
  /** How launches become TaskInfos; the framework id is filled in from the state. */
  readonly taskInfo: TaskInfoOptions;
  readonly records?: RuntimeRecords;
  readonly now?: () => number;
  readonly probe?: RuntimeProbe;
  /** Delay before a `subscribed` or `tick` whose save failed is fed again; default STORE_RETRY_MS. */
  readonly storeRetryMs?: number;
  /** A save was refused because another scheduler leads now (ZooKeeper fencing): stop acting. */
  readonly onFenced?: (error: NodalError) => void;
  /** After each committed step, in order: the commands of the step and the state it produced. */
  readonly onCommitted?: (commands: readonly Command[], state: CoreState) => void;
}

/** What one input did. */
export interface StepResult {
  readonly commands: readonly Command[];
  readonly state: CoreState;
}

/** `running` → `stopped`; inputs fed after `stop()` are refused with UNAVAILABLE. */
export type DriverState = 'running' | 'stopped';

export class CoreDriver {
  readonly records: RuntimeRecords;
  private current: CoreState;
  private readonly reduce: Reducer;
  private readonly now: () => number;
  private readonly outbound: OutboundQueue;
  private readonly log: Logger;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lifecycle: DriverState = 'running';
  private storeOk = true;
  private storeFailure: string | undefined;

  constructor(private readonly opts: CoreDriverOptions) {
    this.log = opts.logger.child({ component: 'core-driver' });
    this.current = opts.initial;
    this.records = opts.records ?? new RuntimeRecords();
    this.reduce = createReducer(opts.core);
    this.now = opts.now ?? Date.now;
    this.outbound = new OutboundQueue(this.log, (call) => {
      if (call.kind === 'accept') this.records.offersAccepted += call.offerIds.length;
      else if (call.kind === 'decline') this.records.offersDeclined += call.offerIds.length;
      opts.probe?.onCall?.(call);
    });
  }

  get state(): CoreState {
    return this.current;
  }

  get lifecycleState(): DriverState {
    return this.lifecycle;
  }

  /** False from a failed save until the next successful one. */
  get storeReachable(): boolean {
    return this.storeOk;
  }

  /** Why the last save failed, while it is unreachable. */
  get storeError(): string | undefined {
    return this.storeOk ? undefined : this.storeFailure;
  }

  /**
   * Queues one input. Resolves once its step is saved and its calls are queued; rejects with
   * NodalError UNAVAILABLE when the step could not be saved (nothing of it happened) or the driver stopped.
   */
  feed(input: Input): Promise<StepResult> {
    if (this.lifecycle === 'stopped')
      return Promise.reject(new NodalError('UNAVAILABLE', 'the scheduler is not running'));
    this.opts.probe?.onInput?.(input);
    const run = this.queue.then(() => this.process(input));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A subscription is up: calls go to `target` and the core hears `subscribed`. */
  connected(target: CallTarget, frameworkId: string): Promise<StepResult> {
    this.outbound.setTarget(target);
    return this.feedLogged({ type: 'subscribed', frameworkId });
  }

  /** The subscription is gone: queued calls are dropped and the core hears `disconnected`. */
  disconnected(): Promise<StepResult> {
    this.outbound.setTarget(undefined);
    return this.feedLogged({ type: 'disconnected' });
  }

  /** Records a progress report's extras (sandbox, model path, merged metrics) for a job the core knows. */
  noteReport(report: ProgressReport, executorId: string): void {
    const job = this.current.jobs[report.input.jobId];
    if (!job) return;
    if (report.sandbox) this.records.sandboxes.set(executorId, report.sandbox);
    this.records.job(job.id).onReport(report, report.input.taskId ?? executorId, this.now());
  }

  /** Stops the timer and refuses further inputs; resolves once the input in progress has finished. */
  async stop(): Promise<void> {
    if (this.lifecycle === 'stopped') return;
    this.lifecycle = 'stopped';
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    this.outbound.setTarget(undefined);
    await this.queue;
  }

  /** Resolves once every call queued so far has been answered (tests). */
  callsSettled(): Promise<void> {
    return this.outbound.idle();
  }

  private feedLogged(input: Input): Promise<StepResult> {
    const run = this.feed(input);
    run.catch((e: unknown) => {
      if (this.lifecycle === 'running') this.log.warn('input not applied', { input: input.type, error: e });
    });
    return run;
  }

  private async process(input: Input): Promise<StepResult> {
    if (this.lifecycle === 'stopped') throw new NodalError('UNAVAILABLE', 'the scheduler is not running');
    const before = this.current;
    const started = performance.now();
    let step: Step;
    try {
      step = this.reduce(before, input, this.now());
    } catch (e) {
      this.log.error('core failed on an input; input dropped', { input: input.type, error: e });
      this.outbound.push(this.withUnansweredDeclined(input, []));
      throw new NodalError('INTERNAL', 'the scheduler core failed on this input', undefined, { cause: e });
    }
    const reduced = performance.now();
    const persist = step.commands[0]?.type === 'persist';
    if (persist) {
      try {
        await this.opts.store.save(toStored(step.state));
        this.markStore(true);
      } catch (e) {
        this.onSaveFailed(input, e);
        throw new NodalError(
          'UNAVAILABLE',
          `the scheduler's state could not be saved: ${messageOf(e)}`,
          undefined,
          {
            cause: e,
          },
        );
      }
    }
    this.current = step.state;
    this.opts.probe?.onStep?.(input, { reduceMs: reduced - started, saveMs: performance.now() - reduced });
    this.execute(input, step.commands);
    this.arm(step.nextTickAtMs);
    return { commands: step.commands, state: step.state };
  }

  private execute(input: Input, commands: readonly Command[]): void {
    const taskInfo: TaskInfoOptions = {
      ...this.opts.taskInfo,
      ...(this.current.frameworkId ? { frameworkId: this.current.frameworkId } : {}),
    };
    const calls: OutboundCall[] = [];
    for (const c of commands) {
      if (c.type === 'jobEvent') {
        if (!this.current.jobs[c.jobId]) continue;
        this.records.job(c.jobId).onEvent(c.event, c.atMs);
        if (c.event.kind === 'taskLaunched')
          this.records.noteLaunch(c.event.taskId, c.jobId, c.event.agentId);
      } else if (c.type === 'notice') {
        this.log[c.level](c.message, { ...c.meta });
      } else calls.push(...callsFor(c, taskInfo));
    }
    this.outbound.push(this.withUnansweredDeclined(input, calls));
    this.opts.onCommitted?.(commands, this.current);
  }

  // Offers are never held: whatever the core did not launch on or decline (it was not subscribed yet,
  // or its step failed) is declined here.
  private withUnansweredDeclined(input: Input, calls: readonly OutboundCall[]): OutboundCall[] {
    if (input.type !== 'offers' || input.offers.length === 0) return [...calls];
    const answered = new Set<string>();
    for (const c of calls)
      if (c.kind === 'accept' || c.kind === 'decline') for (const id of c.offerIds) answered.add(id);
    const rest = input.offers.map((o) => o.id).filter((id) => !answered.has(id));
    if (rest.length === 0) return [...calls];
    return [
      ...calls,
      { kind: 'decline', offerIds: rest, filters: { refuse_seconds: UNANSWERED_OFFER_REFUSE_SECONDS } },
    ];
  }

  private onSaveFailed(input: Input, e: unknown): void {
    const fenced = isNodalError(e, 'CONFLICT');
    this.markStore(false, messageOf(e));
    this.log.error('state not saved; step discarded', { input: input.type, error: e });
    this.outbound.push(this.withUnansweredDeclined(input, []));
    if (fenced && this.opts.onFenced) {
      this.opts.onFenced(e as NodalError);
      return;
    }
    if (input.type === 'subscribed') {
      const epoch = this.outbound.epoch;
      this.retryLater(() => {
        if (this.outbound.epoch === epoch && epoch !== undefined) void this.feedLogged(input);
      });
    } else if (input.type === 'tick') this.retryLater(() => void this.feedLogged({ type: 'tick' }));
  }

  private retryLater(fn: () => void): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.lifecycle === 'running') fn();
    }, this.opts.storeRetryMs ?? STORE_RETRY_MS);
  }

  private markStore(ok: boolean, why?: string): void {
    if (ok && !this.storeOk) this.log.info('state store reachable again');
    this.storeOk = ok;
    this.storeFailure = why;
  }

  private arm(atMs: number | undefined): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (atMs === undefined || this.lifecycle === 'stopped') return;
    // setTimeout's limit is 2^31-1 ms; a later tick is simply re-armed by the next step.
    const delay = Math.min(Math.max(0, atMs - this.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.feedLogged({ type: 'tick' });
    }, delay);
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
