// `nodal bench [name...]`: runs the benchmarks one after another, each in its own process (so one
// benchmark's WASM heap, tfjs engine or servers never skew the next), each printing its own figures.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { NodalError } from '../../config/errors.js';

/** name → what it measures; the script is scripts/bench/<name>.js beside this build. */
export const BENCHMARKS: Record<string, string> = {
  wasm: 'WASM training: images/s at batch 32 and 64, forward images/s, train/forward ratio, per-kernel times',
  ps: 'one worker through the parameter server vs a plain in-process training loop (images/s, ratio)',
  placement: 'scheduler core: OFFERS decision with 1,000 agents, TASK_FAILED decision (median, p99)',
  scheduler: 'embedded cluster with 1,000 agents: OFFERS → ACCEPT/DECLINE and TASK_FAILED → relaunch latency',
  study: 'the study table: 1/2/4/8 workers, async and sync, time and accuracy',
  soak: 'many short jobs with injected faults for a bounded time; leaked processes and descriptors',
};

const scriptPath = (name: string) =>
  fileURLToPath(new URL(`../../scripts/bench/${name}.js`, import.meta.url));

function runOne(name: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [scriptPath(name), ...args], { stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

export function register(program: Command): void {
  program
    .command('bench [names...]')
    .description(
      `run benchmarks (default: every available one): ${Object.keys(BENCHMARKS).join(', ')}; ` +
        'flags after the one benchmark named go to it (nodal bench study --quick)',
    )
    .option('--list', 'list the benchmarks and exit')
    .allowUnknownOption(true)
    .action(async (operands: string[], flags: { list?: boolean }) => {
      // Commander hands unknown flags over as operands: the benchmark's own flags start at the first one.
      const firstFlag = operands.findIndex((a) => a.startsWith('-'));
      const names = firstFlag < 0 ? operands : operands.slice(0, firstFlag);
      const forwarded = firstFlag < 0 ? [] : operands.slice(firstFlag);
      if (forwarded.length && names.length !== 1)
        throw new NodalError(
          'VALIDATION',
          `flags (${forwarded.join(' ')}) can only go to one named benchmark: nodal bench <name> [flags]`,
        );
      const available = Object.keys(BENCHMARKS).filter((n) => existsSync(scriptPath(n)));
      if (flags.list) {
        for (const [n, what] of Object.entries(BENCHMARKS))
          process.stdout.write(`${n.padEnd(10)} ${available.includes(n) ? '' : '(not built) '}${what}\n`);
        return;
      }
      const unknown = names.filter((n) => !(n in BENCHMARKS));
      if (unknown.length)
        throw new NodalError(
          'VALIDATION',
          `unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`,
        );
      // `study` and `soak` run for minutes: only when named.
      const selected = names.length ? names : available.filter((n) => n !== 'study' && n !== 'soak');
      const failed: string[] = [];
      for (const name of selected) {
        if (!existsSync(scriptPath(name)))
          throw new NodalError('NOT_FOUND', `benchmark ${name} is not built (${scriptPath(name)})`);
        process.stdout.write(`\n=== bench ${name}: ${BENCHMARKS[name]} ===\n`);
        const started = Date.now();
        const code = await runOne(name, forwarded);
        process.stdout.write(
          `=== ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s ===\n`,
        );
        if (code !== 0) failed.push(name);
      }
      if (failed.length) throw new NodalError('INTERNAL', `benchmarks failed: ${failed.join(', ')}`);
    });
}
