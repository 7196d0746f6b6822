// The Mesos v1 scheduler HTTP client: one SUBSCRIBE stream read incrementally, calls on separate keep-alive
// connections, a watchdog on heartbeats, 307 leader redirects, and re-subscription with jittered backoff.
// It turns the wire into typed events and typed methods and holds no framework logic: what to launch, when
// to acknowledge or reconcile is the caller's business.
import type http from 'node:http';
import { NodalError } from '../../config/errors.js';
import type { Logger } from '../../config/logger.js';
import { MEDIA_TYPES, checkRequired, decodeMessage, encodeMessage } from '../../protos/wire/codec.js';
import type {
  Filters,
  FrameworkInfo,
  KillPolicy,
  OfferOperation,
  SchedulerCall,
  SchedulerEvent,
} from '../../protos/mesos/v1/types.js';
import { Backoff } from '../../protos/http/backoff.js';
import { sleep } from '../../protos/http/clock.js';
import { ConnectionStateMachine, type ConnectionState } from '../../protos/http/connection-state.js';
import { EventChannel } from '../../protos/http/event-channel.js';
import {
  basicAuthorization,
  createKeepAliveAgent,
  headerValue,
  postCall,
  resolveRedirect,
  type CallResult,
} from '../../protos/http/http.js';
import {
  openSubscription,
  type OpenStream,
  type RefusedSubscription,
} from '../../protos/http/subscription.js';
import * as calls from './calls.js';
import type { DisconnectReason, SchedulerClientEvent } from './events.js';
import { IdleWatchdog, heartbeatTimeoutMs } from './heartbeat.js';
import { MasterEndpoints } from './masters.js';
import {
  resolveSchedulerClientOptions,
  type SchedulerClientInput,
  type SchedulerClientOptions,
} from './options.js';

const CALL_TYPE = 'mesos.v1.scheduler.Call';
const EVENT_TYPE = 'mesos.v1.scheduler.Event';
const STREAM_ID_HEADER = 'mesos-stream-id';
/** Calls never re-sent after a connection reset (postCall's stale-socket retry): their duplicate does harm. */
const NOT_REPEATABLE_CALLS: ReadonlySet<string> = new Set(['ACCEPT', 'ACCEPT_INVERSE_OFFERS']);

/** The live subscription: calls go to its master with its stream id. */
interface Session {
  readonly url: URL;
  readonly streamId: string;
  /** Ends this subscription (no-op once a newer one exists). */
  readonly end: (reason: DisconnectReason, detail: string) => void;
}

/** How one subscription attempt ended. */
interface AttemptEnd {
  readonly reason: DisconnectReason | 'subscribe-failed';
  readonly detail: string;
  readonly status?: number;
  /** The caller already got an `error` event for it. */
  readonly reported?: boolean;
}

/** Mesos v1 scheduler client. Lifecycle: `create` → `run()` (resolves when closed) → `close()`. */
export class SchedulerClient {
  private readonly logger: Logger;
  private readonly channel = new EventChannel<SchedulerClientEvent>();
  private readonly sm: ConnectionStateMachine;
  private readonly backoff: Backoff;
  private readonly endpoints: MasterEndpoints;
  private readonly agents = new Map<string, http.Agent>();
  private readonly stopping = new AbortController();
  private frameworkInfo: FrameworkInfo;
  private frameworkIdValue: string | undefined;
  private session: Session | undefined;
  private attemptAbort: AbortController | undefined;
  private runPromise: Promise<void> | undefined;
  private closeReason = 'closed';

  /** Validates options (NodalError('CONFIG_INVALID')) and builds a client; nothing is sent before `run()`. */
  static create(input: SchedulerClientInput): SchedulerClient {
    return new SchedulerClient(resolveSchedulerClientOptions(input));
  }

  private constructor(private readonly options: SchedulerClientOptions) {
    this.logger = options.logger.child({ component: 'mesos-scheduler-client' });
    this.sm = new ConnectionStateMachine(this.logger);
    this.backoff = new Backoff(
      { initialMs: options.backoffInitialMs, maxMs: options.backoffMaxMs },
      options.random,
    );
    this.endpoints = new MasterEndpoints(options.masters);
    this.frameworkInfo = options.frameworkInfo;
    this.frameworkIdValue = options.frameworkId;
    if (!(
      typeof options.frameworkInfo.failover_timeout === 'number' && options.frameworkInfo.failover_timeout > 0
    )) {
      this.logger.warn(
        'failover_timeout not set: the master kills every task as soon as this scheduler disconnects',
      );
    }
  }

  /** Connection events and decoded Mesos events, in arrival order; ends after the `closed` event. */
  get events(): AsyncIterable<SchedulerClientEvent> {
    return this.channel;
  }

  get state(): ConnectionState {
    return this.sm.state;
  }

  /** The framework id from the last SUBSCRIBED (or the configured one), if any. */
  get frameworkId(): string | undefined {
    return this.frameworkIdValue;
  }

  /** Subscribes and keeps re-subscribing until closed; resolves once closed. Throws if called twice. */
  run(): Promise<void> {
    if (this.runPromise !== undefined) throw new NodalError('INTERNAL', 'SchedulerClient.run called twice');
    this.runPromise = this.loop();
    return this.runPromise;
  }

  /** Stops for good: drops the stream and pending backoff, ends `events`. Idempotent. */
  async close(): Promise<void> {
    this.closeWith('closed by caller');
    if (this.runPromise !== undefined) await this.runPromise;
    else this.finish();
  }

  /** ACCEPT `offerIds` (same agent, same role) with `operations`. */
  accept(
    offerIds: readonly string[],
    operations: readonly OfferOperation[],
    filters?: Filters,
  ): Promise<void> {
    return this.send((fid) => calls.acceptCall(fid, offerIds, operations, filters));
  }

  /** DECLINE `offerIds`; give `filters.refuse_seconds` to keep them away for a while. */
  decline(offerIds: readonly string[], filters?: Filters): Promise<void> {
    return this.send((fid) => calls.declineCall(fid, offerIds, filters));
  }

  /** REVIVE `roles` (all when omitted). */
  revive(roles?: readonly string[]): Promise<void> {
    return this.send((fid) => calls.reviveCall(fid, roles));
  }

  /** SUPPRESS `roles` (all when omitted). Keep `suppressedRoles` in step so re-SUBSCRIBE re-applies it. */
  suppress(roles?: readonly string[]): Promise<void> {
    return this.send((fid) => calls.suppressCall(fid, roles));
  }

  /** KILL a task. */
  kill(taskId: string, agentId?: string, killPolicy?: KillPolicy): Promise<void> {
    return this.send((fid) => calls.killCall(fid, taskId, agentId, killPolicy));
  }

  /** SHUTDOWN a custom executor (the Mesos call; `close()` stops this client). */
  shutdown(executorId: string, agentId: string): Promise<void> {
    return this.send((fid) => calls.shutdownCall(fid, executorId, agentId));
  }

  /** ACKNOWLEDGE an update; only for updates where `needsAcknowledgement(status)` holds. */
  acknowledge(agentId: string, taskId: string, uuid: Uint8Array): Promise<void> {
    return this.send((fid) => calls.acknowledgeCall(fid, agentId, taskId, uuid));
  }

  /** RECONCILE `tasks`; an empty list asks for every task the master knows (implicit). */
  reconcile(tasks: readonly calls.ReconcileTask[]): Promise<void> {
    return this.send((fid) => calls.reconcileCall(fid, tasks));
  }

  /** MESSAGE: bytes to an executor, best effort. */
  message(agentId: string, executorId: string, data: Uint8Array): Promise<void> {
    return this.send((fid) => calls.messageCall(fid, agentId, executorId, data));
  }

  /** TEARDOWN the framework (every task dies), then close: re-subscribing would only meet "removed". */
  async teardown(): Promise<void> {
    await this.send((fid) => calls.teardownCall(fid));
    await this.close();
  }

  /**
   * UPDATE_FRAMEWORK (answered 200). `suppressedRoles` defaults to the current `suppressedRoles()` because
   * the call replaces the set. Later re-SUBSCRIBEs carry `info`.
   */
  async updateFramework(info: FrameworkInfo, suppressedRoles?: readonly string[]): Promise<void> {
    const roles = suppressedRoles ?? this.options.suppressedRoles();
    await this.send((fid) => calls.updateFrameworkCall(fid, this.withPrincipal(info), roles));
    this.frameworkInfo = info;
  }

  // ---- calls -------------------------------------------------------------------------------------------

  private async send(build: (frameworkId: string) => SchedulerCall): Promise<void> {
    const session = this.session;
    const frameworkId = this.frameworkIdValue;
    // The 200 answer to SUBSCRIBE is not enough: the master only knows us once SUBSCRIBED was sent (rule 4).
    if (this.sm.state !== 'subscribed' || session === undefined || frameworkId === undefined) {
      throw new NodalError(
        'NOT_SUBSCRIBED',
        'not subscribed to a Mesos master; wait for the connected event',
        {
          state: this.sm.state,
        },
      );
    }
    const call = build(frameworkId);
    checkRequired(CALL_TYPE, call);
    const body = encodeMessage(CALL_TYPE, call, this.options.format);
    const headers = {
      'Content-Type': MEDIA_TYPES[this.options.format],
      'Mesos-Stream-Id': session.streamId,
      ...this.authorization(),
    };
    this.logger.debug('call', { type: call.type, master: session.url.host });
    const result = await postCall(session.url, headers, body, {
      agent: this.agentFor(session.url),
      timeoutMs: this.options.callTimeoutMs,
      clock: this.options.clock,
      logger: this.logger,
      // A duplicated ACCEPT would name used offers: Mesos answers TASK_DROPPED for tasks already launched.
      retryOnStaleSocket: !NOT_REPEATABLE_CALLS.has(call.type ?? ''),
    });
    if (result.status === 200 || result.status === 202) return;
    this.onCallRefused(session, result);
    throw new NodalError('HTTP_STATUS', result.text.trim() || `HTTP ${result.status}`, {
      status: result.status,
      call: call.type,
    });
  }

  /** A refused call may mean the subscription is gone; then re-subscribe rather than keep failing. */
  private onCallRefused(session: Session, result: CallResult): void {
    this.logger.warn('call refused', { status: result.status, body: result.text.slice(0, 200) });
    if (result.status === 403 && /not subscribed/i.test(result.text)) {
      session.end('not-subscribed', result.text.trim());
    } else if (result.status === 307) {
      // The master we subscribed with lost leadership: our stream id means nothing to the new leader.
      const location = headerValue(result.headers, 'location');
      if (location !== undefined) this.endpoints.setLeader(resolveRedirect(location, session.url));
      session.end('leader-changed', `call redirected to ${location ?? '(no Location)'}`);
    }
  }

  private authorization(): Record<string, string> {
    const c = this.options.credentials;
    return c === undefined ? {} : { Authorization: basicAuthorization(c.principal, c.secret) };
  }

  private agentFor(url: URL): http.Agent {
    let agent = this.agents.get(url.protocol);
    if (agent === undefined) {
      agent = createKeepAliveAgent(url);
      this.agents.set(url.protocol, agent);
    }
    return agent;
  }

  private withPrincipal(info: FrameworkInfo): FrameworkInfo {
    const c = this.options.credentials;
    return c !== undefined && info.principal === undefined ? { ...info, principal: c.principal } : info;
  }

  // ---- subscription ------------------------------------------------------------------------------------

  private async loop(): Promise<void> {
    try {
      while (!this.closed()) {
        const end = await this.attempt();
        // attempt() may have closed the client (caller, ERROR event) while it awaited.
        if (this.closed()) break;
        this.afterAttempt(end);
        const delayMs = this.backoff.next();
        this.logger.info('resubscribe scheduled', { delayMs, attempt: this.backoff.attempts });
        await sleep(this.options.clock, delayMs, this.stopping.signal);
      }
    } catch (err) {
      this.logger.error('connection loop failed', { error: err });
      this.closeWith('internal error');
      throw err;
    } finally {
      this.finish();
    }
  }

  /** Bookkeeping after a subscription attempt that did not close the client. */
  private afterAttempt(end: AttemptEnd): void {
    const wasSubscribed = this.sm.state === 'subscribed';
    this.session = undefined;
    this.sm.transition('disconnected', end.reason);
    if (wasSubscribed) {
      this.channel.push({
        kind: 'disconnected',
        reason: end.reason as DisconnectReason,
        detail: end.detail,
        offersInvalidated: true,
      });
      return;
    }
    // Never got SUBSCRIBED from this master: try the next one.
    this.endpoints.failed();
    if (!end.reported) {
      this.channel.push({
        kind: 'error',
        code: 'subscribe-failed',
        message: end.detail,
        fatal: false,
        ...(end.status === undefined ? {} : { status: end.status }),
      });
    }
  }

  /** One SUBSCRIBE and, when it succeeds, the whole life of its stream. */
  private async attempt(): Promise<AttemptEnd> {
    this.sm.transition('connecting');
    const abort = new AbortController();
    this.attemptAbort = abort;
    let ending: AttemptEnd | undefined;
    const endWith = (end: AttemptEnd) => {
      ending ??= end;
      abort.abort(new NodalError('UNAVAILABLE', end.detail));
    };
    const watchdog = new IdleWatchdog(this.options.clock, (idleMs) =>
      endWith(
        this.sm.state === 'subscribed'
          ? { reason: 'heartbeat-missed', detail: `no event for ${idleMs} ms` }
          : { reason: 'subscribe-failed', detail: `no SUBSCRIBED event within ${idleMs} ms` },
      ),
    );
    watchdog.arm(this.options.subscribeTimeoutMs);
    try {
      const opened = await this.openFollowingRedirects(abort.signal);
      if ('refused' in opened) {
        const { status, text } = opened.refused;
        return { reason: 'subscribe-failed', detail: `SUBSCRIBE answered ${status}: ${text.trim()}`, status };
      }
      const streamId = headerValue(opened.stream.headers, STREAM_ID_HEADER);
      if (streamId === undefined || streamId === '') {
        opened.stream.abort(new NodalError('WIRE_DECODE', 'no Mesos-Stream-Id'));
        return { reason: 'subscribe-failed', detail: 'SUBSCRIBE answer has no Mesos-Stream-Id header' };
      }
      const session: Session = {
        url: opened.url,
        streamId,
        end: (reason, detail) => {
          if (this.session === session) endWith({ reason, detail });
        },
      };
      return (
        (await this.readStream(opened.stream, session, watchdog, endWith)) ?? ending ?? this.streamEnded()
      );
    } catch (err) {
      if (ending !== undefined) return ending;
      const detail = err instanceof Error ? err.message : String(err);
      return { reason: this.sm.state === 'subscribed' ? 'stream-error' : 'subscribe-failed', detail };
    } finally {
      watchdog.stop();
      this.attemptAbort = undefined;
    }
  }

  private streamEnded(): AttemptEnd {
    return this.sm.state === 'subscribed'
      ? { reason: 'stream-ended', detail: 'the master closed the event stream' }
      : { reason: 'subscribe-failed', detail: 'the stream ended before SUBSCRIBED' };
  }

  /** SUBSCRIBE to the current master, re-sending the same body to each 307 `Location`. */
  private async openFollowingRedirects(
    signal: AbortSignal,
  ): Promise<{ url: URL; stream: OpenStream } | { url: URL; refused: RefusedSubscription }> {
    const call = calls.subscribeCall(
      this.withPrincipal(this.frameworkInfo),
      this.frameworkIdValue,
      this.options.suppressedRoles(),
    );
    checkRequired(CALL_TYPE, call);
    const body = encodeMessage(CALL_TYPE, call, this.options.format);
    const headers = {
      'Content-Type': MEDIA_TYPES[this.options.format],
      Accept: MEDIA_TYPES[this.options.format],
      ...this.authorization(),
    };
    let url = this.endpoints.current();
    for (let hop = 0; ; hop += 1) {
      this.logger.info('subscribing', { master: url.host, frameworkId: this.frameworkIdValue });
      const answer = await openSubscription(url, headers, body, this.options.maxRecordBytes, signal);
      if (answer.kind === 'stream') return { url, stream: answer };
      const location = headerValue(answer.headers, 'location');
      if (answer.status !== 307 || location === undefined || hop >= this.options.maxRedirects) {
        return { url, refused: answer };
      }
      const leader = resolveRedirect(location, url);
      this.logger.info('following leader redirect', { from: url.host, to: leader.host });
      this.endpoints.setLeader(leader);
      url = leader;
    }
  }

  /** Reads records until the stream ends; returns how it ended when an event decided it. */
  private async readStream(
    stream: OpenStream,
    session: Session,
    watchdog: IdleWatchdog,
    endWith: (end: AttemptEnd) => void,
  ): Promise<AttemptEnd | undefined> {
    for await (const record of stream.records) {
      watchdog.kick();
      let event: SchedulerEvent;
      try {
        event = decodeMessage<SchedulerEvent>(EVENT_TYPE, record, stream.format);
        checkRequired(EVENT_TYPE, event);
      } catch (err) {
        // The framing is intact, so the stream is still in step: skip this record rather than reconnect
        // in a loop on an event we cannot read (an unacknowledged update will be re-sent anyway).
        // decodeMessage does not check required fields; checkRequired keeps half-formed events out.
        const message = err instanceof Error ? err.message : String(err);
        this.logger.warn('undecodable event skipped', { error: message, bytes: record.length });
        this.channel.push({ kind: 'error', code: 'decode-failed', message, fatal: false });
        continue;
      }
      const end = this.onEvent(event, session, watchdog);
      if (end !== undefined) {
        endWith(end);
        return end;
      }
    }
    return undefined;
  }

  /** Applies one event; returns an end when it finishes the subscription. */
  private onEvent(event: SchedulerEvent, session: Session, watchdog: IdleWatchdog): AttemptEnd | undefined {
    if (this.sm.state === 'closed') return { reason: 'stream-ended', detail: 'client closed' };
    if (event.type === 'ERROR') return this.onErrorEvent(event.error?.message ?? '(no message)');
    if (event.type === 'SUBSCRIBED') {
      if (this.sm.state !== 'connecting') {
        this.logger.warn('duplicate SUBSCRIBED ignored');
        return undefined;
      }
      const subscribed = event.subscribed;
      const frameworkId = subscribed?.framework_id?.value;
      if (frameworkId === undefined)
        return { reason: 'subscribe-failed', detail: 'SUBSCRIBED without framework_id' };
      this.frameworkIdValue = frameworkId;
      this.session = session;
      this.endpoints.setLeader(session.url);
      this.sm.transition('subscribed');
      this.backoff.reset();
      const interval = subscribed?.heartbeat_interval_seconds;
      watchdog.arm(heartbeatTimeoutMs(interval, this.options.heartbeatMissLimit));
      this.channel.push({
        kind: 'connected',
        frameworkId,
        master: session.url.href,
        ...(subscribed?.master_info === undefined ? {} : { masterInfo: subscribed.master_info }),
        ...(interval === undefined ? {} : { heartbeatIntervalSeconds: interval }),
      });
      return undefined;
    }
    if (this.sm.state !== 'subscribed') {
      this.logger.warn('event before SUBSCRIBED dropped', { type: event.type });
      return undefined;
    }
    this.channel.push({ kind: 'event', event });
    return undefined;
  }

  /** ERROR arrives on a 200 stream, never as an HTTP status; the master closes the stream after it. */
  private onErrorEvent(message: string): AttemptEnd {
    this.logger.warn('error event', { message });
    if (/framework failed over/i.test(message)) {
      // Another instance of this scheduler now owns the framework id: stop, don't fight for it.
      this.channel.push({ kind: 'error', code: 'framework-failed-over', message, fatal: true });
      this.closeWith('framework failed over');
    } else if (/framework has been removed/i.test(message)) {
      // The id is dead and its tasks are gone: the next SUBSCRIBE registers a new framework.
      this.channel.push({ kind: 'error', code: 'framework-removed', message, fatal: false });
      this.frameworkIdValue = undefined;
    } else {
      this.channel.push({ kind: 'error', code: 'master-error', message, fatal: false });
    }
    return { reason: 'error-event', detail: message, reported: true };
  }

  // ---- closing -----------------------------------------------------------------------------------------

  private closed(): boolean {
    return this.sm.state === 'closed';
  }

  private closeWith(reason: string): void {
    if (this.sm.state === 'closed') return;
    this.closeReason = reason;
    this.session = undefined;
    this.sm.transition('closed', reason);
    this.stopping.abort();
    this.attemptAbort?.abort(new NodalError('UNAVAILABLE', 'client closed'));
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private finish(): void {
    if (this.channel.isClosed) return;
    this.channel.push({ kind: 'closed', reason: this.closeReason });
    this.channel.close();
  }
}
