// The fault suite's set-up: the embedded cluster and an in-process Scheduler wired as `nodal local` wires
// them (real `nodal executor` processes, loopback only), one small training job, a watcher that follows the
// job and samples the coordinator, and the audit every case ends with: the job succeeded, every example of
// every epoch was counted exactly once, and its test accuracy is close to the fault-free run's.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster, type AgentSpec, type LocalClusterOptions } from '../../../cluster/index.js';
import { loadConfig } from '../../../config/load.js';
import { silentLogger } from '../../../config/logger.js';
import type { JobStatus } from '../../../scheduler/api/types.js';
import { randomIds } from '../../../scheduler/launch/random-ids.js';
import { FileStore, Scheduler } from '../../../scheduler/runtime/index.js';
import {
  formatFaultTable,
  ledgerProblems,
  ProgressProbe,
  readLedger,
  type FaultRow,
  type Ledger,
  type LedgerExpectation,
} from '../../helpers/training-audit.js';
import { waitFor } from '../../helpers/local-system.js';

export const TRAIN = 1024;
export const EPOCHS = 2;
export const BATCH = 32;
export const CHECKPOINT_EVERY_STEPS = 8;
export const EXPECTED: LedgerExpectation = { epochs: EPOCHS, trainSize: TRAIN };
/** Global steps of a fault-free async run: one per batch. */
export const EXPECTED_STEPS = (EPOCHS * TRAIN) / BATCH;
/** Every case trains the same job id, so initial weights and epoch shuffles match the fault-free run's. */
export const JOB_ID = 'pcam-faults';
/** Leases of a dead worker return to the pool after this (the product default, 5 min, outlasts a test). */
export const LEASE_TIMEOUT_MS = 8_000;
/**
 * A case's test accuracy may trail the fault-free run's by this much: async training is not repeatable,
 * and the cases with two workers ended between 0.91 and 1.0 over repeated runs.
 */
export const ACCURACY_TOLERANCE = 0.15;
/** And must be this good in any case (the fault-free run reaches 1.0). */
export const ACCURACY_FLOOR = 0.8;
/** The model must rank tumour above normal patches this well (robust to a slightly off threshold). */
export const AUC_FLOOR = 0.95;

/** Mesos' timers compressed so lost connections and agents are noticed within about a second. */
export const FAST_CLUSTER: LocalClusterOptions = {
  host: '127.0.0.1',
  port: 0,
  heartbeatIntervalMs: 300,
  allocationIntervalMs: 50,
  offerRefuseDefaultMs: 1_000,
  statusUpdateRetryMs: 500,
  statusUpdateRetryMaxMs: 2_000,
  executorRegistrationTimeoutMs: 30_000,
  executorShutdownGracePeriodMs: 3_000,
};

/** Environment of every executor the suite starts. */
export const EXECUTOR_ENV = { NODAL_LEASE_TIMEOUT_MS: String(LEASE_TIMEOUT_MS) };

// Port blocks of 100 from a random start: concurrent test runs on this machine rarely meet, and the agents
// of one run never share a port.
let nextPortBlock = Math.floor(Math.random() * 80);

/** An agent with its own port block, room for a few tiny tasks, and the given attributes. */
export function faultAgent(attributes: Record<string, string> = {}, cpus = 4): AgentSpec {
  const base = 21_000 + (nextPortBlock++ % 90) * 100;
  return { cpus, memMb: 4096, diskMb: 1024, ports: [[base, base + 99]], attributes };
}

type Constraint = [string, string, string?];

/**
 * The suite's job: 1024/128/128 synthetic examples, batches of 32, 2 epochs (64 steps), a checkpoint every
 * 8 steps, one PS, `workers` workers (default 1) and an evaluator, restarts after 0.2–1 s. One worker
 * because async training with two is noisy at this length (final test accuracy 0.67–1.0 over identical
 * runs), while one worker reaches 1.0 every time: a fault's effect on accuracy stays visible.
 */
export function faultJob(
  checkpointDir: string,
  o: {
    workers?: number;
    max?: number;
    constraints?: Partial<Record<'ps' | 'worker' | 'evaluator', Constraint[]>>;
  } = {},
) {
  const workers = o.workers ?? 1;
  const restart = { backoff: { initialSeconds: 0.2, maxSeconds: 1 }, agentFailureLimit: 100 };
  const role = (name: 'ps' | 'worker' | 'evaluator') => ({
    cpus: 0.5,
    mem: 512,
    killGracePeriodSeconds: name === 'ps' ? 10 : 4,
    restart,
    ...(o.constraints?.[name] ? { constraints: o.constraints[name] } : {}),
  });
  return {
    id: JOB_ID,
    data: { synthetic: { train: TRAIN, valid: 128, test: 128, seed: 42 } },
    checkpoint: { dir: checkpointDir },
    roles: {
      ps: { count: 1, ...role('ps') },
      worker: { min: 1, max: o.max ?? Math.max(3, workers), desired: workers, ...role('worker') },
      evaluator: { count: 1, ...role('evaluator') },
    },
    training: {
      model: 'small-cnn',
      batchSize: BATCH,
      optimizer: { type: 'adam', learningRate: 0.001 },
      mode: 'async',
      stalenessBound: 8,
      stalenessScaledLr: true,
      epochs: EPOCHS,
      checkpointEverySteps: CHECKPOINT_EVERY_STEPS,
      evalEverySteps: 16,
    },
    psUnavailableTimeoutSeconds: 60,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until a check returns a truthy value: the one poller of the integration tests. */
export const eventually = waitFor;

const TERMINAL_JOB = new Set(['succeeded', 'failed', 'killed']);
const ACTIVE_TASK = new Set(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING']);

/** The running task of `role`/`index`, if any. */
export const runningTask = (job: JobStatus | undefined, role: string, index?: number) =>
  job?.tasks.find(
    (t) => t.role === role && (index === undefined || t.index === index) && t.state === 'TASK_RUNNING',
  );

/** Where ps-0 (which also serves the coordinator) listens, while it runs. */
export const coordinatorOf = (job: JobStatus | undefined): string | undefined =>
  runningTask(job, 'ps', 0)?.endpoint;

/**
 * Follows one job: fetches its status and samples the coordinator a few times a second, so a test can
 * wait for conditions on the latest status and read how the global step moved.
 */
export class JobWatch {
  latest: JobStatus | undefined;
  readonly probe: ProgressProbe;
  readonly startedAtMs = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly fetchJob: () => Promise<JobStatus>,
    secret: string,
    everyMs = 250,
  ) {
    this.probe = new ProgressProbe(() => coordinatorOf(this.latest), secret);
    this.timer = setInterval(() => void this.poll(), everyMs);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      this.latest = await this.fetchJob();
    } catch {
      // The scheduler may be down on purpose: the coordinator is still sampled at its last known address.
    }
    await this.probe.sample();
    this.polling = false;
  }

  /** Resolves with `check(latest)` once truthy. */
  until<T>(what: string, check: (job: JobStatus) => T, timeoutMs = 60_000): Promise<NonNullable<T>> {
    return eventually(what, () => (this.latest ? check(this.latest) : undefined), timeoutMs);
  }

  /** Resolves once the global step (as the coordinator says) reached `step`. */
  async untilStep(step: number, timeoutMs = 60_000): Promise<void> {
    await eventually(
      `global step ${step}`,
      () => (this.probe.samples.at(-1)?.globalStep ?? 0) >= step,
      timeoutMs,
    );
  }

  stop(): void {
    clearInterval(this.timer);
    this.probe.close();
  }
}

/** How a case's job ended, and what the audit found. */
export interface RunOutcome {
  readonly job: JobStatus;
  readonly ledger: Ledger | null;
  /** Empty when every example of every epoch was counted exactly once. */
  readonly ledgerProblems: string[];
  readonly accuracy?: number;
  /** ps-0's step in its final checkpoint: batches applied to the model. */
  readonly finalStep: number;
  /** Global steps a PS restart threw away (as the probe saw them). */
  readonly stepsLost: number;
  readonly seconds: number;
}

/**
 * Waits for the job to end and its tasks to stop (a task on a lost agent stays unreachable, and the
 * `hung` ones may stay active), then audits it.
 */
export async function finishRun(
  watch: JobWatch,
  jobDir: string,
  opts: { timeoutMs?: number; hung?: readonly string[] } = {},
): Promise<RunOutcome> {
  let job: JobStatus;
  try {
    job = await watch.until(
      'the job to end and its tasks to stop',
      (j) =>
        TERMINAL_JOB.has(j.state) &&
        j.tasks.every(
          (t) => !ACTIVE_TASK.has(t.state) || t.state === 'TASK_UNREACHABLE' || opts.hung?.includes(t.taskId),
        )
          ? j
          : undefined,
      opts.timeoutMs ?? 75_000,
    );
  } catch (e) {
    const j = watch.latest;
    const tasks = j?.tasks.map((t) => `${t.role}-${t.index} ${t.state}`).join(', ');
    const p = watch.probe.samples.at(-1);
    throw new Error(
      `${(e as Error).message}; job ${j?.state} (${j?.reason ?? ''}), tasks ${tasks}; ` +
        `coordinator step ${p?.globalStep} examples ${p?.examplesDone} leases ${p?.outstandingLeases} done ${p?.done}`,
    );
  } finally {
    watch.stop();
  }
  const ledger = await readLedger(jobDir);
  return {
    job,
    ledger,
    ledgerProblems: ledger ? ledgerProblems(ledger.book, EXPECTED) : ['ps-0 left no checkpoint'],
    ...(job.progress.testAccuracy !== undefined ? { accuracy: job.progress.testAccuracy } : {}),
    finalStep: ledger?.step ?? 0,
    stepsLost: watch.probe.stepsLost(),
    seconds: (Date.now() - watch.startedAtMs) / 1000,
  };
}

/**
 * The case's assertions: succeeded, every example counted once in the lease book, no batch missing from
 * the model (with `exactSteps`, none applied twice either: only a dead worker or PS can cause that), and
 * accuracy close to the fault-free run's.
 */
export function expectCompletedExactlyOnce(
  run: RunOutcome,
  baseline: RunOutcome | undefined,
  opts: { exactSteps?: boolean } = {},
): void {
  const j = run.job;
  expect(j.state, `job ${j.state}: ${j.reason ?? ''}`).to.equal('succeeded');
  expect(run.ledgerProblems, 'the lease book of ps-0').to.deep.equal([]);
  if (opts.exactSteps) expect(run.finalStep, 'batches applied (global steps)').to.equal(EXPECTED_STEPS);
  else expect(run.finalStep, 'batches applied (global steps)').to.be.at.least(EXPECTED_STEPS);
  expect(j.progress.examplesSeen, 'examples counted (ps-0 report)').to.equal(EPOCHS * TRAIN);
  expect(j.progress.totalExamples, 'examples planned').to.equal(EPOCHS * TRAIN);
  expect(run.accuracy, 'test accuracy').to.be.a('number');
  expect(run.accuracy!, 'test accuracy').to.be.at.least(ACCURACY_FLOOR);
  expect(j.progress.testAuc, 'test AUC').to.be.at.least(AUC_FLOOR);
  if (baseline?.accuracy !== undefined)
    expect(run.accuracy!, 'test accuracy vs the fault-free run').to.be.at.least(
      baseline.accuracy - ACCURACY_TOLERANCE,
    );
}

/** The fault table's row of a case. */
export function faultRow(
  fault: string,
  injected: number,
  run: RunOutcome,
  baseline: RunOutcome | undefined,
  note?: string,
): FaultRow {
  return {
    fault,
    injected,
    jobs: 1,
    completed: run.job.state === 'succeeded' ? 1 : 0,
    ...(run.accuracy !== undefined ? { accuracy: run.accuracy } : {}),
    ...(baseline?.accuracy !== undefined ? { baselineAccuracy: baseline.accuracy } : {}),
    stepsLost: run.stepsLost,
    note: [`${run.finalStep}/${EXPECTED_STEPS} steps`, `${run.seconds.toFixed(0)} s`, note]
      .filter(Boolean)
      .join('; '),
  };
}

/** Rows collected by the cases, printed once at the end of the run. */
export const FAULT_ROWS: FaultRow[] = [];
let tableHooked = false;

/** Prints the fault table after the whole run (a root-level hook, registered once by any suite file). */
export function printFaultTableAtEnd(): void {
  if (tableHooked) return;
  tableHooked = true;
  after(() => {
    if (FAULT_ROWS.length === 0) return;
    process.stdout.write(`\nfault table (${FAULT_ROWS.length} cases)\n${formatFaultTable(FAULT_ROWS)}\n`);
  });
}

/** `pid cwd` of every process whose working directory is under `dir` (Linux /proc). */
export function processesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd.startsWith(dir)) out.push(`${pid} ${cwd}`);
    } catch {
      // gone meanwhile, or not ours to inspect
    }
  }
  return out;
}

/** The last lines of every sandbox's stderr under `dir` (for a failed case's message). */
export function sandboxTails(dir: string, lines = 15): string {
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 12) return;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      try {
        if (statSync(p).isDirectory()) walk(p, depth + 1);
        else if (n === 'stderr')
          out.push(`--- ${p}\n${readFileSync(p, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')}`);
      } catch {
        // removed meanwhile
      }
    }
  };
  walk(dir, 0);
  return out.join('\n');
}

/** Cluster and in-process scheduler of one case, in a work directory of their own. */
export interface FaultSystem {
  readonly cluster: LocalCluster;
  readonly scheduler: Scheduler;
  readonly workDir: string;
  /** The job's checkpoint root; the job writes under `<checkpointDir>/<JOB_ID>/`. */
  readonly checkpointDir: string;
  readonly jobDir: string;
  /** The secret of every job this scheduler creates (so the probe can ask the coordinator). */
  readonly secret: string;
  /** Submits `spec` and starts watching it. */
  submit(spec: object): Promise<JobWatch>;
  /** Tears the framework down, stops the cluster, removes the work directory; resolves with leftover processes. */
  stop(): Promise<string[]>;
}

/** Starts the cluster (`agents`) and a scheduler subscribed to it. */
export async function startFaultSystem(
  agents: AgentSpec[] = [faultAgent(), faultAgent()],
  opts: { checkpointDir?: string } = {},
): Promise<FaultSystem> {
  const workDir = mkdtempSync(join(tmpdir(), 'nodal-faults-'));
  const checkpointDir = opts.checkpointDir ?? join(workDir, 'checkpoints');
  const cluster = await LocalCluster.start({ ...FAST_CLUSTER, agents, workDir: join(workDir, 'cluster') });
  const secret = randomBytes(32).toString('base64url');
  const config = loadConfig({
    env: {},
    overrides: {
      'api.host': '127.0.0.1',
      'api.port': 0,
      'api.authDisabled': true,
      'executor.image': '',
      'executor.backend': 'wasm',
      'log.level': 'warn',
      'mesos.failoverTimeoutMs': 120_000,
      'mesos.backoffInitialMs': 100,
      'mesos.backoffMaxMs': 1_000,
    },
  });
  const scheduler = Scheduler.create({
    config,
    logger: silentLogger,
    store: new FileStore(join(workDir, 'state')),
    masters: [cluster.masterUrl],
    // Kills re-sent every 2 × the task's grace (8 s for a worker), so an unanswered one escalates to SHUTDOWN
    // within about half a minute instead of the product's minutes.
    core: { reconcileHoldMs: 2_000, refuseSecondsWhilePending: 1, killRetryMs: 1_000 },
    ids: { ...randomIds(), jobSecret: () => secret },
    executorEnv: EXECUTOR_ENV,
  });
  try {
    await scheduler.start();
  } catch (e) {
    await cluster.stop();
    rmSync(workDir, { recursive: true, force: true });
    throw e;
  }
  let stopped: Promise<string[]> | undefined;
  const watches: JobWatch[] = [];
  return {
    cluster,
    scheduler,
    workDir,
    checkpointDir,
    jobDir: join(checkpointDir, JOB_ID),
    secret,
    async submit(spec) {
      await scheduler.facade.submitJob(spec);
      const id = (spec as { id: string }).id;
      const w = new JobWatch(async () => scheduler.facade.getJob(id), secret);
      watches.push(w);
      return w;
    },
    stop: () =>
      (stopped ??= (async () => {
        for (const w of watches) w.stop();
        // TEARDOWN makes the master kill every task; the cluster's stop ends whatever remains.
        await scheduler.teardown().catch(() => scheduler.stop());
        await cluster.stop();
        const left = processesUnder(workDir);
        rmSync(workDir, { recursive: true, force: true });
        return left;
      })()),
  };
}

let baselineRun: Promise<RunOutcome> | undefined;

/**
 * The hooks every fault file registers: the shared fault-free baseline before the file's cases, and after
 * each case the sandbox tails of a failed one and a check that its system stopped with no process left.
 * The file keeps its own `sys` and `baseline` variables; the hooks reach them through these callbacks.
 */
export function faultCaseHooks(file: {
  setBaseline: (run: RunOutcome) => void;
  system: () => FaultSystem | undefined;
  forgetSystem: () => void;
}): void {
  before(async function () {
    this.timeout(150_000);
    file.setBaseline(await faultFreeBaseline());
  });
  afterEach(async function () {
    const sys = file.system();
    if (this.currentTest?.state === 'failed' && sys) process.stderr.write(sandboxTails(sys.workDir) + '\n');
    const left = await sys?.stop();
    file.forgetSystem();
    expect(left ?? [], 'processes left behind').to.deep.equal([]);
  });
}

/** The fault-free run every case compares its accuracy with (run once per test process). */
export function faultFreeBaseline(): Promise<RunOutcome> {
  baselineRun ??= (async () => {
    const sys = await startFaultSystem();
    try {
      const watch = await sys.submit(faultJob(sys.checkpointDir));
      const run = await finishRun(watch, sys.jobDir);
      if (run.job.state !== 'succeeded')
        throw new Error(
          `the fault-free run ${run.job.state}: ${run.job.reason}\n${sandboxTails(sys.workDir)}`,
        );
      return run;
    } finally {
      await sys.stop();
    }
  })();
  return baselineRun;
}
