// TaskLaunch (the core's decision) → Mesos TaskInfo (protos/mesos/v1/types.ts shape, snake_case) and
// the LAUNCH operation that carries it. Each task runs its own custom executor, `nodal executor`:
// - GPU tasks: Mesos containerizer with a Docker image (the Docker containerizer passes no GPU
//   devices); the image must declare NVIDIA_VISIBLE_DEVICES for the agent to inject the driver.
// - CPU tasks: the Mesos containerizer too, or the Docker containerizer when configured.
// - No image at all (embedded local cluster): no ContainerInfo, the executor runs as a host process.
import type { ResourceGrant, TaskLaunch } from '../core/index.js';
import type {
  CommandInfo,
  ContainerInfo,
  ExecutorInfo,
  HealthCheck,
  Labels,
  OfferOperation,
  Resource,
  TaskInfo,
} from '../../protos/mesos/v1/types.js';

export interface TaskInfoOptions {
  /** The program that runs `nodal executor`: exec'd as `value` with `arguments` as the full argv. Default `nodal`. */
  readonly executorCommand?: { readonly value: string; readonly arguments: readonly string[] };
  /** Image for tasks whose spec names none; '' or absent: run without a container image. */
  readonly defaultImage?: string;
  /** Containerizer for CPU-only tasks; GPU tasks always use the Mesos containerizer. Default 'mesos'. */
  readonly cpuContainerizer?: 'mesos' | 'docker';
  /** Pull the image even when cached. */
  readonly forcePullImage?: boolean;
  /** Extra environment for every executor (NODAL_SCHEDULER_URL, NODAL_LOG_LEVEL, …); NODAL_* from the core win. */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** Set ExecutorInfo.framework_id. */
  readonly frameworkId?: string;
  /** Executor shutdown grace beyond the task's kill grace period (the executor checkpoints, then exits). */
  readonly executorShutdownExtraMs?: number;
}

const DEFAULT_EXECUTOR_COMMAND = { value: 'nodal', arguments: ['nodal', 'executor'] };
const NS_PER_MS = 1_000_000;

/** The TaskInfo for one launch. */
export function buildTaskInfo(launch: TaskLaunch, opts: TaskInfoOptions = {}): TaskInfo {
  const info: TaskInfo = {
    name: launch.name,
    task_id: { value: launch.taskId },
    agent_id: { value: launch.agentId },
    resources: launch.resources.map((g) => toResource(g, launch.allocationRole)),
    executor: buildExecutorInfo(launch, opts),
    labels: toLabels(launch.labels),
    kill_policy: { grace_period: { nanoseconds: launch.killGracePeriodMs * NS_PER_MS } },
  };
  const hc = buildHealthCheck(launch);
  if (hc) info.health_check = hc;
  if (launch.ports.length > 0)
    info.discovery = {
      visibility: 'FRAMEWORK',
      name: `${launch.jobId}-${launch.role}-${launch.index}`,
      ports: {
        ports: launch.ports.map((number, i) => ({
          number,
          name: i === 0 ? 'nodal' : `nodal-${i}`,
          protocol: 'tcp',
        })),
      },
    };
  return info;
}

/** One LAUNCH operation for the tasks of one ACCEPT. */
export function buildLaunchOperation(
  launches: readonly TaskLaunch[],
  opts: TaskInfoOptions = {},
): OfferOperation {
  return { type: 'LAUNCH', launch: { task_infos: launches.map((l) => buildTaskInfo(l, opts)) } };
}

function buildExecutorInfo(launch: TaskLaunch, opts: TaskInfoOptions): ExecutorInfo {
  const image = launch.image ?? (opts.defaultImage || undefined);
  const docker = image !== undefined && !launch.gpu && opts.cpuContainerizer === 'docker';
  const env: Record<string, string> = { ...(opts.extraEnv ?? {}), ...launch.env };
  if (launch.gpu) env.NVIDIA_VISIBLE_DEVICES ??= 'all';
  const executor: ExecutorInfo = {
    executor_id: { value: launch.executorId },
    type: 'CUSTOM',
    name: `nodal ${launch.role}-${launch.index} of ${launch.jobId}`,
    command: executorCommand(opts, docker, env),
    resources: launch.executorResources.map((g) => toResource(g, launch.allocationRole)),
    shutdown_grace_period: {
      nanoseconds: (launch.killGracePeriodMs + (opts.executorShutdownExtraMs ?? 5000)) * NS_PER_MS,
    },
    labels: toLabels(launch.labels),
  };
  if (opts.frameworkId) executor.framework_id = { value: opts.frameworkId };
  if (image !== undefined) executor.container = container(image, docker, opts.forcePullImage ?? false);
  return executor;
}

// shell: false, so the argv is exactly ours (a shell would ignore `arguments`). The Mesos containerizer
// execs `value` with `arguments` as the full argv; the Docker containerizer runs
// `docker run <image> <value> <arguments...>`, so there argv[0] must not be repeated. Images used with
// the Docker containerizer must have no ENTRYPOINT, or one that execs its arguments (tini, dumb-init).
function executorCommand(opts: TaskInfoOptions, docker: boolean, env: Record<string, string>): CommandInfo {
  const cmd = opts.executorCommand ?? DEFAULT_EXECUTOR_COMMAND;
  return {
    shell: false,
    value: cmd.value,
    arguments: docker ? cmd.arguments.slice(1) : [...cmd.arguments],
    environment: {
      variables: Object.keys(env)
        .sort()
        .map((name) => ({ name, type: 'VALUE' as const, value: env[name]! })),
    },
  };
}

function container(image: string, docker: boolean, forcePull: boolean): ContainerInfo {
  if (docker)
    // Host networking: the executor reaches MESOS_AGENT_ENDPOINT and serves on its offered ports directly.
    return { type: 'DOCKER', docker: { image, network: 'HOST', force_pull_image: forcePull } };
  return {
    type: 'MESOS',
    mesos: { image: { type: 'DOCKER', docker: { name: image }, ...(forcePull ? { cached: false } : {}) } },
  };
}

function buildHealthCheck(launch: TaskLaunch): HealthCheck | undefined {
  const hc = launch.healthCheck;
  if (!hc) return undefined;
  const timing = {
    delay_seconds: hc.timing.delaySeconds,
    interval_seconds: hc.timing.intervalSeconds,
    timeout_seconds: hc.timing.timeoutSeconds,
    consecutive_failures: hc.timing.consecutiveFailures,
    grace_period_seconds: hc.timing.gracePeriodSeconds,
  };
  // Mesos runs no checks for custom executors: `nodal executor` reads this and runs it itself.
  if (hc.type === 'TCP') return { type: 'TCP', tcp: { port: hc.port }, ...timing };
  return { type: 'COMMAND', command: { shell: true, value: hc.command }, ...timing };
}

/**
 * A grant as a Mesos Resource. Reserved resources go back in the pre-RESERVATION_REFINEMENT form the
 * master offers to frameworks without that capability: `role`, plus `reservation` when dynamic.
 */
export function toResource(g: ResourceGrant, allocationRole: string): Resource {
  const r: Resource =
    g.name === 'ports'
      ? {
          name: 'ports',
          type: 'RANGES',
          ranges: { range: g.ranges.map((x) => ({ begin: x.begin, end: x.end })) },
        }
      : { name: g.name, type: 'SCALAR', scalar: { value: g.value } };
  r.allocation_info = { role: allocationRole };
  if (g.reservation) {
    r.role = g.reservation.role;
    if (g.reservation.type === 'DYNAMIC')
      r.reservation = {
        ...(g.reservation.principal !== undefined ? { principal: g.reservation.principal } : {}),
        ...(g.reservation.labels ? { labels: toLabels(g.reservation.labels) } : {}),
      };
  }
  return r;
}

function toLabels(labels: Readonly<Record<string, string>>): Labels {
  return { labels: Object.entries(labels).map(([key, value]) => ({ key, value })) };
}
