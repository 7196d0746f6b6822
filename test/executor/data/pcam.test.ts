import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { isNodalError } from '../../../config/errors.js';
import { coalesceRuns, openPcamImages, openPcamSplit } from '../../../executor/data/pcam.js';
import { PATCH_BYTES, pcamPath } from '../../../executor/data/pcam-layout.js';
import { synthLabels, synthRows, writeSyntheticPcam } from '../../../executor/data/synth.js';

const row = (x: Uint8Array, k: number): Uint8Array => x.subarray(k * PATCH_BYTES, (k + 1) * PATCH_BYTES);
const equalBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

describe('executor/data/pcam', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'nodal-pcam-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  describe('coalesceRuns', () => {
    const cases: Array<[number[], Array<[number, number]>]> = [
      [[], []],
      [[4], [[4, 5]]],
      [[1, 2, 3], [[1, 4]]],
      [
        [0, 1, 5, 6, 7, 9],
        [
          [0, 2],
          [5, 8],
          [9, 10],
        ],
      ],
    ];
    for (const [input, runs] of cases) {
      it(`groups [${input.join(',')}]`, () => expect(coalesceRuns(input)).to.deep.equal(runs));
    }
  });

  describe('synthetic split round trip', () => {
    let dir: string;
    before(async () => {
      dir = join(tmp, 'plain');
      await writeSyntheticPcam(dir, { train: 40, valid: 12, test: 10, seed: 42 });
    });

    it('opens every split with its size and a balanced label count', async () => {
      for (const [split, n] of [
        ['train', 40],
        ['valid', 12],
        ['test', 10],
      ] as const) {
        const s = await openPcamSplit(dir, split);
        try {
          expect(s.size).to.equal(n);
          expect(s.positives).to.equal(n / 2);
          expect(s.files.x).to.equal(pcamPath(dir, split, 'x'));
        } finally {
          s.close();
        }
      }
    });

    it('reads exactly the rows and labels that were generated, in the order asked, repeats included', async () => {
      const s = await openPcamSplit(dir, 'train');
      try {
        const labels = synthLabels(40, 42, 'train');
        const expected = synthRows(42, 'train', labels, 0, 40);
        const indices = [7, 3, 4, 5, 39, 0, 3, 20, 21];
        const batch = s.readBatch(indices);
        expect(batch.x.length).to.equal(indices.length * PATCH_BYTES);
        expect([...batch.y]).to.deep.equal(indices.map((i) => labels[i]));
        indices.forEach((i, k) =>
          expect(equalBytes(row(batch.x, k), row(expected, i)), `row ${i}`).to.equal(true),
        );
        const lease = s.readBatch([10, 11, 12, 13]);
        expect(equalBytes(lease.x, expected.subarray(10 * PATCH_BYTES, 14 * PATCH_BYTES))).to.equal(true);
        expect(s.readBatch([]).x.length).to.equal(0);
      } finally {
        s.close();
      }
    });

    it('is deterministic for a seed and differs across seeds and splits', async () => {
      const again = join(tmp, 'again');
      const other = join(tmp, 'other');
      await writeSyntheticPcam(again, { train: 40, valid: 0, test: 0, seed: 42 });
      await writeSyntheticPcam(other, { train: 40, valid: 0, test: 0, seed: 43 });
      const all = [...Array(40).keys()];
      const [a, b, c, v] = await Promise.all([
        openPcamSplit(dir, 'train'),
        openPcamSplit(again, 'train'),
        openPcamSplit(other, 'train'),
        openPcamSplit(dir, 'valid'),
      ]);
      try {
        const ba = a.readBatch(all);
        const bb = b.readBatch(all);
        expect(equalBytes(ba.x, bb.x)).to.equal(true);
        expect(equalBytes(ba.y, bb.y)).to.equal(true);
        expect(equalBytes(ba.x, c.readBatch(all).x)).to.equal(false);
        expect(equalBytes(row(ba.x, 0), row(v.readBatch([0]).x, 0))).to.equal(false);
      } finally {
        [a, b, c, v].forEach((s) => s.close());
      }
    });

    it('rejects indices outside the split and reads after close', async () => {
      const s = await openPcamSplit(dir, 'test');
      for (const bad of [-1, 10, 1.5, Number.NaN]) {
        expect(() => s.readBatch([0, bad]), String(bad))
          .to.throw()
          .that.satisfies((e: unknown) => isNodalError(e, 'VALIDATION'));
      }
      s.close();
      s.close();
      expect(() => s.readBatch([0])).to.throw(/after close/);
      expect(() => s.readBatch([])).to.throw(/after close/);
      const images = await openPcamImages(s.files.x);
      for (const [start, end] of [
        [-1, 2],
        [3, 3],
        [5, 11],
        [0.5, 2],
      ]) {
        expect(() => images.readRows(start, end), `${start}..${end}`)
          .to.throw()
          .that.satisfies((e: unknown) => isNodalError(e, 'VALIDATION'));
      }
      expect(images.readRows(9, 10).length).to.equal(PATCH_BYTES);
      images.close();
    });
  });

  it('reads the gzip variant with the same contents', async () => {
    const plain = join(tmp, 'gz-plain');
    const gz = join(tmp, 'gz');
    await writeSyntheticPcam(plain, { train: 0, valid: 0, test: 9, seed: 5 });
    await writeSyntheticPcam(gz, { train: 0, valid: 0, test: 9, seed: 5, gzip: true });
    const images = await openPcamImages(pcamPath(gz, 'test', 'x'));
    expect(images.compression).to.equal('deflate');
    images.close();
    const [p, g] = await Promise.all([openPcamSplit(plain, 'test'), openPcamSplit(gz, 'test')]);
    try {
      const idx = [8, 0, 1, 2, 5];
      expect(equalBytes(p.readBatch(idx).x, g.readBatch(idx).x)).to.equal(true);
      expect([...g.readBatch(idx).y]).to.deep.equal([...p.readBatch(idx).y]);
    } finally {
      p.close();
      g.close();
    }
  });

  it('reads contiguous (unchunked) datasets and (N,) labels, as other writers produce', async () => {
    const dir = join(tmp, 'contiguous');
    await writeSyntheticPcam(join(tmp, 'src'), { train: 0, valid: 6, test: 0, seed: 9 });
    const src = await openPcamSplit(join(tmp, 'src'), 'valid');
    const all = src.readBatch([0, 1, 2, 3, 4, 5]);
    src.close();
    await h5wasm.ready;
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const fx = new h5wasm.File(pcamPath(dir, 'valid', 'x'), 'w');
    fx.create_dataset({ name: 'x', data: all.x, shape: [6, 96, 96, 3], dtype: '<B' });
    fx.close();
    const fy = new h5wasm.File(pcamPath(dir, 'valid', 'y'), 'w');
    fy.create_dataset({ name: 'y', data: all.y, shape: [6], dtype: '<B' });
    fy.close();
    const s = await openPcamSplit(dir, 'valid');
    try {
      const b = s.readBatch([5, 1, 2]);
      expect(equalBytes(row(b.x, 0), row(all.x, 5))).to.equal(true);
      expect([...b.y]).to.deep.equal([all.y[5], all.y[1], all.y[2]]);
    } finally {
      s.close();
    }
  });
});
