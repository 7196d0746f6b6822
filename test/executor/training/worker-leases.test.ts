// The worker against scripted PS shards and a scripted coordinator over loopback gRPC: what it pushes of a
// data lease when a shard restarts, when ps-0 refuses a lease it does not know, and when one shard of
// several fails a push.
import { expect } from 'chai';
import { NodalError } from '../../../config/errors.js';
import { startRpcServer, type RpcServer, type UnaryHandler } from '../../../executor/rpc/server.js';
import { TrainingWorker, type TrainSource } from '../../../executor/training/worker.js';
import { tinyTrainable, useCpuBackend } from './helpers.js';

const SECRET = 'worker-leases-secret';
const BATCH = 32;

interface PushCall {
  /** The lease the worker was on (the last one granted). */
  lease: number;
  /** What the push says: its lease and the positions done with it. */
  leaseId: number;
  processed: number;
}

interface PushReply {
  outcome?: 'APPLIED' | 'STALE';
  leaseUnknown?: boolean;
  /** Fail the call with UNAVAILABLE instead (the shard is down). */
  fail?: boolean;
}

/** One scripted PS shard; started without `coordinator` (its ps-0), it is ps-0 and serves a scripted coordinator. */
class FakePs {
  step = 0;
  incarnation = 'first';
  readonly pushes: PushCall[] = [];
  readonly reports: Array<{ leaseId: number; processed: number }> = [];
  readonly completes: number[] = [];
  /** Answer of the n-th push (0-based); default applied. */
  pushScript: (n: number, call: PushCall) => PushReply = () => ({});
  /** Whether the coordinator still knows a lease. */
  leaseKnown: (leaseId: number) => boolean = () => true;
  private leases: Array<{ id: number; start: number; end: number }> = [];
  private current = 0;
  /** ps-0 of the group: ps-1 and up learn the current lease from it. */
  private coordinatorOf: FakePs = this;
  private server!: RpcServer;

  static async start(coordinator?: FakePs): Promise<FakePs> {
    const ps = new FakePs();
    if (coordinator) ps.coordinatorOf = coordinator;
    ps.server = await startRpcServer({
      secret: SECRET,
      services: [
        { service: 'nodal.ps.ParameterServer', handlers: ps.psHandlers() },
        ...(coordinator
          ? []
          : [{ service: 'nodal.coordinator.Coordinator' as const, handlers: ps.coordinatorHandlers() }]),
      ],
    });
    return ps;
  }

  get address(): string {
    return this.server.address;
  }

  /** Leases handed out in this order, then DONE. */
  grant(...leases: Array<{ id: number; start: number; end: number }>): void {
    this.leases.push(...leases);
  }

  pushesOf(lease: number): PushCall[] {
    return this.pushes.filter((p) => p.lease === lease);
  }

  private psHandlers(): Record<string, UnaryHandler> {
    return {
      Init: () => ({ initialized_now: false, step: this.step }),
      Pull: () => ({ step: this.step, tensors: [], incarnation: this.incarnation }),
      Push: (req: { lease_id: number; lease_processed: number }) => {
        const call = {
          lease: this.coordinatorOf.current,
          leaseId: req.lease_id,
          processed: req.lease_processed,
        };
        const r = this.pushScript(this.pushes.length, call);
        this.pushes.push(call);
        if (r.fail) throw new NodalError('UNAVAILABLE', 'shard down');
        const applied = (r.outcome ?? 'APPLIED') === 'APPLIED' && !r.leaseUnknown;
        if (applied) this.step++;
        return {
          outcome: r.leaseUnknown ? 'STALE' : (r.outcome ?? 'APPLIED'),
          step: this.step,
          staleness: 0,
          message: '',
          tensors: [],
          incarnation: this.incarnation,
          lease_unknown: r.leaseUnknown ?? false,
        };
      },
      Checkpoint: () => ({ step: this.step, path: '' }),
      Status: () => ({}),
    };
  }

  private coordinatorHandlers(): Record<string, UnaryHandler> {
    return {
      Lease: () => {
        const l = this.leases.shift();
        if (!l) return { status: 'DONE' };
        this.current = l.id;
        return {
          status: 'GRANTED',
          lease_id: l.id,
          epoch: 0,
          start: l.start,
          end: l.end,
          indices: Array.from({ length: l.end - l.start }, (_, i) => l.start + i),
          expires_at_ms: Date.now() + 60_000,
        };
      },
      Report: (req: { lease_id: number; processed: number }) => {
        this.reports.push({ leaseId: req.lease_id, processed: req.processed });
        return { lease_valid: this.leaseKnown(req.lease_id), done: false, expires_at_ms: 0 };
      },
      Complete: (req: { lease_id: number }) => {
        this.completes.push(req.lease_id);
        return { accepted: this.leaseKnown(req.lease_id), reason: '' };
      },
      Release: () => ({ released: 0 }),
      Progress: () => ({}),
    };
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

const blankData: TrainSource = {
  readBatch: (indices) => ({
    x: new Uint8Array(indices.length * 96 * 96 * 3),
    y: new Uint8Array(indices.length),
  }),
};

function workerOn(shards: FakePs[]): TrainingWorker {
  return TrainingWorker.create({
    workerId: 'w1',
    cluster: { ps: shards.map((s) => s.address), coordinator: shards[0]!.address },
    secret: SECRET,
    trainable: tinyTrainable(1),
    data: blankData,
    batchSize: BATCH,
    seed: 1,
    augment: false,
    backoff: { initialMs: 20, maxMs: 100 },
    giveUpAfterMs: 20_000,
  });
}

describe('executor/training worker: data leases across PS restarts @integration', function () {
  this.timeout(60_000);
  let shards: FakePs[] = [];

  before(useCpuBackend);
  afterEach(async () => {
    await Promise.all(shards.map((s) => s.close()));
    shards = [];
  });

  it('names the lease and the positions done in every push', async () => {
    const ps = await FakePs.start();
    shards = [ps];
    ps.grant({ id: 4, start: 0, end: 80 });
    await workerOn(shards).run();
    expect(ps.pushes.map((p) => [p.leaseId, p.processed])).to.deep.equal([
      [4, 32],
      [4, 64],
      [4, 80],
    ]);
    expect(ps.completes).to.deep.equal([4]);
  });

  it('drops a lease at once when ps-0 says its coordinator does not know it: no batch of it pushed again', async () => {
    const ps = await FakePs.start();
    shards = [ps];
    ps.grant({ id: 7, start: 0, end: 128 }, { id: 8, start: 128, end: 160 });
    // The second push lands on a ps-0 restored from a checkpoint older than lease 7.
    ps.pushScript = (n) => {
      if (n !== 1) return {};
      ps.incarnation = 'second';
      ps.leaseKnown = (id) => id !== 7;
      return { leaseUnknown: true };
    };
    const w = workerOn(shards);
    await w.run();
    expect(w.state).to.equal('stopped');
    expect(ps.pushesOf(7).length, 'pushes of lease 7').to.equal(2);
    expect(ps.completes).to.deep.equal([8]);
    expect(ps.pushesOf(8).map((p) => [p.leaseId, p.processed])).to.deep.equal([[8, 32]]);
  });

  it('after a shard restart, confirms its lease before pushing more of it, and drops it when the coordinator forgot it', async () => {
    const ps = await FakePs.start();
    shards = [ps];
    ps.grant({ id: 7, start: 0, end: 128 }, { id: 8, start: 128, end: 160 });
    // The second push finds the PS down; it comes back (restored) without lease 7, and — unlike ps-0 — this
    // shard does not check leases, so only the worker can keep the batch from being applied again.
    ps.pushScript = (n) => {
      if (n !== 1) return {};
      ps.incarnation = 'second';
      ps.leaseKnown = (id) => id !== 7;
      return { fail: true };
    };
    const w = workerOn(shards);
    await w.run();
    expect(w.state).to.equal('stopped');
    expect(ps.pushesOf(7).length, 'pushes of lease 7 (the second one failed)').to.equal(2);
    expect(ps.step, 'batches applied').to.equal(2);
    expect(ps.completes).to.deep.equal([8]);
  });

  it('after a shard restart, goes on with a lease the coordinator confirms', async () => {
    const ps = await FakePs.start();
    shards = [ps];
    ps.grant({ id: 7, start: 0, end: 96 });
    ps.pushScript = (n) => {
      if (n !== 1) return {};
      ps.incarnation = 'second';
      return { fail: true };
    };
    await workerOn(shards).run();
    expect(ps.pushesOf(7).map((p) => p.processed)).to.deep.equal([32, 64, 64, 96]);
    expect(ps.step, 'batches applied').to.equal(3);
    expect(ps.reports.some((r) => r.leaseId === 7 && r.processed === 32)).to.equal(true);
    expect(ps.completes).to.deep.equal([7]);
  });

  it('re-sends a batch only to the shards that failed it, not to those that applied it', async () => {
    const ps0 = await FakePs.start();
    const ps1 = await FakePs.start(ps0);
    shards = [ps0, ps1];
    ps0.grant({ id: 3, start: 0, end: 64 });
    ps1.pushScript = (n) => (n === 0 ? { fail: true } : {});
    await workerOn(shards).run();
    expect([ps0.step, ps1.step], 'batches applied on ps-0, ps-1').to.deep.equal([2, 2]);
    expect(
      ps0.pushes.map((p) => p.processed),
      'ps-0',
    ).to.deep.equal([32, 64]);
    expect(
      ps1.pushes.map((p) => p.processed),
      'ps-1',
    ).to.deep.equal([32, 32, 64]);
    expect(ps0.completes).to.deep.equal([3]);
  });
});
