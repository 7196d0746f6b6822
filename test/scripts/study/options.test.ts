import { expect } from 'chai';
import { parseJobSpec } from '../../../scheduler/core/job-spec.js';
import { STUDY_JOB_ID, stepsOf, studyJobSpec, type StudyTraining } from '../../../scripts/bench/study/job.js';
import { parseStudyArgs } from '../../../scripts/bench/study/options.js';
import { baselineKey, planScenarios, scenario } from '../../../scripts/bench/study/scenarios.js';

describe('scripts/bench/study options, scenarios and job specs', () => {
  it('fills in the full and the quick defaults', () => {
    const full = parseStudyArgs([]);
    expect(full).to.deep.include({ out: 'reports/study', train: 4096, quick: false, batchSize: 32 });
    expect(full.workers).to.deep.equal([1, 2, 4, 8]);
    expect(full.variants).to.deep.equal(['async', 'async-plain', 'sync']);
    expect(full.data).to.equal(undefined);
    // Two passes with a cosine decay: async training with 8 workers settles by the end (issue 9).
    expect(full).to.deep.include({ epochs: 2, lrDecay: 'cosine' });
    const quick = parseStudyArgs(['--quick']);
    expect(quick.train).to.be.below(full.train);
    expect(quick.runTimeoutMs).to.be.below(full.runTimeoutMs);
    expect(Object.isFrozen(quick)).to.equal(true);
  });

  it('takes a data path, sizes, worker counts, variants and parts to skip', () => {
    const o = parseStudyArgs([
      '--data',
      '/pcam',
      '--train=1024',
      '--workers',
      '4,1,4',
      '--variants',
      'sync',
      '--skip',
      'comm',
      '--out',
      'x',
      '--epochs',
      '3',
      '--lr-decay',
      'none',
    ]);
    expect(o).to.deep.include({ data: '/pcam', train: 1024, out: 'x', epochs: 3, lrDecay: 'none' });
    expect(o.workers).to.deep.equal([1, 4]);
    expect(o.variants).to.deep.equal(['sync']);
    expect(o.skip).to.deep.equal(['comm']);
  });

  it('names the flag it cannot use', () => {
    expect(() => parseStudyArgs(['--train', '0'])).to.throw(/--train must be a positive integer/);
    expect(() => parseStudyArgs(['--workers', '2,4'])).to.throw(/must include 1/);
    expect(() => parseStudyArgs(['--variants', 'hogwild'])).to.throw(/--variants takes/);
    expect(() => parseStudyArgs(['--frobnicate', '1'])).to.throw(/unknown option --frobnicate/);
    expect(() => parseStudyArgs(['--data'])).to.throw(/--data needs a value/);
    expect(() => parseStudyArgs(['--train', '16'])).to.throw(/at least one batch/);
    expect(() => parseStudyArgs(['--epochs', '0'])).to.throw(/--epochs must be a positive integer/);
    expect(() => parseStudyArgs(['--lr-decay', 'step'])).to.throw(/--lr-decay takes one of none, cosine/);
  });

  it('plans every count for async and sync, plain async only at the largest count', () => {
    expect(planScenarios([4, 1, 2], ['async', 'async-plain', 'sync']).map((s) => s.key)).to.deep.equal([
      'async-1',
      'async-2',
      'async-4',
      'async-plain-4',
      'sync-1',
      'sync-2',
      'sync-4',
    ]);
    expect(planScenarios([1], ['async-plain'])).to.deep.equal([]);
    expect(baselineKey(scenario('async-plain', 8))).to.equal('async-1');
    expect(baselineKey(scenario('sync', 8))).to.equal('sync-1');
  });

  it('writes job specs the scheduler accepts, differing only in workers and the apply rule', () => {
    const t: StudyTraining = {
      model: 'small-cnn',
      batchSize: 32,
      learningRate: 0.001,
      examples: 8192,
      epochs: 2,
      budget: 'epochs',
      lrDecay: 'cosine',
      stalenessBound: 16,
    };
    const specs = planScenarios([1, 8], ['async', 'async-plain', 'sync']).map((s) =>
      parseJobSpec(studyJobSpec(t, s, '/data', '/ckpt')),
    );
    for (const s of specs) {
      expect(s.id).to.equal(STUDY_JOB_ID);
      expect(s.data).to.deep.equal({ path: '/data' });
      expect(s.training).to.deep.include({ model: 'small-cnn', batchSize: 32, epochs: 2 });
      expect(s.training.lrSchedule).to.deep.equal({ decay: 'cosine', warmupSteps: 0, minFactor: 0 });
    }
    const [a1, a8, p8, s1, s8] = specs;
    expect(a1.roles.worker.desired).to.equal(1);
    expect(a8.training).to.deep.include({ mode: 'async', stalenessBound: 16, stalenessScaledLr: true });
    expect(p8.training).to.deep.include({ mode: 'async', stalenessBound: 0, stalenessScaledLr: false });
    expect(s8.training.mode).to.equal('sync');
    expect(s8.roles.worker).to.deep.include({ min: 8, max: 8, desired: 8 });
    // Eight validation points over the run: a sync step takes a batch from every worker.
    expect(a8.training.evalEverySteps).to.equal(32);
    expect(s8.training.evalEverySteps).to.equal(4);
    expect(s1.training.evalEverySteps).to.equal(32);
  });

  it('budgets steps when the split is larger than the examples (real PCam)', () => {
    const t: StudyTraining = {
      model: 'small-cnn',
      batchSize: 32,
      learningRate: 0.001,
      examples: 3200,
      epochs: 2,
      budget: 'steps',
      lrDecay: 'none',
      stalenessBound: 16,
    };
    expect(stepsOf(t, scenario('async', 4))).to.equal(100);
    expect(stepsOf(t, scenario('sync', 4))).to.equal(25);
    const spec = parseJobSpec(studyJobSpec(t, scenario('sync', 4), '/pcam', '/ckpt'));
    expect(spec.training.steps).to.equal(25);
    expect(spec.training.epochs).to.equal(undefined);
    expect(spec.training.lrSchedule.decay).to.equal('none');
  });
});
