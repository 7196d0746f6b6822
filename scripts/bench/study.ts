// `nodal bench study`: the IBM/Altoros study reproduced on the embedded cluster. The same job (data, model,
// examples, seed) runs with 1, 2, 4 and 8 workers, async (staleness-aware, and plain at the largest count)
// and sync; one profiled worker measures the step's compute and communication, with float32 and float16
// gradients; the PS's loopback bandwidth is measured for the default and the large model. The report
// (Markdown table, projection, PNG plots, raw JSON) goes to <out>/<timestamp>/.
//
// Run directly: node dist/scripts/bench/study.js [--data DIR] [--out reports/study] [--train N] [--quick]
//   (see --help for the rest)
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NodalError } from '../../config/errors.js';
import { defaultLogger } from '../../config/logger.js';
import { selectBackend } from '../../executor/backend/index.js';
import { buildModel, parameterCount, variableSpecs, type ModelName } from '../../executor/model/index.js';
import type { VariableSpec } from '../../executor/ps/specs.js';
import { timeToAccuracyPlot, speedupPlot } from './study/charts.js';
import { runOnCluster } from './study/cluster-run.js';
import { fileLogger } from './study/file-log.js';
import { measureCommunication, type CommCase } from './study/comm.js';
import { prepareStudyData, type StudyData } from './study/data.js';
import { STUDY_JOB_ID, studyJobSpec, type StudyTraining } from './study/job.js';
import type { CommMeasurement, CompressionEffect, RunMeasurement } from './study/measurements.js';
import { USAGE, parseStudyArgs, type StudyOptions } from './study/options.js';
import { encodePng, renderPlot } from './study/plot.js';
import { profiledRun, type ProfiledRun } from './study/profile.js';
import { projectAsync, projectSync } from './study/projection.js';
import { renderReport, studyTable, type MeasuredCosts } from './study/report.js';
import { VARIANT_LABEL, planScenarios } from './study/scenarios.js';
import { median } from './study/stats.js';
import { targetAccuracyOf, studyRows } from './study/summary.js';
import { jobSeed } from '../../executor/main/training-plan.js';

const MODEL: ModelName = 'small-cnn';
const LARGE_MODEL: ModelName = 'large-cnn';

export interface StudyResult {
  readonly dir: string;
  readonly reportPath: string;
  readonly table: string;
}

const say = (s: string): void => void process.stdout.write(s + '\n');

function specsOf(name: ModelName): VariableSpec[] {
  const m = buildModel(name, { seed: 1 });
  try {
    return variableSpecs(m);
  } finally {
    m.dispose();
  }
}

async function runAll(
  o: StudyOptions,
  data: StudyData,
  training: StudyTraining,
  dir: string,
): Promise<RunMeasurement[]> {
  const scenarios = planScenarios(o.workers, o.variants);
  const runs: RunMeasurement[] = [];
  for (const [i, s] of scenarios.entries()) {
    const workDir = join(dir, 'runs', s.key);
    const started = performance.now();
    say(`[${i + 1}/${scenarios.length}] ${VARIANT_LABEL[s.variant]}, ${s.workers} worker(s)…`);
    const r = await runOnCluster({
      scenario: s,
      spec: studyJobSpec(training, s, data.dir, join(workDir, 'checkpoints')),
      examples: training.examples,
      examplesPerStep: training.batchSize * (s.variant === 'sync' ? s.workers : 1),
      workDir,
      timeoutMs: o.runTimeoutMs,
      logger: fileLogger(join(workDir, 'run.log')),
    });
    runs.push(r);
    say(
      `    ${r.state} in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
        `${(r.trainedExamples / r.trainSeconds).toFixed(1)} images/s, test accuracy ` +
        `${r.testAccuracy === undefined ? '–' : (r.testAccuracy * 100).toFixed(2) + '%'}, staleness mean ` +
        `${r.stalenessMean?.toFixed(2) ?? '–'} max ${r.stalenessMax ?? '–'}`,
    );
  }
  return runs;
}

async function profileBoth(
  data: StudyData,
  training: StudyTraining,
): Promise<{ fp32: ProfiledRun; fp16: ProfiledRun }> {
  const base = {
    dataDir: data.dir,
    model: training.model,
    batchSize: training.batchSize,
    learningRate: training.learningRate,
    // One pass: the profile times steps and compares gradient encodings, it need not train to the end.
    examples: training.examples / training.epochs,
    seed: jobSeed(STUDY_JOB_ID),
    warmupSteps: 3,
  };
  say('step profile: one worker, float32 gradients…');
  const fp32 = await profiledRun({ ...base, gradientDtype: 'float32' });
  say(`    ${fp32.seconds.toFixed(1)} s, test accuracy ${(fp32.test.accuracy * 100).toFixed(2)}%`);
  say('step profile: one worker, float16 gradients…');
  const fp16 = await profiledRun({ ...base, gradientDtype: 'float16' });
  say(`    ${fp16.seconds.toFixed(1)} s, test accuracy ${(fp16.test.accuracy * 100).toFixed(2)}%`);
  return { fp32, fp16 };
}

async function communication(o: StudyOptions): Promise<CommMeasurement[]> {
  const shardCounts = o.quick ? [1, 2] : [1, 2, 4];
  const cases: CommCase[] = [];
  for (const [model, specs] of [
    [MODEL, specsOf(MODEL)],
    [LARGE_MODEL, specsOf(LARGE_MODEL)],
  ] as const)
    for (const shards of shardCounts) cases.push({ model, specs, shards, dtypes: ['float32', 'float16'] });
  say('communication: PS push + pull on loopback…');
  return measureCommunication(
    cases,
    { latencyRoundTrips: o.quick ? 10 : 30, loadMs: o.quick ? 1_000 : 2_500, clients: 8 },
    (m) =>
      say(
        `    ${m.model}, ${m.shards} shard(s), ${m.gradientDtype}: round trip ${m.roundTripMs.toFixed(2)} ms, ` +
          `${m.pushesPerSec.toFixed(0)} pushes/s per shard, ${m.megabytesPerSec.toFixed(1)} MB/s`,
      ),
  );
}

/** Runs the whole study and writes its report; resolves with where it went. */
export async function runStudy(o: StudyOptions, argv: readonly string[] = []): Promise<StudyResult> {
  const began = performance.now();
  const logger = defaultLogger('warn');
  const dir = resolve(o.out, new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  say(`nodal study: report in ${dir}`);
  const data = await prepareStudyData(
    o.data,
    { train: o.train, valid: o.valid, test: o.test, seed: o.seed },
    logger,
  );
  const backend = await selectBackend('auto', logger);
  const training: StudyTraining = {
    model: MODEL,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    examples: (data.synthetic ? data.sizes.train : o.train) * o.epochs,
    epochs: o.epochs,
    budget: data.synthetic ? 'epochs' : 'steps',
    lrDecay: o.lrDecay,
    stalenessBound: o.stalenessBound,
  };

  const runs = o.skip.includes('runs') ? [] : await runAll(o, data, training, dir);
  const profiled = o.skip.includes('profile') ? undefined : await profileBoth(data, training);
  const comm = o.skip.includes('comm') ? [] : await communication(o);

  const costs: MeasuredCosts | undefined = profiled && {
    computeMs: profiled.fp32.profile.computeMs,
    commMs: median(profiled.fp32.profile.commMs),
    applyMs: profiled.fp32.profile.applyMsPerPush,
    psCpuMs: profiled.fp32.profile.psCpuMsPerPush,
    steps: profiled.fp32.profile.computeMs.length,
    batchSize: training.batchSize,
  };
  const projections = costs
    ? o.workers.map((n) => ({
        workers: n,
        async: projectAsync(costs, n),
        sync: projectSync(costs, n),
        // The bound for a PS whose every CPU cycle per push were serialized (one thread does it all).
        asyncSerialPs: projectAsync({ ...costs, applyMs: costs.psCpuMs }, n),
      }))
    : [];
  const projectionOf = (s: { variant: string; workers: number }) => {
    const p = projections.find((x) => x.workers === s.workers);
    return p && (s.variant === 'sync' ? p.sync : p.async);
  };
  const targetAccuracy = targetAccuracyOf(runs);
  const rows = studyRows(runs, projectionOf, targetAccuracy);
  const compression: CompressionEffect | undefined = profiled && {
    examples: training.examples / training.epochs,
    float32: profiled.fp32.test,
    float16: profiled.fp16.test,
  };

  const plots: Array<{ file: string; title: string }> = [];
  if (runs.length) {
    const spec = timeToAccuracyPlot(runs, targetAccuracy);
    writeFileSync(join(dir, 'time-to-accuracy.png'), encodePng(renderPlot(spec)));
    plots.push({ file: 'time-to-accuracy.png', title: spec.title });
  }
  if (projections.length || rows.some((r) => r.speedup !== undefined)) {
    const spec = speedupPlot(rows, projections);
    writeFileSync(join(dir, 'speedup.png'), encodePng(renderPlot(spec)));
    plots.push({ file: 'speedup.png', title: spec.title });
  }
  const report = renderReport({
    createdAt: new Date().toISOString(),
    command: ['node dist/scripts/bench/study.js', ...argv].join(' '),
    machine: {
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
      memGb: os.totalmem() / 1024 ** 3,
      node: process.versions.node,
      backend: backend.name,
    },
    data: {
      description: data.synthetic
        ? `synthetic PatchCamelyon-layout set (seed ${o.seed}) in ${data.dir}`
        : `PatchCamelyon files in ${data.dir}`,
      ...data.sizes,
    },
    training: {
      model: training.model,
      parameters: parameterCount(specsOf(training.model)),
      batchSize: training.batchSize,
      learningRate: training.learningRate,
      examples: training.examples,
      epochs: training.epochs,
      lrDecay: training.lrDecay,
      stalenessBound: training.stalenessBound,
    },
    rows,
    ...(targetAccuracy !== undefined ? { targetAccuracy } : {}),
    ...(costs ? { costs } : {}),
    projections,
    comm,
    ...(compression ? { compression } : {}),
    plots,
    durationSeconds: (performance.now() - began) / 1000,
  });
  const reportPath = join(dir, 'report.md');
  writeFileSync(reportPath, report);
  writeFileSync(
    join(dir, 'results.json'),
    JSON.stringify({ options: o, runs, profile: profiled, comm, projections }, null, 2),
  );
  const table = studyTable(rows, targetAccuracy);
  return { dir, reportPath, table };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    say(USAGE);
  } else {
    let options: StudyOptions;
    try {
      options = parseStudyArgs(argv);
    } catch (e) {
      process.stderr.write(`bench study: ${(e as Error).message}\n`);
      process.exit(2);
    }
    runStudy(options, argv).then(
      (r) => {
        say(`\n${r.table}\n\nreport: ${r.reportPath}`);
        // gRPC channels and the tfjs engine may keep handles open: the study is done.
        process.exit(0);
      },
      (e: unknown) => {
        process.stderr.write(`bench study: ${e instanceof NodalError ? e.message : (e as Error).stack}\n`);
        process.exit(1);
      },
    );
  }
}
