// What the HTTP API, the dashboard and the CLI see of the scheduler: plain JSON views, independent of the
// core's internal state. The runtime implements `SchedulerFacade`; the API layer only translates HTTP.

export type JobState = 'pending' | 'running' | 'succeeded' | 'failed' | 'killed';
export type Role = 'ps' | 'worker' | 'evaluator';

export interface JobCondition {
  type: string;
  status: boolean;
  reason?: string;
  message?: string;
  at: string;
}

export interface WorkerCounts {
  min: number;
  max: number;
  desired: number;
  running: number;
}

export interface JobSummary {
  id: string;
  name: string;
  state: JobState;
  reason?: string;
  createdAt: string;
  finishedAt?: string;
  workers: WorkerCounts;
  step: number;
  examplesSeen: number;
  loss?: number;
  valAccuracy?: number;
  valAuc?: number;
  restarts: number;
}

export interface TaskFailure {
  state: string;
  reason?: string;
  message?: string;
  at: string;
}

export interface TaskView {
  taskId: string;
  role: Role;
  index: number;
  state: string;
  agentId?: string;
  hostname?: string;
  restarts: number;
  lastFailure?: TaskFailure;
  startedAt?: string;
  /** host:port of the task's own service (PS gRPC) when it has one. */
  endpoint?: string;
}

export type SeriesPoint = [step: number, value: number];

export interface JobProgress {
  step: number;
  examplesSeen: number;
  epoch: number;
  totalExamples?: number;
  totalSteps?: number;
  loss?: number;
  imagesPerSec?: number;
  staleness?: { mean: number; max: number };
  testAccuracy?: number;
  testAuc?: number;
  modelPath?: string;
}

export interface JobStatus extends JobSummary {
  /** The spec as submitted, with secrets removed. */
  spec: unknown;
  conditions: JobCondition[];
  progress: JobProgress;
  history: { loss: SeriesPoint[]; valAccuracy: SeriesPoint[]; valAuc: SeriesPoint[]; valLoss: SeriesPoint[] };
  tasks: TaskView[];
}

export interface ClusterSpecView {
  jobId: string;
  ps: string[];
  coordinator?: string;
  workers: string[];
  evaluator?: string;
  version: number;
}

export interface HealthView {
  /** Subscribed to a master (or standing by as a healthy non-leader). */
  subscribed: boolean;
  storeReachable: boolean;
  leader: boolean;
  frameworkId?: string;
  master?: string;
}

/** Counters and gauges for `/metrics`; the API renders them in the Prometheus text format. */
export interface MetricsSnapshot {
  tasksByRoleAndState: Array<{ role: Role; state: string; count: number }>;
  restartsTotal: Array<{ jobId: string; role: Role; count: number }>;
  offersAcceptedTotal: number;
  offersDeclinedTotal: number;
  jobs: Array<{
    jobId: string;
    state: JobState;
    stepRate: number;
    imagesPerSec: number;
    valAccuracy?: number;
    stalenessMean?: number;
    stalenessMax?: number;
    step: number;
  }>;
}

export type SchedulerEvent =
  | { kind: 'job'; job: JobSummary }
  | { kind: 'task'; jobId: string; task: TaskView }
  | { kind: 'progress'; jobId: string; progress: JobProgress };

export interface TaskSandbox {
  /** http://host:port of the agent that ran the task. */
  agentUrl: string;
  /** Sandbox directory on the agent. */
  directory: string;
}

/** The scheduler as the API sees it. Methods throw NodalError (VALIDATION, NOT_FOUND, CONFLICT, UNAVAILABLE). */
export interface SchedulerFacade {
  submitJob(spec: unknown): Promise<JobStatus>;
  listJobs(): JobSummary[];
  getJob(jobId: string): JobStatus;
  scaleJob(jobId: string, workers: number): Promise<JobStatus>;
  killJob(jobId: string): Promise<JobStatus>;
  clusterSpec(jobId: string): ClusterSpecView;
  taskSandbox(jobId: string, taskId: string): TaskSandbox;
  health(): HealthView;
  metrics(): MetricsSnapshot;
  /** Calls `listener` on every job/task/progress change until the returned function is called. */
  subscribe(listener: (event: SchedulerEvent) => void): () => void;
}
