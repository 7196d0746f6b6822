import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { isNodalError } from '../../../config/errors.js';
import { DEFAULT_RESTART, parseJobSpec } from '../../../scheduler/core/job-spec.js';
import { jobSpec } from '../../builders/job-spec.js';

const jobsDir = new URL('../../../../config/jobs/', import.meta.url);

function errorsOf(raw: unknown): Array<{ path: string; message: string }> {
  try {
    parseJobSpec(raw);
  } catch (e) {
    if (isNodalError(e, 'VALIDATION'))
      return (e.details as { errors: Array<{ path: string; message: string }> }).errors;
    throw e;
  }
  return [];
}

describe('scheduler/core/job-spec', () => {
  it('fills in defaults from a minimal spec', () => {
    const spec = parseJobSpec({ data: { synthetic: {} } });
    expect(spec.name).to.equal('job');
    expect(spec.roles.ps).to.include({
      count: 1,
      cpus: 1,
      mem: 1024,
      gpus: 0,
      ports: 1,
      killGracePeriodSeconds: 60,
    });
    expect(spec.roles.ps.healthCheck.type).to.equal('tcp');
    expect(spec.roles.worker).to.include({ min: 1, max: 1, desired: 1 });
    expect(spec.roles.evaluator.count).to.equal(0);
    expect(spec.roles.worker.restart).to.deep.equal(DEFAULT_RESTART);
    expect(spec.training).to.include({
      model: 'small-cnn',
      batchSize: 32,
      mode: 'async',
      epochs: 1,
      stalenessBound: 0,
    });
    expect(spec.training.optimizer).to.deep.equal({ type: 'adam', learningRate: 0.001, momentum: 0.9 });
    // Cosine decay by default: async training with several workers ends unstable at a constant rate.
    expect(spec.training.lrSchedule).to.deep.equal({ decay: 'cosine', warmupSteps: 0, minFactor: 0 });
    expect(spec.training.gradientDtype).to.equal('float32');
    expect(spec.data).to.deep.equal({ synthetic: { train: 2048, valid: 256, test: 256, seed: 1 } });
    expect(spec.checkpoint).to.deep.equal({ dir: 'checkpoints' });
    expect(spec.psUnavailableTimeoutSeconds).to.equal(600);
  });

  it('derives worker min/max from desired', () => {
    expect(parseJobSpec({ data: { path: '/d' }, roles: { worker: { desired: 4 } } }).roles.worker).to.include(
      { min: 1, max: 4, desired: 4 },
    );
    expect(parseJobSpec({ data: { path: '/d' }, roles: { worker: { max: 3 } } }).roles.worker).to.include({
      min: 1,
      max: 3,
      desired: 3,
    });
  });

  it('parses constraints', () => {
    const spec = jobSpec()
      .constraint('worker', 'arch', 'LIKE', 'ppc64le')
      .constraint('ps', 'hostname', 'UNIQUE')
      .build();
    expect(spec.roles.worker.constraints).to.deep.equal([
      { field: 'arch', operator: 'LIKE', value: 'ppc64le' },
    ]);
    expect(spec.roles.ps.constraints).to.deep.equal([{ field: 'hostname', operator: 'UNIQUE' }]);
  });

  const bad: Array<[string, (b: ReturnType<typeof jobSpec>) => unknown, string, RegExp]> = [
    ['worker min above max', (b) => b.workers(3, 2, 2).toRaw(), 'roles.worker.min', /must be <= max/],
    ['desired above max', (b) => b.workers(1, 2, 5).toRaw(), 'roles.worker.desired', /must be <= max/],
    ['desired below min', (b) => b.workers(3, 5, 2).toRaw(), 'roles.worker.desired', /must be >= min/],
    ['unknown top-level key', (b) => b.set('colour', 'red').toRaw(), 'colour', /not a known key/],
    ['unknown nested key', (b) => b.role('ps', { cpu: 2 }).toRaw(), 'roles.ps.cpu', /not a known key/],
    ['no PS', (b) => b.ps(0).toRaw(), 'roles.ps.count', /must be >= 1/],
    ['two evaluators', (b) => b.evaluator(2 as 1).toRaw(), 'roles.evaluator.count', /must be <= 1/],
    ['fractional gpus', (b) => b.role('worker', { gpus: 0.5 }).toRaw(), 'roles.worker.gpus', /integer/],
    ['negative cpus', (b) => b.role('worker', { cpus: -1 }).toRaw(), 'roles.worker.cpus', /must be >= 0.01/],
    [
      'cpus as string',
      (b) => b.role('worker', { cpus: '2' }).toRaw(),
      'roles.worker.cpus',
      /must be a number/,
    ],
    [
      'bad operator',
      (b) => b.constraint('worker', 'arch', 'EQUALS', 'x').toRaw(),
      'roles.worker.constraints[0][1]',
      /must be one of/,
    ],
    [
      'LIKE without value',
      (b) => b.constraint('worker', 'arch', 'LIKE').toRaw(),
      'roles.worker.constraints[0][2]',
      /needs a value/,
    ],
    [
      'bad regex',
      (b) => b.constraint('worker', 'arch', 'LIKE', '(').toRaw(),
      'roles.worker.constraints[0][2]',
      /regular expression/,
    ],
    [
      'MAX_PER not a number',
      (b) => b.constraint('ps', 'rack', 'MAX_PER', 'two').toRaw(),
      'roles.ps.constraints[0][2]',
      /positive integer/,
    ],
    [
      'constraint not an array',
      (b) => b.role('ps', { constraints: ['hostname:UNIQUE'] }).toRaw(),
      'roles.ps.constraints[0]',
      /must be \[field, operator\]/,
    ],
    [
      'bad restart policy',
      (b) => b.restart('worker', { policy: 'sometimes' }).toRaw(),
      'roles.worker.restart.policy',
      /must be one of/,
    ],
    [
      'backoff max below initial',
      (b) => b.restart('worker', { backoff: { initialSeconds: 10, maxSeconds: 5 } }).toRaw(),
      'roles.worker.restart.backoff.maxSeconds',
      /initialSeconds/,
    ],
    [
      'backoff factor below 1',
      (b) => b.restart('worker', { backoff: { factor: 0.5 } }).toRaw(),
      'roles.worker.restart.backoff.factor',
      /must be >= 1/,
    ],
    [
      'both steps and epochs',
      (b) => b.set('training', { steps: 10, epochs: 1 }).toRaw(),
      'training.steps',
      /either steps or epochs/,
    ],
    [
      'unknown model',
      (b) => b.set('training', { model: 'resnet' }).toRaw(),
      'training.model',
      /must be one of/,
    ],
    [
      'unknown optimizer',
      (b) => b.set('training', { optimizer: { type: 'rmsprop' } }).toRaw(),
      'training.optimizer.type',
      /must be one of/,
    ],
    [
      'unknown learning-rate decay',
      (b) => b.set('training', { lrSchedule: { decay: 'step' } }).toRaw(),
      'training.lrSchedule.decay',
      /must be one of 'none', 'cosine', 'linear'/,
    ],
    [
      'learning-rate floor above 1',
      (b) => b.set('training', { lrSchedule: { minFactor: 1.5 } }).toRaw(),
      'training.lrSchedule.minFactor',
      /<= 1/,
    ],
    [
      'gradients in an unsupported dtype',
      (b) => b.set('training', { gradientDtype: 'int8' }).toRaw(),
      'training.gradientDtype',
      /must be one of 'float32', 'float16'/,
    ],
    [
      'fractional warm-up',
      (b) => b.set('training', { lrSchedule: { warmupSteps: 2.5 } }).toRaw(),
      'training.lrSchedule.warmupSteps',
      /integer/,
    ],
    [
      'staleness in sync mode',
      (b) => b.set('training', { mode: 'sync', stalenessBound: 3 }).toRaw(),
      'training.stalenessBound',
      /async/,
    ],
    [
      'backup workers in async mode',
      (b) => b.set('training', { backupWorkers: 1 }).toRaw(),
      'training.backupWorkers',
      /sync/,
    ],
    [
      'backup workers not below min workers',
      (b) => b.set('training', { mode: 'sync', backupWorkers: 1 }).workers(1, 1, 1).toRaw(),
      'training.backupWorkers',
      /roles.worker.min/,
    ],
    ['both data sources', (b) => b.set('data', { path: '/d', synthetic: {} }).toRaw(), 'data', /exactly one/],
    [
      'no data at all',
      (b) => {
        const r = b.toRaw();
        delete r.data;
        return r;
      },
      'data',
      /is required/,
    ],
    ['bad job id', (b) => b.id('Job_1').toRaw(), 'id', /lower-case/],
    [
      'command health check without command',
      (b) => b.role('worker', { healthCheck: { type: 'command' } }).toRaw(),
      'roles.worker.healthCheck.command',
      /required/,
    ],
    [
      'tcp health check without ports',
      (b) => b.role('worker', { ports: 0, healthCheck: { type: 'tcp' } }).toRaw(),
      'roles.worker.healthCheck.type',
      /port/,
    ],
    [
      'PS without a port',
      (b) => b.role('ps', { ports: 0, healthCheck: { type: 'none' } }).toRaw(),
      'roles.ps.ports',
      /gRPC/,
    ],
    ['roles not an object', (b) => b.set('roles', []).toRaw(), 'roles', /must be an object/],
  ];
  for (const [name, make, path, message] of bad)
    it(`rejects ${name} at ${path}`, () => {
      const errors = errorsOf(make(jobSpec()));
      const hit = errors.find((e) => e.path === path);
      expect(hit, JSON.stringify(errors)).to.not.equal(undefined);
      expect(hit!.message).to.match(message);
    });

  it('reports every problem at once in one VALIDATION error', () => {
    try {
      parseJobSpec({ data: {}, roles: { worker: { min: 5, max: 2 }, ps: { count: 0 } }, extra: 1 });
      expect.fail('should throw');
    } catch (e) {
      expect(isNodalError(e, 'VALIDATION')).to.equal(true);
      const err = e as Error & { details: { errors: unknown[] } };
      expect(err.details.errors.length).to.be.at.least(4);
      expect(err.message)
        .to.match(/^invalid job spec: /)
        .and.match(/roles\.worker\.min: must be <= max/);
    }
  });

  it('rejects a spec that is not an object', () => {
    expect(errorsOf([])).to.deep.equal([{ path: '', message: 'must be a JSON object' }]);
    expect(errorsOf(null)).to.have.length(1);
  });

  for (const file of ['default.json', 'gpu-ppc64le.json', 'sync.json'])
    it(`accepts config/jobs/${file}`, () => {
      const spec = parseJobSpec(JSON.parse(readFileSync(new URL(file, jobsDir), 'utf8')));
      expect(spec.roles.ps.count).to.be.at.least(1);
    });

  it('config/jobs/default.json is 1 PS, 2 workers, 1 evaluator of the small CNN on synthetic data', () => {
    const spec = parseJobSpec(JSON.parse(readFileSync(new URL('default.json', jobsDir), 'utf8')));
    expect([spec.roles.ps.count, spec.roles.worker.desired, spec.roles.evaluator.count]).to.deep.equal([
      1, 2, 1,
    ]);
    expect(spec.training.model).to.equal('small-cnn');
    expect(spec.data).to.have.property('synthetic');
    const { ps, worker, evaluator } = spec.roles;
    // Fits two embedded agents of 2 cores each (with 0.1 cpus of executor per task).
    expect(ps.cpus + 2 * worker.cpus + evaluator.cpus + 4 * 0.1).to.be.at.most(4);
  });

  it('config/jobs/gpu-ppc64le.json runs 8 GPU workers on ppc64le agents only', () => {
    const spec = parseJobSpec(JSON.parse(readFileSync(new URL('gpu-ppc64le.json', jobsDir), 'utf8')));
    expect(spec.roles.worker).to.include({ desired: 8, gpus: 1 });
    expect(spec.roles.worker.constraints).to.deep.include({
      field: 'arch',
      operator: 'LIKE',
      value: 'ppc64le',
    });
  });
});
