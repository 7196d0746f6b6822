// Our SchedulerClient, running, with its events on a tape and the few steps every test repeats: wait for
// the subscription, take offers, take updates of a task and acknowledge the ones that need it.
import { expect } from 'chai';
import { needsAcknowledgement, type SchedulerClientEvent } from '../../../../scheduler/mesos/events.js';
import { SchedulerClient } from '../../../../scheduler/mesos/client.js';
import type { SchedulerClientInput } from '../../../../scheduler/mesos/options.js';
import type {
  FrameworkInfo,
  Offer,
  SchedulerEvent,
  TaskState,
  TaskStatus,
} from '../../../../protos/mesos/v1/types.js';
import { EventTape } from './event-tape.js';

type Kind<K extends SchedulerClientEvent['kind']> = Extract<SchedulerClientEvent, { kind: K }>;

/** Matches client events of one kind. */
export const isKind =
  <K extends SchedulerClientEvent['kind']>(kind: K) =>
  (e: SchedulerClientEvent): e is Kind<K> =>
    e.kind === kind;

/** Matches a decoded Mesos event of `type` (and `extra`, if given). */
export const isEvent =
  (type: SchedulerEvent['type'], extra: (event: SchedulerEvent) => boolean = () => true) =>
  (e: SchedulerClientEvent): e is Kind<'event'> =>
    e.kind === 'event' && e.event.type === type && extra(e.event);

/** Client timings scaled to the cluster's compressed ones (heartbeats every 200 ms). */
export const TEST_CLIENT_TIMINGS = {
  heartbeatMissLimit: 5,
  subscribeTimeoutMs: 3_000,
  callTimeoutMs: 3_000,
  backoffInitialMs: 50,
  backoffMaxMs: 250,
} as const;

/** A FrameworkInfo a scheduler would send; failover_timeout keeps tasks alive across reconnections. */
export function frameworkInfo(over: Partial<FrameworkInfo> = {}): FrameworkInfo {
  return { user: 'nodal-e2e', name: 'nodal e2e', failover_timeout: 30, ...over };
}

function describeEvent(e: SchedulerClientEvent): string {
  switch (e.kind) {
    case 'event': {
      const s = e.event.update?.status;
      return s ? `UPDATE(${s.task_id.value}:${s.state})` : (e.event.type ?? '?');
    }
    case 'error':
      return `error:${e.code}`;
    case 'disconnected':
      return `disconnected:${e.reason}`;
    default:
      return e.kind;
  }
}

/** A running SchedulerClient plus its recorded events. */
export class SchedulerSession {
  readonly tape: EventTape<SchedulerClientEvent>;
  /** Resolves when the client has closed (rejects if its loop failed). */
  readonly running: Promise<void>;

  private constructor(readonly client: SchedulerClient) {
    this.tape = new EventTape(client.events, describeEvent);
    this.running = client.run();
  }

  /** Creates the client (test timings unless overridden) and starts it. */
  static start(input: SchedulerClientInput): SchedulerSession {
    return new SchedulerSession(SchedulerClient.create({ ...TEST_CLIENT_TIMINGS, ...input }));
  }

  /** The next `connected` event. */
  connected(timeoutMs = 4000): Promise<Kind<'connected'>> {
    return this.tape.take(isKind('connected'), timeoutMs);
  }

  /** The offers of the next OFFERS event (optionally only one with an offer matching `pred`). */
  async offers(pred: (offer: Offer) => boolean = () => true, timeoutMs = 4000): Promise<Offer[]> {
    const e = await this.tape.take(
      isEvent('OFFERS', (ev) => (ev.offers?.offers ?? []).some(pred)),
      timeoutMs,
    );
    return e.event.offers?.offers ?? [];
  }

  /** The offer for `agentId` in the next OFFERS event that has one. */
  async offerFrom(agentId: string, timeoutMs = 4000): Promise<Offer> {
    const onAgent = (offer: Offer) => offer.agent_id.value === agentId;
    return (await this.offers(onAgent, timeoutMs)).find(onAgent)!;
  }

  /** The next UPDATE of `taskId` (in `state`, if given). */
  async update(taskId: string, state?: TaskState, timeoutMs = 4000): Promise<TaskStatus> {
    const e = await this.tape.take(
      isEvent(
        'UPDATE',
        (ev) =>
          ev.update!.status.task_id.value === taskId &&
          (state === undefined || ev.update!.status.state === state),
      ),
      timeoutMs,
    );
    return e.event.update!.status;
  }

  /** Acknowledges `status` when it needs it; returns whether it did. */
  async acknowledgeIfNeeded(status: TaskStatus): Promise<boolean> {
    if (!needsAcknowledgement(status)) return false;
    await this.client.acknowledge(status.agent_id!.value, status.task_id.value, status.uuid!);
    return true;
  }

  /**
   * Takes the updates of `taskId` in order, acknowledging each, until one in `state`; returns the states
   * seen. Every update on the way must carry a uuid (agent/executor-generated).
   */
  async ackThrough(taskId: string, state: TaskState, timeoutMs = 4000): Promise<TaskState[]> {
    const seen: TaskState[] = [];
    for (;;) {
      const status = await this.update(taskId, undefined, timeoutMs);
      seen.push(status.state);
      expect(await this.acknowledgeIfNeeded(status), `${status.state} of ${taskId} carries a uuid`).to.equal(
        true,
      );
      if (status.state === state) return seen;
    }
  }

  /** Closes the client and waits for its loop to end. */
  async close(): Promise<void> {
    await this.client.close();
    await this.running.catch(() => undefined);
    await this.tape.ended;
  }
}
