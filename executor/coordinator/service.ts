// The nodal.coordinator.Coordinator handlers over one Coordinator (served by ps-0).
import { NodalError } from '../../config/errors.js';
import type { UnaryHandler } from '../rpc/server.js';
import type { Coordinator } from './coordinator.js';

const MAX_WORKER_ID = 256;

function workerId(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_WORKER_ID)
    throw new NodalError('VALIDATION', 'worker_id must be 1-256 characters');
  return v;
}

const finiteOr = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;

/** Handlers of nodal.coordinator.Coordinator for `coordinator`. */
export function coordinatorHandlers(coordinator: Coordinator): Record<string, UnaryHandler> {
  return {
    Lease(req: { worker_id: string }) {
      const a = coordinator.lease(workerId(req.worker_id));
      if (a.kind === 'wait') return { status: 'WAIT', retry_after_ms: a.retryAfterMs };
      if (a.kind === 'done') return { status: 'DONE' };
      const l = a.lease;
      return {
        status: 'GRANTED',
        lease_id: l.leaseId,
        epoch: l.epoch,
        start: l.start,
        end: l.end,
        indices: Array.from(l.indices),
        expires_at_ms: l.expiresAtMs,
      };
    },
    Complete(req: { worker_id: string; lease_id: number }) {
      return coordinator.complete(workerId(req.worker_id), req.lease_id);
    },
    Release(req: { worker_id: string; lease_id: number; processed: number }) {
      const released = coordinator.release(
        workerId(req.worker_id),
        req.lease_id > 0 ? req.lease_id : undefined,
        req.lease_id > 0 ? req.processed : undefined,
      );
      return { released };
    },
    Progress() {
      const p = coordinator.progress();
      return {
        epoch: p.epoch,
        epochs: p.epochs,
        completed_epochs: p.completedEpochs,
        examples_done: p.examplesDone,
        examples_per_epoch: p.examplesPerEpoch,
        global_step: p.globalStep,
        max_steps: p.maxSteps,
        outstanding_leases: p.outstandingLeases,
        done: p.done,
        fraction: p.fraction,
        workers: p.workers,
        images_per_sec: p.imagesPerSec,
        mean_loss: Number.isFinite(p.meanLoss) ? p.meanLoss : 0,
      };
    },
    Report(req: {
      worker_id: string;
      lease_id: number;
      processed: number;
      loss: number;
      images_per_sec: number;
      staleness: number;
      examples: number;
    }) {
      const r = coordinator.report({
        workerId: workerId(req.worker_id),
        leaseId: req.lease_id,
        processed: req.processed,
        loss: finiteOr(req.loss, NaN),
        imagesPerSec: finiteOr(req.images_per_sec, NaN),
        staleness: req.staleness,
        examples: req.examples,
      });
      return { lease_valid: r.leaseValid, done: r.done, expires_at_ms: r.expiresAtMs };
    },
  };
}
