// The training acceptance test: a full job on the embedded cluster — 1 PS, 2 workers, an evaluator, real
// `nodal executor` processes on the WASM backend — reaches at least 90% validation accuracy on synthetic
// PatchCamelyon data, sees every training example exactly once per epoch, and exports the model.
import { expect } from 'chai';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { startLocalSystem, waitFor, type LocalSystem } from '../../helpers/local-system.js';

const DEFAULT_JOB = JSON.parse(
  readFileSync(new URL('../../../../config/jobs/default.json', import.meta.url), 'utf8'),
) as { training: Record<string, unknown> & { mode: string } };

describe('training a job on the embedded cluster @integration', function () {
  this.timeout(300_000);
  let system: LocalSystem | undefined;
  afterEach(async () => {
    const left = await system?.stop();
    system = undefined;
    expect(left ?? [], 'processes left behind').to.deep.equal([]);
  });

  it('1 PS, 2 workers and an evaluator reach >= 90% validation accuracy and export the model', async () => {
    expect(DEFAULT_JOB.training.mode, 'the default job trains asynchronously').to.equal('async');
    system = await startLocalSystem();
    // The default job's data size (config/jobs/default.json): 2 epochs of 2,048 examples.
    const train = 2048;
    const epochs = 2;
    const spec = {
      id: 'acceptance',
      data: { synthetic: { train, valid: 256, test: 256, seed: 11 } },
      checkpoint: { dir: join(system.workDir, 'checkpoints') },
      roles: {
        ps: { count: 1, cpus: 0.5, mem: 512 },
        worker: { min: 1, max: 2, desired: 2, cpus: 1, mem: 1024 },
        evaluator: { count: 1, cpus: 0.5, mem: 512 },
      },
      // The default job's training settings as shipped: async, staleness-aware, cosine decay.
      training: { ...DEFAULT_JOB.training, epochs },
    };
    const facade = system.scheduler.facade;
    await facade.submitJob(spec);
    const job = await waitFor(
      'the job to end',
      () => {
        const j = facade.getJob('acceptance');
        return ['succeeded', 'failed', 'killed'].includes(j.state) ? j : undefined;
      },
      270_000,
    );
    expect(job.state, job.reason).to.equal('succeeded');
    expect(job.valAccuracy, 'validation accuracy').to.be.at.least(0.9);
    expect(job.progress.testAccuracy, 'test accuracy').to.be.at.least(0.9);
    // Dynamic sharding: every example exactly once per epoch, however the workers interleaved.
    expect(job.examplesSeen).to.equal(train * epochs);
    expect(job.history.valAccuracy.length).to.be.greaterThan(0);
    expect(job.progress.modelPath, 'model path').to.be.a('string');
    expect(existsSync(join(job.progress.modelPath!, 'model.json'))).to.equal(true);
  });
});
