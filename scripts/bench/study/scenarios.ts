// The runs of the study: which training variant with how many workers. Pure.
//
// Every run trains the same model on the same data for the same examples with the same job id (the seed
// of initial weights, permutation and augmentation); only the number of workers and the PS apply rule
// change. Async comes in two variants: staleness-aware (the default: a staleness bound and a learning rate
// scaled by staleness) and plain (neither), the latter only where staleness exists (more than one worker).

/** How the PS applies pushes in a run. */
export type Variant = 'async' | 'async-plain' | 'sync';

export const VARIANTS: readonly Variant[] = ['async', 'async-plain', 'sync'];

/** One run of the study. */
export interface Scenario {
  /** Stable key: `<variant>-<workers>`. */
  readonly key: string;
  readonly variant: Variant;
  readonly workers: number;
}

/** What the report calls a variant. */
export const VARIANT_LABEL: Record<Variant, string> = {
  async: 'async, staleness-aware',
  'async-plain': 'async, plain',
  sync: 'sync',
};

/**
 * The 1-worker run a scenario is compared with (speed-up, accuracy difference). With one worker there is
 * no staleness, so plain async is the same computation as staleness-aware async and shares its baseline.
 */
export function baselineKey(s: Pick<Scenario, 'variant'>): string {
  return s.variant === 'sync' ? 'sync-1' : 'async-1';
}

export const scenario = (variant: Variant, workers: number): Scenario => ({
  key: `${variant}-${workers}`,
  variant,
  workers,
});

/**
 * The runs for `workerCounts` (ascending, 1 first so baselines exist) and the chosen variants: every count
 * for async and sync, plain async only at the largest count (where staleness is largest).
 */
export function planScenarios(workerCounts: readonly number[], variants: readonly Variant[]): Scenario[] {
  const counts = [...new Set(workerCounts)].sort((a, b) => a - b);
  const out: Scenario[] = [];
  const largest = counts[counts.length - 1];
  for (const v of variants) {
    if (v === 'async-plain') {
      if (largest !== undefined && largest > 1) out.push(scenario(v, largest));
      continue;
    }
    for (const n of counts) out.push(scenario(v, n));
  }
  return out;
}
