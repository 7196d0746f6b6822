// The core's commands → the Mesos calls that carry them out (pure), and the one function that hands a
// call to the scheduler client. Launch commands hold the job secret in their TaskInfos: an
// OutboundCall is never logged whole, only `describeCall`.
import type { Command } from '../core/index.js';
import { buildLaunchOperation, type TaskInfoOptions } from '../launch/task-info.js';
import type { Filters, KillPolicy, OfferOperation } from '../../protos/mesos/v1/types.js';
import { clusterSpecMessage, workersEndedMessages } from './executor-messages.js';

/** One scheduler call, as the client's methods take it. */
export type OutboundCall =
  | {
      readonly kind: 'accept';
      readonly offerIds: readonly string[];
      readonly operations: readonly OfferOperation[];
      readonly taskIds: readonly string[];
      readonly filters?: Filters;
    }
  | { readonly kind: 'decline'; readonly offerIds: readonly string[]; readonly filters: Filters }
  | { readonly kind: 'revive' }
  | { readonly kind: 'suppress' }
  | {
      readonly kind: 'kill';
      readonly taskId: string;
      readonly agentId?: string;
      readonly killPolicy: KillPolicy;
    }
  | { readonly kind: 'shutdown'; readonly executorId: string; readonly agentId: string }
  | {
      readonly kind: 'acknowledge';
      readonly agentId: string;
      readonly taskId: string;
      readonly uuid: Uint8Array;
    }
  | {
      readonly kind: 'reconcile';
      readonly tasks: readonly { readonly taskId: string; readonly agentId?: string }[];
    }
  | {
      readonly kind: 'message';
      readonly agentId: string;
      readonly executorId: string;
      readonly data: Uint8Array;
    };

/** The part of SchedulerClient the runtime calls (a fake in unit tests). */
export interface MesosCalls {
  accept(
    offerIds: readonly string[],
    operations: readonly OfferOperation[],
    filters?: Filters,
  ): Promise<void>;
  decline(offerIds: readonly string[], filters?: Filters): Promise<void>;
  revive(roles?: readonly string[]): Promise<void>;
  suppress(roles?: readonly string[]): Promise<void>;
  kill(taskId: string, agentId?: string, killPolicy?: KillPolicy): Promise<void>;
  shutdown(executorId: string, agentId: string): Promise<void>;
  acknowledge(agentId: string, taskId: string, uuid: Uint8Array): Promise<void>;
  reconcile(tasks: readonly { readonly taskId: string; readonly agentId?: string }[]): Promise<void>;
  message(agentId: string, executorId: string, data: Uint8Array): Promise<void>;
}

const NS_PER_MS = 1_000_000;

/**
 * The calls for one command; `persist`, `jobEvent` and `notice` are not Mesos calls and give none.
 * `taskInfo` shapes launches (executor command, image, extra environment, framework id).
 */
export function callsFor(command: Command, taskInfo: TaskInfoOptions): OutboundCall[] {
  switch (command.type) {
    case 'launch':
      return [
        {
          kind: 'accept',
          offerIds: command.offerIds,
          operations: [buildLaunchOperation(command.tasks, taskInfo)],
          taskIds: command.tasks.map((t) => t.taskId),
        },
      ];
    case 'decline':
      return [
        { kind: 'decline', offerIds: command.offerIds, filters: { refuse_seconds: command.refuseSeconds } },
      ];
    case 'suppress':
      return [{ kind: 'suppress' }];
    case 'revive':
      return [{ kind: 'revive' }];
    case 'kill':
      return [
        {
          kind: 'kill',
          taskId: command.taskId,
          ...(command.agentId !== undefined ? { agentId: command.agentId } : {}),
          killPolicy: { grace_period: { nanoseconds: Math.round(command.gracePeriodMs * NS_PER_MS) } },
        },
      ];
    case 'shutdown':
      return [{ kind: 'shutdown', executorId: command.executorId, agentId: command.agentId }];
    case 'acknowledge':
      // The uuid went into the core as base64 of the bytes received; the same bytes go back.
      return [
        {
          kind: 'acknowledge',
          agentId: command.agentId,
          taskId: command.taskId,
          uuid: Buffer.from(command.uuid, 'base64'),
        },
      ];
    case 'reconcile':
      return [{ kind: 'reconcile', tasks: command.tasks }];
    case 'sendClusterSpec': {
      const data = clusterSpecMessage(command.spec);
      return command.targets.map((t) => ({
        kind: 'message' as const,
        agentId: t.agentId,
        executorId: t.executorId,
        data,
      }));
    }
    case 'sendWorkersEnded':
      return workersEndedMessages(command.jobId, command.taskIds).map((data) => ({
        kind: 'message' as const,
        agentId: command.target.agentId,
        executorId: command.target.executorId,
        data,
      }));
    case 'persist':
    case 'jobEvent':
    case 'notice':
      return [];
  }
}

/** Sends one call through the client. */
export function sendCall(client: MesosCalls, call: OutboundCall): Promise<void> {
  switch (call.kind) {
    case 'accept':
      return client.accept(call.offerIds, call.operations, call.filters);
    case 'decline':
      return client.decline(call.offerIds, call.filters);
    case 'revive':
      return client.revive();
    case 'suppress':
      return client.suppress();
    case 'kill':
      return client.kill(call.taskId, call.agentId, call.killPolicy);
    case 'shutdown':
      return client.shutdown(call.executorId, call.agentId);
    case 'acknowledge':
      return client.acknowledge(call.agentId, call.taskId, call.uuid);
    case 'reconcile':
      return client.reconcile(call.tasks);
    case 'message':
      return client.message(call.agentId, call.executorId, call.data);
  }
}

/** What may be logged of a call: its kind and ids, never TaskInfos (they carry the job secret). */
export function describeCall(call: OutboundCall): Record<string, unknown> {
  switch (call.kind) {
    case 'accept':
      return { call: 'ACCEPT', offerIds: call.offerIds, taskIds: call.taskIds };
    case 'decline':
      return { call: 'DECLINE', offers: call.offerIds.length, refuseSeconds: call.filters.refuse_seconds };
    case 'kill':
      return { call: 'KILL', taskId: call.taskId, agentId: call.agentId };
    case 'shutdown':
      return { call: 'SHUTDOWN', executorId: call.executorId, agentId: call.agentId };
    case 'acknowledge':
      return { call: 'ACKNOWLEDGE', taskId: call.taskId, agentId: call.agentId };
    case 'reconcile':
      return { call: 'RECONCILE', tasks: call.tasks.length };
    case 'message':
      return { call: 'MESSAGE', executorId: call.executorId, agentId: call.agentId };
    default:
      return { call: call.kind.toUpperCase() };
  }
}
