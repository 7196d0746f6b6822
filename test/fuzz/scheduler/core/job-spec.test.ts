// Hostile input for the job-spec validator: random values and the shipped specs of config/jobs mutated
// (type swaps, unknown keys, non-finite and extreme numbers, deletions, deep and huge values). The
// validator either returns a spec whose numbers are all finite and non-negative, or throws VALIDATION
// listing every problem with a path; a mutation at a known place is reported at that place; the input is
// never modified.
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { NodalError } from '../../../../config/errors.js';
import { parseJobSpec, type JobSpec } from '../../../../scheduler/core/job-spec.js';
import { fuzzLoop, timed } from '../../support/budget.js';
import {
  differentKind,
  dotted,
  getAt,
  hostileValue,
  kindOf,
  nodePaths,
  randomJson,
  randomText,
  setAt,
  type PathPart,
} from '../../support/mutate.js';
import { fuzzScale, fuzzSeed } from '../../support/prng.js';

const SEED = fuzzSeed('scheduler/core/job-spec');
const JOBS_DIR = new URL('../../../../../config/jobs/', import.meta.url);
const BASES: Array<[string, unknown]> = readdirSync(JOBS_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(new URL(f, JOBS_DIR), 'utf8')) as unknown]);

interface SpecErrorItem {
  path: string;
  message: string;
}

/** Parses `raw`; checks the outcome's contract and returns the reported errors (empty on success). */
function check(raw: unknown): SpecErrorItem[] {
  // The deep values the mutators make stay well inside JSON.stringify's recursion limit.
  const before = JSON.stringify(raw);
  const t = timed(() => parseJobSpec(raw));
  expect(t.ms, 'parse time (ms)').to.be.below(2000);
  expect(JSON.stringify(raw), 'the input must not be modified').to.equal(before);
  if (t.error === undefined) {
    expectSane(t.value!);
    return [];
  }
  const e = t.error;
  expect(e, `threw ${String(e)}`).to.be.instanceOf(NodalError);
  expect((e as NodalError).code).to.equal('VALIDATION');
  const errors = (e as NodalError).details?.errors as SpecErrorItem[];
  expect(errors, 'details.errors').to.be.an('array').with.length.above(0);
  for (const item of errors) {
    expect(item.path).to.be.a('string');
    expect(item.message).to.be.a('string').with.length.above(0);
  }
  expect((e as Error).message).to.match(/^invalid job spec: /);
  return errors;
}

/** A returned spec holds no NaN, no infinity and no negative number anywhere. */
function expectSane(spec: JobSpec): void {
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number') expect(Number.isFinite(v) && v >= 0, `${path} = ${v}`).to.equal(true);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(spec, 'spec');
  expect(spec.name).to.be.a('string').with.length.above(0);
}

/** True when an error is reported at `path`, inside it, or at a non-root place that contains it. */
function reportedAt(errors: SpecErrorItem[], path: readonly PathPart[]): boolean {
  const p = dotted(path);
  return errors.some(
    (e) =>
      e.path === p ||
      e.path.startsWith(`${p}.`) ||
      e.path.startsWith(`${p}[`) ||
      (e.path !== '' && (p.startsWith(`${e.path}.`) || p.startsWith(`${e.path}[`))),
  );
}

const summary = (errors: SpecErrorItem[]) => errors.map((e) => `${e.path}: ${e.message}`).join('; ');

describe(`fuzz: scheduler/core/job-spec (seed ${SEED})`, function () {
  this.timeout(30_000 * fuzzScale());

  it('the shipped specs are valid (the base of every mutation)', () => {
    expect(BASES.length).to.be.at.least(1);
    for (const [file, spec] of BASES) expect(check(spec), file).to.deep.equal([]);
  });

  it('anything but an object is one error at the root', async () => {
    await fuzzLoop(SEED, { cases: 500, ms: 2000 }, (ctx) => {
      let raw: unknown = ctx.rnd.chance(0.5) ? randomJson(ctx.rnd, 3) : hostileValue(ctx.rnd);
      if (kindOf(raw) === 'object') raw = [raw];
      ctx.label = `${kindOf(raw)} ${String(JSON.stringify(raw)).slice(0, 60)}`;
      expect(check(raw)).to.deep.equal([{ path: '', message: 'must be a JSON object' }]);
    });
    expect(check(undefined)).to.deep.equal([{ path: '', message: 'must be a JSON object' }]);
  });

  it('a value of the wrong kind anywhere is reported at its path', async () => {
    await fuzzLoop(SEED + 1, { cases: 1500, ms: 4000 }, (ctx) => {
      const [file, base] = ctx.rnd.pick(BASES);
      const path = ctx.rnd.pick(nodePaths(base).filter((p) => p.length > 0));
      const next = differentKind(ctx.rnd, getAt(base, path));
      ctx.label = `${file}: ${dotted(path)} = ${String(JSON.stringify(next)).slice(0, 60)}`;
      const errors = check(setAt(base, path, next));
      expect(reportedAt(errors, path), summary(errors)).to.equal(true);
    });
  });

  it('an unknown key anywhere is reported by its full path', async () => {
    const KEYS = [
      '__proto__',
      'constructor',
      'toString',
      'Cpus',
      'memory',
      'cpu',
      'worker_count',
      'learning_rate',
      '',
    ];
    await fuzzLoop(SEED + 2, { cases: 1000, ms: 3000 }, (ctx) => {
      const [file, base] = ctx.rnd.pick(BASES);
      const objects = nodePaths(base).filter((p) => kindOf(getAt(base, p)) === 'object');
      const at = ctx.rnd.pick(objects);
      const key = ctx.rnd.chance(0.5) ? ctx.rnd.pick(KEYS) : `x-${randomText(ctx.rnd, 8)}`;
      ctx.label = `${file}: ${JSON.stringify(key)} at ${dotted(at) || '(root)'}`;
      const errors = check(setAt(base, [...at, key], randomJson(ctx.rnd, 2)));
      // An empty key cannot be spelled in a dotted path: the checker reports it at its object.
      const where = key === '' ? dotted(at) : dotted([...at, key]);
      expect(
        errors.some((e) => e.path === where && e.message === 'is not a known key'),
        summary(errors),
      ).to.equal(true);
    });
  });

  it('NaN and infinities in any number are reported at their path; other extremes are clean', async () => {
    const EXTREMES = [
      -1,
      -0,
      0,
      0.5,
      1.5,
      2 ** 31,
      2 ** 53 + 2,
      1e308,
      -1e308,
      5e-324,
      Number.MAX_SAFE_INTEGER,
    ];
    await fuzzLoop(SEED + 3, { cases: 1500, ms: 4000 }, (ctx) => {
      const [file, base] = ctx.rnd.pick(BASES);
      const numbers = nodePaths(base).filter((p) => typeof getAt(base, p) === 'number');
      const path = ctx.rnd.pick(numbers);
      const nonFinite = ctx.rnd.chance(0.3);
      const value = nonFinite ? ctx.rnd.pick([NaN, Infinity, -Infinity]) : ctx.rnd.pick(EXTREMES);
      ctx.label = `${file}: ${dotted(path)} = ${value}`;
      const errors = check(setAt(base, path, value));
      if (nonFinite) expect(reportedAt(errors, path), summary(errors)).to.equal(true);
    });
  });

  it('random stacks of mutations (deletions, hostile, huge and deep values) only ever give clean outcomes', async () => {
    let rejected = 0;
    const cases = await fuzzLoop(SEED + 4, { cases: 1500, ms: 5000 }, (ctx) => {
      const [file, base] = ctx.rnd.pick(BASES);
      let raw: unknown = base;
      const what: string[] = [];
      for (let k = ctx.rnd.int(1, 4); k > 0; k--) {
        const paths = nodePaths(raw).filter((p) => p.length > 0 && p.length < 6);
        if (paths.length === 0) break;
        const path = ctx.rnd.pick(paths);
        if (ctx.rnd.chance(0.3)) {
          raw = setAt(raw, path, undefined);
          what.push(`delete ${dotted(path)}`);
        } else {
          raw = setAt(raw, path, hostileValue(ctx.rnd));
          what.push(`hostile ${dotted(path)}`);
        }
      }
      ctx.label = `${file}: ${what.join(', ')}`;
      if (check(raw).length > 0) rejected++;
    });
    expect(rejected, `rejected of ${cases}`).to.be.above(0);
  });

  it('a spec without data says so; a spec with both data sources says so', () => {
    const [, base] = BASES[0]!;
    expect(check(setAt(base, ['data'], undefined))).to.deep.include({ path: 'data', message: 'is required' });
    const both = setAt(base, ['data'], { path: '/d', synthetic: {} });
    expect(check(both)).to.deep.include({ path: 'data', message: 'give exactly one of path and synthetic' });
  });

  it('constraint values that are hostile regular expressions are compiled or rejected, never run away', () => {
    const [, base] = BASES.find(([f]) => f.startsWith('gpu')) ?? BASES[0]!;
    for (const value of [
      '(a+)+$',
      '(',
      '[',
      '\\',
      '(?<x>a)\\k<y>',
      'a{99999999999}',
      'x'.repeat(100_000),
      '\u0000',
    ]) {
      const raw = setAt(base, ['roles', 'worker', 'constraints'], [['hostname', 'LIKE', value]]);
      check(raw);
    }
  });
});
