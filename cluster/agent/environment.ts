// The environment of an executor (REFERENCE §1.10) and of the tasks the agent runs itself. Pure: the agent
// passes its own environment, since an executor inherits it as it does from a real agent.
import path from 'node:path';
import type { CommandInfo, Resource } from '../../protos/mesos/v1/types.js';
import { formatMesosDuration } from '../../protos/wire/duration.js';

export interface ExecutorEnvInput {
  base: NodeJS.ProcessEnv;
  pathPrepend: readonly string[];
  frameworkId: string;
  executorId: string;
  agentId: string;
  agentHost: string;
  agentPort: number;
  directory: string;
  checkpoint: boolean;
  shutdownGraceMs: number;
  recoveryTimeoutMs: number;
  subscriptionBackoffMaxMs: number;
  command?: CommandInfo;
}

/** Variables from CommandInfo.environment: VALUE ones, and SECRET ones carrying their value inline. */
export function commandEnvironment(command: CommandInfo | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of command?.environment?.variables ?? []) {
    if (v.type === 'SECRET') {
      const data = v.secret?.value?.data;
      if (data) out[v.name] = Buffer.from(data).toString('utf8');
    } else out[v.name] = v.value ?? '';
  }
  return out;
}

function withPath(env: Record<string, string>, prepend: readonly string[]): Record<string, string> {
  if (!prepend.length) return env;
  const current = env.PATH ? [env.PATH] : [];
  return { ...env, PATH: [...prepend, ...current].join(path.delimiter) };
}

function plain(base: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(base).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** The environment a Mesos agent gives an executor. */
export function executorEnvironment(i: ExecutorEnvInput): Record<string, string> {
  const env: Record<string, string> = {
    ...plain(i.base),
    MESOS_FRAMEWORK_ID: i.frameworkId,
    MESOS_EXECUTOR_ID: i.executorId,
    MESOS_SLAVE_ID: i.agentId,
    MESOS_SLAVE_PID: `slave(1)@${i.agentHost}:${i.agentPort}`,
    MESOS_AGENT_ENDPOINT: `${i.agentHost}:${i.agentPort}`,
    MESOS_DIRECTORY: i.directory,
    // No image is applied, so the sandbox is seen at the same path inside and outside the "container".
    MESOS_SANDBOX: i.directory,
    MESOS_CHECKPOINT: i.checkpoint ? '1' : '0',
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: formatMesosDuration(i.shutdownGraceMs),
    LIBPROCESS_PORT: '0',
    LIBPROCESS_IP: i.agentHost,
  };
  if (i.checkpoint) {
    env.MESOS_RECOVERY_TIMEOUT = formatMesosDuration(i.recoveryTimeoutMs);
    env.MESOS_SUBSCRIPTION_BACKOFF_MAX = formatMesosDuration(i.subscriptionBackoffMaxMs);
  }
  return withPath({ ...env, ...commandEnvironment(i.command) }, i.pathPrepend);
}

export interface TaskEnvInput {
  base: NodeJS.ProcessEnv;
  pathPrepend: readonly string[];
  frameworkId: string;
  executorId: string;
  agentId: string;
  taskId: string;
  hostname: string;
  directory: string;
  resources: readonly Resource[];
  /** container_port → host_port from DockerInfo/NetworkInfo port mappings. */
  portMappings: ReadonlyArray<{ host_port: number; container_port: number }>;
  command?: CommandInfo;
}

/**
 * The environment of a task the agent runs as its built-in command/default executor. Besides the sandbox
 * variables it exports the task's ports the way Marathon does (PORT0.., PORTS) and, because there is no
 * network namespace to map ports in, each port mapping as PORT_<container_port>=<host_port>.
 */
export function taskEnvironment(i: TaskEnvInput): Record<string, string> {
  const ports = i.resources
    .filter((r) => r.name === 'ports' && r.type === 'RANGES')
    .flatMap((r) => r.ranges?.range ?? [])
    .flatMap((r) => Array.from({ length: r.end - r.begin + 1 }, (_, k) => r.begin + k));
  const env: Record<string, string> = {
    ...plain(i.base),
    MESOS_FRAMEWORK_ID: i.frameworkId,
    MESOS_EXECUTOR_ID: i.executorId,
    MESOS_SLAVE_ID: i.agentId,
    MESOS_TASK_ID: i.taskId,
    MESOS_DIRECTORY: i.directory,
    MESOS_SANDBOX: i.directory,
    HOST: i.hostname,
  };
  if (ports.length) env.PORTS = ports.join(',');
  ports.forEach((p, k) => (env[`PORT${k}`] = String(p)));
  for (const m of i.portMappings) env[`PORT_${m.container_port}`] = String(m.host_port);
  return withPath({ ...env, ...commandEnvironment(i.command) }, i.pathPrepend);
}
