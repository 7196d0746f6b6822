// Mesos duration strings (stout's Duration): `<number><unit>`, units ns, us, ms, secs, mins, hrs, days,
// weeks, as found in agent flags and executor environment variables (MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD).
import { NodalError } from '../../config/errors.js';

const NS_PER = {
  ns: 1,
  us: 1e3,
  ms: 1e6,
  secs: 1e9,
  mins: 60e9,
  hrs: 3600e9,
  days: 86400e9,
  weeks: 604800e9,
} as const;
type Unit = keyof typeof NS_PER;
const UNITS = Object.keys(NS_PER) as Unit[];

const NS_PER_MS = 1e6;

// stout prints doubles with 15 significant digits.
const formatNumber = (n: number): string => String(Number(n.toPrecision(15)));

/** Formats milliseconds the way the agent prints durations: in the unit of the duration's magnitude, or
 * one unit smaller when that gives a whole number and the larger unit does not (60000 → '1mins',
 * 5000 → '5secs', 1500 → '1500ms', 90000 → '90secs'). Throws NodalError('VALIDATION') for a negative
 * or non-finite value. */
export function formatMesosDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new NodalError('VALIDATION', `duration must be a finite, non-negative number of ms, got ${ms}`);
  }
  const ns = Math.round(ms * NS_PER_MS);
  // The bucket is the largest unit not exceeding the duration (ns for anything under 1us).
  let bucket = 0;
  while (bucket + 1 < UNITS.length && ns >= NS_PER[UNITS[bucket + 1]!]) bucket++;
  const unit = UNITS[bucket]!;
  if (bucket > 0 && ns % NS_PER[unit] !== 0) {
    const smaller = UNITS[bucket - 1]!;
    if (ns % NS_PER[smaller] === 0) return `${ns / NS_PER[smaller]}${smaller}`;
  }
  return `${formatNumber(ns / NS_PER[unit])}${unit}`;
}

const DURATION = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|ms|secs|mins|hrs|days|weeks)$/;

/** Parses a Mesos duration string ('5secs', '1.5mins', '100ms') into milliseconds; throws
 * NodalError('VALIDATION') for anything else (no sign, no spaces, one unit). */
export function parseMesosDuration(s: string): number {
  const m = DURATION.exec(s);
  if (!m)
    throw new NodalError('VALIDATION', `invalid Mesos duration '${s}' (expected e.g. 5secs, 100ms, 1.5mins)`);
  return (Number(m[1]) * NS_PER[m[2] as Unit]) / NS_PER_MS;
}
