// The study's plots as plot specs: validation accuracy over time for every run, and measured against
// projected speed-up per worker count. Pure.
import type { RunMeasurement } from './measurements.js';
import { PALETTE, type PlotSpec, type Rgb, type Series } from './plot.js';
import type { ProjectedRow } from './report.js';
import { VARIANT_LABEL, type Variant } from './scenarios.js';
import type { StudyRow } from './summary.js';

const GREY: Rgb = [120, 120, 120];

const colorOfWorkers = (workers: number): Rgb =>
  PALETTE[Math.round(Math.log2(Math.max(1, workers))) % PALETTE.length];

/** Validation accuracy against seconds since submission; sync runs dashed, plain async in its own colour. */
export function timeToAccuracyPlot(runs: readonly RunMeasurement[], targetAccuracy?: number): PlotSpec {
  const series: Series[] = runs
    .filter((r) => r.curve.length > 0)
    .map((r) => ({
      label: `${VARIANT_LABEL[r.scenario.variant]}, ${r.scenario.workers} w`,
      color: r.scenario.variant === 'async-plain' ? PALETTE[4] : colorOfWorkers(r.scenario.workers),
      dashed: r.scenario.variant !== 'async',
      points: r.curve.map((p) => [p.seconds, p.accuracy] as const),
    }));
  if (targetAccuracy !== undefined && series.length > 0) {
    const end = Math.max(...series.flatMap((s) => s.points.map((p) => p[0])));
    series.push({
      label: `target ${(targetAccuracy * 100).toFixed(0)}%`,
      color: GREY,
      dashed: true,
      points: [
        [0, targetAccuracy],
        [end, targetAccuracy],
      ],
    });
  }
  const lowest = Math.min(1, ...series.flatMap((s) => s.points.map((p) => p[1])));
  return {
    title: 'Time to accuracy (measured, this machine)',
    xLabel: 'seconds since the job was submitted',
    yLabel: 'validation accuracy',
    series,
    // Accuracy ends at 1; the bottom is the lowest point rounded down to a tenth.
    y: [Math.floor(lowest * 10) / 10, 1],
  };
}

/** Speed-up against workers: ideal, measured on this machine, and projected on one node per worker. */
export function speedupPlot(
  rows: readonly StudyRow[],
  projections: ReadonlyArray<Pick<ProjectedRow, 'workers' | 'async' | 'sync'>>,
): PlotSpec {
  const measured = (v: Variant): Array<readonly [number, number]> =>
    rows
      .filter((r) => r.variant === v && r.speedup !== undefined)
      .map((r) => [r.workers, r.speedup!] as const);
  const counts = projections.map((p) => p.workers);
  const series: Series[] = [
    { label: 'linear', color: GREY, dashed: true, points: counts.map((n) => [n, n] as const) },
    {
      label: 'async projected, node per worker',
      color: PALETTE[0],
      points: projections.map((p) => [p.workers, p.async.speedup] as const),
    },
    {
      label: 'sync projected, node per worker',
      color: PALETTE[1],
      points: projections.map((p) => [p.workers, p.sync.speedup] as const),
    },
    { label: 'async measured, this machine', color: PALETTE[0], dashed: true, points: measured('async') },
    { label: 'sync measured, this machine', color: PALETTE[1], dashed: true, points: measured('sync') },
  ];
  return {
    title: 'Speed-up over one worker',
    xLabel: 'workers',
    yLabel: 'speed-up (x)',
    series: series.filter((s) => s.points.length > 0),
    y: [0, Math.max(1, ...counts)],
  };
}
