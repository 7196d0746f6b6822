// Bounded fuzz loops: every loop stops at an iteration count or a time budget, whichever comes first, and
// a failure names the suite seed and the case so it can be replayed.
import { fuzzScale, rng, type Rng } from './prng.js';

export interface Budget {
  /** Most cases to run (scaled by NODAL_FUZZ_SCALE). */
  cases: number;
  /** Most wall time to spend, in ms (scaled by NODAL_FUZZ_SCALE). */
  ms: number;
  /** A hard cap on cases that NODAL_FUZZ_SCALE does not raise (for targets that degrade per failure). */
  maxCases?: number;
}

/** What a case may report about itself, for the failure message. */
export interface CaseContext {
  /** The case's own PRNG (seeded from the suite PRNG, so cases replay in order). */
  rnd: Rng;
  index: number;
  /** A short description the case sets so a failure says what was sent. */
  label: string;
}

/** Wraps an assertion failure with the seed and case that produced it. */
function annotate(e: unknown, seed: number, ctx: CaseContext): Error {
  const prefix = `[fuzz seed ${seed} case ${ctx.index}${ctx.label ? `: ${ctx.label}` : ''}] `;
  if (e instanceof Error) {
    e.message = prefix + e.message;
    return e;
  }
  return new Error(prefix + String(e));
}

/**
 * Runs `body` for up to budget.cases cases or budget.ms milliseconds; resolves with the number of cases
 * run. Rejects with the first failure, its message prefixed with the seed and the case.
 */
export async function fuzzLoop(
  seed: number,
  budget: Budget,
  body: (ctx: CaseContext) => void | Promise<void>,
): Promise<number> {
  const scale = fuzzScale();
  const cases = Math.min(Math.max(1, Math.round(budget.cases * scale)), budget.maxCases ?? Infinity);
  const deadline = Date.now() + budget.ms * scale;
  const suite = rng(seed);
  let i = 0;
  for (; i < cases && (i === 0 || Date.now() < deadline); i++) {
    const ctx: CaseContext = { rnd: rng(suite.seed()), index: i, label: '' };
    try {
      await body(ctx);
    } catch (e) {
      throw annotate(e, seed, ctx);
    }
  }
  return i;
}

/** Times a synchronous call; the fuzz suites use it to show that no input makes a decoder spin. */
export function timed<T>(fn: () => T): { value?: T; error?: unknown; ms: number } {
  const t0 = performance.now();
  try {
    const value = fn();
    return { value, ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}
