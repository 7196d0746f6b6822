// `nodal local` (= `npm start`): the whole system on one machine. It starts the embedded Mesos-compatible
// cluster and the scheduler in this process, submits a training job (config/jobs/default.json unless
// --job), shows live progress, and ends with test accuracy, AUC, the model's path and the dashboard URL.
// Executors run as child processes of the cluster's agents, exactly the TaskInfo a real cluster gets:
// `nodal executor`, found on the PATH through a wrapper script in the work directory.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { NodalError } from '../../config/errors.js';
import { loadConfig, loggerFromConfig } from '../../config/load.js';
import { LocalCluster } from '../../cluster/index.js';
import { FileStore, Scheduler, type JobStatus } from '../../scheduler/runtime/index.js';
import { agentSpecs } from './cluster.js';
import { bar, num } from '../format.js';

interface LocalFlags {
  job?: string;
  agents?: string;
  workDir?: string;
  apiPort?: string;
  stay?: boolean;
  backend?: string;
  verbose?: boolean;
}

const DEFAULT_JOB = fileURLToPath(new URL('../../../config/jobs/default.json', import.meta.url));
const CLI = fileURLToPath(new URL('../nodal.js', import.meta.url));
const TERMINAL = new Set(['succeeded', 'failed', 'killed']);
const TASK_ENDED = new Set([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
]);

/** A `nodal` on the agents' PATH that runs this very installation. */
function writeNodalWrapper(binDir: string): void {
  mkdirSync(binDir, { recursive: true });
  const wrapper = join(binDir, 'nodal');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
  chmodSync(wrapper, 0o755);
}

function readJobSpec(path: string, workDir: string): Record<string, unknown> {
  let spec: Record<string, unknown>;
  try {
    spec = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new NodalError('VALIDATION', `cannot read job spec ${path}: ${(e as Error).message}`);
  }
  // Checkpoints and the exported model go under the work directory, where the user can find them.
  const ckpt = (spec.checkpoint ?? {}) as { dir?: string };
  const dir = ckpt.dir ?? 'checkpoints';
  spec.checkpoint = { ...ckpt, dir: isAbsolute(dir) ? dir : join(workDir, dir) };
  return spec;
}

function progressLine(job: JobStatus): string {
  const p = job.progress;
  const frac = p.totalSteps ? p.step / p.totalSteps : p.totalExamples ? p.examplesSeen / p.totalExamples : 0;
  const running = job.tasks.filter((t) => t.state === 'TASK_RUNNING').length;
  return (
    `${job.state.padEnd(9)} ${bar(frac, 24)} step ${p.step} epoch ${p.epoch} loss ${num(p.loss) ?? '-'} ` +
    `val acc ${num(job.valAccuracy) ?? '-'} ${num(p.imagesPerSec, 1) ?? '-'} img/s tasks ${running}/${job.tasks.length} restarts ${job.restarts}`
  );
}

export function register(program: Command): void {
  program
    .command('local')
    .description('run a training job on the embedded local cluster (what `npm start` does)')
    .option('--job <file>', 'job spec', DEFAULT_JOB)
    .option('--agents <n>', 'number of embedded agents (default: config cluster.agents)')
    .option('--work-dir <dir>', 'where sandboxes, state, checkpoints and the model go', '.nodal/local')
    .option('--api-port <port>', 'port of the API and dashboard (default: any free port)', '0')
    .option('--backend <name>', 'training backend: auto | tfjs-node-gpu | tfjs-node | wasm')
    .option('--stay', 'keep the cluster and dashboard running after the job ends, until Ctrl-C')
    .option('--verbose', 'log at info level (default: warnings only)')
    .action(async (flags: LocalFlags) => runLocal(flags));
}

async function runLocal(flags: LocalFlags): Promise<void> {
  const overrides: Record<string, unknown> = {
    'api.authDisabled': true,
    'api.host': '127.0.0.1',
    'api.port': Number(flags.apiPort ?? 0),
  };
  if (flags.agents) overrides['cluster.agents'] = Number(flags.agents);
  if (flags.backend) overrides['executor.backend'] = flags.backend;
  if (!flags.verbose && !process.env.NODAL_LOG_LEVEL) overrides['log.level'] = 'warn';
  const config = loadConfig({ overrides });
  const logger = loggerFromConfig(config);
  const workDir = resolve(flags.workDir ?? '.nodal/local', new Date().toISOString().replace(/[:.]/g, '-'));
  const binDir = join(workDir, 'bin');
  writeNodalWrapper(binDir);
  const spec = readJobSpec(flags.job ?? DEFAULT_JOB, workDir);
  const tty = process.stdout.isTTY;
  const say = (s: string) => process.stdout.write(s + '\n');

  say(`nodal local: work directory ${workDir}`);
  const cluster = await LocalCluster.start({
    agents: agentSpecs(config.cluster),
    host: '127.0.0.1',
    port: 0,
    workDir: join(workDir, 'cluster'),
    pathPrepend: [binDir],
    logger: logger.child({ component: 'cluster' }),
  });
  let scheduler: Scheduler | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      await scheduler?.stop().catch((e: unknown) => logger.warn('scheduler stop failed', { error: e }));
      await cluster.stop();
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130); // second Ctrl-C: the cluster's exit hook still kills its children
    say(`\n${signal}: stopping the cluster and every task…`);
    void stopAll().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    scheduler = Scheduler.create({
      config,
      logger,
      store: new FileStore(join(workDir, 'state')),
      masters: [cluster.masterUrl],
      executorCommand: { value: 'nodal', arguments: ['nodal', 'executor'] },
    });
    const { apiUrl } = await scheduler.start();
    say(`cluster ${cluster.masterUrl} with ${cluster.agents.length} agents; dashboard ${apiUrl}/`);
    const submitted = await scheduler.facade.submitJob(spec);
    say(`submitted job ${submitted.id}`);

    const job = await new Promise<JobStatus>((resolveJob) => {
      let last = '';
      let lastPrinted = 0;
      let done = false;
      const draw = () => {
        if (done) return;
        const j = scheduler!.facade.getJob(submitted.id);
        const line = progressLine(j);
        if (tty) {
          if (line !== last) process.stdout.write(`\r\x1b[2K${line}`);
        } else if (line !== last && Date.now() - lastPrinted > 5000) {
          say(line);
          lastPrinted = Date.now();
        }
        last = line;
        if (TERMINAL.has(j.state)) {
          done = true;
          clearInterval(timer);
          unsubscribe();
          if (tty) process.stdout.write('\n');
          resolveJob(j);
        }
      };
      const timer = setInterval(draw, 1000);
      // Redraw on every job, task or progress change, and at least once a second.
      const unsubscribe = scheduler!.facade.subscribe(() => draw());
      draw();
    });

    const p = job.progress;
    say(`job ${job.id} ${job.state}${job.reason ? `: ${job.reason}` : ''}`);
    say(`  steps ${p.step}, examples ${p.examplesSeen}, restarts ${job.restarts}`);
    say(`  validation accuracy ${num(job.valAccuracy) ?? '-'}, AUC ${num(job.valAuc) ?? '-'}`);
    say(`  test accuracy ${num(p.testAccuracy) ?? '-'}, AUC ${num(p.testAuc) ?? '-'}`);
    say(`  model ${p.modelPath ?? '(not exported)'}`);
    say(`  dashboard ${apiUrl}/`);
    // The scheduler kills the PS and evaluator when the job ends: let them checkpoint and exit cleanly.
    const deadline = Date.now() + 20_000;
    while (
      Date.now() < deadline &&
      scheduler.facade.getJob(job.id).tasks.some((t) => !TASK_ENDED.has(t.state))
    )
      await new Promise((r) => setTimeout(r, 250));
    if (flags.stay) {
      say('the cluster and dashboard stay up; Ctrl-C to stop');
      await new Promise(() => undefined);
    }
    await stopAll();
    if (job.state !== 'succeeded') process.exitCode = 1;
  } catch (e) {
    await stopAll();
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
