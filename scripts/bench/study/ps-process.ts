// A PS shard in its own process, for the study's step profile and communication benchmark: the same
// pieces a `nodal executor` PS task serves (ParameterShard, its gRPC handlers, ps-0's coordinator), put
// together as PsRole does, so a push crosses a real process boundary and the shard's costs can be read
// from its own process: CPU time, and the time spent in the Push handler (validate, apply, answer), the
// part of a push that works on the shard's state and so cannot overlap another push. Started by
// `startPsProcess` below; the child half of this module runs when the file is executed directly.
//
// Protocol: argv[2] is the JSON of PsProcessConfig; the child prints one JSON line `{address}` once it
// serves, answers each stdin line `stats` with one JSON line of PsProcessStats, and exits when stdin closes.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NodalError } from '../../../config/errors.js';
import type { ShardConfig } from '../../../executor/ps/apply.js';
import type { LeaseBookConfig } from '../../../executor/coordinator/leases.js';
import type { ServiceBinding } from '../../../executor/rpc/server.js';

export interface PsProcessConfig {
  readonly shardIndex: number;
  readonly shardCount: number;
  readonly secret: string;
  readonly shard: ShardConfig;
  /** Required on shard 0 (it coordinates). */
  readonly coordinator?: LeaseBookConfig & { seed: number };
}

export interface PsProcessStats {
  /** CPU time of the whole process since it started serving (user + system, every thread). */
  readonly cpuMs: number;
  /**
   * Time its main thread was busy since it started serving (event-loop utilization): the part of the
   * work that is serialized, since every call is decoded, applied and answered on that thread.
   */
  readonly busyMs: number;
  /** Time spent inside the Push handler (excludes gRPC transport, decoding and encoding). */
  readonly pushHandlerMs: number;
  /** Push calls handled. */
  readonly pushes: number;
  readonly step: number;
  readonly pushesApplied: number;
}

/** A running PS process. */
export interface PsProcess {
  readonly address: string;
  stats(): Promise<PsProcessStats>;
  /** Closes its stdin and waits for it to exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);
const START_TIMEOUT_MS = 30_000;

/** Starts a PS shard process; rejects with UNAVAILABLE when it does not serve within 30 s. */
export function startPsProcess(config: PsProcessConfig): Promise<PsProcess> {
  const child = spawn(process.execPath, [SELF, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(line: string) => void> = [];
  let exited = false;
  const exitedPromise = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = (what: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new NodalError('UNAVAILABLE', `PS process: no ${what} within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      void exitedPromise.then(() => {
        clearTimeout(timer);
        reject(new NodalError('UNAVAILABLE', `PS process exited (waiting for ${what})`));
      });
    });
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.stdin.end();
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exitedPromise;
    clearTimeout(killer);
  };
  return nextLine('address').then(
    (line) => {
      const { address } = JSON.parse(line) as { address: string };
      return {
        address,
        stats: async () => {
          const answer = nextLine('stats');
          child.stdin.write('stats\n');
          return JSON.parse(await answer) as PsProcessStats;
        },
        stop,
      };
    },
    async (e: unknown) => {
      await stop();
      throw e;
    },
  );
}

async function childMain(config: PsProcessConfig): Promise<void> {
  const { ParameterShard } = await import('../../../executor/ps/shard.js');
  const { parameterServerHandlers } = await import('../../../executor/ps/service.js');
  const { Coordinator } = await import('../../../executor/coordinator/coordinator.js');
  const { coordinatorHandlers } = await import('../../../executor/coordinator/service.js');
  const { startRpcServer } = await import('../../../executor/rpc/server.js');
  const shard = await ParameterShard.create({
    shardIndex: config.shardIndex,
    shardCount: config.shardCount,
    config: config.shard,
  });
  const handlers = parameterServerHandlers(shard);
  const push = handlers.Push;
  let pushHandlerMs = 0;
  let pushes = 0;
  handlers.Push = async (request, ctx) => {
    const started = performance.now();
    try {
      return await push(request, ctx);
    } finally {
      pushHandlerMs += performance.now() - started;
      pushes++;
    }
  };
  const services: ServiceBinding[] = [{ service: 'nodal.ps.ParameterServer', handlers }];
  if (config.coordinator) {
    const coordinator = new Coordinator({ ...config.coordinator, globalStep: () => shard.step });
    services.push({ service: 'nodal.coordinator.Coordinator', handlers: coordinatorHandlers(coordinator) });
  }
  const server = await startRpcServer({ secret: config.secret, services });
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  process.stdout.write(JSON.stringify({ address: server.address }) + '\n');
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (line.trim() !== 'stats') return;
    const cpu = process.cpuUsage(cpu0);
    const s = shard.status();
    const stats: PsProcessStats = {
      cpuMs: (cpu.user + cpu.system) / 1000,
      busyMs: performance.eventLoopUtilization(elu0).active,
      pushHandlerMs,
      pushes,
      step: s.step,
      pushesApplied: s.pushesApplied,
    };
    process.stdout.write(JSON.stringify(stats) + '\n');
  });
  input.on('close', () => {
    void server
      .close()
      .then(() => shard.shutdown())
      .then(() => process.exit(0));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  childMain(JSON.parse(process.argv[2] ?? '{}') as PsProcessConfig).catch((e: unknown) => {
    process.stderr.write(`study PS process: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
