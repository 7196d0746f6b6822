// `nodal scheduler`: runs the Mesos framework scheduler until SIGINT/SIGTERM, then stops without tearing
// the framework down (tasks keep running; the next start re-attaches to them). Configuration comes from
// files (--config or NODAL_CONFIG), the environment and the configuration flags (`--master`, `--store`,
// `--api-port`, … as in config/schema.ts). Prints the API URL on stdout once it serves; logs go to stderr.
import type { Command } from 'commander';
import { loadConfig, loggerFromConfig } from '../../config/load.js';
import { schema } from '../../config/schema.js';
import { Scheduler } from '../../scheduler/runtime/index.js';

interface SchedulerFlags {
  config?: string;
}

async function runScheduler(flags: SchedulerFlags, configArgs: string[]): Promise<void> {
  const config = loadConfig({
    ...(flags.config ? { files: flags.config.split(',').filter(Boolean) } : {}),
    args: configArgs,
  });
  const logger = loggerFromConfig(config);
  const scheduler = Scheduler.create({ config, logger });
  const { apiUrl } = await scheduler.start();
  process.stdout.write(`${apiUrl}\n`);
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info('stopping scheduler', { signal });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // A second signal while stopping ends the process at once.
    process.once('SIGINT', () => process.exit(130));
    process.once('SIGTERM', () => process.exit(143));
    void scheduler.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await scheduler.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `--flag  doc (ENV)` for every configuration key of the sections the scheduler reads. */
function configFlagsHelp(): string {
  const lines: string[] = [];
  for (const section of ['mesos', 'store', 'zookeeper', 'api', 'executor', 'log'] as const)
    for (const spec of Object.values(schema[section]) as Array<{ doc: string; arg: string; env: string }>)
      lines.push(`  --${spec.arg.padEnd(24)} ${spec.doc} (${spec.env})`);
  return `\nConfiguration flags (also from --config files and the environment):\n${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('scheduler')
    .description(
      'Run the framework scheduler: subscribe to Mesos, run jobs, serve the API (config flags as in config/schema.ts)',
    )
    .option('--config <files>', 'comma-separated configuration files (default: NODAL_CONFIG)')
    .addHelpText('after', configFlagsHelp)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(async (flags: SchedulerFlags, cmd: Command) => {
      await runScheduler(flags, cmd.args);
    });
}
