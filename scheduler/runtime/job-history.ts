// What the views show beyond the core's state: per-job metric series, rates, restarts, the last failure
// of each slot, when tasks started, and where sandboxes are. The core keeps only the latest progress
// report (and replaces it with each one); here reports from the PS, the workers and the evaluator are
// merged. Bounded in size, fed from the runtime's job events and progress reports; time is passed in.
import type { JobEvent, Role, TaskState } from '../core/index.js';
import type { ProgressReport } from './executor-messages.js';

export type SeriesPoint = [step: number, value: number];
export type SeriesName = 'loss' | 'valAccuracy' | 'valAuc' | 'valLoss';
const SERIES: readonly SeriesName[] = ['loss', 'valAccuracy', 'valAuc', 'valLoss'];

/** Longest series kept; beyond it every other point is dropped (older detail thins out first). */
export const MAX_SERIES_POINTS = 1000;
/** Launches remembered for sandbox lookups after their tasks ended. */
export const MAX_REMEMBERED_TASKS = 10_000;
/** Step and image rates are measured over this window. */
export const RATE_WINDOW_MS = 30_000;

const FAILURE_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FAILED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_UNREACHABLE',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
]);
const TERMINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

export interface FailureRecord {
  readonly taskId: string;
  readonly state: TaskState;
  readonly reason?: string;
  readonly message?: string;
  readonly atMs: number;
}

interface TaskRate {
  readonly role: ProgressReport['role'];
  /** The report spoke for the whole job (ps-0, the evaluator, or a sender of unknown role). */
  readonly jobWide: boolean;
  readonly imagesPerSec?: number;
  /** A PS shard's staleness of recent pushes. */
  readonly stalenessMean?: number;
  readonly stalenessMax?: number;
  /** A worker's own (smoothed) staleness. */
  readonly staleness?: number;
  readonly atMs: number;
}

const pick = (m: Readonly<Record<string, number>>, ...keys: string[]): Record<string, number> =>
  Object.fromEntries(keys.filter((k) => m[k] !== undefined).map((k) => [k, m[k]!]));

const slotKey = (role: Role, index: number) => `${role}-${index}`;

/** One job's history. */
export class JobHistory {
  readonly series: Record<SeriesName, SeriesPoint[]> = { loss: [], valAccuracy: [], valAuc: [], valLoss: [] };
  /** Latest value of every metric any task reported. */
  readonly latest: Record<string, number> = {};
  step = 0;
  epoch = 0;
  modelPath: string | undefined;
  private readonly stepSamples: Array<[atMs: number, step: number]> = [];
  private readonly rates = new Map<string, TaskRate>();
  private readonly restarts = new Map<string, number>();
  private readonly failures = new Map<string, FailureRecord>();
  private readonly started = new Map<string, number>();

  /** Applies a progress report received at `atMs`. */
  onReport(r: ProgressReport, reporter: string, atMs: number): void {
    const { step, epoch, metrics = {} } = r.input;
    if (step > this.step) this.step = step;
    if (epoch !== undefined && epoch > this.epoch) this.epoch = epoch;
    // Who speaks for the job (executor/main/messages.ts): ps-0 for totals, loss and throughput, the
    // evaluator for validation and test numbers. A worker's loss and rate are its own, and a shard's
    // staleness is its own; those only feed the per-task figures below.
    const jobWide = r.role === undefined || r.role === 'evaluator' || (r.role === 'ps' && r.index === 0);
    if (jobWide) {
      Object.assign(this.latest, metrics);
      for (const name of SERIES) {
        const v = metrics[name];
        if (v !== undefined) appendPoint(this.series[name], step, v);
      }
    }
    if (r.modelPath) this.modelPath = r.modelPath;
    this.stepSamples.push([atMs, this.step]);
    while (this.stepSamples.length > 2 && this.stepSamples[0]![0] < atMs - RATE_WINDOW_MS)
      this.stepSamples.shift();
    const rate: TaskRate = {
      role: r.role,
      jobWide,
      ...(metrics.imagesPerSec !== undefined ? { imagesPerSec: metrics.imagesPerSec } : {}),
      ...pick(metrics, 'stalenessMean', 'stalenessMax', 'staleness'),
      atMs,
    };
    this.rates.set(reporter, rate);
  }

  /** Applies a job event of the core. */
  onEvent(event: JobEvent, atMs: number): void {
    switch (event.kind) {
      case 'restartScheduled': {
        const k = slotKey(event.role, event.index);
        this.restarts.set(k, (this.restarts.get(k) ?? 0) + 1);
        return;
      }
      case 'taskState': {
        if (event.state === 'TASK_RUNNING' && !this.started.has(event.taskId))
          this.started.set(event.taskId, atMs);
        if (FAILURE_STATES.has(event.state))
          this.failures.set(slotKey(event.role, event.index), {
            taskId: event.taskId,
            state: event.state,
            ...(event.reason !== undefined ? { reason: event.reason } : {}),
            ...(event.message !== undefined ? { message: event.message } : {}),
            atMs,
          });
        if (TERMINAL_STATES.has(event.state)) {
          this.started.delete(event.taskId);
          this.rates.delete(event.taskId);
        }
        return;
      }
      default:
        return;
    }
  }

  restartsOf(role: Role, index: number): number {
    return this.restarts.get(slotKey(role, index)) ?? 0;
  }

  /** Restarts per role, for `/metrics`. */
  restartsByRole(): Map<Role, number> {
    const out = new Map<Role, number>();
    for (const [k, n] of this.restarts) {
      const role = k.slice(0, k.lastIndexOf('-')) as Role;
      out.set(role, (out.get(role) ?? 0) + n);
    }
    return out;
  }

  totalRestarts(): number {
    let n = 0;
    for (const v of this.restarts.values()) n += v;
    return n;
  }

  lastFailureOf(role: Role, index: number): FailureRecord | undefined {
    return this.failures.get(slotKey(role, index));
  }

  startedAtMs(taskId: string): number | undefined {
    return this.started.get(taskId);
  }

  /** Global steps per second over the last RATE_WINDOW_MS (0 with fewer than two reports). */
  stepRate(nowMs: number): number {
    const recent = this.stepSamples.filter(([t]) => t >= nowMs - RATE_WINDOW_MS);
    if (recent.length < 2) return 0;
    const [t0, s0] = recent[0]!;
    const [t1, s1] = recent[recent.length - 1]!;
    return t1 > t0 ? ((s1 - s0) * 1000) / (t1 - t0) : 0;
  }

  /** Job-wide images per second: ps-0's figure when it reports one, else the sum over workers. */
  imagesPerSec(nowMs: number): number {
    const live = this.liveRates(nowMs);
    const jobWide = live.filter((r) => r.jobWide && r.role !== 'evaluator' && r.imagesPerSec !== undefined);
    if (jobWide.length > 0) return Math.max(...jobWide.map((r) => r.imagesPerSec!));
    let sum = 0;
    for (const r of live) if (r.role === 'worker') sum += r.imagesPerSec ?? 0;
    return sum;
  }

  /**
   * Staleness of recent pushes: mean of the PS shards' means and max of their maxima; from the workers'
   * own figures when no shard reports any. Undefined when nobody reported staleness.
   */
  staleness(nowMs: number): { mean: number; max: number } | undefined {
    const live = this.liveRates(nowMs);
    const shards = live.filter((r) => r.stalenessMean !== undefined || r.stalenessMax !== undefined);
    if (shards.length > 0) {
      const means = shards.map((r) => r.stalenessMean ?? r.stalenessMax!);
      return {
        mean: means.reduce((a, b) => a + b, 0) / means.length,
        max: Math.max(...shards.map((r) => r.stalenessMax ?? r.stalenessMean!)),
      };
    }
    const workers = live.filter((r) => r.staleness !== undefined).map((r) => r.staleness!);
    if (workers.length === 0) return undefined;
    return { mean: workers.reduce((a, b) => a + b, 0) / workers.length, max: Math.max(...workers) };
  }

  private liveRates(nowMs: number): TaskRate[] {
    return [...this.rates.values()].filter((r) => r.atMs >= nowMs - RATE_WINDOW_MS);
  }
}

/** Appends keeping steps non-decreasing (a late report of an older step is dropped) and the length bounded. */
export function appendPoint(series: SeriesPoint[], step: number, value: number): void {
  const last = series[series.length - 1];
  if (last && step < last[0]) return;
  if (last && step === last[0]) last[1] = value;
  else series.push([step, value]);
  if (series.length > MAX_SERIES_POINTS) {
    // Keep the newest point and every other older one.
    const kept = series.filter((_, i) => i % 2 === 1 || i === series.length - 1);
    series.splice(0, series.length, ...kept);
  }
}

/** Every job's history, plus the runtime-wide counters and what is known about agents and sandboxes. */
export class RuntimeRecords {
  private readonly jobs = new Map<string, JobHistory>();
  offersAccepted = 0;
  offersDeclined = 0;
  /** agent id → `http://host:port` (from offers). */
  readonly agentUrls = new Map<string, string>();
  /** executor id → sandbox directory (from progress reports or the agent's /state). */
  readonly sandboxes = new Map<string, string>();
  /** task id → where it was launched, for the newest MAX_REMEMBERED_TASKS launches (logs of ended tasks). */
  readonly launched = new Map<string, { readonly jobId: string; readonly agentId: string }>();

  /** Remembers a launch, forgetting the oldest beyond MAX_REMEMBERED_TASKS. */
  noteLaunch(taskId: string, jobId: string, agentId: string): void {
    this.launched.set(taskId, { jobId, agentId });
    if (this.launched.size > MAX_REMEMBERED_TASKS) this.launched.delete(this.launched.keys().next().value!);
  }

  job(jobId: string): JobHistory {
    let h = this.jobs.get(jobId);
    if (!h) this.jobs.set(jobId, (h = new JobHistory()));
    return h;
  }

  /** The history if the job ever had one (views of a job loaded from the store start empty). */
  peek(jobId: string): JobHistory | undefined {
    return this.jobs.get(jobId);
  }
}
