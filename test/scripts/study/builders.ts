// Builders for the study's pure-core tests: run measurements with only what a test cares about set.
import type { AccuracyPoint, RunMeasurement } from '../../../scripts/bench/study/measurements.js';
import { scenario, type Variant } from '../../../scripts/bench/study/scenarios.js';

export function run(
  variant: Variant,
  workers: number,
  over: Partial<Omit<RunMeasurement, 'scenario'>> = {},
): RunMeasurement {
  return {
    scenario: scenario(variant, workers),
    state: 'succeeded',
    wallSeconds: 60,
    trainSeconds: 40,
    trainedExamples: 4000,
    examples: 4096,
    steps: 128,
    testAccuracy: 0.99,
    testAuc: 0.999,
    testLoss: 0.03,
    stalenessMean: workers - 1,
    stalenessMax: workers + 2,
    stalePushes: 0,
    curve: [],
    ...over,
  };
}

export const curve = (...points: Array<[seconds: number, accuracy: number]>): AccuracyPoint[] =>
  points.map(([seconds, accuracy], i) => ({ seconds, accuracy, examples: (i + 1) * 512 }));
