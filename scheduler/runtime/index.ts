// The scheduler runtime's public surface: the `Scheduler` lifecycle object and what in-process users
// (`nodal local`, tests, benchmarks) need to submit jobs and watch them through its facade.
export { Scheduler, type SchedulerOptions, type SchedulerState, type ClientOverrides } from './scheduler.js';
export type { RuntimeProbe } from './core-driver.js';
export type { OutboundCall } from './outbound-calls.js';
export { executorCommandFrom, splitCommandLine, type ExecutorCommand } from './executor-command.js';
export type {
  SchedulerFacade,
  SchedulerEvent,
  JobStatus,
  JobSummary,
  HealthView,
  MetricsSnapshot,
} from '../api/types.js';
export { MemoryStore } from '../store/memory-store.js';
export { FileStore } from '../store/file-store.js';
