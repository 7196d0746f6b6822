// A typed client of the coordinator on ps-0.
import { NodalError } from '../../config/errors.js';
import { createRpcClient, type RpcClient, type RpcClientOptions } from '../rpc/client.js';
import type { JobProgress, LeaseAnswer, WorkerReport } from './coordinator.js';

/** Client of the coordinator at `address`; methods reject with NodalErrors (UNAVAILABLE/TIMEOUT: retry). */
export class CoordinatorClient {
  private readonly rpc: RpcClient;

  constructor(
    readonly address: string,
    opts: RpcClientOptions,
  ) {
    this.rpc = createRpcClient('nodal.coordinator.Coordinator', address, opts);
  }

  async lease(workerId: string): Promise<LeaseAnswer> {
    const r = await this.rpc.call<{
      status: string;
      lease_id: number;
      epoch: number;
      start: number;
      end: number;
      indices: number[];
      expires_at_ms: number;
      retry_after_ms: number;
    }>('Lease', {
      worker_id: workerId,
    });
    if (r.status === 'DONE') return { kind: 'done' };
    if (r.status === 'WAIT') return { kind: 'wait', retryAfterMs: r.retry_after_ms };
    if (r.status !== 'GRANTED') throw new NodalError('WIRE_DECODE', `unknown lease status ${r.status}`);
    if (r.indices.length !== r.end - r.start)
      throw new NodalError(
        'WIRE_DECODE',
        `lease ${r.lease_id} has ${r.indices.length} indices for ${r.end - r.start} positions`,
      );
    return {
      kind: 'granted',
      lease: {
        leaseId: r.lease_id,
        epoch: r.epoch,
        start: r.start,
        end: r.end,
        indices: Uint32Array.from(r.indices),
        expiresAtMs: r.expires_at_ms,
      },
    };
  }

  async complete(workerId: string, leaseId: number): Promise<{ accepted: boolean; reason: string }> {
    return this.rpc.call('Complete', { worker_id: workerId, lease_id: leaseId });
  }

  /** Gives back one lease with `processed` positions done, or (leaseId 0) every lease of the worker. */
  async release(workerId: string, leaseId = 0, processed = 0, deadlineMs?: number): Promise<number> {
    const r = await this.rpc.call<{ released: number }>(
      'Release',
      { worker_id: workerId, lease_id: leaseId, processed },
      deadlineMs ? { deadlineMs } : {},
    );
    return r.released;
  }

  async report(rep: WorkerReport): Promise<{ leaseValid: boolean; done: boolean; expiresAtMs: number }> {
    const r = await this.rpc.call<{ lease_valid: boolean; done: boolean; expires_at_ms: number }>('Report', {
      worker_id: rep.workerId,
      lease_id: rep.leaseId,
      processed: rep.processed,
      loss: rep.loss,
      images_per_sec: rep.imagesPerSec,
      staleness: rep.staleness,
      examples: rep.examples,
    });
    return { leaseValid: r.lease_valid, done: r.done, expiresAtMs: r.expires_at_ms };
  }

  async progress(): Promise<JobProgress> {
    const r = await this.rpc.call<Record<string, number | boolean>>('Progress', {});
    return {
      epoch: r.epoch as number,
      epochs: r.epochs as number,
      completedEpochs: r.completed_epochs as number,
      examplesDone: r.examples_done as number,
      examplesPerEpoch: r.examples_per_epoch as number,
      globalStep: r.global_step as number,
      maxSteps: r.max_steps as number,
      outstandingLeases: r.outstanding_leases as number,
      done: r.done as boolean,
      fraction: r.fraction as number,
      workers: r.workers as number,
      imagesPerSec: r.images_per_sec as number,
      meanLoss: r.mean_loss as number,
    };
  }

  close(): void {
    this.rpc.close();
  }
}
