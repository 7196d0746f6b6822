// One study run: a fresh embedded cluster (one agent on this machine) and scheduler in this process, the
// job submitted through the scheduler's facade, executors as child processes exactly as `nodal local`
// runs them. While it trains, the PS shard is polled over gRPC with the job secret (the study supplies
// the scheduler's id source, so it knows the secret) for its step, which counts batches exactly (the
// coordinator counts examples only per finished lease), and for staleness; validation accuracy is
// timestamped as the evaluator reports it.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodalError } from '../../../config/errors.js';
import { loadConfig } from '../../../config/load.js';
import { silentLogger, type Logger } from '../../../config/logger.js';
import { LocalCluster } from '../../../cluster/index.js';
import { PsClient } from '../../../executor/ps/client.js';
import { randomIds } from '../../../scheduler/launch/random-ids.js';
import { FileStore, Scheduler, type JobStatus } from '../../../scheduler/runtime/index.js';
import { STUDY_JOB_ID } from './job.js';
import type { AccuracyPoint, RunMeasurement } from './measurements.js';
import type { Scenario } from './scenarios.js';

const CLI = fileURLToPath(new URL('../../../cli/nodal.js', import.meta.url));
const TERMINAL = new Set(['succeeded', 'failed', 'killed']);
/** How often the coordinator and PS are asked for their counters. */
const POLL_MS = 200;

export interface ClusterRunOptions {
  readonly scenario: Scenario;
  /** Raw job spec (scripts/bench/study/job.ts). */
  readonly spec: Record<string, unknown>;
  /** Examples the run trains on. */
  readonly examples: number;
  /** Examples behind one global step (a batch; a batch per worker in sync mode). */
  readonly examplesPerStep: number;
  /** Sandboxes, scheduler state and the `nodal` wrapper go here. */
  readonly workDir: string;
  /** The run fails with TIMEOUT after this long. */
  readonly timeoutMs: number;
  readonly logger?: Logger;
}

/** A `nodal` on the agents' PATH that runs this very build. */
function writeNodalWrapper(binDir: string): void {
  mkdirSync(binDir, { recursive: true });
  const wrapper = join(binDir, 'nodal');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
  chmodSync(wrapper, 0o755);
}

/** Test loss is not in the job status; the evaluator writes it into the exported model's metadata. */
function exportedTestLoss(modelPath: string | undefined): number | undefined {
  if (!modelPath) return undefined;
  try {
    const json = JSON.parse(readFileSync(join(modelPath, 'model.json'), 'utf8')) as {
      userDefinedMetadata?: { testLoss?: unknown };
    };
    const v = json.userDefinedMetadata?.testLoss;
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Counters polled from ps-0 while the job runs. */
class JobPoller {
  private ps: PsClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  step = 0;
  firstAt: number | undefined;
  firstStep = 0;
  lastChangeAt: number | undefined;
  stalenessMean: number | undefined;
  stalenessMax: number | undefined;
  stalePushes: number | undefined;

  constructor(
    private readonly secret: string,
    private readonly address: () => string | undefined,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    const address = this.address();
    if (!address) return;
    this.busy = true;
    try {
      this.ps ??= new PsClient(address, { secret: this.secret, deadlineMs: 2_000 });
      const s = await this.ps.status();
      const now = performance.now();
      if (s.step > this.step) {
        if (this.firstAt === undefined) {
          this.firstAt = now;
          this.firstStep = s.step;
        }
        this.step = s.step;
        this.lastChangeAt = now;
      }
      this.stalenessMean = s.meanStaleness;
      this.stalenessMax = s.maxStaleness;
      this.stalePushes = s.pushesStale;
    } catch {
      // The PS is starting or already stopped: the next poll (or the last good one) counts.
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.ps?.close();
  }
}

/**
 * Runs the job of `opts.spec` to its end and measures it. Rejects with TIMEOUT when it runs past
 * `timeoutMs`; a job that fails is returned with its state and reason (the study reports it).
 */
export async function runOnCluster(opts: ClusterRunOptions): Promise<RunMeasurement> {
  const log = (opts.logger ?? silentLogger).child({ component: 'study-run', run: opts.scenario.key });
  const binDir = join(opts.workDir, 'bin');
  writeNodalWrapper(binDir);
  const secret = randomBytes(32).toString('base64url');
  const ids = { ...randomIds(), jobSecret: () => secret };
  const config = loadConfig({
    overrides: {
      'api.authDisabled': true,
      'api.host': '127.0.0.1',
      'api.port': 0,
      'log.level': 'warn',
    },
  });
  const cluster = await LocalCluster.start({
    // One agent big enough for every task: the study packs a whole job onto this machine.
    agents: [{ cpus: 64, memMb: 65_536 }],
    host: '127.0.0.1',
    port: 0,
    workDir: join(opts.workDir, 'cluster'),
    pathPrepend: [binDir],
    logger: log.child({ component: 'cluster' }),
  });
  let scheduler: Scheduler | undefined;
  let poller: JobPoller | undefined;
  try {
    scheduler = Scheduler.create({
      config,
      logger: log,
      store: new FileStore(join(opts.workDir, 'state')),
      masters: [cluster.masterUrl],
      executorCommand: { value: 'nodal', arguments: ['nodal', 'executor'] },
      ids,
    });
    await scheduler.start();
    const facade = scheduler.facade;
    const submittedAt = performance.now();
    await facade.submitJob(opts.spec);
    poller = new JobPoller(secret, () => {
      try {
        return facade.clusterSpec(STUDY_JOB_ID).coordinator || undefined;
      } catch {
        return undefined;
      }
    });
    poller.start();
    const curve: AccuracyPoint[] = [];
    const job = await new Promise<JobStatus>((resolve, reject) => {
      let seen = 0;
      const check = (): void => {
        let j: JobStatus;
        try {
          j = facade.getJob(STUDY_JOB_ID);
        } catch (e) {
          return finish(() => reject(e));
        }
        const points = j.history.valAccuracy;
        for (; seen < points.length; seen++) {
          curve.push({
            seconds: (performance.now() - submittedAt) / 1000,
            examples: points[seen][0] * opts.examplesPerStep,
            accuracy: points[seen][1],
          });
        }
        if (TERMINAL.has(j.state)) finish(() => resolve(j));
      };
      const timer = setInterval(check, 250);
      const deadline = setTimeout(
        () =>
          finish(() =>
            reject(
              new NodalError(
                'TIMEOUT',
                `study run ${opts.scenario.key} did not end within ${opts.timeoutMs} ms`,
              ),
            ),
          ),
        opts.timeoutMs,
      );
      const unsubscribe = facade.subscribe(() => check());
      let finished = false;
      function finish(then: () => void): void {
        if (finished) return;
        finished = true;
        clearInterval(timer);
        clearTimeout(deadline);
        unsubscribe();
        then();
      }
      check();
    });
    const endedAt = performance.now();
    poller.stop();
    const firstAt = poller.firstAt ?? submittedAt;
    const lastAt = poller.lastChangeAt ?? endedAt;
    const measured: RunMeasurement = {
      scenario: opts.scenario,
      state: job.state,
      ...(job.reason ? { reason: job.reason } : {}),
      wallSeconds: (endedAt - submittedAt) / 1000,
      trainSeconds: Math.max(1e-3, (lastAt - firstAt) / 1000),
      trainedExamples: Math.max(0, poller.step - poller.firstStep) * opts.examplesPerStep,
      examples: opts.examples,
      steps: job.step,
      ...(job.progress.testAccuracy !== undefined ? { testAccuracy: job.progress.testAccuracy } : {}),
      ...(job.progress.testAuc !== undefined ? { testAuc: job.progress.testAuc } : {}),
      ...optional('testLoss', exportedTestLoss(job.progress.modelPath)),
      ...optional('stalenessMean', poller.stalenessMean ?? job.progress.staleness?.mean),
      ...optional('stalenessMax', poller.stalenessMax ?? job.progress.staleness?.max),
      ...optional('stalePushes', poller.stalePushes),
      curve,
    };
    log.info('study run done', { wallSeconds: measured.wallSeconds, state: measured.state });
    return measured;
  } finally {
    poller?.stop();
    await scheduler?.stop().catch((e: unknown) => log.warn('scheduler stop failed', { error: e }));
    await cluster.stop();
  }
}

const optional = <K extends string>(key: K, v: number | undefined): { [P in K]?: number } =>
  (v === undefined ? {} : { [key]: v }) as { [P in K]?: number };
