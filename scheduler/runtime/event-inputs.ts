// Mesos scheduler events → the core's inputs (pure). Besides the inputs, an event can carry facts only
// the runtime's views need (agent URLs from offers, sandbox directories and model paths from progress
// reports); those travel as `notes`.
import type { Input } from '../core/index.js';
import { domainOfferFrom, taskStatusInputFrom } from '../launch/domain-offer.js';
import type { Offer, SchedulerEvent } from '../../protos/mesos/v1/types.js';
import { parseExecutorMessage, type ProgressReport } from './executor-messages.js';

/** Something the runtime remembers for its views; never an input to the core. */
export type EventNote =
  | { readonly kind: 'agentUrl'; readonly agentId: string; readonly url: string }
  | { readonly kind: 'report'; readonly executorId: string; readonly report: ProgressReport }
  | {
      readonly kind: 'badMessage';
      readonly agentId: string;
      readonly executorId: string;
      readonly reason: string;
    };

export interface Translated {
  readonly inputs: readonly Input[];
  readonly notes: readonly EventNote[];
}

const NOTHING: Translated = { inputs: [], notes: [] };

/** `scheme://host:port` of the agent that made the offer (Offer.url), or undefined when absent. */
export function agentUrlOf(offer: Offer): string | undefined {
  const u = offer.url;
  const host = u?.address.hostname ?? u?.address.ip ?? offer.hostname;
  if (!u || !host || !u.address.port) return undefined;
  const h = host.includes(':') ? `[${host}]` : host;
  return `${u.scheme || 'http'}://${h}:${u.address.port}`;
}

/** The inputs (in order) and notes of one decoded event; SUBSCRIBED and ERROR are the client's business. */
export function translateEvent(event: SchedulerEvent): Translated {
  switch (event.type) {
    case 'OFFERS': {
      const offers = event.offers?.offers ?? [];
      const notes: EventNote[] = [];
      for (const o of offers) {
        const url = agentUrlOf(o);
        if (url) notes.push({ kind: 'agentUrl', agentId: o.agent_id.value, url });
      }
      return { inputs: [{ type: 'offers', offers: offers.map(domainOfferFrom) }], notes };
    }
    case 'RESCIND':
      return event.rescind
        ? { inputs: [{ type: 'rescinded', offerId: event.rescind.offer_id.value }], notes: [] }
        : NOTHING;
    case 'UPDATE': {
      if (!event.update) return NOTHING;
      const status = event.update.status;
      // `nodal executor` repeats its final report in TASK_FINISHED's data: MESSAGE is best effort, a
      // status update is reliable, so a job never waits forever for a lost `finished` message.
      const final =
        status.state === 'TASK_FINISHED' && status.data?.length
          ? parseExecutorMessage(status.data)
          : undefined;
      if (final?.ok)
        return {
          inputs: [final.report.input, taskStatusInputFrom(status)],
          notes: [{ kind: 'report', executorId: status.executor_id?.value ?? '', report: final.report }],
        };
      return { inputs: [taskStatusInputFrom(status)], notes: [] };
    }
    case 'FAILURE': {
      const f = event.failure;
      if (f?.executor_id && f.agent_id)
        return {
          inputs: [
            {
              type: 'executorFailure',
              agentId: f.agent_id.value,
              executorId: f.executor_id.value,
              ...(f.status !== undefined ? { status: f.status } : {}),
            },
          ],
          notes: [],
        };
      if (f?.agent_id && !f.executor_id)
        return { inputs: [{ type: 'agentLost', agentId: f.agent_id.value }], notes: [] };
      return NOTHING;
    }
    case 'MESSAGE': {
      const m = event.message;
      if (!m) return NOTHING;
      const parsed = parseExecutorMessage(m.data);
      if (!parsed.ok)
        return {
          inputs: [],
          notes: [
            {
              kind: 'badMessage',
              agentId: m.agent_id.value,
              executorId: m.executor_id.value,
              reason: parsed.reason,
            },
          ],
        };
      return {
        inputs: [parsed.report.input],
        notes: [{ kind: 'report', executorId: m.executor_id.value, report: parsed.report }],
      };
    }
    default:
      // HEARTBEAT keeps the client's watchdog happy; inverse offers and operation updates are unused.
      return NOTHING;
  }
}
