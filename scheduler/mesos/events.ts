// What the scheduler client hands its caller: decoded Mesos events plus the connection's own events.
import type { MasterInfo, SchedulerEvent, TaskStatus } from '../../protos/mesos/v1/types.js';

/** Why a subscription ended. */
export type DisconnectReason =
  | 'stream-ended' // the master closed the event stream
  | 'stream-error' // the connection broke or the framing was corrupt
  | 'heartbeat-missed' // nothing arrived for heartbeatMissLimit intervals
  | 'not-subscribed' // a call got 403 "Framework is not subscribed"
  | 'leader-changed' // a call got a 307 to another master
  | 'error-event'; // the master sent an ERROR event and closes the stream

/** Why a subscription attempt or a stream produced an error. */
export type ClientErrorCode =
  | 'subscribe-failed' // no stream: connection refused, non-200 answer, no SUBSCRIBED in time
  | 'framework-failed-over' // another scheduler subscribed with our id: the client closes
  | 'framework-removed' // the id is dead (teardown/failover timeout): the client subscribes as a new framework
  | 'master-error' // any other ERROR event (invalid FrameworkInfo, authorization, ...)
  | 'decode-failed'; // one record was undecodable or lacked required fields; it was skipped

/** One item of SchedulerClient.events. */
export type SchedulerClientEvent =
  | {
      readonly kind: 'connected';
      readonly frameworkId: string;
      readonly masterInfo?: MasterInfo;
      /** The endpoint URL the subscription is on. */
      readonly master: string;
      readonly heartbeatIntervalSeconds?: number;
    }
  | {
      readonly kind: 'disconnected';
      readonly reason: DisconnectReason;
      readonly detail: string;
      /** Offers never survive a re-subscription (the master drops them without RESCIND): forget them all. */
      readonly offersInvalidated: true;
    }
  | {
      readonly kind: 'error';
      readonly code: ClientErrorCode;
      readonly message: string;
      /** True when the client closes because of it. */
      readonly fatal: boolean;
      readonly status?: number;
    }
  /** Every decoded event except SUBSCRIBED (which becomes `connected`) and ERROR (which becomes `error`). */
  | { readonly kind: 'event'; readonly event: SchedulerEvent }
  /** Last item: the client stopped and will not reconnect. */
  | { readonly kind: 'closed'; readonly reason: string };

/**
 * Whether a status update must be acknowledged: exactly those carrying a `uuid` (sent by an executor or an
 * agent). Master-generated updates (reconciliation, invalid launch, agent lost) have none, and an
 * ACKNOWLEDGE for them is a 400 (REFERENCE §0 rule 6, §5.4).
 */
export function needsAcknowledgement(status: TaskStatus): boolean {
  return (
    status.uuid !== undefined &&
    status.uuid.byteLength > 0 &&
    status.source !== 'SOURCE_MASTER' &&
    status.agent_id !== undefined
  );
}
