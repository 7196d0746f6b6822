import { expect } from 'chai';
import type { TrainingParams } from '../../../executor/main/task-config.js';
import {
  jobPaths,
  jobSeed,
  LEASE_TIMEOUT_MS,
  leaseBookOf,
  lrScheduleOf,
  plannedSteps,
  shardConfigOf,
  SYNC_TIMEOUT_MS,
} from '../../../executor/main/training-plan.js';

const base: TrainingParams = {
  model: 'small-cnn',
  batchSize: 32,
  optimizer: { type: 'adam', learningRate: 0.001, momentum: 0.9 },
  mode: 'async',
  stalenessBound: 0,
  stalenessScaledLr: false,
  backupWorkers: 0,
  epochs: 2,
  checkpointEverySteps: 0,
  evalEverySteps: 0,
};

describe('executor/main/training-plan', () => {
  it('maps the optimizer and the async/sync apply rule onto the PS shard config', () => {
    expect(shardConfigOf(base, 4, 1000)).to.deep.equal({
      mode: 'async',
      optimizer: { kind: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      scaleLrByStaleness: false,
      replicasToAggregate: 1,
    });
    expect(
      shardConfigOf(
        {
          ...base,
          stalenessBound: 5,
          stalenessScaledLr: true,
          optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 },
        },
        4,
        1000,
      ),
    ).to.deep.equal({
      mode: 'async',
      optimizer: { kind: 'sgd', learningRate: 0.1 },
      stalenessBound: 5,
      scaleLrByStaleness: true,
      replicasToAggregate: 1,
    });
    expect(
      shardConfigOf(
        {
          ...base,
          mode: 'sync',
          backupWorkers: 1,
          optimizer: { type: 'momentum', learningRate: 0.05, momentum: 0.8 },
        },
        4,
        1000,
      ),
    ).to.deep.equal({
      mode: 'sync',
      optimizer: { kind: 'momentum', learningRate: 0.05, momentum: 0.8 },
      scaleLrByStaleness: false,
      replicasToAggregate: 3,
      syncTimeoutMs: SYNC_TIMEOUT_MS,
    });
  });

  it('plans one step per batch of every lease (async), one per aggregated step (sync), or the given steps', () => {
    // 2 workers on 1000 examples: leases of 8 batches (256), three full and one of 232 (8 batches) per epoch.
    expect(plannedSteps(base, 1000, 2)).to.equal(2 * 32);
    // 4 workers on 300: leases of 75, each 3 batches (32 + 32 + 11): 4 leases, 12 batches per epoch.
    expect(plannedSteps(base, 300, 4)).to.equal(2 * 12);
    expect(plannedSteps({ ...base, mode: 'sync', backupWorkers: 1 }, 1000, 3)).to.equal(32);
    expect(plannedSteps({ ...base, epochs: undefined, steps: 77 }, 1000, 8)).to.equal(77);
    expect(plannedSteps({ ...base, epochs: 1 }, 1, 1)).to.equal(1);
  });

  it('adds the learning-rate schedule over the planned steps, none when it is constant', () => {
    const cosine = { ...base, lrSchedule: { decay: 'cosine' as const, warmupSteps: 4, minFactor: 0.1 } };
    expect(lrScheduleOf(cosine, 1000, 2)).to.deep.equal({
      decay: 'cosine',
      warmupSteps: 4,
      minFactor: 0.1,
      totalSteps: 64,
    });
    expect(shardConfigOf(cosine, 2, 1000).lrSchedule).to.deep.include({ totalSteps: 64 });
    expect(shardConfigOf({ ...cosine, mode: 'sync' }, 2, 1000).lrSchedule).to.deep.include({
      totalSteps: 32,
    });
    const constant = { ...base, lrSchedule: { decay: 'none' as const, warmupSteps: 0, minFactor: 0 } };
    expect(lrScheduleOf(constant, 1000, 2)).to.equal(undefined);
    expect(shardConfigOf(constant, 2, 1000)).not.to.have.property('lrSchedule');
    expect(
      lrScheduleOf({ ...constant, lrSchedule: { ...constant.lrSchedule, warmupSteps: 3 } }, 1000, 2),
    ).to.deep.include({ decay: 'none', warmupSteps: 3 });
  });

  const leases: Array<[string, TrainingParams, number, number, Record<string, unknown>]> = [
    ['8 batches per lease on a large set', base, 100_000, 4, { leaseSize: 256, epochs: 2 }],
    ['an even share when the set is small', base, 300, 2, { leaseSize: 150, epochs: 2 }],
    ['at least one batch', base, 40, 4, { leaseSize: 32 }],
    ['at least one example', { ...base, batchSize: 1 }, 4, 8, { leaseSize: 1 }],
    [
      'steps: maxSteps, and epochs past what they consume',
      { ...base, epochs: undefined, steps: 100 },
      1000,
      1,
      { maxSteps: 100, epochs: 5 },
    ],
    [
      'sync steps consume a batch per aggregated worker',
      { ...base, mode: 'sync', epochs: undefined, steps: 100, backupWorkers: 1 },
      1000,
      3,
      { maxSteps: 100, epochs: 8 },
    ],
  ];
  for (const [what, t, n, workers, expected] of leases) {
    it(`lease book: ${what}`, () => {
      const book = leaseBookOf(t, n, workers);
      expect(book).to.include({ datasetSize: n, leaseTimeoutMs: LEASE_TIMEOUT_MS, ...expected });
      if (t.steps === undefined) expect(book).not.to.have.property('maxSteps');
    });
  }

  it('derives one seed per job, the same in every process', () => {
    expect(jobSeed('job-1')).to.equal(jobSeed('job-1'));
    expect(jobSeed('job-1')).not.to.equal(jobSeed('job-2'));
    expect(jobSeed('job-1')).to.be.within(0, 2 ** 32 - 1);
  });

  it('puts a job under its own directory, relative dirs under the checkpoint root', () => {
    expect(jobPaths('/var/nodal', { checkpointDir: 'checkpoints', jobId: 'j1' })).to.deep.equal({
      jobDir: '/var/nodal/checkpoints/j1',
      modelDir: '/var/nodal/checkpoints/j1/model',
    });
    expect(jobPaths('/var/nodal', { checkpointDir: '/shared/ckpt', jobId: 'j1' }).jobDir).to.equal(
      '/shared/ckpt/j1',
    );
  });
});
