// Small statistics over measured samples. Pure.
import { NodalError } from '../../../config/errors.js';

function nonEmpty(xs: readonly number[], what: string): void {
  if (xs.length === 0) throw new NodalError('VALIDATION', `${what} of no samples`);
}

/** Median; throws VALIDATION for no samples. */
export function median(xs: readonly number[]): number {
  nonEmpty(xs, 'median');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Arithmetic mean; throws VALIDATION for no samples. */
export function mean(xs: readonly number[]): number {
  nonEmpty(xs, 'mean');
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Expected maximum of `n` independent draws from the empirical distribution of `xs` (order statistics:
 * the k-th smallest of m samples is the maximum with probability (k/m)^n − ((k−1)/m)^n). With n = 1 it is
 * the mean. Throws VALIDATION for no samples or n < 1.
 */
export function expectedMaxOf(xs: readonly number[], n: number): number {
  nonEmpty(xs, 'expected maximum');
  if (!(Number.isInteger(n) && n >= 1)) throw new NodalError('VALIDATION', `draws must be >= 1, got ${n}`);
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length;
  let e = 0;
  for (let k = 1; k <= m; k++) e += s[k - 1] * ((k / m) ** n - ((k - 1) / m) ** n);
  return e;
}
