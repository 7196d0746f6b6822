// `nodal data synth` writes a synthetic dataset in the PatchCamelyon layout; `nodal data inspect` prints
// what a PCam file or directory holds and can write a grid of sample patches as a PNG.
import { existsSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  pcamFilesAt,
  readSamples,
  renderGridPng,
  siblingLabelsPath,
  summarizePcamFile,
  type FileSummary,
} from '../../executor/data/inspect.js';
import { parsePcamFileName, PCAM_SPLITS } from '../../executor/data/pcam-layout.js';
import { writeSyntheticPcam } from '../../executor/data/synth.js';

const out = (s: string) => process.stdout.write(s + '\n');

function count(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} must be an integer >= 0`);
    return n;
  };
}

function integer(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
}

const pct = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)}%`;

/** One summary as the lines `inspect` prints. */
export function formatSummary(s: FileSummary): string[] {
  const head = `${s.path}\n  shape (${s.shape.join(',')})  dtype ${s.dtype}  N ${s.rows}`;
  if (s.kind === 'images') return [`${head}  compression ${s.compression}`];
  return [
    `${head}\n  labels  0 (normal) ${s.negatives} (${pct(s.negatives, s.rows)})  1 (tumour) ${s.positives} (${pct(s.positives, s.rows)})`,
  ];
}

/** Where the grid of `imagesPath` goes: `grid` itself, or `grid` with `-<split>` when several are drawn. */
function gridPath(grid: string, imagesPath: string, several: boolean): string {
  if (!several) return grid;
  const split = parsePcamFileName(imagesPath.split(/[\\/]/).pop() ?? '')?.split ?? 'x';
  const ext = extname(grid) || '.png';
  return `${grid.slice(0, grid.length - extname(grid).length)}-${split}${ext}`;
}

interface SynthFlags {
  out: string;
  train: number;
  valid: number;
  test: number;
  seed: number;
  gzip?: boolean;
}

interface InspectFlags {
  grid?: string;
  samples: number;
  json?: boolean;
}

export function register(program: Command): void {
  const data = program
    .command('data')
    .description('PatchCamelyon HDF5 data: write a synthetic set, inspect files');

  data
    .command('synth')
    .description(
      'write synthetic tumour/normal tissue patches in the PatchCamelyon layout (deterministic from --seed)',
    )
    .requiredOption('--out <dir>', 'directory for camelyonpatch_level_2_split_{train,valid,test}_{x,y}.h5')
    .option('--train <n>', 'training examples', count('--train'), 4096)
    .option('--valid <n>', 'validation examples', count('--valid'), 512)
    .option('--test <n>', 'test examples', count('--test'), 512)
    .option('--seed <s>', 'random seed', integer, 1)
    .option('--gzip', 'gzip-compress the datasets, as the published files are')
    .action(async (flags: SynthFlags) => {
      const started = Date.now();
      const written = await writeSyntheticPcam(flags.out, flags);
      for (const split of PCAM_SPLITS) {
        if (written[split].length) out(`${split}: ${flags[split]} examples → ${written[split].join(', ')}`);
      }
      out(
        `done in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${flags.seed}${flags.gzip ? ', gzip' : ''})`,
      );
    });

  data
    .command('inspect <fileOrDir>')
    .description(
      'print shape, dtype, N and label balance of PCam files; optionally write a grid PNG of samples',
    )
    .option('--grid <png>', 'write a grid of sample patches (red frame = tumour, green = normal)')
    .option('--samples <n>', 'patches in the grid', count('--samples'), 64)
    .option('--json', 'print the summaries as JSON')
    .action(async (target: string, flags: InspectFlags) => {
      const summaries: FileSummary[] = [];
      for (const path of pcamFilesAt(target)) summaries.push(await summarizePcamFile(path));
      const grids: string[] = [];
      if (flags.grid) {
        const imageFiles = summaries.filter((s) => s.kind === 'images');
        for (const s of imageFiles) {
          const labelsPath = siblingLabelsPath(s.path);
          const samples = await readSamples(
            s.path,
            labelsPath && existsSync(labelsPath) ? labelsPath : null,
            flags.samples,
          );
          const target = gridPath(flags.grid, s.path, imageFiles.length > 1);
          writeFileSync(target, renderGridPng(samples.x, samples.labels));
          grids.push(target);
        }
      }
      if (flags.json) {
        out(JSON.stringify({ files: summaries, grids }, null, 2));
        return;
      }
      for (const s of summaries) formatSummary(s).forEach((l) => out(l));
      for (const g of grids) out(`grid written to ${g}`);
      if (flags.grid && grids.length === 0) out('no image file (x) to draw a grid from');
    });
}
