import { expect } from 'chai';
import { projectAsync, projectSync } from '../../../scripts/bench/study/projection.js';
import { renderReport, studyTable, type ReportInput } from '../../../scripts/bench/study/report.js';
import { studyRows } from '../../../scripts/bench/study/summary.js';
import { run } from './builders.js';

const costs = { computeMs: [480, 500, 520], commMs: 4, applyMs: 0.8 };
const projections = [1, 2, 4, 8].map((n) => ({
  workers: n,
  async: projectAsync(costs, n),
  sync: projectSync(costs, n),
  asyncSerialPs: projectAsync({ ...costs, applyMs: 2 }, n),
}));

function input(over: Partial<ReportInput> = {}): ReportInput {
  const runs = [
    run('async', 1, { testAccuracy: 0.995 }),
    run('async', 8, { testAccuracy: 0.9935, trainSeconds: 25 }),
    run('async-plain', 8, { testAccuracy: 0.9, stalePushes: 3 }),
    run('sync', 1),
    run('sync', 8, { state: 'failed', reason: 'timed out' }),
  ];
  const rows = studyRows(
    runs,
    (s) => projections.find((p) => p.workers === s.workers)?.[s.variant === 'sync' ? 'sync' : 'async'],
    0.95,
  );
  return {
    createdAt: '2026-01-01T00:00:00.000Z',
    command: 'node dist/scripts/bench/study.js --quick',
    machine: { cpus: 2, cpuModel: 'Test CPU', memGb: 8, node: '20.19.0', backend: 'wasm' },
    data: { description: 'synthetic set', train: 4096, valid: 512, test: 2048 },
    training: {
      model: 'small-cnn',
      parameters: 27809,
      batchSize: 32,
      learningRate: 0.001,
      examples: 8192,
      epochs: 2,
      lrDecay: 'cosine',
      stalenessBound: 16,
    },
    rows,
    targetAccuracy: 0.95,
    costs: { ...costs, psCpuMs: 2, steps: 3, batchSize: 32 },
    projections,
    comm: [
      {
        model: 'small-cnn',
        parameters: 27809,
        shards: 2,
        gradientDtype: 'float16',
        clients: 8,
        bytesPerRoundTrip: 27809 * 6,
        roundTripMs: 1.5,
        pushesPerSec: 300,
        megabytesPerSec: 50,
        applyMsPerPush: 0.35,
        psCpuMsPerPush: 0.7,
      },
    ],
    compression: {
      examples: 4096,
      float32: { accuracy: 0.99, auc: 0.999, loss: 0.03 },
      float16: { accuracy: 0.9875, auc: 0.998, loss: 0.035 },
    },
    plots: [{ file: 'speedup.png', title: 'Speed-up' }],
    durationSeconds: 600,
    ...over,
  };
}

describe('scripts/bench/study report', () => {
  it('renders one table line per run with measured and projected figures', () => {
    const table = studyTable(input().rows, 0.95);
    const lines = table.split('\n');
    expect(lines).to.have.length(2 + 5);
    expect(lines[0])
      .to.include('speed-up (measured)')
      .and.include('speed-up (projected)')
      .and.include('time to 95% s');
    const async8 = lines.find((l) => l.startsWith('| async, staleness-aware | 8 |'))!;
    // 4000 examples in 25 s = 160 images/s against 100 with 1 worker.
    expect(async8).to.include('| 160.0 |').and.include('| 1.60x |').and.include('| 20.0% |');
    expect(async8).to.include(`| ${projections[3].async.speedup.toFixed(2)}x |`);
    expect(async8).to.include('| 99.35% |').and.include('| −0.15 |').and.include('| 7.00 / 10 |');
    expect(lines.find((l) => l.includes('| sync (failed: timed out) | 8 |'))).to.be.a('string');
  });

  it('states the formula, the measured inputs, and which figures are measured or projected', () => {
    const md = renderReport(input());
    expect(md).to.include('N × (t_c + t_comm) / (t_c + t_comm + (N − 1) × t_apply)');
    expect(md).to.include('t_apply (time in the PS');
    expect(md).to.include(
      'Adam lr 0.001 with cosine decay over the run, 8192 training examples (2 passes over 4096)',
    );
    expect(md).to.include('PS process CPU per push (all of it');
    // 8 workers with the whole 2 ms of PS CPU serialized: 504 / (504 + 14).
    expect(md).to.include(`| ${((504 / 518) * 100).toFixed(1)}% |`);
    expect(md).to.include('E[max of N draws of t_c]');
    expect(md).to.include('t_c (worker compute per step');
    expect(md).to.include('mean 500.0 ms, 3 samples');
    expect(md).to.include('**Measured** on this machine').and.include('**Projected**');
    expect(md).to.include('## This machine: 2 cores for up to 8 workers');
    expect(md).to.include('![Speed-up](speedup.png)');
    expect(md).to.include(
      '| small-cnn | 27,809 | 2 | float16 | 163 | 1.50 | 8 | 300 | 50.0 | 0.350 | 0.70 |',
    );
    expect(md).to.include('accuracy −0.25 pp, loss +0.0050');
  });

  it('reports whether the targets were met', () => {
    const md = renderReport(input());
    expect(md).to.match(
      /Projected async scaling efficiency at 8 workers: 9\d\.\d% \(target ≥ 95%\): \*\*met\*\*/,
    );
    expect(md).to.include('at 8 workers vs 1 worker: −0.15 pp (target: loss under 0.25 pp): **met**');
    const worse = input();
    const rows = worse.rows.map((r) => (r.key === 'async-8' ? { ...r, accuracyDeltaPp: -1 } : r));
    expect(renderReport({ ...worse, rows })).to.include('**NOT met**');
  });

  it('says what was skipped instead of inventing numbers', () => {
    const md = renderReport(input({ costs: undefined, projections: [], comm: [], compression: undefined }));
    expect(md).to.include('Not computed: the step profile was skipped.');
    expect(md).not.to.include('## Communication');
    expect(md).not.to.include('fp16 gradient compression');
  });
});
