// The whole system in the test process, the way `nodal local` wires it: the embedded Mesos-compatible
// cluster and the Scheduler on loopback, real `nodal executor` processes on the agents, short timers, and
// a work directory of its own so `stop()` can prove no process was left behind.
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster, type AgentSpec } from '../../cluster/index.js';
import { loadConfig } from '../../config/load.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import { FileStore, Scheduler } from '../../scheduler/runtime/index.js';

export interface LocalSystemOptions {
  /** Default: two agents with room for a few tiny tasks each. */
  agents?: AgentSpec[];
  /** API bearer token; absent: the API runs without auth (as under `nodal local`). */
  token?: string;
  /** Extra environment for every executor (e.g. `NODAL_LOG_LEVEL: 'info'` to get sandbox logs). */
  executorEnv?: Record<string, string>;
  logger?: Logger;
}

export interface LocalSystem {
  readonly cluster: LocalCluster;
  readonly scheduler: Scheduler;
  readonly apiUrl: string;
  /** Sandboxes, scheduler state and checkpoints all live under here; removed by `stop()`. */
  readonly workDir: string;
  /** Kills every task, stops scheduler and cluster; resolves with processes still running in `workDir`. */
  stop(): Promise<string[]>;
}

/** An agent of its own port block, so concurrent test runs on one machine do not offer the same ports. */
export function testAgent(attributes: Record<string, string> = {}): AgentSpec {
  const base = 40_000 + Math.floor(Math.random() * 200) * 100;
  return { cpus: 4, memMb: 4096, diskMb: 1024, ports: [[base, base + 99]], attributes };
}

/** Starts cluster and scheduler; the scheduler is subscribed (or subscribing) when this resolves. */
export async function startLocalSystem(opts: LocalSystemOptions = {}): Promise<LocalSystem> {
  const workDir = mkdtempSync(join(tmpdir(), 'nodal-system-'));
  const logger = opts.logger ?? silentLogger;
  const cluster = await LocalCluster.start({
    agents: opts.agents ?? [testAgent(), testAgent()],
    host: '127.0.0.1',
    port: 0,
    workDir: join(workDir, 'cluster'),
    heartbeatIntervalMs: 300,
    allocationIntervalMs: 50,
    offerRefuseDefaultMs: 1_000,
    statusUpdateRetryMs: 500,
    statusUpdateRetryMaxMs: 2_000,
    executorShutdownGracePeriodMs: 3_000,
    logger: logger.child({ component: 'cluster' }),
  });
  const config = loadConfig({
    env: {},
    overrides: {
      'api.host': '127.0.0.1',
      'api.port': 0,
      'api.token': opts.token ?? '',
      'api.authDisabled': !opts.token,
      'executor.image': '',
      'executor.backend': 'wasm',
      'log.level': 'warn',
      'mesos.backoffInitialMs': 100,
      'mesos.backoffMaxMs': 1_000,
    },
  });
  const scheduler = Scheduler.create({
    config,
    logger,
    store: new FileStore(join(workDir, 'state')),
    masters: [cluster.masterUrl],
    core: { reconcileHoldMs: 2_000, refuseSecondsWhilePending: 1 },
    ...(opts.executorEnv ? { executorEnv: opts.executorEnv } : {}),
  });
  let apiUrl: string;
  try {
    ({ apiUrl } = await scheduler.start());
  } catch (e) {
    await cluster.stop();
    rmSync(workDir, { recursive: true, force: true });
    throw e;
  }
  let stopped: Promise<string[]> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      // TEARDOWN makes the master kill every task; the cluster's stop then ends whatever remains.
      await scheduler.teardown().catch(() => scheduler.stop());
      await cluster.stop();
      const left = processesUnder(workDir);
      rmSync(workDir, { recursive: true, force: true });
      return left;
    })());
  return { cluster, scheduler, apiUrl, workDir, stop };
}

/**
 * A small training job for the real executor: synthetic data, batches of 8, one PS, `workers` workers
 * (at most `max`) and an evaluator, for `steps` steps. Checkpoints go to `checkpointDir`.
 */
export function tinyJob(
  id: string,
  opts: { steps: number; checkpointDir: string; workers?: number; max?: number },
) {
  const workers = opts.workers ?? 1;
  const restart = { backoff: { initialSeconds: 0.2, maxSeconds: 1 } };
  const role = { cpus: 0.5, mem: 512, killGracePeriodSeconds: 3, restart };
  return {
    id,
    data: { synthetic: { train: 128, valid: 32, test: 32, seed: 7 } },
    checkpoint: { dir: opts.checkpointDir },
    roles: {
      ps: { count: 1, ...role, mem: 256 },
      worker: { min: 1, max: opts.max ?? Math.max(2, workers), desired: workers, ...role },
      evaluator: { count: 1, ...role },
    },
    training: { steps: opts.steps, batchSize: 8, evalEverySteps: Math.max(10, Math.floor(opts.steps / 4)) },
  };
}

/** Polls `check` every 100 ms until it returns a truthy value, which it resolves with. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}` +
          (lastError ? ` (last error: ${String(lastError)})` : ''),
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Active tasks the master knows for a framework (not yet in a terminal state). */
export function activeMasterTasks(
  cluster: LocalCluster,
  frameworkId: string | undefined,
): Array<{ id: string; name: string; state: string }> {
  const state = cluster.state() as {
    frameworks?: Array<{ id: string; tasks: Array<{ id: string; name: string; state: string }> }>;
  };
  const fw = state.frameworks?.find((f) => f.id === frameworkId);
  return (fw?.tasks ?? []).filter((t) =>
    ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'].includes(t.state),
  );
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
