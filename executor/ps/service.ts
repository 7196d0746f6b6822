// The nodal.ps.ParameterServer handlers over one ParameterShard: wire tensors in and out, every field
// checked before the shard sees it. Errors are NodalErrors; the rpc server maps them to gRPC statuses.
import { NodalError } from '../../config/errors.js';
import type { UnaryHandler } from '../rpc/server.js';
import { fromWireTensor, tensorsToMap, toWireTensor, type WireTensor } from '../rpc/tensor-codec.js';
import type { PushOutcome } from './apply.js';
import type { ParameterShard } from './shard.js';
import { MAX_VARIABLES, makeSpec, type VariableSpec } from './specs.js';

const OUTCOME_ON_WIRE: Record<PushOutcome, string> = {
  applied: 'APPLIED',
  aggregated: 'AGGREGATED',
  stale: 'STALE',
  dropped: 'DROPPED',
};

/** Longest worker id accepted (ids are Mesos task ids). */
const MAX_WORKER_ID = 256;

function wireTensors(
  specs: readonly VariableSpec[],
  values: ReadonlyMap<string, Float32Array>,
): WireTensor[] {
  return specs
    .filter((s) => values.has(s.name))
    .map((s) => toWireTensor(s.name, s.shape, values.get(s.name)!));
}

function checkShapes(specs: readonly VariableSpec[], tensors: readonly WireTensor[]): void {
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const t of tensors) {
    const s = byName.get(t.name);
    if (s && s.shape.join(',') !== t.shape.join(',')) {
      throw new NodalError(
        'VALIDATION',
        `tensor ${t.name} has shape [${t.shape.join(',')}], expected [${s.shape.join(',')}]`,
        { name: t.name },
      );
    }
  }
}

const count = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new NodalError('VALIDATION', `${what} must be a non-negative integer`);
  return v;
};

/**
 * The data-lease check of the shard that hosts the coordinator (ps-0; the Coordinator implements it). A
 * push names the lease its batch came from; ps-0 applies it only if the coordinator still knows the lease
 * and has not recorded the batch yet, and records it in the same turn as the step, so after a restart from
 * a checkpoint no batch of a forgotten lease is applied and none is counted without its step or vice versa.
 */
export interface PushLeaseGate {
  admitPush(workerId: string, leaseId: number, processed: number): 'ok' | 'unknown' | 'duplicate';
  pushApplied(workerId: string, leaseId: number, processed: number): void;
}

/** Handlers of nodal.ps.ParameterServer for `shard`; `leases` on the shard that hosts the coordinator. */
export function parameterServerHandlers(
  shard: ParameterShard,
  leases?: PushLeaseGate,
): Record<string, UnaryHandler> {
  return {
    Init(req: {
      specs: Array<{ name: string; shape: number[]; dtype: string }>;
      shard_count: number;
      tensors: WireTensor[];
    }) {
      if (req.specs.length === 0) throw new NodalError('VALIDATION', 'Init lists no variables');
      if (req.specs.length > MAX_VARIABLES)
        throw new NodalError('VALIDATION', `Init lists ${req.specs.length} variables (max ${MAX_VARIABLES})`);
      const specs = req.specs.map((s) => {
        if (s.dtype && s.dtype !== 'float32')
          throw new NodalError('VALIDATION', `variable ${s.name} is ${s.dtype}, not float32`);
        return makeSpec(s.name, s.shape);
      });
      checkShapes(specs, req.tensors);
      const values = new Map<string, Float32Array>();
      if (req.tensors.length > specs.length)
        throw new NodalError('VALIDATION', 'Init carries more tensors than variables');
      for (const t of req.tensors) {
        if (values.has(t.name)) throw new NodalError('VALIDATION', `tensor ${t.name} sent twice`);
        values.set(t.name, fromWireTensor(t));
      }
      const r = shard.init(specs, req.shard_count, values);
      return { initialized_now: r.initializedNow, step: r.step };
    },

    Pull(req: { names: string[] }) {
      if (req.names.length > MAX_VARIABLES)
        throw new NodalError('VALIDATION', `Pull names ${req.names.length} variables`);
      const { step, values } = shard.pull(req.names);
      return { step, tensors: wireTensors(shard.specs, values), incarnation: shard.incarnation };
    },

    async Push(req: {
      worker_id: string;
      base_step: number;
      gradients: WireTensor[];
      return_weights: boolean;
      examples: number;
      lease_id?: number;
      lease_processed?: number;
    }) {
      if (!req.worker_id || req.worker_id.length > MAX_WORKER_ID)
        throw new NodalError('VALIDATION', 'Push needs a worker_id (1-256 characters)');
      const baseStep = count(req.base_step, 'base_step');
      const leaseId = count(req.lease_id ?? 0, 'lease_id');
      const processed = count(req.lease_processed ?? 0, 'lease_processed');
      checkShapes(shard.specs, req.gradients);
      const gradients = tensorsToMap(req.gradients, Math.max(shard.specs.length, 1));
      const workerId = req.worker_id;
      const gated = leases && leaseId > 0;
      // Admission and the apply below run in one turn (no await between), so nothing changes in between.
      const admission = gated ? leases.admitPush(workerId, leaseId, processed) : 'ok';
      if (admission !== 'ok') {
        const { step, values } = shard.pull();
        return {
          outcome: OUTCOME_ON_WIRE[admission === 'unknown' ? 'stale' : 'dropped'],
          step,
          staleness: 0,
          message:
            admission === 'unknown'
              ? `lease ${leaseId} of ${workerId} is unknown to the coordinator (restored from a checkpoint, or expired and reassigned): nothing applied, drop the lease`
              : `positions up to ${processed} of lease ${leaseId} were already applied: a retried push, ignored`,
          tensors: req.return_weights ? wireTensors(shard.specs, values) : [],
          incarnation: shard.incarnation,
          lease_unknown: admission === 'unknown',
        };
      }
      const reply = await shard.push(
        { workerId, baseStep, gradients },
        {
          returnWeights: req.return_weights,
          ...(gated ? { onAccepted: () => leases.pushApplied(workerId, leaseId, processed) } : {}),
        },
      );
      return {
        outcome: OUTCOME_ON_WIRE[reply.result.outcome],
        step: reply.step,
        staleness: reply.result.staleness,
        message: reply.result.message,
        tensors: reply.values ? wireTensors(shard.specs, reply.values) : [],
        incarnation: shard.incarnation,
        lease_unknown: false,
      };
    },

    async Checkpoint() {
      const w = await shard.checkpoint();
      return { step: w.step, path: w.path };
    },

    Status() {
      const s = shard.status();
      return {
        shard_index: s.shardIndex,
        shard_count: s.shardCount,
        initialized: s.initialized,
        step: s.step,
        variables: s.variables,
        bytes: s.bytes,
        mode: s.mode,
        optimizer: s.optimizer,
        pushes_applied: s.pushesApplied,
        pushes_stale: s.pushesStale,
        pushes_dropped: s.pushesDropped,
        mean_staleness: s.meanStaleness,
        max_staleness: s.maxStaleness,
        checkpoint_step: s.checkpointStep,
        incarnation: s.incarnation,
      };
    },
  };
}
