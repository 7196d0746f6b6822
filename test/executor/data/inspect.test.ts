import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { PNG } from 'pngjs';
import { register } from '../../../cli/commands/data.js';
import { isNodalError } from '../../../config/errors.js';
import {
  pcamFilesAt,
  readSamples,
  renderGridPng,
  sampleIndices,
  siblingLabelsPath,
  summarizePcamFile,
} from '../../../executor/data/inspect.js';
import { PATCH_BYTES, pcamPath } from '../../../executor/data/pcam-layout.js';

/** Runs `nodal data …` in-process and returns what it printed. */
async function runData(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => {
    chunks.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['data', ...args], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

describe('executor/data/inspect and `nodal data`', () => {
  let tmp: string;
  let dir: string;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'nodal-inspect-'));
    dir = join(tmp, 'ds');
    await runData(['synth', '--out', dir, '--train', '10', '--valid', '6', '--test', '0', '--seed', '4']);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('synth writes the PCam file names for the non-empty splits', () => {
    expect(pcamFilesAt(dir).map((p) => p.slice(dir.length + 1))).to.deep.equal([
      'camelyonpatch_level_2_split_train_x.h5',
      'camelyonpatch_level_2_split_train_y.h5',
      'camelyonpatch_level_2_split_valid_x.h5',
      'camelyonpatch_level_2_split_valid_y.h5',
    ]);
  });

  it('summarises image and label files', async () => {
    expect(await summarizePcamFile(pcamPath(dir, 'train', 'x'))).to.deep.include({
      kind: 'images',
      shape: [10, 96, 96, 3],
      dtype: 'uint8',
      rows: 10,
      compression: 'none',
    });
    expect(await summarizePcamFile(pcamPath(dir, 'valid', 'y'))).to.deep.include({
      kind: 'labels',
      shape: [6, 1, 1, 1],
      rows: 6,
      positives: 3,
      negatives: 3,
    });
  });

  it('spreads samples evenly and pairs image files with their label files', () => {
    expect(sampleIndices(10, 4)).to.deep.equal([0, 3, 6, 9]);
    expect(sampleIndices(3, 64)).to.deep.equal([0, 1, 2]);
    expect(sampleIndices(5, 1)).to.deep.equal([0]);
    expect(siblingLabelsPath(join('a', 'camelyonpatch_level_2_split_test_x.h5'))).to.equal(
      join('a', 'camelyonpatch_level_2_split_test_y.h5'),
    );
    expect(siblingLabelsPath('patches.h5')).to.equal(null);
  });

  it('draws a grid with patches and label-coloured frames', async () => {
    const s = await readSamples(pcamPath(dir, 'train', 'x'), pcamPath(dir, 'train', 'y'), 4);
    const png = PNG.sync.read(renderGridPng(s.x, s.labels, 2));
    const cell = 96 + 2 * 3 + 2;
    expect([png.width, png.height]).to.deep.equal([2 * cell + 2, 2 * cell + 2]);
    for (let k = 0; k < 4; k++) {
      const left = 2 + (k % 2) * cell;
      const top = 2 + Math.floor(k / 2) * cell;
      const at = (x: number, y: number) =>
        Array.from(
          png.data.subarray(
            ((top + y) * png.width + left + x) * 4,
            ((top + y) * png.width + left + x) * 4 + 3,
          ),
        );
      expect(at(0, 0)).to.deep.equal(s.labels![k] === 1 ? [220, 30, 30] : [40, 170, 60]);
      const first = Array.from(s.x.subarray(k * PATCH_BYTES, k * PATCH_BYTES + 3));
      expect(at(3, 3)).to.deep.equal(first);
    }
  });

  it('`data inspect DIR --grid` prints shapes and label balance and writes one grid per image file', async () => {
    const grid = join(tmp, 'grid.png');
    const text = await runData(['inspect', dir, '--grid', grid, '--samples', '4']);
    expect(text).to.include('shape (10,96,96,3)  dtype uint8  N 10');
    expect(text).to.include('labels  0 (normal) 5 (50.0%)  1 (tumour) 5 (50.0%)');
    for (const split of ['train', 'valid']) {
      const path = join(tmp, `grid-${split}.png`);
      expect(existsSync(path), path).to.equal(true);
      expect(PNG.sync.read(readFileSync(path)).width).to.be.above(96);
    }
  });

  it('`data inspect FILE --json` prints a parseable summary; bad paths fail with typed errors', async () => {
    const parsed = JSON.parse(await runData(['inspect', pcamPath(dir, 'valid', 'y'), '--json'])) as {
      files: Array<{ positives: number }>;
    };
    expect(parsed.files[0].positives).to.equal(3);
    for (const [path, code] of [
      [join(tmp, 'missing'), 'NOT_FOUND'],
      [tmp, 'DATA_INVALID'],
    ] as const) {
      let caught: unknown;
      try {
        await runData(['inspect', path]);
      } catch (e) {
        caught = e;
      }
      expect(isNodalError(caught, code), path).to.equal(true);
    }
  });
});
