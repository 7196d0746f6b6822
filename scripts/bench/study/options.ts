// The study's command line, parsed into a frozen options object with the defaults of a full or a quick
// run filled in. Pure.
import { NodalError } from '../../../config/errors.js';
import { LR_DECAYS, type LrDecay } from '../../../executor/ps/schedule.js';
import { VARIANTS, type Variant } from './scenarios.js';

/** Parts of the study that can be left out (`--skip`). */
export const PARTS = ['runs', 'profile', 'comm'] as const;
export type Part = (typeof PARTS)[number];

export interface StudyOptions {
  /** Directory of PCam files; undefined: a synthetic set. */
  readonly data?: string;
  /** Reports go to `<out>/<timestamp>/`. */
  readonly out: string;
  /** Examples every run trains on (the synthetic train split has exactly this many). */
  readonly train: number;
  /** Synthetic validation and test split sizes. */
  readonly valid: number;
  readonly test: number;
  readonly seed: number;
  readonly quick: boolean;
  readonly workers: readonly number[];
  readonly variants: readonly Variant[];
  readonly skip: readonly Part[];
  readonly batchSize: number;
  readonly learningRate: number;
  /** Passes over the training examples in every run. */
  readonly epochs: number;
  /** The learning-rate decay of every run (the job spec's training.lrSchedule.decay). */
  readonly lrDecay: LrDecay;
  /** Staleness-aware async: pushes staler than this are recomputed. */
  readonly stalenessBound: number;
  /** A run that has not ended after this long fails the study. */
  readonly runTimeoutMs: number;
}

export const USAGE = `usage: node dist/scripts/bench/study.js [--data DIR] [--out reports/study] [--train N] [--quick]
  [--workers 1,2,4,8] [--variants async,async-plain,sync] [--skip runs,profile,comm] [--batch-size 32]
  [--learning-rate 0.001] [--epochs 2] [--lr-decay cosine|linear|none] [--staleness-bound 16] [--valid N]
  [--test N] [--seed 42]`;

const FULL = { train: 4096, valid: 512, test: 2048 };
const QUICK = { train: 512, valid: 256, test: 512 };

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new NodalError('VALIDATION', `${flag} must be a positive integer`);
  return n;
}

function list<T extends string>(v: string, flag: string, known: readonly T[]): T[] {
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((i) => !(known as readonly string[]).includes(i));
  if (bad.length || items.length === 0)
    throw new NodalError('VALIDATION', `${flag} takes a comma-separated list of ${known.join(', ')}`);
  return items as T[];
}

function oneOf<T extends string>(v: string, flag: string, known: readonly T[]): T {
  if (!(known as readonly string[]).includes(v))
    throw new NodalError('VALIDATION', `${flag} takes one of ${known.join(', ')}`);
  return v as T;
}

/** Parses argv (without node and script). Throws VALIDATION naming the flag for anything it cannot use. */
export function parseStudyArgs(argv: readonly string[]): StudyOptions {
  const given: Record<string, string> = {};
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') {
      quick = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new NodalError('VALIDATION', `unexpected argument ${a}\n${USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new NodalError('VALIDATION', `--${m[1]} needs a value`);
    given[m[1]] = value;
  }
  const sizes = quick ? QUICK : FULL;
  const known = new Set([
    'data',
    'out',
    'train',
    'valid',
    'test',
    'seed',
    'workers',
    'variants',
    'skip',
    'batch-size',
    'learning-rate',
    'epochs',
    'lr-decay',
    'staleness-bound',
  ]);
  for (const k of Object.keys(given))
    if (!known.has(k)) throw new NodalError('VALIDATION', `unknown option --${k}\n${USAGE}`);
  const workers = given.workers
    ? given.workers.split(',').map((w) => positiveInt(w.trim(), '--workers'))
    : [1, 2, 4, 8];
  if (!workers.includes(1)) throw new NodalError('VALIDATION', '--workers must include 1 (the baseline)');
  const learningRate = given['learning-rate'] !== undefined ? Number(given['learning-rate']) : 0.001;
  if (!(learningRate > 0 && learningRate <= 10))
    throw new NodalError('VALIDATION', '--learning-rate must be in (0, 10]');
  const train = given.train ? positiveInt(given.train, '--train') : sizes.train;
  const batchSize = given['batch-size'] ? positiveInt(given['batch-size'], '--batch-size') : 32;
  if (train < batchSize) throw new NodalError('VALIDATION', '--train must be at least one batch');
  return Object.freeze({
    ...(given.data !== undefined ? { data: given.data } : {}),
    out: given.out ?? 'reports/study',
    train,
    valid: given.valid ? positiveInt(given.valid, '--valid') : sizes.valid,
    test: given.test ? positiveInt(given.test, '--test') : sizes.test,
    seed: given.seed !== undefined ? positiveInt(given.seed, '--seed') : 42,
    quick,
    workers: [...new Set(workers)].sort((a, b) => a - b),
    variants: given.variants ? list(given.variants, '--variants', VARIANTS) : [...VARIANTS],
    skip: given.skip ? list(given.skip, '--skip', PARTS) : [],
    batchSize,
    learningRate,
    epochs: given.epochs ? positiveInt(given.epochs, '--epochs') : 2,
    lrDecay: given['lr-decay'] !== undefined ? oneOf(given['lr-decay'], '--lr-decay', LR_DECAYS) : 'cosine',
    stalenessBound: given['staleness-bound']
      ? positiveInt(given['staleness-bound'], '--staleness-bound')
      : 16,
    runTimeoutMs: quick ? 240_000 : 600_000,
  });
}
