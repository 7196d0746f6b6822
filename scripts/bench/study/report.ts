// The study report as Markdown: the table (measured and projected columns marked), the projection with
// its formula and inputs, this machine's per-worker figures, communication, compression and staleness,
// and whether the targets were met. Pure: every number comes from the input.
import type { CommMeasurement, CompressionEffect } from './measurements.js';
import { PROJECTION_FORMULAS, type Projection, type StepCosts } from './projection.js';
import { VARIANT_LABEL } from './scenarios.js';
import { mean } from './stats.js';
import { TARGET_ACCURACY_LOSS_PP, TARGET_EFFICIENCY, checkTargets, type StudyRow } from './summary.js';

/** The projection's inputs as measured, with the PS process's whole CPU per push and the sample count. */
export interface MeasuredCosts extends StepCosts {
  readonly psCpuMs: number;
  readonly steps: number;
  readonly batchSize: number;
}

/** Projections for one worker count; `asyncSerialPs` takes the PS's whole CPU per push as t_apply. */
export interface ProjectedRow {
  readonly workers: number;
  readonly async: Projection;
  readonly sync: Projection;
  readonly asyncSerialPs: Projection;
}

export interface ReportInput {
  readonly createdAt: string;
  readonly command: string;
  readonly machine: { cpus: number; cpuModel: string; memGb: number; node: string; backend: string };
  readonly data: { description: string; train: number; valid: number; test: number };
  readonly training: {
    model: string;
    parameters: number;
    batchSize: number;
    learningRate: number;
    examples: number;
    epochs: number;
    lrDecay: string;
    stalenessBound: number;
  };
  readonly rows: readonly StudyRow[];
  readonly targetAccuracy?: number;
  /** Step costs measured on one worker (the projection's inputs). */
  readonly costs?: MeasuredCosts;
  readonly projections: ReadonlyArray<ProjectedRow>;
  readonly comm: readonly CommMeasurement[];
  readonly compression?: CompressionEffect;
  readonly plots: ReadonlyArray<{ file: string; title: string }>;
  readonly durationSeconds: number;
}

const f = (v: number | undefined, digits = 1): string =>
  v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
const pct = (v: number | undefined, digits = 1): string =>
  v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`;
const signed = (v: number | undefined, digits = 2): string =>
  v === undefined || !Number.isFinite(v) ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The main table: one line per run. */
export function studyTable(rows: readonly StudyRow[], targetAccuracy?: number): string {
  const target = targetAccuracy === undefined ? 'target' : `${(targetAccuracy * 100).toFixed(0)}%`;
  return table(
    [
      'mode',
      'workers',
      'wall s',
      'train s',
      'images/s',
      'speed-up (measured)',
      'efficiency (measured)',
      'speed-up (projected)',
      'efficiency (projected)',
      'test accuracy',
      'Δ accuracy vs 1 worker (pp)',
      'test AUC',
      'test loss',
      'staleness mean / max',
      `time to ${target} s`,
    ],
    rows.map((r) => [
      VARIANT_LABEL[r.variant] +
        (r.state === 'succeeded' ? '' : ` (${r.state}${r.reason ? `: ${r.reason}` : ''})`),
      String(r.workers),
      f(r.wallSeconds),
      f(r.trainSeconds),
      f(r.imagesPerSec),
      r.speedup === undefined ? '–' : `${f(r.speedup, 2)}x`,
      pct(r.efficiency),
      r.projected ? `${f(r.projected.speedup, 2)}x` : '–',
      pct(r.projected?.efficiency),
      pct(r.testAccuracy, 2),
      signed(r.accuracyDeltaPp),
      f(r.testAuc, 4),
      f(r.testLoss, 4),
      r.stalenessMean === undefined ? '–' : `${f(r.stalenessMean, 2)} / ${r.stalenessMax ?? '–'}`,
      f(r.timeToTargetSeconds),
    ]),
  );
}

function projectionSection(input: ReportInput): string[] {
  const c = input.costs;
  if (!c) return ['## Projection', '', 'Not computed: the step profile was skipped.', ''];
  const tc = mean(c.computeMs);
  const share = c.commMs / (tc + c.commMs);
  return [
    '## Projection to one node per worker',
    '',
    `Inputs, measured on this machine with one worker training ${c.steps} profiled steps (batch ${c.batchSize}) through a PS shard in another process over loopback gRPC:`,
    '',
    `- t_c (worker compute per step: read, augment, forward, backward, adopt weights): mean ${f(tc)} ms, ${c.computeMs.length} samples`,
    `- t_comm (push + pull round trip, including the PS's work on it): median ${f(c.commMs, 2)} ms — ${pct(share, 2)} of a worker's step`,
    `- t_apply (time in the PS's Push handler per push: validate, apply the optimizer, build the answer): ${f(c.applyMs, 3)} ms`,
    `- PS process CPU per push (all of it: gRPC transport, protobuf, the coordinator's calls, garbage collection): ${f(c.psCpuMs, 2)} ms`,
    '',
    "Model: the PS serves pushes concurrently except for applying them to its variables, so a push finds at most the other N − 1 workers' pushes being applied ahead of it; a sync step waits for the slowest of N workers (expected maximum of N draws of the measured t_c) and for all N pushes. The last column takes the PS's whole CPU per push as t_apply: the bound for a PS that does everything on one thread.",
    '',
    `- async: \`${PROJECTION_FORMULAS.async}\``,
    `- sync: \`${PROJECTION_FORMULAS.sync}\``,
    '',
    table(
      [
        'workers',
        'async step ms',
        'async speed-up',
        'async efficiency',
        'sync step ms',
        'sync speed-up',
        'sync efficiency',
        'PS busy applying (async)',
        'async efficiency, all PS CPU serialized',
      ],
      input.projections.map((p) => [
        String(p.workers),
        f(p.async.stepMs),
        `${f(p.async.speedup, 2)}x`,
        pct(p.async.efficiency),
        f(p.sync.stepMs),
        `${f(p.sync.speedup, 2)}x`,
        pct(p.sync.efficiency),
        pct(p.async.psUtilization),
        pct(p.asyncSerialPs.efficiency),
      ]),
    ),
    '',
  ];
}

function machineSection(input: ReportInput): string[] {
  const maxWorkers = Math.max(0, ...input.rows.map((r) => r.workers));
  if (maxWorkers <= input.machine.cpus) return [];
  const c = input.costs;
  return [
    `## This machine: ${input.machine.cpus} cores for up to ${maxWorkers} workers`,
    '',
    'The embedded cluster runs every task on this machine, so with more workers than cores they share the cores: the measured speed-up above is bounded by the core count, not by the PS. Per-worker compute rate (measured, images/s per worker while all workers train) and the PS overhead per step (measured):',
    '',
    table(
      ['mode', 'workers', 'images/s per worker', 'images/s total'],
      input.rows.map((r) => [
        VARIANT_LABEL[r.variant],
        String(r.workers),
        f(r.perWorkerImagesPerSec),
        f(r.imagesPerSec),
      ]),
    ),
    '',
    ...(c
      ? [
          `PS overhead per step: ${f(c.applyMs, 3)} ms applying the push (${f(c.psCpuMs, 2)} ms of PS process CPU in all) and ${f(c.commMs, 2)} ms push + pull round trip, against ${f(mean(c.computeMs))} ms of worker compute (one worker alone: ${f((c.batchSize * 1000) / (mean(c.computeMs) + c.commMs))} images/s).`,
          '',
        ]
      : []),
  ];
}

function commSection(input: ReportInput): string[] {
  if (input.comm.length === 0) return [];
  return [
    '## Communication (measured, loopback)',
    '',
    'Workers in the study process push gradients to PS shards in their own processes and get the fresh weights back in the same call (one round trip per step). A worker pushes to all shards in parallel; tensors are raw little-endian bytes wrapped without copies on both sides; gradients can travel as float16 (half the bytes).',
    '',
    table(
      [
        'model',
        'parameters',
        'shards',
        'gradients',
        'KB per round trip',
        'round trip ms (1 worker)',
        'clients',
        'round trips/s (= pushes/s per shard)',
        'MB/s',
        'Push handler ms per push',
        'PS CPU ms per push per shard',
      ],
      input.comm.map((m) => [
        m.model,
        m.parameters.toLocaleString('en-US'),
        String(m.shards),
        m.gradientDtype,
        f(m.bytesPerRoundTrip / 1024, 0),
        f(m.roundTripMs, 2),
        String(m.clients),
        f(m.pushesPerSec, 0),
        f(m.megabytesPerSec, 1),
        f(m.applyMsPerPush, 3),
        f(m.psCpuMsPerPush, 2),
      ]),
    ),
    '',
  ];
}

function compressionSection(input: ReportInput): string[] {
  const c = input.compression;
  if (!c) return [];
  return [
    '## fp16 gradient compression: accuracy effect (measured)',
    '',
    `The same 1-worker training (${c.examples} examples, same seeds) through a PS in another process, gradients on the wire as float32 and as float16:`,
    '',
    table(
      ['gradients', 'test accuracy', 'test AUC', 'test loss'],
      [
        ['float32', pct(c.float32.accuracy, 2), f(c.float32.auc, 4), f(c.float32.loss, 4)],
        ['float16', pct(c.float16.accuracy, 2), f(c.float16.auc, 4), f(c.float16.loss, 4)],
      ],
    ),
    '',
    `Difference (float16 − float32): accuracy ${signed((c.float16.accuracy - c.float32.accuracy) * 100)} pp, loss ${signed(c.float16.loss - c.float32.loss, 4)}.`,
    '',
  ];
}

function stalenessSection(input: ReportInput): string[] {
  const aware = input.rows.filter((r) => r.variant === 'async' && r.workers > 1);
  const plain = input.rows.filter((r) => r.variant === 'async-plain');
  if (aware.length === 0 && plain.length === 0) return [];
  const line = (r: StudyRow) => [
    VARIANT_LABEL[r.variant],
    String(r.workers),
    pct(r.testAccuracy, 2),
    signed(r.accuracyDeltaPp),
    f(r.testLoss, 4),
    r.stalenessMean === undefined ? '–' : `${f(r.stalenessMean, 2)} / ${r.stalenessMax ?? '–'}`,
    r.stalePushes === undefined ? '–' : String(r.stalePushes),
  ];
  return [
    '## Staleness-aware async',
    '',
    `Staleness-aware: the PS rejects a push staler than ${input.training.stalenessBound} steps (the worker recomputes it on fresh weights) and scales each push's learning rate by 1 / max(1, staleness). Plain: neither.`,
    '',
    table(
      [
        'mode',
        'workers',
        'test accuracy',
        'Δ vs 1 worker (pp)',
        'test loss',
        'staleness mean / max',
        'pushes recomputed',
      ],
      [...aware, ...plain].map(line),
    ),
    '',
  ];
}

function targetsSection(rows: readonly StudyRow[]): string[] {
  const t = checkTargets(rows);
  const out = ['## Targets', ''];
  out.push(
    t.efficiency
      ? `- Projected async scaling efficiency at ${t.efficiency.workers} workers: ${pct(t.efficiency.value)} (target ≥ ${pct(TARGET_EFFICIENCY, 0)}): **${t.efficiency.met ? 'met' : 'NOT met'}**`
      : '- Projected efficiency: not available',
  );
  out.push(
    t.accuracy
      ? `- Test accuracy of staleness-aware async at ${t.accuracy.workers} workers vs 1 worker: ${signed(t.accuracy.deltaPp)} pp (target: loss under ${TARGET_ACCURACY_LOSS_PP} pp): **${t.accuracy.met ? 'met' : 'NOT met'}**`
      : '- Accuracy difference: not available',
  );
  out.push('');
  return out;
}

/** The whole report. */
export function renderReport(input: ReportInput): string {
  const t = input.training;
  return [
    '# nodal study: 1 to 8 workers, async and sync',
    '',
    `Generated ${input.createdAt} by \`${input.command}\` in ${f(input.durationSeconds / 60)} minutes.`,
    '',
    `Machine: ${input.machine.cpus} cores (${input.machine.cpuModel}), ${f(input.machine.memGb, 0)} GB, Node ${input.machine.node}, tfjs backend ${input.machine.backend}.`,
    `Data: ${input.data.description} (train ${input.data.train}, valid ${input.data.valid}, test ${input.data.test}).`,
    `Every run: model ${t.model} (${t.parameters.toLocaleString('en-US')} parameters), batch ${t.batchSize}, Adam lr ${t.learningRate}${t.lrDecay === 'none' ? '' : ` with ${t.lrDecay} decay over the run`}, ${t.examples} training examples (${t.epochs} ${t.epochs === 1 ? 'pass' : 'passes'} over ${t.examples / t.epochs}), the same job id (hence the same initial weights, data order and augmentation seeds), 1 PS shard and 1 evaluator, all on the embedded cluster on this machine.`,
    '',
    '## Results',
    '',
    studyTable(input.rows, input.targetAccuracy),
    '',
    "**Measured** on this machine: wall time (submission to the end of the final evaluation), train time (first to last trained batch, by the PS's step count), images/s, measured speed-up and efficiency (against the same mode with 1 worker), test accuracy, AUC and loss (the evaluator on the whole test split), staleness (the PS's own count), and time to 95% of the 1-worker run's best validation accuracy (the evaluator's reports, timed by the study). " +
      '**Projected**: speed-up and efficiency on one node per worker, from the step costs below; not measured here, because this machine has fewer cores than the largest run has workers.',
    '',
    ...projectionSection(input),
    ...machineSection(input),
    ...stalenessSection(input),
    ...commSection(input),
    ...compressionSection(input),
    ...targetsSection(input.rows),
    ...(input.plots.length
      ? ['## Plots', '', ...input.plots.map((p) => `![${p.title}](${p.file})`), '']
      : []),
  ].join('\n');
}
