// What the executor client hands its caller: decoded agent events plus the connection's own events.
import type {
  AgentInfo,
  ContainerID,
  ExecutorEvent,
  ExecutorInfo,
  FrameworkInfo,
} from '../../protos/mesos/v1/types.js';

/** Why an executor subscription ended. */
export type ExecutorDisconnectReason =
  | 'stream-ended' // the agent closed the stream (agent restart, agent shutting down)
  | 'stream-error' // the connection broke or the framing was corrupt
  | 'not-subscribed' // a call got 403 "Executor is not subscribed"
  | 'error-event'; // the agent sent an ERROR event

/** Why the executor client reported an error. */
export type ExecutorClientErrorCode =
  | 'subscribe-failed' // no stream: agent unreachable, non-200 answer, no SUBSCRIBED in time
  | 'agent-error' // an ERROR event
  | 'decode-failed' // one record was undecodable or lacked required fields; it was skipped
  | 'recovery-timeout'; // could not re-subscribe within the recovery window: the client closes

/** One item of ExecutorClient.events. */
export type ExecutorClientEvent =
  | {
      readonly kind: 'connected';
      readonly executorInfo: ExecutorInfo;
      readonly frameworkInfo: FrameworkInfo;
      readonly agentInfo: AgentInfo;
      readonly containerId?: ContainerID;
    }
  | {
      readonly kind: 'disconnected';
      readonly reason: ExecutorDisconnectReason;
      readonly detail: string;
      /** False without checkpointing: the client closes and the executor should exit. */
      readonly willReconnect: boolean;
    }
  | {
      readonly kind: 'error';
      readonly code: ExecutorClientErrorCode;
      readonly message: string;
      readonly fatal: boolean;
    }
  /** LAUNCH, LAUNCH_GROUP, KILL, ACKNOWLEDGED, MESSAGE, SHUTDOWN, HEARTBEAT (SUBSCRIBED → connected, ERROR → error). */
  | { readonly kind: 'event'; readonly event: ExecutorEvent }
  /** Last item: the client stopped. */
  | { readonly kind: 'closed'; readonly reason: string };

/** What `update` did with a status. */
export interface UpdateReceipt {
  /** The fresh 16-byte uuid the update carries; ACKNOWLEDGED names it. */
  readonly uuid: Uint8Array;
  /** 'sent': the agent answered 202; 'queued': not subscribed now, it rides on the next SUBSCRIBE. */
  readonly delivery: 'sent' | 'queued';
}
