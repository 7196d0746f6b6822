// Shared set-up of the scheduler's integration tests: the embedded cluster with compressed timers and a
// work directory of its own (so leftover processes can be found by their working directory), tiny
// training jobs for the real `nodal executor`, `nodal scheduler` as a child process, and API helpers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LocalCluster, type AgentSpec, type LocalClusterOptions } from '../../../cluster/index.js';
import { loadConfig, type Config } from '../../../config/load.js';
import type { JobStatus } from '../../../scheduler/api/types.js';
import { waitFor } from '../../helpers/local-system.js';

/** Mesos' timers compressed: disconnections are noticed in about a second, updates re-sent quickly. */
export const FAST_CLUSTER: LocalClusterOptions = {
  heartbeatIntervalMs: 300,
  allocationIntervalMs: 50,
  offerRefuseDefaultMs: 1_000,
  statusUpdateRetryMs: 500,
  statusUpdateRetryMaxMs: 2_000,
  executorRegistrationTimeoutMs: 30_000,
  executorShutdownGracePeriodMs: 3_000,
};

/** A cluster and its own work directory (removed by `stopCluster`). */
export interface TestCluster {
  readonly cluster: LocalCluster;
  readonly workDir: string;
}

export async function startCluster(
  agents: AgentSpec[],
  opts: LocalClusterOptions = {},
): Promise<TestCluster> {
  const workDir = mkdtempSync(join(tmpdir(), 'nodal-it-sched-'));
  const cluster = await LocalCluster.start({
    agents,
    workDir: join(workDir, 'cluster'),
    ...FAST_CLUSTER,
    ...opts,
  });
  return { cluster, workDir };
}

/** Stops the cluster and returns the processes still working inside its directory (none, normally). */
export async function stopCluster(t: TestCluster | undefined): Promise<string[]> {
  if (!t) return [];
  await t.cluster.stop();
  const left = processesUnder(t.workDir);
  rmSync(t.workDir, { recursive: true, force: true });
  return left;
}

/** `pid cwd` of every process whose working directory is under `dir` (Linux /proc). */
export function processesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd.startsWith(dir)) out.push(`${pid} ${cwd}`);
    } catch {
      // gone, or not ours to look at
    }
  }
  return out;
}

/** An agent of the tests: small and with room for a few tiny tasks. */
export const agent = (attributes: Record<string, string> = {}): AgentSpec => ({
  cpus: 4,
  memMb: 4096,
  diskMb: 1024,
  attributes,
});

/**
 * A tiny job for the real executor: synthetic data, small batches, a PS, `workers` workers and an
 * evaluator. `steps` sets how long it trains (about 20 steps a second on this machine with two workers).
 */
export function tinyJob(
  id: string,
  opts: { steps: number; workers?: number; max?: number; checkpointDir: string },
) {
  const workers = opts.workers ?? 2;
  const fast = { backoff: { initialSeconds: 0.2, maxSeconds: 1 } };
  return {
    id,
    data: { synthetic: { train: 128, valid: 32, test: 32, seed: 7 } },
    checkpoint: { dir: opts.checkpointDir },
    roles: {
      ps: { count: 1, cpus: 0.5, mem: 256, killGracePeriodSeconds: 5, restart: fast },
      worker: {
        min: 1,
        max: opts.max ?? Math.max(3, workers),
        desired: workers,
        cpus: 0.5,
        mem: 512,
        killGracePeriodSeconds: 3,
        restart: fast,
      },
      evaluator: { count: 1, cpus: 0.5, mem: 512, killGracePeriodSeconds: 3, restart: fast },
    },
    training: { steps: opts.steps, batchSize: 8, evalEverySteps: Math.max(10, Math.floor(opts.steps / 4)) },
  };
}

/** The configuration of an in-process scheduler under test. */
export function testConfig(overrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: {},
    overrides: {
      'api.port': 0,
      'api.authDisabled': true,
      'executor.image': '',
      'log.level': 'warn',
      'mesos.failoverTimeoutMs': 120_000,
      'mesos.backoffInitialMs': 100,
      'mesos.backoffMaxMs': 1_000,
      ...overrides,
    },
  });
}

/** A port nothing listens on right now (the OS picks it; the tests then bind it themselves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until a check returns a truthy value: the one poller of the integration tests. */
export const eventually = waitFor;

export const TERMINAL_JOB = new Set(['succeeded', 'failed', 'killed']);

/** A task of the job is running in every slot of `role` (count of them). */
export const runningOf = (job: JobStatus, role: string): number =>
  job.tasks.filter((t) => t.role === role && t.state === 'TASK_RUNNING').length;

/** JSON over HTTP against the scheduler's API. */
export async function api<T = unknown>(
  base: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
) {
  const res = await fetch(new URL(path, base), {
    method: init.method ?? 'GET',
    ...(init.body !== undefined
      ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
      : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Mesos' /master/state, the parts the tests read. */
export interface MasterState {
  frameworks: Array<{
    id: string;
    active: boolean;
    webui_url: string;
    tasks: Array<{ id: string; state: string; slave_id: string; name: string }>;
    completed_tasks: Array<{ id: string; state: string }>;
  }>;
}

export const masterState = (cluster: LocalCluster): MasterState => cluster.state() as unknown as MasterState;

/** Active tasks of the framework per slot name (`<job>/<role>-<index>`): more than one means a duplicate. */
export function activeTasksBySlot(state: MasterState, frameworkId: string): Map<string, string[]> {
  const fw = state.frameworks.find((f) => f.id === frameworkId);
  const out = new Map<string, string[]>();
  for (const t of fw?.tasks ?? []) {
    if (!['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'].includes(t.state)) continue;
    out.set(t.name, [...(out.get(t.name) ?? []), t.id]);
  }
  return out;
}

const CLI = fileURLToPath(new URL('../../../cli/nodal.js', import.meta.url));
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** `nodal scheduler` as a child process; `apiUrl` is the line it prints once serving. */
export class SchedulerProcess {
  private stderrTail = '';
  private constructor(
    readonly child: ChildProcess,
    readonly apiUrl: string,
  ) {}

  /** Starts `nodal scheduler <flags>`; rejects with its stderr if it exits before serving. */
  static async start(flags: string[], env: Record<string, string> = {}): Promise<SchedulerProcess> {
    const child = spawn(process.execPath, [CLI, 'scheduler', ...flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8_000)));
    const lines = createInterface({ input: child.stdout! });
    const apiUrl = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`nodal scheduler exited with ${code}:\n${stderr}`)));
    });
    const p = new SchedulerProcess(child, apiUrl);
    child.stderr!.on('data', (d: Buffer) => (p.stderrTail = (p.stderrTail + d.toString()).slice(-8_000)));
    return p;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  /** Sends `signal` and resolves with the exit code (or signal name) once the process is gone. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null)
      return Promise.resolve(child.exitCode ?? child.signalCode!);
    return new Promise((resolve) => {
      child.once('exit', (code, sig) => resolve(code ?? sig ?? -1));
      child.kill(signal);
    });
  }
}
