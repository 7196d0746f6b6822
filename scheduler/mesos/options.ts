// Options of the scheduler client, declared once with their defaults and compiled into a frozen object.
// The defaults match config/schema.ts (mesos.*) so a caller can pass config values straight through.
import { NodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import { DEFAULT_MAX_RECORD_BYTES } from '../../protos/wire/recordio.js';
import { checkRequired, encodeMessage, type WireFormat } from '../../protos/wire/codec.js';
import type { FrameworkInfo } from '../../protos/mesos/v1/types.js';
import { systemClock, type Clock } from '../../protos/http/clock.js';
import { schedulerEndpoint } from './masters.js';

/** HTTP basic credentials toward the master. */
export interface Credentials {
  readonly principal: string;
  readonly secret: string;
}

/** Everything the scheduler client needs; see `resolveSchedulerClientOptions` for defaults. */
export interface SchedulerClientOptions {
  /** Master URLs (`http(s)://host:port[/path]`), tried in turn; a 307 leader is remembered. */
  readonly masters: readonly string[];
  /** Encoding of calls and of the event stream. Default 'protobuf' (JSON loses int64 precision). */
  readonly format: WireFormat;
  /** Sent on SUBSCRIBE; the client sets `id` itself once it has one. Set `failover_timeout` (rule 1). */
  readonly frameworkInfo: FrameworkInfo;
  /** A framework id to re-subscribe with (scheduler restart / HA takeover). */
  readonly frameworkId: string | undefined;
  /** The roles that must stay suppressed; read on every (re-)SUBSCRIBE and UPDATE_FRAMEWORK. */
  readonly suppressedRoles: () => readonly string[];
  readonly credentials: Credentials | undefined;
  /** Heartbeat intervals of silence before re-subscribing. Default 5. */
  readonly heartbeatMissLimit: number;
  /** Longest wait from sending SUBSCRIBE to the SUBSCRIBED event. Default 75 s. */
  readonly subscribeTimeoutMs: number;
  /** Longest wait for the answer to a call. Default 75 s. */
  readonly callTimeoutMs: number;
  /** Re-subscription backoff (full jitter). Defaults 500 ms .. 15 s. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** 307 hops followed by one SUBSCRIBE. Default 3. */
  readonly maxRedirects: number;
  /** Largest event record accepted. Default DEFAULT_MAX_RECORD_BYTES. */
  readonly maxRecordBytes: number;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
}

/** What a caller must give; everything else has a default. */
export type SchedulerClientInput = Pick<SchedulerClientOptions, 'masters' | 'frameworkInfo'> &
  Partial<Omit<SchedulerClientOptions, 'masters' | 'frameworkInfo'>>;

const positive = (name: string, v: number): number => {
  if (!(Number.isFinite(v) && v > 0)) {
    throw new NodalError('CONFIG_INVALID', `scheduler client option ${name} must be a positive number`, {
      [name]: v,
    });
  }
  return v;
};

/** A FrameworkInfo the master would refuse is a configuration error, not something to retry forever. */
function validateFrameworkInfo(info: FrameworkInfo): void {
  try {
    checkRequired('mesos.v1.FrameworkInfo', info);
    encodeMessage('mesos.v1.FrameworkInfo', info, 'protobuf');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new NodalError('CONFIG_INVALID', `invalid frameworkInfo: ${message}`, undefined, { cause: err });
  }
}

/** Fills defaults, validates, freezes. Throws NodalError('CONFIG_INVALID') naming the bad option. */
export function resolveSchedulerClientOptions(input: SchedulerClientInput): SchedulerClientOptions {
  input.masters.forEach(schedulerEndpoint);
  validateFrameworkInfo(input.frameworkInfo);
  if (input.masters.length === 0)
    throw new NodalError('CONFIG_INVALID', 'at least one Mesos master URL is required');
  const credentials = input.credentials;
  const principal = input.frameworkInfo.principal;
  if (credentials !== undefined && principal !== undefined && principal !== credentials.principal) {
    // The master rejects a SUBSCRIBE whose principal differs from the authenticated one (400).
    throw new NodalError('CONFIG_INVALID', 'frameworkInfo.principal differs from the credentials principal', {
      principal,
      credentialsPrincipal: credentials.principal,
    });
  }
  const backoffInitialMs = positive('backoffInitialMs', input.backoffInitialMs ?? 500);
  const backoffMaxMs = positive('backoffMaxMs', input.backoffMaxMs ?? 15_000);
  if (backoffMaxMs < backoffInitialMs) {
    throw new NodalError('CONFIG_INVALID', 'backoffMaxMs must be >= backoffInitialMs', {
      backoffInitialMs,
      backoffMaxMs,
    });
  }
  const maxRedirects = input.maxRedirects ?? 3;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
    throw new NodalError('CONFIG_INVALID', 'maxRedirects must be an integer >= 0', { maxRedirects });
  }
  return Object.freeze({
    masters: Object.freeze([...input.masters]),
    format: input.format ?? 'protobuf',
    frameworkInfo: input.frameworkInfo,
    frameworkId: input.frameworkId ?? input.frameworkInfo.id?.value,
    suppressedRoles: input.suppressedRoles ?? (() => []),
    credentials: credentials === undefined ? undefined : Object.freeze({ ...credentials }),
    heartbeatMissLimit: positive('heartbeatMissLimit', input.heartbeatMissLimit ?? 5),
    subscribeTimeoutMs: positive('subscribeTimeoutMs', input.subscribeTimeoutMs ?? 75_000),
    callTimeoutMs: positive('callTimeoutMs', input.callTimeoutMs ?? 75_000),
    backoffInitialMs,
    backoffMaxMs,
    maxRedirects,
    maxRecordBytes: positive('maxRecordBytes', input.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES),
    clock: input.clock ?? systemClock,
    random: input.random ?? Math.random,
    logger: input.logger ?? silentLogger,
  });
}
