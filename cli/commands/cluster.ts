// `nodal cluster`: runs the embedded Mesos-compatible cluster (a master and N agents on loopback) until
// SIGINT/SIGTERM, so any Mesos scheduler can be pointed at it. Prints the master URL on stdout; logs go to
// stderr. Options come from the `cluster.*` configuration keys; flags override them.
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, loggerFromConfig, type Config } from '../../config/load.js';
import { LocalCluster, type AgentSpec } from '../../cluster/index.js';

interface ClusterFlags {
  agents?: number;
  port?: number;
  host?: string;
  agentCpus?: number;
  agentMemMb?: number;
  agentGpus?: number;
  workDir?: string;
}

function nonNegative(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0)
      throw new InvalidArgumentError(`${flag} must be a number >= 0`);
    return n;
  };
}

/** The configuration with the given flags applied on top of files and environment. */
export function clusterConfig(flags: ClusterFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const overrides: Record<string, unknown> = {};
  const set = (key: string, v: unknown) => {
    if (v !== undefined) overrides[`cluster.${key}`] = v;
  };
  set('agents', flags.agents);
  set('port', flags.port);
  set('host', flags.host);
  set('agentCpus', flags.agentCpus);
  set('agentMemMb', flags.agentMemMb);
  set('agentGpus', flags.agentGpus);
  set('workDir', flags.workDir);
  return loadConfig({ env, overrides });
}

/** Agent specs from the `cluster.*` keys (0 means "this machine's" for cpus and memory). */
export function agentSpecs(c: Config['cluster']): AgentSpec[] {
  return Array.from({ length: c.agents }, () => ({
    cpus: c.agentCpus > 0 ? c.agentCpus : undefined,
    memMb: c.agentMemMb > 0 ? c.agentMemMb : undefined,
    gpus: c.agentGpus > 0 ? c.agentGpus : undefined,
  }));
}

async function runCluster(flags: ClusterFlags): Promise<void> {
  const config = clusterConfig(flags);
  const logger = loggerFromConfig(config);
  const c = config.cluster;
  const cluster = await LocalCluster.start({
    agents: agentSpecs(c),
    host: c.host,
    port: c.port,
    workDir: c.workDir,
    logger,
  });
  process.stdout.write(`${cluster.masterUrl}\n`);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info('stopping cluster', { signal });
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // A second signal while stopping ends the process at once (the exit hook still kills the children).
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await cluster.stop();
}

export function register(program: Command): void {
  program
    .command('cluster')
    .description(
      'Run the embedded Mesos-compatible cluster (master + agents on loopback) until SIGINT/SIGTERM',
    )
    .option('--agents <n>', 'number of agents (cluster.agents)', nonNegative('--agents'))
    .option('--port <port>', 'master port, 0 for any free port (cluster.port)', nonNegative('--port'))
    .option('--host <address>', 'address to bind (cluster.host, default 127.0.0.1)')
    .option('--agent-cpus <n>', "cpus per agent, 0 for this machine's cores", nonNegative('--agent-cpus'))
    .option(
      '--agent-mem-mb <n>',
      "memory per agent in MB, 0 for this machine's memory / agents",
      nonNegative('--agent-mem-mb'),
    )
    .option('--agent-gpus <n>', 'gpus per agent', nonNegative('--agent-gpus'))
    .option('--work-dir <dir>', 'where the agents put sandboxes (cluster.workDir)')
    .action(async (flags: ClusterFlags) => {
      await runCluster(flags);
      process.exit(0);
    });
}
