import { expect } from 'chai';
import { readTaskConfig } from '../../../executor/main/task-config.js';
import { jobEnv, taskEnv } from '../../../scheduler/core/handlers/offers.js';
import { parseJobSpec } from '../../../scheduler/core/job-spec.js';
import type { Job, TaskRecord } from '../../../scheduler/core/state.js';

const SECRET = 'job-secret-value';

/** The environment the scheduler core builds for a task of this spec (the real contract). */
function schedulerEnv(
  raw: Record<string, unknown>,
  task: { role: 'ps' | 'worker' | 'evaluator'; index: number; ports: number[] },
) {
  const spec = parseJobSpec(raw);
  const clusterSpec = {
    jobId: 'job-7',
    ps: ['10.0.0.1:31000'],
    coordinator: '10.0.0.1:31000',
    evaluator: '',
    version: 2,
  };
  const job = {
    id: 'job-7',
    spec,
    secret: SECRET,
    desiredWorkers: spec.roles.worker.desired,
    clusterSpec,
  } as unknown as Job;
  const record = { taskId: `job-7.${task.role}-${task.index}.x1`, ...task } as unknown as TaskRecord;
  return taskEnv(jobEnv(job, clusterSpec), record);
}

const SPEC = {
  id: 'job-7',
  roles: { worker: { desired: 3, max: 4 }, evaluator: { count: 1 } },
  training: { batchSize: 16, steps: 500, optimizer: { type: 'momentum', learningRate: 0.05 } },
  data: { synthetic: { train: 64, valid: 16, test: 16, seed: 4 } },
};

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('executor/main/task-config', () => {
  it('reads the environment the scheduler core builds (offers.ts taskEnv)', () => {
    const env = schedulerEnv(SPEC, { role: 'ps', index: 0, ports: [31000, 31001] });
    const c = readTaskConfig(env, 'job-7.ps-0.x1');
    expect(c).to.deep.include({
      jobId: 'job-7',
      taskId: 'job-7.ps-0.x1',
      role: 'ps',
      index: 0,
      port: 31000,
      ports: [31000, 31001],
      psCount: 1,
      secret: SECRET,
      checkpointDir: 'checkpoints',
      workers: { min: 1, max: 4, desired: 3 },
      data: { kind: 'synthetic', train: 64, valid: 16, test: 16, seed: 4 },
    });
    expect(c.clusterSpec).to.deep.equal({
      jobId: 'job-7',
      ps: ['10.0.0.1:31000'],
      coordinator: '10.0.0.1:31000',
      version: 2,
    });
    expect(c.training).to.deep.include({ model: 'small-cnn', batchSize: 16, steps: 500, mode: 'async' });
    expect(c.training.optimizer).to.deep.equal({ type: 'momentum', learningRate: 0.05, momentum: 0.9 });
    expect(c.training).not.to.have.property('epochs');
    expect(c.training.lrSchedule).to.deep.equal({ decay: 'cosine', warmupSteps: 0, minFactor: 0 });
    expect(c.training.gradientDtype).to.equal('float32');
    // The scheduler says how many evaluators the job has (ps-0 ends training itself only without one).
    expect(c.evaluators).to.equal(1);
    expect(Object.isFrozen(c)).to.equal(true);
  });

  it('reads a worker without a port and a data path', () => {
    const env = schedulerEnv(
      { ...SPEC, data: { path: '/data/pcam' } },
      { role: 'worker', index: 2, ports: [] },
    );
    const c = readTaskConfig(env, 'job-7.worker-2.x1');
    expect(c).to.deep.include({
      role: 'worker',
      index: 2,
      port: undefined,
      ports: [],
      data: { kind: 'path', path: '/data/pcam' },
    });
  });

  it('takes the evaluator count when NODAL_TRAINING carries it', () => {
    const env = schedulerEnv(SPEC, { role: 'evaluator', index: 0, ports: [31002] });
    const training = JSON.parse(env.NODAL_TRAINING!);
    const c = readTaskConfig(
      { ...env, NODAL_TRAINING: JSON.stringify({ ...training, evaluators: 1 }) },
      'job-7.evaluator-0.x1',
    );
    expect(c.evaluators).to.equal(1);
  });

  const good = schedulerEnv(SPEC, { role: 'ps', index: 0, ports: [31000] });
  const training = JSON.parse(good.NODAL_TRAINING!);
  const cases: Array<[string, Record<string, string | undefined>, string, RegExp]> = [
    ['no job id', { NODAL_JOB_ID: undefined }, 'job-7.ps-0.x1', /NODAL_JOB_ID is missing/],
    [
      'the env of another task',
      {},
      'job-7.ps-1.y',
      /NODAL_TASK_ID 'job-7.ps-0.x1' is not the launched task 'job-7.ps-1.y'/,
    ],
    [
      'an unknown role',
      { NODAL_ROLE: 'chief' },
      'job-7.ps-0.x1',
      /NODAL_ROLE must be one of ps, worker, evaluator \(got 'chief'\)/,
    ],
    [
      'a ps without a port',
      { NODAL_PORT: '', NODAL_PORTS: '' },
      'job-7.ps-0.x1',
      /NODAL_PORT is required for a ps task/,
    ],
    [
      'a shard index past the count',
      { NODAL_INDEX: '1' },
      'job-7.ps-0.x1',
      /NODAL_INDEX 1 is not a shard of 1/,
    ],
    [
      'a bad port list',
      { NODAL_PORTS: '31000,x' },
      'job-7.ps-0.x1',
      /NODAL_PORTS must be a comma-separated list/,
    ],
    [
      'a cluster spec that is not JSON',
      { NODAL_CLUSTER_SPEC: '{' },
      'job-7.ps-0.x1',
      /NODAL_CLUSTER_SPEC is not JSON/,
    ],
    [
      'a cluster spec of another job',
      {
        NODAL_CLUSTER_SPEC: JSON.stringify({
          job_id: 'other',
          ps: ['h:1'],
          coordinator: 'h:1',
          evaluator: '',
          version: 1,
        }),
      },
      'job-7.ps-0.x1',
      /NODAL_CLUSTER_SPEC is for job 'other'/,
    ],
    [
      'a spec with fewer shards than NODAL_PS_COUNT',
      { NODAL_PS_COUNT: '2' },
      'job-7.ps-0.x1',
      /lists 1 PS shard\(s\) but NODAL_PS_COUNT is 2/,
    ],
    ['no training', { NODAL_TRAINING: undefined }, 'job-7.ps-0.x1', /NODAL_TRAINING is missing/],
    [
      'both steps and epochs, a bad model and a bad learning rate',
      {
        NODAL_TRAINING: JSON.stringify({
          ...training,
          training: {
            ...training.training,
            epochs: 2,
            model: 'huge',
            optimizer: { type: 'adam', learningRate: 0, momentum: 0.9 },
          },
        }),
      },
      'job-7.ps-0.x1',
      /exactly one of steps and epochs.*optimizer\.learningRate must be a number > 0.*training\.model must be one of small-cnn, large-cnn/,
    ],
    [
      'a learning-rate schedule with an unknown decay and a negative warm-up',
      {
        NODAL_TRAINING: JSON.stringify({
          ...training,
          training: { ...training.training, lrSchedule: { decay: 'step', warmupSteps: -1, minFactor: 0 } },
        }),
      },
      'job-7.ps-0.x1',
      /lrSchedule\.decay must be one of none, cosine, linear.*lrSchedule\.warmupSteps must be an integer >= 0/,
    ],
    [
      'gradients in an unsupported dtype',
      {
        NODAL_TRAINING: JSON.stringify({
          ...training,
          training: { ...training.training, gradientDtype: 'int8' },
        }),
      },
      'job-7.ps-0.x1',
      /training\.gradientDtype must be one of float32, float16/,
    ],
    [
      'data with both path and synthetic',
      { NODAL_TRAINING: JSON.stringify({ ...training, data: { path: '/x', synthetic: {} } }) },
      'job-7.ps-0.x1',
      /NODAL_TRAINING\.data needs exactly one of path and synthetic/,
    ],
  ];
  for (const [what, change, launched, pattern] of cases) {
    it(`refuses ${what} with CONFIG_INVALID`, () => {
      const env = { ...good, ...change };
      expect(codeOf(() => readTaskConfig(env, launched))).to.equal('CONFIG_INVALID');
      expect(() => readTaskConfig(env, launched)).to.throw(pattern);
    });
  }

  it('lists every problem at once and never quotes the secret', () => {
    try {
      readTaskConfig({ NODAL_JOB_SECRET: SECRET, NODAL_ROLE: 'x', NODAL_INDEX: '-1' }, 't');
      expect.fail('should throw');
    } catch (e) {
      const err = e as Error & { details: { problems: string[] } };
      expect(err.details.problems.length).to.be.greaterThan(5);
      expect(err.message).not.to.include(SECRET);
    }
  });
});
