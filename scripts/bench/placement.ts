// Micro-benchmark of the scheduler core: reduce() on an OFFERS event of 1,000 agents with a pending
// job, and on the TASK_FAILED → relaunch path. Run directly to print the figures:
//   node dist/scripts/bench/placement.js
import { pathToFileURL } from 'node:url';
import {
  counterIds,
  createReducer,
  initialState,
  parseJobSpec,
  type CoreState,
  type DomainOffer,
  type Input,
  type Reducer,
} from '../../scheduler/core/index.js';

const AGENTS = 1000;
const WARMUP = 20;
const RUNS = 500;

/** 1,000 agents: one in ten with GPUs, a quarter of them x86_64, the rest ppc64le. */
function agentOffers(round: number): DomainOffer[] {
  return Array.from({ length: AGENTS }, (_, i) => ({
    id: `O${round}-${i}`,
    agentId: `S${i}`,
    hostname: `node-${i}.cluster`,
    attributes: { arch: i % 4 === 0 ? 'x86_64' : 'ppc64le', rack: `r${i % 20}` },
    allocationRole: 'training',
    resources: {
      cpus: 32,
      mem: 256_000,
      disk: 500_000,
      gpus: i % 10 === 0 ? 4 : 0,
      ports: [{ begin: 31000, end: 32000 }],
    },
    reserved: [],
  }));
}

const SPEC = parseJobSpec({
  id: 'bench',
  roles: {
    ps: {
      count: 4,
      cpus: 4,
      mem: 16384,
      constraints: [
        ['hostname', 'UNIQUE'],
        ['arch', 'LIKE', 'ppc64le'],
      ],
    },
    worker: {
      min: 1,
      max: 200,
      desired: 200,
      cpus: 4,
      mem: 16384,
      gpus: 1,
      constraints: [['arch', 'LIKE', 'ppc64le']],
    },
    evaluator: { count: 1, cpus: 2, mem: 8192 },
  },
  data: { path: '/data/pcam' },
});

interface Samples {
  readonly wall: number[];
  /** Process CPU time: unlike wall time it ignores time spent descheduled on a busy machine, but it adds GC helper threads. */
  readonly cpu: number[];
}

function time(reduce: Reducer, state: CoreState, input: (i: number) => Input, nowMs: number): Samples {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const inp = input(i);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    reduce(state, inp, nowMs);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    if (i >= WARMUP) {
      wall.push(ms);
      cpu.push((c.user + c.system) / 1000);
    }
  }
  return { wall, cpu };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Times reduce() (median and p99, ms) for the OFFERS and TASK_FAILED → relaunch paths. */
export async function benchPlacement(): Promise<Record<string, number>> {
  const reduce = createReducer({ ids: counterIds() });
  const now = 1_000_000;
  let s = reduce(initialState(), { type: 'subscribed', frameworkId: 'fw' }, now).state;
  s = reduce(s, { type: 'submitJob', spec: SPEC }, now).state;
  const pending = s;

  // 1. OFFERS with 1,000 agents while the whole job (4 PS, 1 evaluator, 200 GPU workers) is pending.
  const offers = time(reduce, pending, (i) => ({ type: 'offers', offers: agentOffers(i) }), now);
  const first = reduce(pending, { type: 'offers', offers: agentOffers(-1) }, now);
  const launched = first.commands
    .filter((c) => c.type === 'launch')
    .reduce((n, c) => n + (c.type === 'launch' ? c.tasks.length : 0), 0);

  // 2. Every task running; one worker fails: the update's decision (backoff scheduled).
  let running = first.state;
  for (const t of Object.values(running.tasks))
    running = reduce(
      running,
      {
        type: 'taskStatus',
        taskId: t.taskId,
        state: 'TASK_RUNNING',
        agentId: t.agentId,
        uuid: 'AAAAAAAAAAAAAAAAAAAAAA==',
      },
      now,
    ).state;
  const victim = Object.values(running.tasks).find((t) => t.role === 'worker')!;
  const failedInput: Input = {
    type: 'taskStatus',
    taskId: victim.taskId,
    state: 'TASK_FAILED',
    agentId: victim.agentId,
    uuid: 'AQEBAQEBAQEBAQEBAQEBAQ==',
  };
  const failed = time(reduce, running, () => failedInput, now);

  // 3. After the backoff, the relaunch from a fresh OFFERS of 1,000 agents.
  const afterFail = reduce(running, failedInput, now).state;
  const due = reduce(afterFail, { type: 'tick' }, now + 60_000).state;
  const relaunch = time(
    reduce,
    due,
    (i) => ({ type: 'offers', offers: agentOffers(10_000 + i) }),
    now + 60_000,
  );

  const figures = (name: string, x: Samples) => ({
    [`${name}MedianMs`]: round3(quantile(x.wall, 0.5)),
    [`${name}P99Ms`]: round3(quantile(x.wall, 0.99)),
    [`${name}CpuMedianMs`]: round3(quantile(x.cpu, 0.5)),
    [`${name}CpuP99Ms`]: round3(quantile(x.cpu, 0.99)),
  });
  return {
    agents: AGENTS,
    runs: RUNS,
    tasksLaunchedFromOneOffersEvent: launched,
    ...figures('offers', offers),
    ...figures('taskFailed', failed),
    ...figures('relaunchOffers', relaunch),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchPlacement().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
