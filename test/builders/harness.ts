// Drives the pure reducer like the runtime would: one input at a time, a manual clock, deterministic
// ids. Keeps every step's commands so tests can assert sequences.
import {
  counterIds,
  createReducer,
  initialState,
  type Command,
  type CoreOptions,
  type CoreState,
  type DomainOffer,
  type Input,
  type JobSpec,
  type Step,
  type TaskLaunch,
  type TaskState,
  type TaskReason,
} from '../../scheduler/core/index.js';
import { offer } from './offer.js';

export type CommandOf<T extends Command['type']> = Extract<Command, { type: T }>;

export class Harness {
  state: CoreState;
  nowMs: number;
  readonly steps: Step[] = [];
  private readonly reduce;
  private uuidSeq = 0;

  constructor(opts: Partial<CoreOptions> = {}, state: CoreState = initialState(), nowMs = 1_000_000) {
    this.reduce = createReducer({ ids: counterIds(), ...opts });
    this.state = state;
    this.nowMs = nowMs;
  }

  /** Feeds one input and returns its commands. */
  send(input: Input): readonly Command[] {
    const step = this.reduce(this.state, input, this.nowMs);
    this.steps.push(step);
    this.state = step.state;
    return step.commands;
  }

  get lastStep(): Step {
    return this.steps[this.steps.length - 1]!;
  }

  advance(ms: number): this {
    this.nowMs += ms;
    return this;
  }

  tick(): readonly Command[] {
    return this.send({ type: 'tick' });
  }

  /** Advances to the last step's nextTickAtMs and ticks. */
  tickToNext(): readonly Command[] {
    const at = this.lastStep.nextTickAtMs;
    if (at === undefined) throw new Error('no tick scheduled');
    this.nowMs = Math.max(this.nowMs, at);
    return this.tick();
  }

  /** Subscribes and answers the reconciliation hold by having no tasks (or ticks past it). */
  subscribe(frameworkId = 'fw-1'): readonly Command[] {
    return this.send({ type: 'subscribed', frameworkId });
  }

  submit(spec: JobSpec, jobId?: string): readonly Command[] {
    return this.send({ type: 'submitJob', spec, ...(jobId ? { jobId } : {}) });
  }

  offer(...offers: DomainOffer[]): readonly Command[] {
    return this.send({ type: 'offers', offers });
  }

  status(
    taskId: string,
    state: TaskState,
    extra: {
      reason?: TaskReason;
      uuid?: string | null;
      agentId?: string;
      healthy?: boolean;
      message?: string;
    } = {},
  ): readonly Command[] {
    const task = this.state.tasks[taskId];
    const uuid = extra.uuid === null ? undefined : (extra.uuid ?? `uuid-${++this.uuidSeq}`);
    const agentId = extra.agentId ?? task?.agentId;
    return this.send({
      type: 'taskStatus',
      taskId,
      state,
      source: uuid ? 'SOURCE_EXECUTOR' : 'SOURCE_MASTER',
      ...(extra.reason ? { reason: extra.reason } : {}),
      ...(uuid ? { uuid } : {}),
      ...(agentId ? { agentId } : {}),
      ...(extra.healthy !== undefined ? { healthy: extra.healthy } : {}),
      ...(extra.message ? { message: extra.message } : {}),
    });
  }

  /** Sends TASK_RUNNING for every task not yet running (or only those of `role`). */
  runAll(role?: string): void {
    for (const t of Object.values(this.state.tasks))
      if (t.state !== 'TASK_RUNNING' && t.killRequestedAtMs === undefined && (!role || t.role === role))
        this.status(t.taskId, 'TASK_RUNNING');
  }

  /** Task id currently filling `<role>-<index>` of a job. */
  slotTask(jobId: string, role: string, index: number): string | undefined {
    return this.state.jobs[jobId]?.slots.find((s) => s.role === role && s.index === index)?.taskId;
  }
}

/** The commands of one type, in order. */
/**
 * A subscribed harness with `spec` submitted and every task launched on one agent `a1` large enough for
 * them all, each task's launch run to TASK_RUNNING.
 */
export function runningOnOneAgent(spec: JobSpec, opts: Partial<CoreOptions> = {}): Harness {
  const h = new Harness(opts);
  h.subscribe();
  h.submit(spec);
  h.offer(
    offer()
      .agent('a1')
      .cpus(64)
      .mem(1 << 20)
      .build(),
  );
  h.runAll();
  return h;
}

export function only<T extends Command['type']>(commands: readonly Command[], type: T): CommandOf<T>[] {
  return commands.filter((c): c is CommandOf<T> => c.type === type);
}

/** Every TaskLaunch in the commands. */
export const launchesIn = (commands: readonly Command[]): TaskLaunch[] =>
  only(commands, 'launch').flatMap((l) => [...l.tasks]);

/** Command types in order, for sequence assertions. */
export const typesOf = (commands: readonly Command[]): string[] => commands.map((c) => c.type);
