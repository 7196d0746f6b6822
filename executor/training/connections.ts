// The connections of a worker or the evaluator to its job: one PsGroup over every PS shard and one
// CoordinatorClient, built from the cluster spec. A new spec (a PS came back on another address) is only
// held by `update`; the role applies it with `applyPending()` where a switch is safe for it (the worker
// between leases, the evaluator between polls, both before a retry), never in the middle of a call: that
// closes the old clients and connects new ones. `close()` ends it for good, and may be called again.
import { NodalError } from '../../config/errors.js';
import type { Logger } from '../../config/logger.js';
import { CoordinatorClient } from '../coordinator/client.js';
import type { GradientDtype } from '../ps/client.js';
import type { VariableSpec } from '../ps/specs.js';
import type { RpcClientOptions } from '../rpc/client.js';
import type { ClusterSpec } from './cluster-spec.js';
import { PsGroup } from './ps-group.js';

/** The addresses a worker or the evaluator connects to. */
export type ClusterAddresses = Pick<ClusterSpec, 'ps' | 'coordinator'>;

export interface TrainingConnectionsOptions {
  /** The spec to connect to first. */
  cluster: ClusterAddresses;
  /** The model's variables (they decide which shard holds what). */
  specs: readonly VariableSpec[];
  rpc: RpcClientOptions;
  /** Longest a push may take (see PsGroup); only the worker pushes. */
  pushDeadlineMs?: number;
  /** How gradients travel (see PsGroup; default float32). */
  gradientDtype?: GradientDtype;
  /** Where 'cluster spec applied' goes (the role's logger). */
  logger: Logger;
}

interface Clients {
  group: PsGroup;
  coordinator: CoordinatorClient;
}

/** The PS group and coordinator client of one role, following cluster spec updates when told to. */
export class TrainingConnections {
  private cluster: ClusterAddresses;
  private pending: ClusterAddresses | undefined;
  private clients: Clients | undefined;
  private closed = false;

  constructor(private readonly opts: TrainingConnectionsOptions) {
    this.cluster = opts.cluster;
  }

  /** The spec the clients are (or will be) connected to; a pending one is not in it yet. */
  get addresses(): ClusterAddresses {
    return this.cluster;
  }

  /** Whether clients are open (connected and not closed since). */
  get connected(): boolean {
    return this.clients !== undefined && !this.closed;
  }

  /** Whether `update` left a spec that `applyPending` has not taken up yet. */
  get hasPending(): boolean {
    return this.pending !== undefined;
  }

  /** The PS shards' clients; throws INTERNAL before `connect`. */
  get group(): PsGroup {
    return this.current().group;
  }

  /** The coordinator's client; throws INTERNAL before `connect`. */
  get coordinator(): CoordinatorClient {
    return this.current().coordinator;
  }

  /** Opens clients to the current spec. On a failure nothing stays open and the error is rethrown. */
  connect(): void {
    if (this.closed) throw new NodalError('INTERNAL', 'training connections are closed');
    this.clients = this.open(this.cluster);
  }

  /**
   * Holds `cluster` until the next `applyPending()` (a later update replaces it). Throws CONFLICT when
   * it has another number of shards: variables cannot move between shards during a job.
   */
  update(cluster: ClusterAddresses): void {
    if (cluster.ps.length !== this.cluster.ps.length) {
      throw new NodalError(
        'CONFLICT',
        `the job has ${this.cluster.ps.length} PS shards; a spec with ${cluster.ps.length} cannot be applied`,
      );
    }
    this.pending = cluster;
  }

  /**
   * Switches to the spec held by `update`, if any: closes the old clients and connects new ones (the
   * spec is taken even when connecting fails, which throws). Returns whether it switched; once closed,
   * never reconnects.
   */
  applyPending(): boolean {
    const next = this.pending;
    if (!next || this.closed) return false;
    this.pending = undefined;
    this.closeClients();
    this.clients = undefined;
    this.cluster = next;
    this.clients = this.open(next);
    this.opts.logger.info('cluster spec applied', { ps: next.ps, coordinator: next.coordinator });
    return true;
  }

  /** Closes the clients; later calls do nothing. The last clients stay readable (their calls fail). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeClients();
  }

  private current(): Clients {
    if (!this.clients) throw new NodalError('INTERNAL', 'training connections are not connected yet');
    return this.clients;
  }

  private closeClients(): void {
    this.clients?.group.close();
    this.clients?.coordinator.close();
  }

  private open(cluster: ClusterAddresses): Clients {
    const { specs, rpc, pushDeadlineMs, gradientDtype } = this.opts;
    const group = new PsGroup(cluster.ps, specs, rpc, pushDeadlineMs, gradientDtype);
    try {
      return { group, coordinator: new CoordinatorClient(cluster.coordinator, rpc) };
    } catch (e) {
      group.close();
      throw e;
    }
  }
}
