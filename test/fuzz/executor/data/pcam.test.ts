// Hostile input for the PatchCamelyon HDF5 reader: truncated files, random bytes, bit flips and splices of
// valid (plain and gzip) files, and randomly wrong layouts (shapes, dtypes, label values, counts, names).
// Opening either works (and every row then reads back whole) or throws DATA_INVALID naming the bad file;
// for a wrong layout the expected file is known and checked. Throughout, a good split opened before the
// fuzzing keeps reading back the same bytes: h5wasm is never left broken.
import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { NodalError } from '../../../../config/errors.js';
import { openPcamSplit, type PcamSplit } from '../../../../executor/data/pcam.js';
import { PATCH_BYTES, pcamPath } from '../../../../executor/data/pcam-layout.js';
import { writeSyntheticPcam } from '../../../../executor/data/synth.js';
import { fuzzLoop, type CaseContext } from '../../support/budget.js';
import { mutateBytes } from '../../support/mutate.js';
import { fuzzScale, fuzzSeed, rng, type Rng } from '../../support/prng.js';

const SEED = fuzzSeed('executor/data/pcam');
const ROWS = 6;
// Every refused file costs h5wasm a little: its throwing error handler unwinds the wasm stack by a JS
// exception, which leaks the stack space and HDF5's API context of the failed call. After about 2,250
// failures in one process h5wasm aborts, corrupts memory or hangs, and no HDF5 file in that process reads
// any more (see the fuzz report). The mocha process is shared with every other suite, so each loop here
// has a hard cap that NODAL_FUZZ_SCALE does not raise.
const FAILURE_CAP = { truncated: 150, junk: 100, mutated: 300, layouts: 300 };

type Typed = Uint8Array | Int8Array | Uint16Array | Int16Array | Int32Array | Float32Array | Float64Array;
const DTYPES: Array<[string, string, (n: number) => Typed]> = [
  ['<B', 'uint8', (n) => new Uint8Array(n)],
  ['<b', 'int8', (n) => new Int8Array(n)],
  ['<H', 'uint16', (n) => new Uint16Array(n)],
  ['<h', 'int16', (n) => new Int16Array(n)],
  ['<i', 'int32', (n) => new Int32Array(n)],
  ['<f', 'float32', (n) => new Float32Array(n)],
  ['<d', 'float64', (n) => new Float64Array(n)],
];

interface DatasetPlan {
  name: string;
  shape: number[];
  dtype: (typeof DTYPES)[number];
  /** For labels: the largest value written. */
  maxValue: number;
}

/** Reads every row of an opened split in random batches; each batch is whole or DATA_INVALID naming x. */
function readEverything(rnd: Rng, split: PcamSplit): void {
  const all = Array.from({ length: split.size }, (_, i) => i);
  for (let at = 0; at < all.length;) {
    const n = rnd.int(1, 4);
    const indices = rnd.chance(0.5)
      ? all.slice(at, at + n)
      : Array.from({ length: n }, () => rnd.int(0, split.size - 1));
    at += n;
    try {
      const b = split.readBatch(indices);
      expect(b.x.length).to.equal(indices.length * PATCH_BYTES);
      expect(
        [...b.y].every((v) => v === 0 || v === 1),
        'labels 0/1',
      ).to.equal(true);
    } catch (e) {
      expect(e, String(e)).to.be.instanceOf(NodalError);
      expect((e as NodalError).code, (e as Error).message).to.equal('DATA_INVALID');
      expect((e as Error).message).to.include(split.files.x);
      return;
    }
  }
}

/** Opens `dir`; returns the error (DATA_INVALID naming one of the two files) or undefined after reading it all. */
async function openAndRead(rnd: Rng, dir: string): Promise<NodalError | undefined> {
  let split: PcamSplit;
  try {
    split = await openPcamSplit(dir, 'train');
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(NodalError);
    const err = e as NodalError;
    expect(err.code, err.message).to.equal('DATA_INVALID');
    const named = [pcamPath(dir, 'train', 'x'), pcamPath(dir, 'train', 'y')].filter((f) =>
      err.message.includes(f),
    );
    expect(named, `names the file: ${err.message}`).to.have.length.above(0);
    expect(err.details?.file, 'details.file').to.be.oneOf([
      pcamPath(dir, 'train', 'x'),
      pcamPath(dir, 'train', 'y'),
    ]);
    return err;
  }
  try {
    expect(split.size).to.be.above(0);
    readEverything(rnd, split);
  } finally {
    split.close();
  }
  return undefined;
}

describe(`fuzz: executor/data/pcam HDF5 files (seed ${SEED})`, function () {
  this.timeout(60_000 * fuzzScale());
  let tmp: string;
  let good: { plain: string; gzip: string };
  let watched: PcamSplit;
  let watchedRows: Uint8Array;
  let caseNo = 0;

  /** A fresh split directory with the given x and y file contents. */
  function splitDir(x: Buffer, y: Buffer): string {
    const dir = join(tmp, `case${caseNo++}`);
    mkdirSync(dir);
    writeFileSync(pcamPath(dir, 'train', 'x'), x);
    writeFileSync(pcamPath(dir, 'train', 'y'), y);
    return dir;
  }

  const bytesOf = (dir: string, a: 'x' | 'y') => readFileSync(pcamPath(dir, 'train', a));

  before(async () => {
    await h5wasm.ready;
    tmp = mkdtempSync(join(tmpdir(), 'nodal-fuzz-pcam-'));
    good = { plain: join(tmp, 'good-plain'), gzip: join(tmp, 'good-gzip') };
    await writeSyntheticPcam(good.plain, { train: ROWS, valid: 0, test: 0, seed: 5 });
    await writeSyntheticPcam(good.gzip, { train: ROWS, valid: 0, test: 0, seed: 5, gzip: true });
    // Opened before any hostile file and read again after each test: "nothing already loaded is lost".
    const keep = join(tmp, 'watched');
    mkdirSync(keep);
    for (const a of ['x', 'y'] as const)
      copyFileSync(pcamPath(good.gzip, 'train', a), pcamPath(keep, 'train', a));
    watched = await openPcamSplit(keep, 'train');
    watchedRows = Uint8Array.from(watched.readBatch([...Array(ROWS).keys()]).x);
  });

  afterEach(() => {
    const again = watched.readBatch([...Array(ROWS).keys()]).x;
    expect(
      Buffer.from(again).equals(Buffer.from(watchedRows)),
      'the split opened first still reads the same',
    ).to.equal(true);
  });

  after(() => {
    watched?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the good files open and read whole (the base of every mutation)', async () => {
    for (const dir of [good.plain, good.gzip]) expect(await openAndRead(rng(SEED), dir)).to.equal(undefined);
  });

  it('every file truncated anywhere is DATA_INVALID naming it', async () => {
    await fuzzLoop(SEED, { cases: 80, ms: 5000, maxCases: FAILURE_CAP.truncated }, async (ctx) => {
      const source = ctx.rnd.pick([good.plain, good.gzip]);
      const which = ctx.rnd.pick(['x', 'y'] as const);
      const full = bytesOf(source, which);
      const cut = ctx.rnd.chance(0.3) ? ctx.rnd.int(0, 2048) : ctx.rnd.int(0, full.length - 1);
      ctx.label = `${which} of ${source} cut to ${cut} of ${full.length} bytes`;
      const x = which === 'x' ? full.subarray(0, cut) : bytesOf(source, 'x');
      const y = which === 'y' ? full.subarray(0, cut) : bytesOf(source, 'y');
      const dir = splitDir(x, y);
      const err = await openAndRead(ctx.rnd, dir);
      expect(err, 'a truncated file must be refused').to.be.instanceOf(NodalError);
      expect(err!.message).to.include(pcamPath(dir, 'train', which));
    });
  });

  it('random bytes, empty files and an HDF5 signature followed by garbage are DATA_INVALID', async () => {
    const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    await fuzzLoop(SEED + 1, { cases: 50, ms: 3000, maxCases: FAILURE_CAP.junk }, async (ctx) => {
      const junk = ctx.rnd.pick([
        () => Buffer.alloc(0),
        () => ctx.rnd.bytes(ctx.rnd.int(1, 4096)),
        () => Buffer.concat([SIGNATURE, ctx.rnd.bytes(ctx.rnd.int(0, 4096))]),
        () => Buffer.concat([SIGNATURE, Buffer.alloc(ctx.rnd.int(0, 600), 0xff)]),
      ])();
      const which = ctx.rnd.pick(['x', 'y'] as const);
      ctx.label = `${which} = ${junk.length} junk bytes`;
      const dir = splitDir(
        which === 'x' ? junk : bytesOf(good.plain, 'x'),
        which === 'y' ? junk : bytesOf(good.plain, 'y'),
      );
      const err = await openAndRead(ctx.rnd, dir);
      expect(err).to.be.instanceOf(NodalError);
      expect(err!.message).to.include(pcamPath(dir, 'train', which));
    });
  });

  it('bit flips and splices of valid files: a clean refusal or a split that reads whole', async () => {
    const outcomes = { refused: 0, opened: 0 };
    await fuzzLoop(SEED + 2, { cases: 150, ms: 8000, maxCases: FAILURE_CAP.mutated }, async (ctx) => {
      const source = ctx.rnd.pick([good.plain, good.gzip]);
      const which = ctx.rnd.pick(['x', 'y', 'both'] as const);
      const mutate = (a: 'x' | 'y') => {
        let b = bytesOf(source, a);
        if (which !== a && which !== 'both') return b;
        // Most damage lands in the metadata at the start of the file, where it matters most.
        const head = ctx.rnd.chance(0.6) ? Math.min(b.length, 4096) : b.length;
        const m = mutateBytes(ctx.rnd, b.subarray(0, head));
        b = Buffer.concat([m.bytes, b.subarray(head)]);
        return b;
      };
      ctx.label = `${which} of ${source}`;
      const err = await openAndRead(ctx.rnd, splitDir(mutate('x'), mutate('y')));
      outcomes[err ? 'refused' : 'opened']++;
    });
    expect(outcomes.refused, JSON.stringify(outcomes)).to.be.above(0);
  });

  describe('randomly wrong layouts', () => {
    function plan(rnd: Rng, role: 'x' | 'y', rows: number): DatasetPlan {
      const right = role === 'x' ? [rows, 96, 96, 3] : rnd.chance(0.5) ? [rows, 1, 1, 1] : [rows];
      const wrongShapes =
        role === 'x'
          ? [
              [rows, 96, 96, 1],
              [rows, 96, 96, 4],
              [rows, 32, 32, 3],
              [rows, 96, 96],
              [rows, 27648],
              [rows, 3, 96, 96],
              [96, 96, 3],
            ]
          : [
              [rows, 2],
              [rows, 1, 1],
              [rows, 1, 1, 2],
              [rows, 1, 1, 1, 1],
              [1, rows],
            ];
      return {
        name: rnd.chance(0.1) ? rnd.pick(['X', 'images', role === 'x' ? 'y' : 'x', 'data']) : role,
        shape: rnd.chance(0.3) ? rnd.pick(wrongShapes) : right,
        dtype: rnd.chance(0.25) ? rnd.pick(DTYPES) : DTYPES[0]!,
        maxValue: role === 'y' && rnd.chance(0.2) ? rnd.pick([2, 7, 128, 255]) : 1,
      };
    }

    function write(path: string, p: DatasetPlan, rnd: Rng): void {
      const n = p.shape.reduce((a, b) => a * b, 1);
      const data = p.dtype[2](n);
      for (let i = 0; i < n; i++) data[i] = rnd.int(0, 1);
      if (p.maxValue > 1 && n > 0) data[rnd.int(0, n - 1)] = p.maxValue;
      const f = new h5wasm.File(path, 'w');
      try {
        f.create_dataset({ name: p.name, data, shape: p.shape, dtype: p.dtype[0] });
      } finally {
        f.close();
      }
    }

    /** Why the plan is not a valid PCam file, or undefined if it is. */
    function problem(role: 'x' | 'y', p: DatasetPlan): string | undefined {
      if (p.name !== role) return 'no dataset';
      const ok =
        role === 'x'
          ? p.shape.length === 4 && p.shape[1] === 96 && p.shape[2] === 96 && p.shape[3] === 3
          : p.shape.length === 1 || (p.shape.length === 4 && p.shape.slice(1).every((d) => d === 1));
      if (!ok) return 'shape';
      if (p.dtype[1] !== 'uint8') return 'dtype';
      if (role === 'y' && p.maxValue > 1) return 'label';
      return undefined;
    }

    it('are refused with DATA_INVALID naming exactly the file at fault', async () => {
      let refused = 0;
      await fuzzLoop(
        SEED + 3,
        { cases: 120, ms: 8000, maxCases: FAILURE_CAP.layouts },
        async (ctx: CaseContext) => {
          const xRows = ctx.rnd.int(1, 4);
          const yRows = ctx.rnd.chance(0.2) ? ctx.rnd.int(1, 5) : xRows;
          const px = plan(ctx.rnd, 'x', xRows);
          const py = plan(ctx.rnd, 'y', yRows);
          const dir = join(tmp, `layout${caseNo++}`);
          mkdirSync(dir);
          write(pcamPath(dir, 'train', 'x'), px, ctx.rnd);
          write(pcamPath(dir, 'train', 'y'), py, ctx.rnd);
          ctx.label = `x ${px.name} ${px.dtype[1]} (${px.shape}), y ${py.name} ${py.dtype[1]} (${py.shape}) max ${py.maxValue}`;
          // The labels are opened first, then the images, then the counts compared (blamed on x).
          const yProblem = problem('y', py);
          const xProblem = problem('x', px);
          const rowsDiffer = px.shape[0] !== py.shape[0];
          const blamed = yProblem ? 'y' : xProblem || rowsDiffer ? 'x' : undefined;
          const err = await openAndRead(ctx.rnd, dir);
          if (!blamed) {
            expect(err, 'a valid layout must open').to.equal(undefined);
            return;
          }
          refused++;
          expect(err, `refused for ${yProblem ?? xProblem ?? 'row counts'}`).to.be.instanceOf(NodalError);
          expect(err!.message).to.include(pcamPath(dir, 'train', blamed));
          expect(err!.details?.file).to.equal(pcamPath(dir, 'train', blamed));
        },
      );
      expect(refused).to.be.above(0);
    });
  });
});
