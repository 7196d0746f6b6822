import { expect } from 'chai';
import type { TrainingParams } from '../../../executor/main/task-config.js';
import {
  jobPaths,
  jobSeed,
  LEASE_TIMEOUT_MS,
  leaseBookOf,
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
    expect(shardConfigOf(base, 4)).to.deep.equal({
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
      ),
    ).to.deep.equal({
      mode: 'sync',
      optimizer: { kind: 'momentum', learningRate: 0.05, momentum: 0.8 },
      scaleLrByStaleness: false,
      replicasToAggregate: 3,
      syncTimeoutMs: SYNC_TIMEOUT_MS,
    });
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
