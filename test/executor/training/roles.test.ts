import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CoordinatorClient } from '../../../executor/coordinator/client.js';
import type { ShardConfig } from '../../../executor/ps/apply.js';
import type { CheckpointIo } from '../../../executor/ps/checkpoint-store.js';
import { Evaluator, type EvalReport } from '../../../executor/training/evaluator.js';
import { PsRole, type PsRoleOptions } from '../../../executor/training/ps-role.js';
import { TrainingWorker, type WorkerProgress, type WorkerState } from '../../../executor/training/worker.js';
import { synthSplits, tinyTrainable, useCpuBackend, type SynthSplits } from './helpers.js';

const SECRET = 'roles-test-secret';
const FAST_BACKOFF = { initialMs: 20, maxMs: 200 };
const ADAM: ShardConfig = {
  mode: 'async',
  optimizer: { kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  scaleLrByStaleness: false,
  replicasToAggregate: 1,
};

function psOptions(data: SynthSplits, dir: string, over: Partial<PsRoleOptions> = {}): PsRoleOptions {
  return {
    shardIndex: 0,
    shardCount: 1,
    secret: SECRET,
    shard: ADAM,
    checkpointDir: dir,
    checkpointEverySteps: 10,
    coordinator: { datasetSize: data.train.size, leaseSize: 64, epochs: 2, leaseTimeoutMs: 10_000, seed: 5 },
    ...over,
  };
}

/** Checkpoint files in memory; while `killed`, every write fails (as if the process were gone). */
function memoryCheckpointIo(): CheckpointIo & { killed: boolean } {
  const files = new Map<string, Buffer>();
  const gone = () => Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
  const io = {
    killed: false,
    async writeFileDurable(path: string, chunks: readonly Uint8Array[]) {
      if (io.killed) throw new Error('killed');
      files.set(path, Buffer.concat(chunks));
    },
    async rename(from: string, to: string) {
      const b = files.get(from);
      if (io.killed || !b) throw gone();
      files.delete(from);
      files.set(to, b);
    },
    async unlink(path: string) {
      files.delete(path);
    },
    async readdir(dir: string) {
      return [...files.keys()].filter((p) => dirname(p) === dir).map((p) => basename(p));
    },
    async readFile(path: string) {
      const b = files.get(path);
      if (!b) throw gone();
      return b;
    },
    async mkdir() {},
    async fsyncDir() {},
  };
  return io;
}

function worker(id: string, ps: PsRole, data: SynthSplits, progress: WorkerProgress[] = []): TrainingWorker {
  return TrainingWorker.create({
    workerId: id,
    cluster: { ps: [ps.address], coordinator: ps.address },
    secret: SECRET,
    trainable: tinyTrainable(1),
    data: data.train,
    batchSize: 32,
    seed: 9,
    backoff: FAST_BACKOFF,
    giveUpAfterMs: 20_000,
    onProgress: (p) => progress.push(p),
  });
}

describe('executor/training roles in one process @integration', function () {
  this.timeout(60_000);
  let tmp: string;
  let data: SynthSplits;

  before(async () => {
    await useCpuBackend();
    tmp = mkdtempSync(join(tmpdir(), 'nodal-roles-'));
    data = await synthSplits(join(tmp, 'data'), { train: 512, valid: 128, test: 128 });
  });
  after(() => {
    data?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('1 PS + 2 workers + evaluator over loopback gRPC learn the synthetic task', async () => {
    const ps = await PsRole.create(psOptions(data, join(tmp, 'ckpt-learn')));
    const progress: WorkerProgress[] = [];
    const workers = [worker('w1', ps, data, progress), worker('w2', ps, data, progress)];
    const reports: EvalReport[] = [];
    const evaluator = Evaluator.create({
      cluster: { ps: [ps.address], coordinator: ps.address },
      secret: SECRET,
      trainable: tinyTrainable(2),
      valid: data.valid,
      test: data.test,
      evalEverySteps: 10,
      pollMs: 100,
      backoff: FAST_BACKOFF,
      onReport: (r) => reports.push(r),
    });
    try {
      await Promise.all([...workers.map((w) => w.run()), evaluator.run()]);
      expect(workers.map((w) => w.state)).to.deep.equal(['stopped', 'stopped']);
      expect(evaluator.state).to.equal('stopped');
      const job = ps.progress().job!;
      expect(job).to.include({ done: true, completedEpochs: 2, examplesDone: 1024 });
      // Both workers trained (dynamic sharding), about one push per batch of 32.
      const byWorker = new Map(progress.map((p) => [p.workerId, p.examples]));
      expect([...byWorker.keys()].sort()).to.deep.equal(['w1', 'w2']);
      expect(byWorker.get('w1')! + byWorker.get('w2')!).to.equal(1024);
      expect(ps.shard.step).to.equal(32);
      const final = reports.filter((r) => r.final);
      expect(final.map((r) => r.split)).to.deep.equal(['valid', 'test']);
      const test = final.find((r) => r.split === 'test')!;
      expect(test.n).to.equal(128);
      expect(test.accuracy, JSON.stringify(test)).to.be.greaterThan(0.85);
      if (process.env.NODAL_TEST_VERBOSE) console.log(JSON.stringify(final));
      expect(test.auc).to.be.greaterThan(0.8);
      expect(reports.filter((r) => !r.final).length).to.be.greaterThan(0);
    } finally {
      await Promise.all([...workers.map((w) => w.shutdown()), evaluator.shutdown()]);
      await ps.shutdown();
    }
  });

  it('survives a PS restart (restores its checkpoint; workers reconnect) and a killed worker, training every example once', async () => {
    const dir = join(tmp, 'ckpt-faults');
    const opts = psOptions(data, dir, {
      coordinator: {
        datasetSize: data.train.size,
        leaseSize: 64,
        epochs: 1,
        leaseTimeoutMs: 10_000,
        seed: 6,
      },
    });
    let ps = await PsRole.create(opts);
    const port = ps.port;
    const states: WorkerState[] = [];
    const w1 = worker('w1', ps, data);
    const progress: WorkerProgress[] = [];
    const w2 = worker('w2', ps, data, progress);
    w2.onStateChange((to) => states.push(to));
    const runs = [w1.run(), w2.run()];
    try {
      // Let them train a little, then kill the PS (it checkpoints) and bring it back on the same port.
      while (ps.shard.step < 4) await new Promise((r) => setTimeout(r, 10));
      await w1.shutdown(); // KILL of a worker: its lease goes back, trained part counted.
      expect(w1.state).to.equal('stopped');
      const stepAtKill = ps.shard.step;
      await ps.shutdown();
      expect(ps.state).to.equal('stopped');
      await new Promise((r) => setTimeout(r, 100));
      ps = await PsRole.create({ ...opts, port });
      expect(ps.shard.step).to.equal(stepAtKill);
      await Promise.all(runs);
      expect(w2.state).to.equal('stopped');
      expect(states).to.include('reconnecting');
      const job = ps.progress().job!;
      expect(job).to.include({ done: true, completedEpochs: 1, examplesDone: 512 });
      const c = new CoordinatorClient(ps.address, { secret: SECRET });
      expect((await c.progress()).done).to.equal(true);
      c.close();
    } finally {
      await Promise.all([w1.shutdown(), w2.shutdown()]);
      await ps.shutdown();
    }
  });

  it('kill -9 of ps-0 between checkpoints: exactly one step per batch (no batch of a forgotten lease applied, none lost from the book)', async () => {
    // In memory, so a checkpoint is written before the next push arrives; a kill -9 writes no final
    // checkpoint: from the kill on, every write fails.
    const io = memoryCheckpointIo();
    const opts = psOptions(data, '/ckpt-kill9', {
      checkpointEverySteps: 4,
      checkpointIo: io,
      coordinator: {
        datasetSize: data.train.size,
        leaseSize: 64,
        epochs: 1,
        leaseTimeoutMs: 10_000,
        seed: 4,
      },
    });
    let ps = await PsRole.create(opts);
    const port = ps.port;
    let stepAtKill = 0;
    const first = ps;
    // Dies a few steps after a checkpoint, in the middle of both workers' leases.
    first.shard.onStep((step) => {
      if (io.killed || step < 6 || first.shard.status().checkpointStep < 4) return;
      io.killed = true;
      stepAtKill = step;
      void first.shutdown();
    });
    const workers = [worker('w1', ps, data), worker('w2', ps, data)];
    const runs = workers.map((w) => w.run());
    try {
      while (!io.killed) {
        expect(first.shard.step, 'the job ended before the kill').to.be.lessThan(16);
        await new Promise((r) => setTimeout(r, 5));
      }
      await first.shutdown();
      io.killed = false;
      ps = await PsRole.create({ ...opts, port });
      const resumedAt = ps.shard.step;
      expect(resumedAt, 'steps lost').to.be.lessThan(stepAtKill);
      await Promise.all(runs);
      expect(workers.map((w) => w.state)).to.deep.equal(['stopped', 'stopped']);
      expect(ps.progress().job).to.include({ done: true, completedEpochs: 1, examplesDone: 512 });
      // 16 batches of 32: the lost steps' examples were trained again, and nothing else.
      expect(ps.shard.step, `resumed at ${resumedAt} after step ${stepAtKill}`).to.equal(16);
    } finally {
      await Promise.all(workers.map((w) => w.shutdown()));
      await ps.shutdown();
    }
  });

  it('follows a PS that comes back on another address (updated cluster spec)', async () => {
    const opts = psOptions(data, join(tmp, 'ckpt-move'), {
      coordinator: { datasetSize: 256, leaseSize: 64, epochs: 1, leaseTimeoutMs: 10_000, seed: 9 },
    });
    let ps = await PsRole.create(opts);
    const w = worker('w1', ps, data);
    const run = w.run();
    try {
      while (ps.shard.step < 2) await new Promise((r) => setTimeout(r, 10));
      await ps.shutdown();
      ps = await PsRole.create(opts);
      w.updateCluster({ ps: [ps.address], coordinator: ps.address });
      await run;
      expect(w.state).to.equal('stopped');
      expect(ps.progress().job).to.include({ done: true, examplesDone: 256 });
    } finally {
      await w.shutdown();
      await ps.shutdown();
    }
  });

  it('splits the model over two PS shards by bytes; workers push each shard its share', async () => {
    const coordinator = { datasetSize: 256, leaseSize: 64, epochs: 1, leaseTimeoutMs: 10_000, seed: 8 };
    const ps0 = await PsRole.create(
      psOptions(data, join(tmp, 'ckpt-2shards'), { shardCount: 2, coordinator }),
    );
    const ps1 = await PsRole.create(
      psOptions(data, join(tmp, 'ckpt-2shards'), { shardIndex: 1, shardCount: 2, coordinator: undefined }),
    );
    const cluster = { ps: [ps0.address, ps1.address], coordinator: ps0.address };
    const make = (id: string) =>
      TrainingWorker.create({
        workerId: id,
        cluster,
        secret: SECRET,
        trainable: tinyTrainable(1),
        data: data.train,
        batchSize: 32,
        seed: 9,
        backoff: FAST_BACKOFF,
      });
    const workers = [make('w1'), make('w2')];
    try {
      await Promise.all(workers.map((w) => w.run()));
      expect(ps0.progress().job).to.include({ done: true, examplesDone: 256 });
      expect([ps0.shard.step, ps1.shard.step]).to.deep.equal([8, 8]);
      const names = [ps0.shard.specs.map((v) => v.name), ps1.shard.specs.map((v) => v.name)];
      // fc/kernel (27,648 bytes) alone outweighs the rest, so it sits alone on one shard.
      expect(names[0]).to.deep.equal(['fc/kernel']);
      expect(names[1]).to.deep.equal(['fc/bias', 'out/kernel', 'out/bias']);
    } finally {
      await Promise.all(workers.map((w) => w.shutdown()));
      await Promise.all([ps0.shutdown(), ps1.shutdown()]);
    }
  });

  it('trains in sync mode: each step aggregates both workers', async () => {
    const ps = await PsRole.create(
      psOptions(data, join(tmp, 'ckpt-sync'), {
        shard: { ...ADAM, mode: 'sync', replicasToAggregate: 2, syncTimeoutMs: 2_000 },
        coordinator: { datasetSize: 256, leaseSize: 64, epochs: 1, leaseTimeoutMs: 10_000, seed: 7 },
      }),
    );
    const workers = [worker('w1', ps, data), worker('w2', ps, data)];
    try {
      await Promise.all(workers.map((w) => w.run()));
      const s = ps.shard.status();
      expect(ps.progress().job).to.include({ done: true, examplesDone: 256 });
      // 8 batches of 32; two per step, except where one worker ran out of work and a step timed out.
      expect(s.step).to.be.within(4, 6);
      expect(s.pushesApplied).to.equal(8);
    } finally {
      await Promise.all(workers.map((w) => w.shutdown()));
      await ps.shutdown();
    }
  });
});
