// The Mesos v1 executor HTTP client: SUBSCRIBE to the local agent (re-sending what it has not acknowledged),
// UPDATE/MESSAGE/HEARTBEAT on a separate keep-alive connection (HEARTBEAT also on a timer while subscribed,
// as the Mesos executor library does), and re-subscription with backoff within the recovery window when the
// framework checkpoints. It holds no task logic.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { NodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import {
  MEDIA_TYPES,
  checkRequired,
  decodeMessage,
  encodeMessage,
  type WireFormat,
} from '../../protos/wire/codec.js';
import { DEFAULT_MAX_RECORD_BYTES } from '../../protos/wire/recordio.js';
import type { ExecutorCall, ExecutorEvent, TaskStatus } from '../../protos/mesos/v1/types.js';
import * as calls from './calls.js';
import type { ExecutorEnvironment } from './environment.js';
import type { ExecutorClientEvent, ExecutorDisconnectReason, UpdateReceipt } from './events.js';
import { Unacknowledged } from './unacknowledged.js';
import { Backoff } from '../../protos/http/backoff.js';
import { sleep, systemClock, type Clock, type TimerHandle } from '../../protos/http/clock.js';
import { ConnectionStateMachine, type ConnectionState } from '../../protos/http/connection-state.js';
import { EventChannel } from '../../protos/http/event-channel.js';
import { createKeepAliveAgent, postCall } from '../../protos/http/http.js';
import { openSubscription, type OpenStream } from '../../protos/http/subscription.js';

const CALL_TYPE = 'mesos.v1.executor.Call';
const EVENT_TYPE = 'mesos.v1.executor.Event';

/**
 * Period of the HEARTBEAT calls sent while subscribed: the Mesos executor library's
 * `DEFAULT_HEARTBEAT_CALL_INTERVAL` (30 min, src/executor/executor.cpp); the agent answers 202.
 */
export const DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS = 30 * 60_000;

/** Options of the executor client; only `environment` is required. */
export interface ExecutorClientOptions {
  readonly environment: ExecutorEnvironment;
  /** Encoding of calls and events. Default 'protobuf'. */
  readonly format?: WireFormat;
  /** Longest wait for a call's answer, and from SUBSCRIBE to SUBSCRIBED. Default 30 s. */
  readonly callTimeoutMs?: number;
  /** First re-subscription delay ceiling; capped by MESOS_SUBSCRIPTION_BACKOFF_MAX. Default 250 ms. */
  readonly backoffInitialMs?: number;
  /** How long the very first subscription may take before giving up (agent default 1 min). */
  readonly registrationTimeoutMs?: number;
  /**
   * Period of HEARTBEAT calls to the agent while subscribed (the first one this long after SUBSCRIBED);
   * 0 sends none. Default DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS (30 min, as the Mesos executor library).
   */
  readonly heartbeatIntervalMs?: number;
  readonly maxRecordBytes?: number;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly logger?: Logger;
}

interface AckWaiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly timer: TimerHandle;
}

/** Mesos v1 executor client. Lifecycle: `create` → `run()` (resolves when closed) → `close()`. */
export class ExecutorClient {
  private readonly env: ExecutorEnvironment;
  private readonly format: WireFormat;
  private readonly callTimeoutMs: number;
  private readonly registrationTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly maxRecordBytes: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly channel = new EventChannel<ExecutorClientEvent>();
  private readonly sm: ConnectionStateMachine;
  private readonly backoff: Backoff;
  private readonly unacked = new Unacknowledged();
  private readonly ackWaiters = new Set<AckWaiter>();
  private readonly stopping = new AbortController();
  private readonly agent: http.Agent;
  private endSession: ((reason: ExecutorDisconnectReason, detail: string) => void) | undefined;
  private heartbeatTimer: TimerHandle | undefined;
  private attemptAbort: AbortController | undefined;
  private runPromise: Promise<void> | undefined;
  private everSubscribed = false;
  private closeReason = 'closed';

  /** Builds a client for the agent named in `environment`; nothing is sent before `run()`. */
  static create(options: ExecutorClientOptions): ExecutorClient {
    return new ExecutorClient(options);
  }

  private constructor(options: ExecutorClientOptions) {
    this.env = options.environment;
    this.format = options.format ?? 'protobuf';
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.registrationTimeoutMs = options.registrationTimeoutMs ?? 60_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS;
    // Node timers fire at once beyond 2^31 - 1 ms (24.8 days).
    if (!(this.heartbeatIntervalMs >= 0 && this.heartbeatIntervalMs <= 2 ** 31 - 1)) {
      throw new NodalError('CONFIG_INVALID', 'heartbeatIntervalMs must be between 0 and 2^31 - 1', {
        heartbeatIntervalMs: this.heartbeatIntervalMs,
      });
    }
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ component: 'mesos-executor-client' });
    this.sm = new ConnectionStateMachine(this.logger);
    const maxMs = this.env.subscriptionBackoffMaxMs;
    this.backoff = new Backoff(
      { initialMs: Math.min(options.backoffInitialMs ?? 250, maxMs), maxMs },
      options.random,
    );
    this.agent = createKeepAliveAgent(this.env.agentUrl);
  }

  /** Connection events and decoded agent events, in arrival order; ends after the `closed` event. */
  get events(): AsyncIterable<ExecutorClientEvent> {
    return this.channel;
  }

  get state(): ConnectionState {
    return this.sm.state;
  }

  /** Updates sent but not yet ACKNOWLEDGED by the agent. */
  get unacknowledgedUpdates(): readonly TaskStatus[] {
    return this.unacked.pendingUpdates;
  }

  /** Subscribes and re-subscribes (checkpointing only) until closed; resolves once closed. */
  run(): Promise<void> {
    if (this.runPromise !== undefined) throw new NodalError('INTERNAL', 'ExecutorClient.run called twice');
    this.runPromise = this.loop();
    return this.runPromise;
  }

  /** Stops: drops the stream, ends `events`, rejects pending acknowledgement waits. Idempotent. */
  async close(): Promise<void> {
    this.closeWith('closed by caller');
    if (this.runPromise !== undefined) await this.runPromise;
    else this.finish();
  }

  /**
   * Sends a status UPDATE with a fresh 16-byte uuid, `source: SOURCE_EXECUTOR`, this executor's id and a
   * timestamp. The update is remembered until ACKNOWLEDGED and re-sent on every re-SUBSCRIBE; while not
   * subscribed it is only queued for that. Rejects NodalError('VALIDATION') for TASK_STAGING,
   * 'NOT_SUBSCRIBED' once closed, 'HTTP_STATUS' on a non-202 answer (a 400 drops the update).
   */
  async update(status: TaskStatus): Promise<UpdateReceipt> {
    if (this.sm.state === 'closed') throw new NodalError('NOT_SUBSCRIBED', 'executor client is closed');
    const prepared = calls.executorStatus(status, this.env.executorId, randomBytes(16), this.clock.now());
    const uuid = prepared.uuid as Uint8Array;
    const call = calls.updateCall(this.ids(), prepared);
    checkRequired(CALL_TYPE, call);
    // Remember before sending: if the answer is lost, the re-SUBSCRIBE must still carry it.
    this.unacked.updateSent({ ...prepared, uuid });
    if (this.sm.state !== 'subscribed') {
      this.logger.info('update queued until subscribed', {
        taskId: prepared.task_id.value,
        state: prepared.state,
      });
      return { uuid, delivery: 'queued' };
    }
    try {
      await this.post(call);
    } catch (err) {
      if (err instanceof NodalError && err.code === 'HTTP_STATUS' && err.details?.status === 400) {
        this.unacked.dropUpdate(uuid);
        this.settleAckWaiters();
      }
      throw err;
    }
    return { uuid, delivery: 'sent' };
  }

  /** MESSAGE: bytes to the scheduler, best effort. Rejects 'NOT_SUBSCRIBED' unless subscribed. */
  async message(data: Uint8Array): Promise<void> {
    this.requireSubscribed();
    await this.post(calls.messageCall(this.ids(), data));
  }

  /** HEARTBEAT toward the agent. Rejects 'NOT_SUBSCRIBED' unless subscribed. */
  async heartbeat(): Promise<void> {
    this.requireSubscribed();
    await this.post(calls.heartbeatCall(this.ids()));
  }

  /**
   * Resolves once every update sent so far is ACKNOWLEDGED by the agent: exit only after that, so the
   * terminal update is not lost. Rejects NodalError('TIMEOUT') after `timeoutMs`, 'UNAVAILABLE' if the
   * client closes first.
   */
  waitForAcknowledgements(timeoutMs: number): Promise<void> {
    if (this.unacked.updateCount === 0) return Promise.resolve();
    if (this.sm.state === 'closed') return Promise.reject(this.closedWithPending());
    return new Promise((resolve, reject) => {
      const waiter: AckWaiter = {
        resolve,
        reject,
        timer: this.clock.setTimeout(() => {
          this.ackWaiters.delete(waiter);
          reject(
            new NodalError(
              'TIMEOUT',
              `${this.unacked.updateCount} update(s) not acknowledged within ${timeoutMs} ms`,
              {
                pending: this.unacked.updateCount,
              },
            ),
          );
        }, timeoutMs),
      };
      this.ackWaiters.add(waiter);
    });
  }

  // ---- calls -------------------------------------------------------------------------------------------

  private ids(): calls.ExecutorIds {
    return { frameworkId: this.env.frameworkId, executorId: this.env.executorId };
  }

  private requireSubscribed(): void {
    if (this.sm.state !== 'subscribed') {
      throw new NodalError('NOT_SUBSCRIBED', 'not subscribed to the agent', { state: this.sm.state });
    }
  }

  private headers(): Record<string, string> {
    const token = this.env.authenticationToken;
    return {
      'Content-Type': MEDIA_TYPES[this.format],
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
    };
  }

  private async post(call: ExecutorCall): Promise<void> {
    checkRequired(CALL_TYPE, call);
    const body = encodeMessage(CALL_TYPE, call, this.format);
    this.logger.debug('call', { type: call.type });
    const result = await postCall(this.env.agentUrl, this.headers(), body, {
      agent: this.agent,
      timeoutMs: this.callTimeoutMs,
      clock: this.clock,
      logger: this.logger,
    });
    if (result.status === 202 || result.status === 200) return;
    this.logger.warn('call refused', {
      type: call.type,
      status: result.status,
      body: result.text.slice(0, 200),
    });
    if (result.status === 403 && /not subscribed/i.test(result.text)) {
      this.endSession?.('not-subscribed', result.text.trim());
    }
    throw new NodalError('HTTP_STATUS', result.text.trim() || `HTTP ${result.status}`, {
      status: result.status,
      call: call.type,
    });
  }

  /** Arms the next periodic HEARTBEAT (replacing any armed one); only called while subscribed. */
  private scheduleHeartbeat(): void {
    this.stopHeartbeats();
    if (this.heartbeatIntervalMs === 0) return;
    this.heartbeatTimer = this.clock.setTimeout(() => void this.sendHeartbeat(), this.heartbeatIntervalMs);
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer !== undefined) this.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** One periodic HEARTBEAT. A failure is only logged: the event stream is what tells us we lost the agent. */
  private async sendHeartbeat(): Promise<void> {
    this.heartbeatTimer = undefined;
    if (this.sm.state !== 'subscribed') return;
    this.scheduleHeartbeat();
    try {
      await this.post(calls.heartbeatCall(this.ids()));
    } catch (err) {
      this.logger.warn('heartbeat call failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  // ---- subscription ------------------------------------------------------------------------------------

  private async loop(): Promise<void> {
    let disconnectedAt = this.clock.now();
    try {
      while (!this.closed()) {
        const end = await this.attempt();
        // attempt() may have closed the client (caller, ERROR event) while it awaited.
        if (this.closed()) break;
        const wasSubscribed = this.sm.state === 'subscribed';
        this.endSession = undefined;
        this.sm.transition('disconnected', end.reason);
        if (wasSubscribed) {
          disconnectedAt = this.clock.now();
          this.channel.push({
            kind: 'disconnected',
            reason: end.reason as ExecutorDisconnectReason,
            detail: end.detail,
            willReconnect: this.env.checkpoint,
          });
          if (!this.env.checkpoint) {
            // Without checkpointing the agent will not take us back: the executor must exit (§1.11).
            this.closeWith('disconnected from the agent without checkpointing');
            break;
          }
        } else if (!end.reported) {
          this.channel.push({ kind: 'error', code: 'subscribe-failed', message: end.detail, fatal: false });
        }
        const windowMs = this.everSubscribed ? this.env.recoveryTimeoutMs : this.registrationTimeoutMs;
        const leftMs = disconnectedAt + windowMs - this.clock.now();
        if (leftMs <= 0) {
          const message = `could not subscribe to the agent within ${windowMs} ms`;
          this.channel.push({ kind: 'error', code: 'recovery-timeout', message, fatal: true });
          this.closeWith('recovery timeout');
          break;
        }
        const delayMs = Math.min(this.backoff.next(), leftMs);
        this.logger.info('resubscribe scheduled', { delayMs, leftMs });
        await sleep(this.clock, delayMs, this.stopping.signal);
      }
    } catch (err) {
      this.logger.error('connection loop failed', { error: err });
      this.closeWith('internal error');
      throw err;
    } finally {
      this.finish();
    }
  }

  /** One SUBSCRIBE and, when it succeeds, the whole life of its stream. */
  private async attempt(): Promise<{
    reason: ExecutorDisconnectReason | 'subscribe-failed';
    detail: string;
    reported?: boolean;
  }> {
    this.sm.transition('connecting');
    const abort = new AbortController();
    this.attemptAbort = abort;
    let ending:
      | { reason: ExecutorDisconnectReason | 'subscribe-failed'; detail: string; reported?: boolean }
      | undefined;
    const endWith = (end: NonNullable<typeof ending>) => {
      ending ??= end;
      abort.abort(new NodalError('UNAVAILABLE', end.detail));
    };
    let subscribeTimer: TimerHandle | undefined = this.clock.setTimeout(
      () =>
        endWith({
          reason: 'subscribe-failed',
          detail: `no SUBSCRIBED event within ${this.callTimeoutMs} ms`,
        }),
      this.callTimeoutMs,
    );
    const stopSubscribeTimer = () => {
      if (subscribeTimer !== undefined) this.clock.clearTimeout(subscribeTimer);
      subscribeTimer = undefined;
    };
    try {
      const call = calls.subscribeCall(this.ids(), this.unacked.pendingTasks, this.unacked.pendingUpdates);
      checkRequired(CALL_TYPE, call);
      const body = encodeMessage(CALL_TYPE, call, this.format);
      const headers = { ...this.headers(), Accept: MEDIA_TYPES[this.format] };
      this.logger.info('subscribing', {
        agent: this.env.agentUrl.host,
        unacknowledgedUpdates: this.unacked.updateCount,
        unacknowledgedTasks: this.unacked.pendingTasks.length,
      });
      const answer = await openSubscription(
        this.env.agentUrl,
        headers,
        body,
        this.maxRecordBytes,
        abort.signal,
      );
      if (answer.kind === 'refused') {
        return {
          reason: 'subscribe-failed',
          detail: `SUBSCRIBE answered ${answer.status}: ${answer.text.trim()}`,
        };
      }
      this.endSession = (reason, detail) => endWith({ reason, detail });
      const end = await this.readStream(answer, endWith, stopSubscribeTimer);
      if (end !== undefined) return end;
      return (
        ending ??
        (this.sm.state === 'subscribed'
          ? { reason: 'stream-ended', detail: 'the agent closed the event stream' }
          : { reason: 'subscribe-failed', detail: 'the stream ended before SUBSCRIBED' })
      );
    } catch (err) {
      if (ending !== undefined) return ending;
      const detail = err instanceof Error ? err.message : String(err);
      return { reason: this.sm.state === 'subscribed' ? 'stream-error' : 'subscribe-failed', detail };
    } finally {
      stopSubscribeTimer();
      this.stopHeartbeats();
      this.attemptAbort = undefined;
    }
  }

  private async readStream(
    stream: OpenStream,
    endWith: (end: { reason: ExecutorDisconnectReason; detail: string; reported?: boolean }) => void,
    onSubscribed: () => void,
  ): Promise<{ reason: ExecutorDisconnectReason; detail: string; reported?: boolean } | undefined> {
    for await (const record of stream.records) {
      let event: ExecutorEvent;
      try {
        event = decodeMessage<ExecutorEvent>(EVENT_TYPE, record, stream.format);
        checkRequired(EVENT_TYPE, event);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.logger.warn('undecodable event skipped', { error: message, bytes: record.length });
        this.channel.push({ kind: 'error', code: 'decode-failed', message, fatal: false });
        continue;
      }
      if (event.type === 'ERROR') {
        // The agent's ERROR means "abort and re-subscribe".
        const message = event.error?.message ?? '(no message)';
        this.channel.push({ kind: 'error', code: 'agent-error', message, fatal: false });
        const end = { reason: 'error-event' as const, detail: message, reported: true };
        endWith(end);
        return end;
      }
      if (event.type === 'SUBSCRIBED') {
        this.onSubscribed(event, onSubscribed);
        continue;
      }
      if (this.sm.state !== 'subscribed') {
        this.logger.warn('event before SUBSCRIBED dropped', { type: event.type });
        continue;
      }
      this.track(event);
      this.channel.push({ kind: 'event', event });
    }
    return undefined;
  }

  private onSubscribed(event: ExecutorEvent, stopSubscribeTimer: () => void): void {
    if (this.sm.state !== 'connecting') {
      this.logger.warn('duplicate SUBSCRIBED ignored');
      return;
    }
    const subscribed = event.subscribed;
    if (subscribed === undefined) {
      const message = 'SUBSCRIBED event without its subscribed message';
      this.channel.push({ kind: 'error', code: 'decode-failed', message, fatal: false });
      return;
    }
    stopSubscribeTimer();
    this.sm.transition('subscribed');
    this.everSubscribed = true;
    this.backoff.reset();
    this.scheduleHeartbeat();
    this.channel.push({
      kind: 'connected',
      executorInfo: subscribed.executor_info,
      frameworkInfo: subscribed.framework_info,
      agentInfo: subscribed.agent_info,
      ...(subscribed.container_id === undefined ? {} : { containerId: subscribed.container_id }),
    });
  }

  /** Keeps the unacknowledged sets in step with what the agent delivered and confirmed. */
  private track(event: ExecutorEvent): void {
    if (event.type === 'LAUNCH' && event.launch !== undefined) {
      this.unacked.taskLaunched(event.launch.task);
    } else if (event.type === 'LAUNCH_GROUP' && event.launch_group !== undefined) {
      for (const task of event.launch_group.task_group.tasks ?? []) this.unacked.taskLaunched(task);
    } else if (event.type === 'ACKNOWLEDGED' && event.acknowledged !== undefined) {
      const { task_id, uuid } = event.acknowledged;
      if (!this.unacked.acknowledged(task_id.value, uuid)) {
        this.logger.debug('acknowledgement for an unknown update', { taskId: task_id.value });
      }
      this.settleAckWaiters();
    }
  }

  // ---- closing -----------------------------------------------------------------------------------------

  private settleAckWaiters(): void {
    if (this.unacked.updateCount > 0 && this.sm.state !== 'closed') return;
    for (const waiter of this.ackWaiters) {
      this.clock.clearTimeout(waiter.timer);
      if (this.unacked.updateCount === 0) waiter.resolve();
      else waiter.reject(this.closedWithPending());
    }
    this.ackWaiters.clear();
  }

  private closedWithPending(): NodalError {
    return new NodalError(
      'UNAVAILABLE',
      `client closed with ${this.unacked.updateCount} unacknowledged update(s)`,
      {
        pending: this.unacked.updateCount,
      },
    );
  }

  private closed(): boolean {
    return this.sm.state === 'closed';
  }

  private closeWith(reason: string): void {
    if (this.sm.state === 'closed') return;
    this.closeReason = reason;
    this.endSession = undefined;
    this.stopHeartbeats();
    this.sm.transition('closed', reason);
    this.stopping.abort();
    this.attemptAbort?.abort(new NodalError('UNAVAILABLE', 'client closed'));
    this.agent.destroy();
    this.settleAckWaiters();
  }

  private finish(): void {
    if (this.channel.isClosed) return;
    this.channel.push({ kind: 'closed', reason: this.closeReason });
    this.channel.close();
  }
}
