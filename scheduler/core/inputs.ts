// Everything the core reacts to. The runtime feeds these one at a time, in arrival order, from Mesos
// events (translated to domain types), API requests, executor messages and timers.
import type { JobSpec } from './job-spec.js';
import type { DomainOffer } from './offer.js';
import type { TaskReason, TaskState } from './task-states.js';

export type Input =
  /** SUBSCRIBED event: the framework id to persist before anything else. */
  | { readonly type: 'subscribed'; readonly frameworkId: string }
  /** The subscription ended (error, disconnect, missed heartbeats); calls stop until the next `subscribed`. */
  | { readonly type: 'disconnected' }
  /** OFFERS event. */
  | { readonly type: 'offers'; readonly offers: readonly DomainOffer[] }
  /** RESCIND event (the core never holds offers, so this only confirms that). */
  | { readonly type: 'rescinded'; readonly offerId: string }
  /** UPDATE event. `uuid` (base64, as received) is present exactly when the update must be acknowledged. */
  | {
      readonly type: 'taskStatus';
      readonly taskId: string;
      readonly state: TaskState;
      readonly reason?: TaskReason;
      readonly source?: 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';
      readonly message?: string;
      readonly agentId?: string;
      readonly executorId?: string;
      readonly uuid?: string;
      readonly healthy?: boolean;
    }
  /** FAILURE event with only an agent id: the agent was removed. */
  | { readonly type: 'agentLost'; readonly agentId: string }
  /** FAILURE event with an executor id: the executor exited (`status`: raw waitpid status, if given). */
  | {
      readonly type: 'executorFailure';
      readonly agentId: string;
      readonly executorId: string;
      readonly status?: number;
    }
  /** API: a validated job (see parseJobSpec); `jobId` overrides `spec.id`. */
  | { readonly type: 'submitJob'; readonly spec: JobSpec; readonly jobId?: string }
  /** API: the operator's new desired worker count (clamped to the job's [min, max]). */
  | { readonly type: 'scaleJob'; readonly jobId: string; readonly desiredWorkers: number }
  /** API: stop the job and all its tasks. */
  | { readonly type: 'killJob'; readonly jobId: string; readonly message?: string }
  /** Executor MESSAGE: training progress; `finished` ends the job successfully, `failed` unsuccessfully. */
  | {
      readonly type: 'progress';
      readonly jobId: string;
      readonly taskId?: string;
      readonly step: number;
      readonly epoch?: number;
      readonly metrics?: Readonly<Record<string, number>>;
      readonly finished?: boolean;
      readonly failed?: boolean;
      readonly message?: string;
    }
  /** Timer: due at or after the step's `nextTickAtMs` (backoff expiry, reconcile retries, deadlines). */
  | { readonly type: 'tick' }
  /** Operator or runtime: reconcile every task now (explicit, then implicit). */
  | { readonly type: 'reconcileStart' };

export type InputType = Input['type'];
