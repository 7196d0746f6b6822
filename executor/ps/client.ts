// A typed client of one PS shard: domain values (Float32Arrays by name) in and out, wire types inside.
import { NodalError } from '../../config/errors.js';
import { createRpcClient, type RpcClient, type RpcClientOptions } from '../rpc/client.js';
import { tensorsToMap, toWireTensor, toWireTensorFp16, type WireTensor } from '../rpc/tensor-codec.js';
import type { PushOutcome } from './apply.js';
import type { ShardStatus } from './shard.js';
import { MAX_VARIABLES, type VariableSpec } from './specs.js';

export interface PulledWeights {
  step: number;
  values: Map<string, Float32Array>;
  incarnation: string;
}

export interface PushAnswer {
  outcome: PushOutcome;
  step: number;
  staleness: number;
  message: string;
  /** Present when the push asked for weights. */
  values?: Map<string, Float32Array>;
  incarnation: string;
  /** ps-0 only: its coordinator does not know the push's lease; nothing was applied, drop the lease. */
  leaseUnknown: boolean;
}

/** The data lease a pushed batch came from, and the positions of it done once the push is applied. */
export interface PushLease {
  leaseId: number;
  processed: number;
}

/** How pushed gradients travel: float32 as computed, or float16 (half the bytes). */
export type GradientDtype = 'float32' | 'float16';

const OUTCOMES: Record<string, PushOutcome> = {
  APPLIED: 'applied',
  AGGREGATED: 'aggregated',
  STALE: 'stale',
  DROPPED: 'dropped',
};

/** Client of the shard at `address`. Every method rejects with a NodalError (UNAVAILABLE/TIMEOUT: retry). */
export class PsClient {
  private readonly rpc: RpcClient;

  constructor(
    readonly address: string,
    opts: RpcClientOptions,
  ) {
    this.rpc = createRpcClient('nodal.ps.ParameterServer', address, opts);
  }

  /** Seeds the shard; `initializedNow` false when someone else did first (or it restored a checkpoint). */
  async init(
    allSpecs: readonly VariableSpec[],
    shardCount: number,
    specs: readonly VariableSpec[],
    values: ReadonlyMap<string, Float32Array>,
  ): Promise<{ initializedNow: boolean; step: number }> {
    const r = await this.rpc.call<{ initialized_now: boolean; step: number }>('Init', {
      specs: allSpecs.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype })),
      shard_count: shardCount,
      tensors: wire(specs, values),
    });
    return { initializedNow: r.initialized_now, step: r.step };
  }

  async pull(names: readonly string[] = []): Promise<PulledWeights> {
    const r = await this.rpc.call<{ step: number; tensors: WireTensor[]; incarnation: string }>('Pull', {
      names,
    });
    return { step: r.step, values: tensorsToMap(r.tensors, MAX_VARIABLES), incarnation: r.incarnation };
  }

  /**
   * Pushes `gradients` of `specs`; `gradientDtype` float16 halves their bytes (rounded, see compress/fp16).
   * `lease` names the batch's data lease: ps-0 applies the push only while its coordinator knows the lease.
   */
  async push(
    workerId: string,
    baseStep: number,
    specs: readonly VariableSpec[],
    gradients: ReadonlyMap<string, Float32Array>,
    opts: {
      returnWeights?: boolean;
      examples?: number;
      deadlineMs?: number;
      gradientDtype?: GradientDtype;
      lease?: PushLease;
    } = {},
  ): Promise<PushAnswer> {
    const r = await this.rpc.call<{
      outcome: string;
      step: number;
      staleness: number;
      message: string;
      tensors: WireTensor[];
      incarnation: string;
      lease_unknown: boolean;
    }>(
      'Push',
      {
        worker_id: workerId,
        base_step: baseStep,
        gradients: wire(specs, gradients, opts.gradientDtype),
        return_weights: opts.returnWeights ?? false,
        examples: opts.examples ?? 0,
        lease_id: opts.lease?.leaseId ?? 0,
        lease_processed: opts.lease?.processed ?? 0,
      },
      opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {},
    );
    const outcome = OUTCOMES[r.outcome];
    if (!outcome) throw new NodalError('WIRE_DECODE', `unknown push outcome ${r.outcome}`);
    return {
      outcome,
      step: r.step,
      staleness: r.staleness,
      message: r.message,
      ...(opts.returnWeights ? { values: tensorsToMap(r.tensors, MAX_VARIABLES) } : {}),
      incarnation: r.incarnation,
      leaseUnknown: r.lease_unknown === true,
    };
  }

  async checkpoint(): Promise<{ step: number; path: string }> {
    return this.rpc.call<{ step: number; path: string }>('Checkpoint', {});
  }

  async status(): Promise<ShardStatus> {
    const s = await this.rpc.call<Record<string, number | string | boolean>>('Status', {});
    return {
      shardIndex: s.shard_index as number,
      shardCount: s.shard_count as number,
      initialized: s.initialized as boolean,
      step: s.step as number,
      variables: s.variables as number,
      bytes: s.bytes as number,
      mode: s.mode as ShardStatus['mode'],
      optimizer: s.optimizer as string,
      pushesApplied: s.pushes_applied as number,
      pushesStale: s.pushes_stale as number,
      pushesDropped: s.pushes_dropped as number,
      meanStaleness: s.mean_staleness as number,
      maxStaleness: s.max_staleness as number,
      checkpointStep: s.checkpoint_step as number,
      incarnation: s.incarnation as string,
    };
  }

  close(): void {
    this.rpc.close();
  }
}

function wire(
  specs: readonly VariableSpec[],
  values: ReadonlyMap<string, Float32Array>,
  dtype: GradientDtype = 'float32',
): WireTensor[] {
  return specs.map((s) => {
    const v = values.get(s.name);
    if (!v) throw new NodalError('VALIDATION', `no values for variable ${s.name}`);
    return dtype === 'float16' ? toWireTensorFp16(s.name, s.shape, v) : toWireTensor(s.name, s.shape, v);
  });
}
