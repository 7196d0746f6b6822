// Fakes for the runtime's unit tests: a Mesos client that records every call, and a store whose saves
// can be held back or made to fail. Both write into one shared log so tests can assert the order of
// saves and calls.
import { NodalError } from '../../../config/errors.js';
import type { StoredState } from '../../../scheduler/core/index.js';
import type { Store } from '../../../scheduler/store/store.js';
import type { MesosCalls, OutboundCall } from '../../../scheduler/runtime/outbound-calls.js';
import type { Filters, KillPolicy, OfferOperation } from '../../../protos/mesos/v1/types.js';

export type LogEntry = { what: 'save'; state: StoredState } | { what: 'call'; call: OutboundCall };

export class FakeMesos implements MesosCalls {
  readonly calls: OutboundCall[] = [];
  constructor(private readonly log: LogEntry[] = []) {}
  private record(call: OutboundCall): Promise<void> {
    this.calls.push(call);
    this.log.push({ what: 'call', call });
    return Promise.resolve();
  }
  accept(offerIds: readonly string[], operations: readonly OfferOperation[], filters?: Filters) {
    return this.record({
      kind: 'accept',
      offerIds,
      operations,
      taskIds: [],
      ...(filters ? { filters } : {}),
    });
  }
  decline(offerIds: readonly string[], filters?: Filters) {
    return this.record({ kind: 'decline', offerIds, filters: filters ?? {} });
  }
  revive() {
    return this.record({ kind: 'revive' });
  }
  suppress() {
    return this.record({ kind: 'suppress' });
  }
  kill(taskId: string, agentId?: string, killPolicy?: KillPolicy) {
    return this.record({
      kind: 'kill',
      taskId,
      ...(agentId ? { agentId } : {}),
      killPolicy: killPolicy ?? {},
    });
  }
  shutdown(executorId: string, agentId: string) {
    return this.record({ kind: 'shutdown', executorId, agentId });
  }
  acknowledge(agentId: string, taskId: string, uuid: Uint8Array) {
    return this.record({ kind: 'acknowledge', agentId, taskId, uuid });
  }
  reconcile(tasks: readonly { taskId: string; agentId?: string }[]) {
    return this.record({ kind: 'reconcile', tasks });
  }
  message(agentId: string, executorId: string, data: Uint8Array) {
    return this.record({ kind: 'message', agentId, executorId, data });
  }
  kinds(): string[] {
    return this.calls.map((c) => c.kind);
  }
}

/** A store in memory whose next saves can be made to fail or to wait for `release()`. */
export class ControlledStore implements Store {
  saved: StoredState | undefined;
  saves = 0;
  failWith: Error | undefined;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  constructor(private readonly log: LogEntry[] = []) {}
  async load(): Promise<StoredState | undefined> {
    return this.saved;
  }
  async save(state: StoredState): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    this.saved = JSON.parse(JSON.stringify(state)) as StoredState;
    this.saves++;
    this.log.push({ what: 'save', state: this.saved });
  }
  /** Saves wait until `release()`. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
}

export const storeDown = (): Error => new NodalError('UNAVAILABLE', 'disk on fire');

/** Lets queued promise callbacks and timers of 0 ms run. */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
