// The PS role of an executor: serves one shard over gRPC (and, on shard 0, the coordinator), restores
// both from the latest checkpoint at start, reports progress through a callback, and on shutdown (KILL)
// stops serving and writes a final checkpoint. It needs no tfjs backend.
//
// States: created → serving → stopping → stopped, or failed when the server cannot start.
import { NodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import { Coordinator, type JobProgress } from '../coordinator/coordinator.js';
import type { LeaseBookConfig, LeaseBookSnapshot } from '../coordinator/leases.js';
import { coordinatorHandlers } from '../coordinator/service.js';
import type { ShardConfig } from '../ps/apply.js';
import type { CheckpointIo } from '../ps/checkpoint-store.js';
import { parameterServerHandlers } from '../ps/service.js';
import { ParameterShard, type ShardStatus } from '../ps/shard.js';
import { startRpcServer, type RpcServer, type ServiceBinding } from '../rpc/server.js';
import type { TlsFiles } from '../rpc/tls.js';
import { RoleState } from './lifecycle.js';

export type PsRoleState = 'created' | 'serving' | 'stopping' | 'stopped' | 'failed';

export interface PsProgress {
  shard: ShardStatus;
  /** Shard 0 only. */
  job?: JobProgress;
}

export interface PsRoleOptions {
  shardIndex: number;
  shardCount: number;
  /** Bind address (default 127.0.0.1) and port (default 0: any free port; see `address`). */
  host?: string;
  port?: number;
  secret: string;
  tls?: TlsFiles;
  maxMessageBytes?: number;
  shard: ShardConfig;
  checkpointDir?: string;
  /** Checkpoint every this many steps (default 100; 0: only on shutdown and on request). */
  checkpointEverySteps?: number;
  checkpointIo?: CheckpointIo;
  /** Required on shard 0: the job's data leases. */
  coordinator?: LeaseBookConfig & { seed: number };
  onProgress?: (p: PsProgress) => void;
  /** How often onProgress is called (default 5 s). */
  progressEveryMs?: number;
  logger?: Logger;
}

/** One PS task. `create` restores and starts serving; `run()` resolves once `shutdown()` has finished. */
export class PsRole {
  private readonly life: RoleState<PsRoleState>;
  private readonly log: Logger;
  private progressTimer: NodeJS.Timeout | undefined;
  private stopped!: () => void;
  private readonly done = new Promise<void>((r) => (this.stopped = r));
  private shuttingDown: Promise<void> | undefined;

  private constructor(
    private readonly opts: PsRoleOptions,
    readonly shard: ParameterShard,
    readonly coordinator: Coordinator | undefined,
    private readonly server: RpcServer,
    log: Logger,
  ) {
    this.log = log;
    this.life = new RoleState<PsRoleState>('created', log);
  }

  /**
   * Restores the shard (and coordinator) from the latest checkpoint, then listens. Throws VALIDATION for
   * bad options, CONFLICT for a checkpoint of another shard layout, UNAVAILABLE when it cannot listen.
   */
  static async create(opts: PsRoleOptions): Promise<PsRole> {
    const log = (opts.logger ?? silentLogger).child({ component: 'ps', shard: opts.shardIndex });
    if (opts.shardIndex === 0 && !opts.coordinator)
      throw new NodalError('VALIDATION', 'ps-0 needs the coordinator options');
    let coordinator: Coordinator | undefined;
    const shard = await ParameterShard.create({
      shardIndex: opts.shardIndex,
      shardCount: opts.shardCount,
      config: opts.shard,
      checkpointDir: opts.checkpointDir,
      checkpointEverySteps: opts.checkpointEverySteps ?? 100,
      checkpointIo: opts.checkpointIo,
      ...(opts.shardIndex === 0 ? { extraState: () => coordinator?.snapshot() } : {}),
      logger: opts.logger,
    });
    if (opts.shardIndex === 0) {
      const restored = shard.restoredExtraState as LeaseBookSnapshot | undefined;
      coordinator = new Coordinator({
        ...opts.coordinator!,
        globalStep: () => shard.step,
        restored,
        logger: opts.logger,
      });
    }
    const services: ServiceBinding[] = [
      // On ps-0 a push is admitted and its lease progress recorded by the coordinator, with the step.
      { service: 'nodal.ps.ParameterServer', handlers: parameterServerHandlers(shard, coordinator) },
    ];
    if (coordinator)
      services.push({ service: 'nodal.coordinator.Coordinator', handlers: coordinatorHandlers(coordinator) });
    const server = await startRpcServer({
      host: opts.host,
      port: opts.port,
      secret: opts.secret,
      tls: opts.tls,
      maxMessageBytes: opts.maxMessageBytes,
      services,
      logger: opts.logger,
    });
    const role = new PsRole(opts, shard, coordinator, server, log);
    role.life.transitionTo(['created'], 'serving', { address: server.address, step: shard.step });
    role.startProgress();
    return role;
  }

  get state(): PsRoleState {
    return this.life.state;
  }

  /** host:port the shard listens on. */
  get address(): string {
    return this.server.address;
  }

  get port(): number {
    return this.server.port;
  }

  onStateChange(fn: (to: PsRoleState, from: PsRoleState) => void): void {
    this.life.onChange(fn);
  }

  /** The numbers onProgress reports, now. */
  progress(): PsProgress {
    return { shard: this.shard.status(), ...(this.coordinator ? { job: this.coordinator.progress() } : {}) };
  }

  private startProgress(): void {
    const every = this.opts.progressEveryMs ?? 5_000;
    if (!this.opts.onProgress) return;
    this.progressTimer = setInterval(() => {
      try {
        this.opts.onProgress!(this.progress());
      } catch (e) {
        this.log.warn('progress callback failed', { error: e });
      }
    }, every);
    this.progressTimer.unref();
  }

  /** Resolves when the role has stopped (after shutdown). */
  run(): Promise<void> {
    return this.done;
  }

  /** KILL: stop serving (in-flight calls get a short grace), then write the final checkpoint. Idempotent. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.life.transitionTo(['serving'], 'stopping');
      clearInterval(this.progressTimer);
      try {
        // Serving stops first, so no lease or push lands after the final checkpoint's snapshot.
        await this.server.close(1_000);
        await this.shard.shutdown();
        this.life.transitionTo(['stopping'], 'stopped', { step: this.shard.step });
      } catch (e) {
        this.log.error('ps shutdown failed', { error: e });
        this.life.transitionTo(['stopping'], 'failed', { error: (e as Error).message });
      } finally {
        this.stopped();
      }
    })();
    return this.shuttingDown;
  }
}
