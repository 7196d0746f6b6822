// One task's life cycle, pure: what happened in, the next phase and the status update to send out. The
// runner only executes what this decides, so the table below is the whole of "which TaskState when".
//
//   starting ──started──▶ running ──completed──▶ finished (TASK_FINISHED)
//      │                    │  ╰─────failed────▶ failed   (TASK_FAILED, with the error)
//      │                    ╰─health change──▶ running (TASK_RUNNING, healthy, REASON_TASK_HEALTH_CHECK_STATUS_UPDATED)
//      ╰──kill──▶ killing ──stopped──▶ killed (TASK_KILLED)
// (and starting ──failed──▶ failed). While killing, the role's own end is not reported: the stop path always
// ends with `stopped` (the role stopped, or the grace period ran out), so the message says why it ended.
// TASK_STARTING is sent when the task arrives, before any of this. A health check that reaches its failure
// threshold kills the task like a KILL does, and the final TASK_KILLED says so (healthy: false).
import type { TaskState, TaskStatusReason } from '../../protos/mesos/v1/types.js';

export type TaskPhase = 'starting' | 'running' | 'killing' | 'finished' | 'failed' | 'killed';

/** The task's life so far. */
export interface TaskLife {
  readonly phase: TaskPhase;
  /** Last health reported; undefined before the first probe result. */
  readonly healthy?: boolean;
  /** The kill came from the health check. */
  readonly killedByHealthCheck?: boolean;
}

export type TaskInput =
  /** The role is up (the PS serves, the worker trains). */
  | { readonly kind: 'started'; readonly message: string }
  /** The role ended on its own; `data` travels in the terminal update. */
  | { readonly kind: 'completed'; readonly message: string; readonly data?: Uint8Array }
  | { readonly kind: 'failed'; readonly message: string }
  /** KILL or SHUTDOWN. */
  | { readonly kind: 'kill' }
  /** The role stopped after a kill (or gave up stopping within the grace period). */
  | { readonly kind: 'stopped'; readonly message: string }
  | {
      readonly kind: 'health';
      readonly healthy: boolean;
      readonly killTask: boolean;
      readonly detail: string;
    };

/** A status update to send, without ids (the runner adds them). */
export interface StatusChange {
  readonly state: TaskState;
  readonly message?: string;
  readonly reason?: TaskStatusReason;
  readonly healthy?: boolean;
  readonly data?: Uint8Array;
}

export interface TaskStep {
  readonly life: TaskLife;
  readonly update?: StatusChange;
  /** Start stopping the role now (within the kill grace period). */
  readonly stopRole?: boolean;
}

export const TERMINAL_PHASES: readonly TaskPhase[] = ['finished', 'failed', 'killed'];
export const isTerminalPhase = (p: TaskPhase): boolean => TERMINAL_PHASES.includes(p);

const HEALTH_REASON: TaskStatusReason = 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';

/** The next step of `life` for `input`; inputs that do not apply to the phase change nothing. */
export function stepTask(life: TaskLife, input: TaskInput): TaskStep {
  const { phase } = life;
  if (isTerminalPhase(phase)) return { life };
  const live = phase === 'starting' || phase === 'running';
  switch (input.kind) {
    case 'started':
      if (phase !== 'starting') return { life };
      return {
        life: { ...life, phase: 'running' },
        update: { state: 'TASK_RUNNING', message: input.message },
      };
    case 'completed':
      if (phase === 'killing') return { life };
      return {
        life: { ...life, phase: 'finished' },
        update: {
          state: 'TASK_FINISHED',
          message: input.message,
          ...(input.data !== undefined ? { data: input.data } : {}),
        },
      };
    case 'failed':
      if (phase === 'killing') return { life };
      return { life: { ...life, phase: 'failed' }, update: { state: 'TASK_FAILED', message: input.message } };
    case 'kill':
      return live ? { life: { ...life, phase: 'killing' }, stopRole: true } : { life };
    case 'stopped':
      return phase === 'killing' ? killed(life, input.message) : { life };
    case 'health': {
      if (phase !== 'running') return { life };
      const changed = life.healthy !== input.healthy;
      const next: TaskLife = input.killTask
        ? { ...life, healthy: input.healthy, phase: 'killing', killedByHealthCheck: true }
        : { ...life, healthy: input.healthy };
      return {
        life: next,
        ...(changed || input.killTask
          ? {
              update: {
                state: 'TASK_RUNNING',
                reason: HEALTH_REASON,
                healthy: input.healthy,
                message: `health check ${input.healthy ? 'passed' : 'failed'}: ${input.detail}`,
              },
            }
          : {}),
        ...(input.killTask ? { stopRole: true } : {}),
      };
    }
  }
}

function killed(life: TaskLife, message: string): TaskStep {
  const byHealth = life.killedByHealthCheck === true;
  return {
    life: { ...life, phase: 'killed' },
    update: {
      state: 'TASK_KILLED',
      message: byHealth ? `killed after failing its health check; ${message}` : message,
      ...(byHealth ? { healthy: false, reason: HEALTH_REASON } : {}),
    },
  };
}
