// Benchmark: the scheduler runtime on the embedded cluster with 1,000 agents, over real loopback HTTP.
//   offers:   time from an OFFERS event reaching the runtime to the last of its ACCEPT/DECLINE calls being
//             handed to the client. Each round scales the job from 1 to 2 workers (and back), so its
//             REVIVE brings an offer from every agent (in one or a few events): one placement, one ACCEPT,
//             DECLINEs of the rest. Reported over all events and over those that launched, which include
//             the core's placement and the store's save of the launch intent (also reported alone).
//   relaunch: time from a TASK_FAILED update reaching the runtime to the ACCEPT relaunching its slot,
//             minus the configured restart backoff (1 ms). Includes the REVIVE → OFFERS round trip
//             through the embedded master (allocation interval below).
// Targets: offers p99 < 10 ms, relaunch < 100 ms.
//
// The embedded cluster runs in its own process (this file with --cluster-host), as a Mesos master would:
// its allocator walks 1,000 agents every allocation interval, and in the scheduler's process that work
// would sit in front of every event the runtime handles. The tasks run a stand-in executor (this file
// with --stand-in-executor): it subscribes, reports TASK_RUNNING and idles, so that SIGKILLing it yields a
// real agent-generated TASK_FAILED without the cost of starting TensorFlow.js for every launch.
//
// Run directly: node dist/scripts/bench/scheduler.js [--agents 1000] [--rounds 100] [--failures 30]
//   [--store file|memory (default: both, one after the other)] [--store-dir DIR]
//   [--allocation-interval-ms 10] [--json]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LocalCluster } from '../../cluster/index.js';
import { loadConfig } from '../../config/load.js';
import { silentLogger } from '../../config/logger.js';
import { ExecutorClient } from '../../executor/mesos/client.js';
import { readExecutorEnvironment } from '../../executor/mesos/environment.js';
import type { Input } from '../../scheduler/core/index.js';
import { FileStore, MemoryStore, Scheduler, type OutboundCall } from '../../scheduler/runtime/index.js';

export interface BenchSchedulerOptions {
  agents?: number;
  /** Scale-up rounds, one OFFERS sample each. */
  rounds?: number;
  /** Worker kills, one relaunch sample each. */
  failures?: number;
  /** The embedded master's allocation batching interval. */
  allocationIntervalMs?: number;
  /** `file` (default: fsync'd, as in production) or `memory` (the runtime without durable storage). */
  store?: 'file' | 'memory';
  /** Directory of the file store (default: a fresh one under the OS temp dir). */
  storeDir?: string;
  print?: boolean;
}

export interface BenchSchedulerResult {
  agents: number;
  offersEvents: number;
  offersPerEvent: number;
  offersMedianMs: number;
  offersP99Ms: number;
  offersMaxMs: number;
  /** The events that launched a task (placement, the store's save of the launch intent, ACCEPT). */
  launchEvents: number;
  launchMedianMs: number;
  launchP99Ms: number;
  launchMaxMs: number;
  /** Of which the store's save of the launch intent. */
  launchSaveMedianMs: number;
  launchSaveP99Ms: number;
  store: 'file' | 'memory';
  relaunches: number;
  relaunchMedianMs: number;
  relaunchP99Ms: number;
  relaunchMaxMs: number;
  backoffMs: number;
  allocationIntervalMs: number;
}

const BACKOFF_MS = 1;
const SELF = fileURLToPath(import.meta.url);

const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** `<job>.<role>-<index>.<suffix>` → `<role>-<index>`. */
const slotOf = (taskId: string): string => taskId.split('.').slice(-2, -1)[0] ?? taskId;

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Measures the runtime's OFFERS and relaunch latencies; prints them unless `print` is false. */
export async function benchScheduler(opts: BenchSchedulerOptions = {}): Promise<BenchSchedulerResult> {
  const agents = opts.agents ?? 1000;
  const rounds = opts.rounds ?? 100;
  const failures = opts.failures ?? 30;
  const allocationIntervalMs = opts.allocationIntervalMs ?? 10;
  const dir = mkdtempSync(join(tmpdir(), 'nodal-bench-scheduler-'));
  // The agents' sandboxes live on other machines in a real cluster. Here they go to another filesystem
  // than the scheduler's state when there is one (tmpfs): on one journaled filesystem every fsync of the
  // state would also have to flush the sandboxes' writes.
  const sandboxRoot = existsSync('/dev/shm')
    ? mkdtempSync('/dev/shm/nodal-bench-cluster-')
    : join(dir, 'cluster');
  const cluster = await ClusterHost.start(agents, allocationIntervalMs, join(sandboxRoot, 'cluster'));
  // One entry per OFFERS event; its sample is taken when its last offer is answered.
  interface OffersEvent {
    readonly t0: number;
    readonly left: Set<string>;
    launched: boolean;
    saveMs: number;
    ms?: number;
  }
  const offerEvents: OffersEvent[] = [];
  const relaunchSamples: number[] = [];
  let offersSeen = 0;
  const pendingOffers = new Map<string, OffersEvent>();
  const failedAt = new Map<string, number>();
  const onInput = (input: Input) => {
    const now = performance.now();
    if (input.type === 'offers' && input.offers.length > 0) {
      const entry: OffersEvent = {
        t0: now,
        left: new Set(input.offers.map((o) => o.id)),
        launched: false,
        saveMs: 0,
      };
      for (const id of entry.left) pendingOffers.set(id, entry);
      offersSeen += input.offers.length;
      offerEvents.push(entry);
    } else if (input.type === 'taskStatus' && input.state === 'TASK_FAILED')
      failedAt.set(slotOf(input.taskId), now);
  };
  const onStep = (input: Input, t: { saveMs: number }) => {
    if (input.type !== 'offers' || input.offers.length === 0) return;
    const entry = pendingOffers.get(input.offers[0]!.id);
    if (entry) entry.saveMs = t.saveMs;
  };
  const onCall = (call: OutboundCall) => {
    const now = performance.now();
    if (call.kind !== 'accept' && call.kind !== 'decline') return;
    for (const id of call.offerIds) {
      const entry = pendingOffers.get(id);
      if (!entry) continue;
      pendingOffers.delete(id);
      entry.left.delete(id);
      if (call.kind === 'accept') entry.launched = true;
      if (entry.left.size === 0) entry.ms = now - entry.t0;
    }
    if (call.kind === 'accept')
      for (const taskId of call.taskIds) {
        const t = failedAt.get(slotOf(taskId));
        if (t === undefined) continue;
        failedAt.delete(slotOf(taskId));
        relaunchSamples.push(now - t - BACKOFF_MS);
      }
  };
  const config = loadConfig({
    env: {},
    overrides: { 'api.port': 0, 'api.authDisabled': true, 'executor.image': '', 'log.level': 'error' },
  });
  const scheduler = Scheduler.create({
    config,
    logger: silentLogger,
    store: opts.store === 'memory' ? new MemoryStore() : new FileStore(opts.storeDir ?? join(dir, 'state')),
    masters: [cluster.masterUrl],
    executorCommand: { value: process.execPath, arguments: [process.execPath, SELF, '--stand-in-executor'] },
    probe: { onInput, onCall, onStep },
  });
  try {
    await scheduler.start();
    const f = scheduler.facade;
    const small = { cpus: 0.05, mem: 32, healthCheck: { type: 'none' } };
    const restart = {
      maxRestarts: 10_000,
      backoff: { initialSeconds: BACKOFF_MS / 1000, maxSeconds: BACKOFF_MS / 1000, factor: 1 },
      agentFailureLimit: 10_000,
    };
    await f.submitJob({
      id: 'bench',
      data: { synthetic: { train: 64 } },
      training: { steps: 1_000_000 },
      roles: {
        ps: { count: 1, ...small, killGracePeriodSeconds: 0 },
        worker: { min: 1, max: 2, desired: 1, ...small, killGracePeriodSeconds: 0, restart },
      },
    });
    const running = (n: number) => () => f.listJobs()[0]!.workers.running === n;
    await until('the first worker', running(1), 60_000);
    // The first events warm up the JIT and the connections; they are not measured.
    const warmup = offerEvents.length;

    // OFFERS: each scale-up (1 → 2 workers) raises demand → REVIVE → an offer from every agent; the
    // scale-down after it keeps the number of executor processes small.
    for (let i = 0; i < rounds; i++) {
      const before = offerEvents.length;
      await f.scaleJob('bench', 2);
      await until(
        `round ${i}'s offers answered`,
        () => offerEvents.length > before && pendingOffers.size === 0,
      );
      await until(`round ${i}'s second worker`, running(2), 60_000);
      await f.scaleJob('bench', 1);
      await until(
        `round ${i}'s scale-in`,
        () => f.getJob('bench').tasks.filter((t) => t.role === 'worker').length === 1,
      );
    }
    const measured = offerEvents.slice(warmup).filter((e) => e.ms !== undefined);
    const offers = measured.map((e) => e.ms!);
    const launching = measured.filter((e) => e.launched);
    const launches = launching.map((e) => e.ms!);
    const saves = launching.map((e) => e.saveMs);

    // Relaunch: kill a running worker's executor; the agent reports TASK_FAILED.
    for (let i = 0; i < failures; i++) {
      const workers = f
        .getJob('bench')
        .tasks.filter((t) => t.role === 'worker' && t.state === 'TASK_RUNNING');
      const victim = workers[i % workers.length]!;
      const before = relaunchSamples.length;
      if (!(await cluster.killTask(victim.taskId))) throw new Error(`no process runs ${victim.taskId}`);
      await until(`relaunch ${i}`, () => relaunchSamples.length > before);
      await until(`the worker running again after relaunch ${i}`, running(1), 60_000);
    }

    const result: BenchSchedulerResult = {
      agents,
      offersEvents: offers.length,
      offersPerEvent: Math.round(offersSeen / Math.max(1, offerEvents.length)),
      offersMedianMs: round3(quantile(offers, 0.5)),
      offersP99Ms: round3(quantile(offers, 0.99)),
      offersMaxMs: round3(Math.max(...offers)),
      launchEvents: launches.length,
      launchMedianMs: round3(quantile(launches, 0.5)),
      launchP99Ms: round3(quantile(launches, 0.99)),
      launchMaxMs: round3(Math.max(...launches)),
      launchSaveMedianMs: round3(quantile(saves, 0.5)),
      launchSaveP99Ms: round3(quantile(saves, 0.99)),
      relaunches: relaunchSamples.length,
      relaunchMedianMs: round3(quantile(relaunchSamples, 0.5)),
      relaunchP99Ms: round3(quantile(relaunchSamples, 0.99)),
      relaunchMaxMs: round3(Math.max(...relaunchSamples)),
      backoffMs: BACKOFF_MS,
      store: opts.store ?? 'file',
      allocationIntervalMs,
    };
    if (opts.print ?? true) {
      const ok = (v: number, limit: number) => (v < limit ? 'ok' : 'OVER TARGET');
      console.log(
        `agents                      ${agents} (embedded cluster, allocation interval ${allocationIntervalMs} ms)`,
      );
      console.log(
        `OFFERS → ACCEPT/DECLINE     median ${result.offersMedianMs} ms   p99 ${result.offersP99Ms} ms   max ${result.offersMaxMs} ms   (${result.offersEvents} events, ~${result.offersPerEvent} offers each; target p99 < 10 ms: ${ok(result.offersP99Ms, 10)})`,
      );
      console.log(
        `  events that launched      median ${result.launchMedianMs} ms   p99 ${result.launchP99Ms} ms   max ${result.launchMaxMs} ms   (${result.launchEvents} events)`,
      );
      console.log(
        `  of which the state save   median ${result.launchSaveMedianMs} ms   p99 ${result.launchSaveP99Ms} ms   (${result.store === 'file' ? "file store, fsync'd" : 'memory store'}, before the ACCEPT)`,
      );
      console.log(
        `TASK_FAILED → relaunch      median ${result.relaunchMedianMs} ms   p99 ${result.relaunchP99Ms} ms   max ${result.relaunchMaxMs} ms   (${result.relaunches} relaunches, backoff ${BACKOFF_MS} ms subtracted; target < 100 ms: ${ok(result.relaunchP99Ms, 100)})`,
      );
    }
    return result;
  } finally {
    await scheduler.stop();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(sandboxRoot, { recursive: true, force: true });
  }
}

/** The embedded cluster in a child process, driven over stdin/stdout lines. */
class ClusterHost {
  private readonly replies: Array<(line: string) => void> = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly masterUrl: string,
    lines: AsyncIterator<string>,
  ) {
    void (async () => {
      for (let r = await lines.next(); !r.done; r = await lines.next()) this.replies.shift()?.(r.value);
    })();
  }

  static async start(agents: number, allocationIntervalMs: number, workDir: string): Promise<ClusterHost> {
    const child = spawn(
      process.execPath,
      [SELF, '--cluster-host', String(agents), String(allocationIntervalMs), workDir],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error('the cluster host exited before it served');
    return new ClusterHost(child, first.value, lines);
  }

  killTask(taskId: string): Promise<boolean> {
    return new Promise((resolve) => {
      this.replies.push((line) => resolve(line === 'true'));
      this.child.stdin!.write(`kill ${taskId}\n`);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin!.end();
    });
  }
}

/** --cluster-host: serves the cluster until stdin ends; `kill <taskId>` lines SIGKILL a task's executor. */
async function clusterHost(agents: number, allocationIntervalMs: number, workDir: string): Promise<void> {
  const cluster = await LocalCluster.start({
    agents: Array.from({ length: agents }, () => ({
      cpus: 4,
      memMb: 8192,
      diskMb: 10_000,
      ports: [[31000, 31999]],
    })),
    allocationIntervalMs,
    heartbeatIntervalMs: 5_000,
    workDir,
  });
  process.stdout.write(`${cluster.masterUrl}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, arg] = line.split(' ');
    if (cmd === 'kill') process.stdout.write(`${cluster.killTask(arg!)}\n`);
  }
  await cluster.stop();
  process.exit(0);
}

/** The stand-in executor: TASK_RUNNING on LAUNCH, TASK_KILLED on KILL/SHUTDOWN, exits once acknowledged. */
async function standInExecutor(): Promise<void> {
  const client = ExecutorClient.create({
    environment: readExecutorEnvironment(process.env),
    callTimeoutMs: 10_000,
  });
  const live = new Set<string>();
  const end = async (taskId: string) => {
    if (!live.delete(taskId)) return;
    await client.update({ task_id: { value: taskId }, state: 'TASK_KILLED' }).catch(() => undefined);
    if (live.size === 0) {
      await client.waitForAcknowledgements(5_000).catch(() => undefined);
      await client.close();
      process.exit(0);
    }
  };
  const running = client.run();
  for await (const item of client.events) {
    if (item.kind !== 'event') continue;
    const e = item.event;
    if (e.type === 'LAUNCH') {
      live.add(e.launch!.task.task_id.value);
      await client.update({ task_id: e.launch!.task.task_id, state: 'TASK_RUNNING' }).catch(() => undefined);
    } else if (e.type === 'KILL') void end(e.kill!.task_id.value);
    else if (e.type === 'SHUTDOWN') for (const t of [...live]) void end(t);
  }
  await running.catch(() => undefined);
}

function parseArgs(argv: string[]): BenchSchedulerOptions & { json?: boolean } {
  const out: BenchSchedulerOptions & { json?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => Number(argv[++i]);
    if (a === '--agents') out.agents = num();
    else if (a === '--rounds') out.rounds = num();
    else if (a === '--failures') out.failures = num();
    else if (a === '--allocation-interval-ms') out.allocationIntervalMs = num();
    else if (a === '--store-dir') out.storeDir = argv[++i]!;
    else if (a === '--store') out.store = argv[++i] === 'memory' ? 'memory' : 'file';
    else if (a === '--json') out.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const host = process.argv.indexOf('--cluster-host');
  if (host >= 0) {
    const [agents, interval, workDir] = process.argv.slice(host + 1);
    clusterHost(Number(agents), Number(interval), workDir!).catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
  } else if (process.argv.includes('--stand-in-executor')) {
    standInExecutor().catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    // Without --store both runs are made: the runtime alone (memory store), then with the durable file
    // store, whose fsync before each ACCEPT depends on the disk more than on the scheduler.
    const { json, ...opts } = parseArgs(process.argv.slice(2));
    const stores: Array<'memory' | 'file'> = opts.store ? [opts.store] : ['memory', 'file'];
    (async () => {
      const results: BenchSchedulerResult[] = [];
      for (const store of stores) {
        if (!json) console.log(`\n--- ${store} store ---`);
        results.push(await benchScheduler({ ...opts, store, print: !json }));
      }
      return results;
    })().then(
      (r) => {
        if (json) console.log(JSON.stringify(r.length === 1 ? r[0] : r, null, 2));
      },
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  }
}
