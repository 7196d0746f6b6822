// Benchmark: a soak. For a bounded time (default 3 minutes) it runs many short training jobs, one after
// another, on the embedded cluster with an in-process scheduler (wired as `nodal local` wires them), and
// injects random faults into each (seeded, so a run can be repeated): kill -9 a worker, the PS or the
// evaluator, stall a worker for a while, drop the scheduler's master stream, restart the scheduler, lose an
// agent (and add a fresh one), add an agent. Every job that ends is audited: ps-0's lease book must count
// each example of each epoch exactly once. At the end everything is stopped and it reports jobs completed,
// faults injected by kind, tasks restarted, and any process or file descriptor left behind (child
// processes and /proc/self/fd compared with before the start).
//
// Run directly: node dist/scripts/bench/soak.js [--seconds 180] [--seed 1] [--agents 3] [--json]
// Exit code 1 when a job failed or broke exactly-once, or a process or descriptor leaked.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalCluster, type AgentSpec } from '../../cluster/index.js';
import { loadConfig } from '../../config/load.js';
import { silentLogger } from '../../config/logger.js';
import type { JobStatus } from '../../scheduler/api/types.js';
import { randomIds } from '../../scheduler/launch/random-ids.js';
import { FileStore, Scheduler } from '../../scheduler/runtime/index.js';
import { ledgerProblems, ProgressProbe, readLedger } from '../../test/helpers/training-audit.js';

export const FAULT_KINDS = [
  'kill-worker',
  'kill-ps',
  'kill-evaluator',
  'stall-worker',
  'drop-stream',
  'restart-scheduler',
  'lose-agent',
  'add-agent',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface SoakOptions {
  /** How long new jobs are started (default 180); the last job may run on for at most JOB_TIMEOUT_MS. */
  seconds?: number;
  /** Seed of the fault schedule (default 1). */
  seed?: number;
  /** Agents at the start (default 3); lost ones are replaced, at most MAX_AGENTS are ever up. */
  agents?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface SoakJobResult {
  id: string;
  state: string;
  reason?: string;
  faults: FaultKind[];
  restarts: number;
  /** Why the lease book is not exactly-once (empty: it is). */
  ledgerProblems: string[];
  seconds: number;
}

export interface SoakResult {
  seconds: number;
  seed: number;
  jobs: SoakJobResult[];
  jobsCompleted: number;
  faultsInjected: Partial<Record<FaultKind, number>>;
  tasksRestarted: number;
  exactlyOnceViolations: number;
  leakedProcesses: string[];
  /** Descriptors open at the end that were not open at the start (their targets). */
  leakedFds: string[];
  fdsBefore: number;
  fdsAfter: number;
}

const TRAIN = 256;
const EPOCHS = 2;
const BATCH = 32;
const STEPS = (TRAIN * EPOCHS) / BATCH;
const JOB_TIMEOUT_MS = 90_000;
const LEASE_TIMEOUT_MS = 5_000;
const STALL_MS = 2_000;
const MAX_AGENTS = 5;
const ACTIVE = new Set(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING']);
const TERMINAL_JOB = new Set(['succeeded', 'failed', 'killed']);

/** mulberry32: a small seeded generator in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let portBlock = Math.floor(Math.random() * 50);
/** An agent with a port block of its own (away from the test suites' blocks). */
function agentSpec(): AgentSpec {
  const base = 31_000 + (portBlock++ % 60) * 100;
  return { cpus: 2, memMb: 4096, diskMb: 1024, ports: [[base, base + 99]] };
}

/** A job of 16 steps: 256/64/64 synthetic examples, 2 epochs, a checkpoint every 4 steps. */
function soakJob(id: string, checkpointDir: string) {
  const restart = { backoff: { initialSeconds: 0.2, maxSeconds: 1 }, agentFailureLimit: 1000 };
  const role = { cpus: 0.5, mem: 512, killGracePeriodSeconds: 4, restart };
  return {
    id,
    data: { synthetic: { train: TRAIN, valid: 64, test: 64, seed: 11 } },
    checkpoint: { dir: checkpointDir },
    roles: {
      ps: { count: 1, ...role, killGracePeriodSeconds: 8 },
      worker: { min: 1, max: 2, desired: 1, ...role },
      evaluator: { count: 1, ...role },
    },
    training: { batchSize: BATCH, epochs: EPOCHS, checkpointEverySteps: 4, evalEverySteps: 8 },
    psUnavailableTimeoutSeconds: 60,
  };
}

/** Pids of this process's descendants (Linux /proc). */
function descendants(root = process.pid): number[] {
  const parent = new Map<number, number>();
  for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      // The command name may contain spaces and parentheses: the ppid is the second field after the last ')'.
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      parent.set(Number(p), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, ppid] of parent) {
      if (ppid !== pid) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

/** fd → target of this process's open descriptors. */
function openFds(): Map<string, string> {
  const out = new Map<string, string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      out.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // the descriptor readdir itself used, closed meanwhile
    }
  }
  return out;
}

/** A descriptor's target, with the addresses of a TCP socket (from /proc/net/tcp{,6}) when it is one. */
function describeFd(target: string): string {
  const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
  if (!inode) return target;
  const STATES: Record<string, string> = {
    '01': 'ESTABLISHED',
    '06': 'TIME_WAIT',
    '08': 'CLOSE_WAIT',
    '0A': 'LISTEN',
  };
  const addr = (hex: string) => {
    const [ip, port] = hex.split(':');
    const v4 =
      ip!.length === 8
        ? ip!
            .match(/../g)!
            .reverse()
            .map((b) => parseInt(b, 16))
            .join('.')
        : `[${ip}]`;
    return `${v4}:${parseInt(port!, 16)}`;
  };
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let lines: string[] = [];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (f[9] === inode) return `${target} tcp ${addr(f[1]!)} → ${addr(f[2]!)} ${STATES[f[3]!] ?? f[3]}`;
    }
  }
  return target;
}

/** The cluster and the current scheduler; `restartScheduler` replaces the latter on the same store. */
class SoakSystem {
  private constructor(
    readonly cluster: LocalCluster,
    public scheduler: Scheduler,
    readonly workDir: string,
    readonly secret: string,
  ) {}

  static async start(workDir: string, agents: number): Promise<SoakSystem> {
    const cluster = await LocalCluster.start({
      agents: Array.from({ length: agents }, agentSpec),
      host: '127.0.0.1',
      port: 0,
      workDir: join(workDir, 'cluster'),
      heartbeatIntervalMs: 300,
      allocationIntervalMs: 50,
      offerRefuseDefaultMs: 1_000,
      statusUpdateRetryMs: 500,
      statusUpdateRetryMaxMs: 2_000,
      executorShutdownGracePeriodMs: 3_000,
    });
    const secret = randomBytes(32).toString('base64url');
    const sys = new SoakSystem(cluster, SoakSystem.scheduler(cluster, workDir, secret), workDir, secret);
    await sys.scheduler.start();
    return sys;
  }

  private static scheduler(cluster: LocalCluster, workDir: string, secret: string): Scheduler {
    const config = loadConfig({
      env: {},
      overrides: {
        'api.host': '127.0.0.1',
        'api.port': 0,
        'api.authDisabled': true,
        'executor.image': '',
        'executor.backend': 'wasm',
        'log.level': 'error',
        'mesos.failoverTimeoutMs': 120_000,
        'mesos.backoffInitialMs': 100,
        'mesos.backoffMaxMs': 1_000,
      },
    });
    return Scheduler.create({
      config,
      logger: silentLogger,
      store: new FileStore(join(workDir, 'state')),
      masters: [cluster.masterUrl],
      core: { reconcileHoldMs: 2_000, refuseSecondsWhilePending: 1 },
      ids: { ...randomIds(), jobSecret: () => secret },
      executorEnv: { NODAL_LEASE_TIMEOUT_MS: String(LEASE_TIMEOUT_MS) },
    });
  }

  /** Stops the scheduler without TEARDOWN (tasks keep running) and starts a new one on the same store. */
  async restartScheduler(): Promise<void> {
    await this.scheduler.stop();
    this.scheduler = SoakSystem.scheduler(this.cluster, this.workDir, this.secret);
    await this.scheduler.start();
  }

  job(id: string): JobStatus {
    return this.scheduler.facade.getJob(id);
  }

  async stop(): Promise<void> {
    await this.scheduler.teardown().catch(() => this.scheduler.stop());
    await this.cluster.stop();
  }
}

const runningTaskOf = (job: JobStatus, role: string) =>
  job.tasks.find((t) => t.role === role && t.state === 'TASK_RUNNING');

/** Injects `kind` into the running job; false when it could not be (no such task running). */
async function inject(sys: SoakSystem, jobId: string, kind: FaultKind): Promise<boolean> {
  const job = sys.job(jobId);
  const task = (role: string) => runningTaskOf(job, role);
  switch (kind) {
    case 'kill-worker':
    case 'kill-ps':
    case 'kill-evaluator': {
      const t = task(kind.slice('kill-'.length));
      return t ? sys.cluster.killTask(t.taskId, 'SIGKILL') : false;
    }
    case 'stall-worker': {
      const t = task('worker');
      if (!t || !sys.cluster.killTask(t.taskId, 'SIGSTOP')) return false;
      await sleep(STALL_MS);
      sys.cluster.killTask(t.taskId, 'SIGCONT');
      return true;
    }
    case 'drop-stream': {
      const fw = sys.scheduler.frameworkId;
      return fw ? sys.cluster.dropSchedulerStream(fw) : false;
    }
    case 'restart-scheduler':
      await sys.restartScheduler();
      return true;
    case 'lose-agent': {
      const t = task('worker') ?? task('ps');
      if (!t?.agentId || !sys.cluster.agents.some((a) => a.id === t.agentId)) return false;
      await sys.cluster.loseAgent(t.agentId);
      await sys.cluster.addAgent(agentSpec());
      return true;
    }
    case 'add-agent':
      if (sys.cluster.agents.length >= MAX_AGENTS) return false;
      await sys.cluster.addAgent(agentSpec());
      return true;
  }
}

/** Runs one job with 1–2 random faults at random steps; resolves once it ended and its tasks stopped. */
async function runJob(sys: SoakSystem, id: string, random: () => number, log: (l: string) => void) {
  const started = Date.now();
  await sys.scheduler.facade.submitJob(soakJob(id, join(sys.workDir, 'checkpoints')));
  const probe = new ProgressProbe(() => {
    try {
      return runningTaskOf(sys.job(id), 'ps')?.endpoint;
    } catch {
      return undefined; // the scheduler is restarting
    }
  }, sys.secret);
  const plan = Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
    kind: FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)]!,
    atStep: 2 + Math.floor(random() * (STEPS - 4)),
  })).sort((a, b) => a.atStep - b.atStep);
  const faults: FaultKind[] = [];
  let job = sys.job(id);
  for (;;) {
    job = sys.job(id);
    const ended = TERMINAL_JOB.has(job.state);
    if (ended && job.tasks.every((t) => !ACTIVE.has(t.state) || t.state === 'TASK_UNREACHABLE')) break;
    if (Date.now() - started > JOB_TIMEOUT_MS) {
      log(`  ${id}: no end after ${JOB_TIMEOUT_MS / 1000} s; killing it`);
      if (!ended) await sys.scheduler.facade.killJob(id).catch(() => undefined);
      await sleep(5_000);
      job = sys.job(id);
      break;
    }
    const step = (await probe.sample())?.globalStep ?? 0;
    while (!ended && plan.length && step >= plan[0]!.atStep) {
      const f = plan.shift()!;
      if (await inject(sys, id, f.kind).catch(() => false)) faults.push(f.kind);
    }
    await sleep(200);
  }
  probe.close();
  const ledger = await readLedger(join(sys.workDir, 'checkpoints', id));
  const result: SoakJobResult = {
    id,
    state: job.state,
    ...(job.reason ? { reason: job.reason } : {}),
    faults,
    restarts: job.restarts,
    ledgerProblems:
      job.state !== 'succeeded'
        ? []
        : ledger
          ? ledgerProblems(ledger.book, { epochs: EPOCHS, trainSize: TRAIN })
          : ['ps-0 left no checkpoint'],
    seconds: (Date.now() - started) / 1000,
  };
  log(
    `  ${id}: ${result.state} in ${result.seconds.toFixed(1)} s, faults [${faults.join(', ')}], ` +
      `${result.restarts} restarts${result.ledgerProblems.length ? `, NOT EXACTLY ONCE: ${result.ledgerProblems.join('; ')}` : ''}`,
  );
  return result;
}

/** Runs the soak; see the module comment. */
export async function soak(opts: SoakOptions = {}): Promise<SoakResult> {
  const seconds = opts.seconds ?? 180;
  const seed = opts.seed ?? 1;
  const log = opts.log ?? (() => undefined);
  const random = rng(seed);
  // Node (libuv) opens /dev/null for the first child spawned with an ignored stdin beside other stdio, and
  // keeps it: open it before counting, as the agents' spawns would.
  await new Promise((r) =>
    spawn(process.execPath, ['-e', ''], { stdio: ['ignore', 'pipe', 'pipe'] }).on('close', r),
  );
  const fdsBefore = openFds();
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const workDir = mkdtempSync(join(tmpdir(), 'nodal-soak-'));
  const jobs: SoakJobResult[] = [];
  let sys: SoakSystem | undefined;
  try {
    sys = await SoakSystem.start(workDir, opts.agents ?? 3);
    for (let n = 1; Date.now() < deadline - 5_000; n++)
      jobs.push(await runJob(sys, `soak-${n}`, random, log));
  } finally {
    await sys?.stop();
  }
  // Give exiting children a moment to be reaped before counting what is left.
  let leakedProcesses: string[] = [];
  for (let i = 0; i < 20; i++) {
    leakedProcesses = descendants().map((pid) => {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        // gone
      }
      return `${pid} ${cmd}`;
    });
    if (leakedProcesses.length === 0) break;
    await sleep(250);
  }
  rmSync(workDir, { recursive: true, force: true });
  // Keep-alive connections of closed clients linger a few seconds (undici's idle timeout is 4 s): a
  // descriptor counts as leaked only if it is still open after that.
  let fdsAfter = openFds();
  let leakedFds: string[] = [];
  for (let i = 0; i < 40; i++) {
    fdsAfter = openFds();
    leakedFds = [...fdsAfter]
      .filter(([fd, target]) => fdsBefore.get(fd) !== target)
      .map(([fd, t]) => `${fd} → ${describeFd(t)}`);
    if (leakedFds.length === 0) break;
    await sleep(250);
  }
  const faultsInjected: Partial<Record<FaultKind, number>> = {};
  for (const j of jobs) for (const f of j.faults) faultsInjected[f] = (faultsInjected[f] ?? 0) + 1;
  return {
    seconds: (Date.now() - started) / 1000,
    seed,
    jobs,
    jobsCompleted: jobs.filter((j) => j.state === 'succeeded').length,
    faultsInjected,
    tasksRestarted: jobs.reduce((n, j) => n + j.restarts, 0),
    exactlyOnceViolations: jobs.filter((j) => j.ledgerProblems.length > 0).length,
    leakedProcesses,
    leakedFds,
    fdsBefore: fdsBefore.size,
    fdsAfter: fdsAfter.size,
  };
}

/** The report's lines. */
export function formatSoak(r: SoakResult): string {
  const kinds = FAULT_KINDS.filter((k) => r.faultsInjected[k]).map((k) => `${k} ${r.faultsInjected[k]}`);
  const total = Object.values(r.faultsInjected).reduce((n, v) => n + (v ?? 0), 0);
  const failed = r.jobs.filter((j) => j.state !== 'succeeded');
  return [
    `soak: ${r.seconds.toFixed(0)} s, seed ${r.seed}`,
    `  jobs completed       ${r.jobsCompleted}/${r.jobs.length}` +
      (failed.length
        ? ` (not: ${failed.map((j) => `${j.id} ${j.state} ${j.reason ?? ''}`).join('; ')})`
        : ''),
    `  faults injected      ${total}${kinds.length ? ` (${kinds.join(', ')})` : ''}`,
    `  tasks restarted      ${r.tasksRestarted}`,
    `  exactly-once broken  ${r.exactlyOnceViolations} job(s)`,
    `  leaked processes     ${r.leakedProcesses.length}${r.leakedProcesses.length ? `: ${r.leakedProcesses.join('; ')}` : ''}`,
    `  leaked descriptors   ${r.leakedFds.length} (open before ${r.fdsBefore}, after ${r.fdsAfter})` +
      (r.leakedFds.length ? `: ${r.leakedFds.join('; ')}` : ''),
  ].join('\n');
}

function parseArgs(argv: string[]): SoakOptions & { json?: boolean } {
  const out: SoakOptions & { json?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a number`);
      return v;
    };
    if (a === '--seconds') out.seconds = num();
    else if (a === '--seed') out.seed = num();
    else if (a === '--agents') out.agents = Math.max(1, Math.floor(num()));
    else if (a === '--json') out.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { json, ...opts } = parseArgs(process.argv.slice(2));
  const r = await soak({ ...opts, log: (l) => console.error(l) });
  console.log(json ? JSON.stringify(r, null, 2) : formatSoak(r));
  const bad =
    r.jobsCompleted < r.jobs.length ||
    r.exactlyOnceViolations ||
    r.leakedProcesses.length ||
    r.leakedFds.length;
  process.exit(bad ? 1 : 0);
}
