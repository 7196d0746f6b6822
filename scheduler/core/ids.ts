// Identifiers the core hands out. The source is injected so tests are deterministic and the runtime
// can use a cryptographic generator for secrets (the core does no I/O and imports no crypto).
import type { Role } from './job-spec.js';

/** Supplies fresh identifiers and secrets. */
export interface IdSource {
  /** A short string unique for every call (a task id suffix: `<job>.<role>-<index>.<suffix>`). */
  taskSuffix(): string;
  /** A job id matching JOB_ID_PATTERN, for jobs submitted without one. */
  jobId(): string;
  /** A per-job secret (the PS gRPC credential); must be unguessable in production. */
  jobSecret(): string;
}

/**
 * Deterministic ids from a counter: `t1`, `t2`…, `job-1`…, `secret-1`…. For tests and benchmarks
 * only: its secrets are guessable.
 */
export function counterIds(): IdSource {
  let task = 0;
  let job = 0;
  let secret = 0;
  return {
    taskSuffix: () => `t${(++task).toString(36)}`,
    jobId: () => `job-${++job}`,
    jobSecret: () => `secret-${++secret}`,
  };
}

/** `<job>.<role>-<index>.<suffix>`: unique per launch, and readable in the Mesos UI. */
export const taskIdFor = (jobId: string, role: Role, index: number, suffix: string): string =>
  `${jobId}.${role}-${index}.${suffix}`;

/** One executor per task, so its id follows the task's. */
export const executorIdFor = (taskId: string): string => `nodal-executor.${taskId}`;
