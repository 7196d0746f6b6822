// `nodal executor`: the entry point the agent starts for each task (ExecutorInfo.command). Everything comes
// from the environment: MESOS_* from the agent, NODAL_* from the scheduler, and the `executor.*` and `log.*`
// configuration keys. Logs are JSON lines on stderr (the sandbox's `stderr` file) unless `pretty` is asked
// for; the exit status is the program's.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../config/logger.js';
import { readExecutorEnvironment } from '../../executor/mesos/environment.js';
import { ExecutorProgram } from '../../executor/main/program.js';
import { executorSettings } from '../../executor/main/settings.js';

async function runExecutor(): Promise<number> {
  const config = loadConfig({ env: process.env });
  const logger = createLogger({
    level: config.log.level,
    format: config.log.format === 'pretty' ? 'pretty' : 'json',
    stderr: true,
  });
  const program = ExecutorProgram.create({
    environment: readExecutorEnvironment(process.env),
    taskEnv: process.env,
    settings: executorSettings(config),
    logger,
  });
  // The agent sends SIGTERM when it destroys the container without a SHUTDOWN event first.
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info('signal received; shutting down', { signal });
    void program.shutdown();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return program.run();
}

export function register(program: Command): void {
  program
    .command('executor')
    .description(
      'Run one training task (ps, worker or evaluator) under the Mesos executor API; started by the agent, configured by MESOS_* and NODAL_* variables',
    )
    .action(async () => {
      process.exit(await runExecutor());
    });
}
