#!/usr/bin/env node
// The `nodal` command. Each subcommand lives in cli/commands/<name>.ts and exports `register(program)`.
// Errors become exit codes in one place (config/errors.ts EXIT_CODES).
import { Command } from 'commander';
import { exitCodeOf } from '../config/errors.js';

const program = new Command();
program
  .name('nodal')
  .description('Distributed TensorFlow.js training of a lymph-node metastasis classifier on Apache Mesos')
  .version('0.1.0')
  .showHelpAfterError();

const commands: Array<() => Promise<{ register(p: Command): void }>> = [
  () => import('./commands/jobs.js'),
  () => import('./commands/data.js'),
  () => import('./commands/cluster.js'),
  () => import('./commands/executor.js'),
  () => import('./commands/scheduler.js'),
  () => import('./commands/bench.js'),
  () => import('./commands/predict.js'),
  () => import('./commands/local.js'),
];

async function main(): Promise<void> {
  for (const load of commands) (await load()).register(program);
  await program.parseAsync(process.argv);
}

main().catch((e: unknown) => {
  const err = e as Error & { code?: string };
  process.stderr.write(`nodal: ${err.code ? `${err.code}: ` : ''}${err.message}\n`);
  process.exit(exitCodeOf(e));
});
