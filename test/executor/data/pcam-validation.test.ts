import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { NodalError } from '../../../config/errors.js';
import { openPcamSplit } from '../../../executor/data/pcam.js';
import { pcamPath } from '../../../executor/data/pcam-layout.js';
import { writeSyntheticPcam } from '../../../executor/data/synth.js';

type Writer = { name: string; data: Uint8Array | Float32Array | Int16Array; shape: number[]; dtype: string };

function writeH5(path: string, datasets: Writer[]): void {
  const f = new h5wasm.File(path, 'w');
  for (const d of datasets) f.create_dataset(d);
  f.close();
}

const goodX = (n: number): Writer => ({
  name: 'x',
  data: new Uint8Array(n * 27648),
  shape: [n, 96, 96, 3],
  dtype: '<B',
});
const goodY = (n: number, v = (i: number) => i % 2): Writer => ({
  name: 'y',
  data: Uint8Array.from({ length: n }, (_, i) => v(i)),
  shape: [n, 1, 1, 1],
  dtype: '<B',
});

async function expectInvalid(dir: string, file: string, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    const s = await openPcamSplit(dir, 'train');
    s.close();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'openPcamSplit should throw').to.be.instanceOf(NodalError);
  const err = caught as NodalError;
  expect(err.code).to.equal('DATA_INVALID');
  expect(err.message).to.include(file);
  expect(err.message).to.match(message);
}

describe('executor/data/pcam validation', () => {
  let tmp: string;
  let valid: string;
  let n = 0;
  before(async () => {
    await h5wasm.ready;
    tmp = mkdtempSync(join(tmpdir(), 'nodal-pcam-bad-'));
    valid = join(tmp, 'valid');
    await writeSyntheticPcam(valid, { train: 24, valid: 0, test: 0, seed: 3, gzip: true });
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** A fresh split directory holding the given x and y files (writers or a copy of the valid ones). */
  function splitDir(x: Writer[] | 'valid' | null, y: Writer[] | 'valid' | null): string {
    const dir = join(tmp, `case${n++}`);
    mkdirSync(dir);
    for (const [array, spec] of [
      ['x', x],
      ['y', y],
    ] as const) {
      const path = pcamPath(dir, 'train', array);
      if (spec === 'valid') copyFileSync(pcamPath(valid, 'train', array), path);
      else if (spec) writeH5(path, spec);
    }
    return dir;
  }

  const xFile = 'camelyonpatch_level_2_split_train_x.h5';
  const yFile = 'camelyonpatch_level_2_split_train_y.h5';

  const cases: Array<{
    what: string;
    x: Writer[] | 'valid' | null;
    y: Writer[] | 'valid' | null;
    file: string;
    message: RegExp;
  }> = [
    { what: 'a missing image file', x: null, y: 'valid', file: xFile, message: /file not found/ },
    { what: 'a missing label file', x: 'valid', y: null, file: yFile, message: /file not found/ },
    {
      what: 'images of the wrong shape',
      x: [{ name: 'x', data: new Uint8Array(4 * 64 * 64 * 3), shape: [4, 64, 64, 3], dtype: '<B' }],
      y: [goodY(4)],
      file: xFile,
      message: /shape \(4,64,64,3\), expected \(N,96,96,3\)/,
    },
    {
      what: 'images without a channel axis',
      x: [{ name: 'x', data: new Uint8Array(4 * 96 * 96), shape: [4, 96, 96], dtype: '<B' }],
      y: [goodY(4)],
      file: xFile,
      message: /shape \(4,96,96\)/,
    },
    {
      what: 'float32 images',
      x: [{ name: 'x', data: new Float32Array(2 * 27648), shape: [2, 96, 96, 3], dtype: '<f' }],
      y: [goodY(2)],
      file: xFile,
      message: /dtype float32, expected uint8/,
    },
    {
      what: 'int16 labels',
      x: [goodX(2)],
      y: [{ name: 'y', data: new Int16Array([0, 1]), shape: [2, 1, 1, 1], dtype: '<h' }],
      file: yFile,
      message: /dtype int16, expected uint8/,
    },
    {
      what: 'labels of the wrong shape',
      x: [goodX(2)],
      y: [{ name: 'y', data: new Uint8Array(4), shape: [2, 2], dtype: '<B' }],
      file: yFile,
      message: /shape \(2,2\), expected \(N,1,1,1\) or \(N,\)/,
    },
    {
      what: 'label values other than 0/1',
      x: [goodX(5)],
      y: [goodY(5, (i) => (i === 3 ? 2 : 0))],
      file: yFile,
      message: /0 or 1, found 2 at row 3/,
    },
    {
      what: 'x and y with different counts',
      x: [goodX(3)],
      y: [goodY(4)],
      file: xFile,
      message: /has 3 rows but .*_y\.h5 has 4/,
    },
    {
      what: 'the image file given as the label file',
      x: 'valid',
      y: [goodX(2)],
      file: yFile,
      message: /no dataset 'y' \(it has 'x': is this the image file\?\)/,
    },
    {
      what: 'an image file without an x dataset',
      x: [{ ...goodY(2), name: 'images' }],
      y: [goodY(2)],
      file: xFile,
      message: /no dataset 'x' \(found: 'images'\)/,
    },
  ];

  for (const c of cases) {
    it(`names the file and the problem for ${c.what}`, async () => {
      await expectInvalid(splitDir(c.x, c.y), c.file, c.message);
    });
  }

  it('names the file for one that is not HDF5', async () => {
    const dir = splitDir(null, 'valid');
    writeFileSync(pcamPath(dir, 'train', 'x'), 'this is not an HDF5 file\n'.repeat(40));
    await expectInvalid(dir, xFile, /cannot open HDF5 file: file signature not found/);
  });

  it('names the file for a truncated one', async () => {
    const dir = splitDir(null, 'valid');
    const bytes = readFileSync(pcamPath(valid, 'train', 'x'));
    writeFileSync(pcamPath(dir, 'train', 'x'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectInvalid(dir, xFile, /truncated file/);
  });

  it('names the file and rows when compressed data is corrupt', async () => {
    const dir = splitDir('valid', 'valid');
    const path = pcamPath(dir, 'train', 'x');
    const bytes = readFileSync(path);
    // Overwrite the middle of the file (chunk data, past the metadata at the start) with noise.
    const start = Math.floor(statSync(path).size / 2);
    for (let i = 0; i < 4096; i++) bytes[start + i] = (i * 131) & 0xff;
    writeFileSync(path, bytes);
    const s = await openPcamSplit(dir, 'train');
    try {
      let caught: unknown;
      try {
        for (let i = 0; i < s.size; i++) s.readBatch([i]);
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(NodalError);
      expect((caught as NodalError).code).to.equal('DATA_INVALID');
      expect((caught as NodalError).message).to.match(
        new RegExp(`${xFile}: cannot read rows \\d+\\.\\.\\d+`),
      );
    } finally {
      s.close();
    }
  });
});
