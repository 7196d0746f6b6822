// The agent tells a custom executor everything through MESOS_* variables (REFERENCE §1.10). They are read
// once, every problem is collected into one error, and durations are parsed into milliseconds.
import { NodalError } from '../../config/errors.js';
import { parseMesosDuration } from '../../protos/wire/duration.js';

/** Agent flag defaults, used when the agent did not pass the variable. */
export const DEFAULT_RECOVERY_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_SUBSCRIPTION_BACKOFF_MAX_MS = 2_000;
export const DEFAULT_SHUTDOWN_GRACE_PERIOD_MS = 5_000;

/** The executor API path on the agent (same handler as `/slave(1)/api/v1/executor`). */
export const EXECUTOR_API_PATH = '/api/v1/executor';

/** What the agent told this executor, validated. */
export interface ExecutorEnvironment {
  readonly frameworkId: string;
  readonly executorId: string;
  /** MESOS_SLAVE_ID (there is no MESOS_AGENT_ID). */
  readonly agentId: string | undefined;
  /** Where calls go: `http(s)://<MESOS_AGENT_ENDPOINT>/api/v1/executor`. */
  readonly agentUrl: URL;
  /** Sandbox path on the host (MESOS_DIRECTORY). */
  readonly directory: string | undefined;
  /** Sandbox path inside the container (MESOS_SANDBOX). */
  readonly sandbox: string | undefined;
  /** MESOS_CHECKPOINT="1": survive agent restarts by re-subscribing. */
  readonly checkpoint: boolean;
  /** How long to keep trying to re-subscribe after a disconnection (checkpointing only). */
  readonly recoveryTimeoutMs: number;
  /** No single re-subscription delay exceeds this. */
  readonly subscriptionBackoffMaxMs: number;
  /** Time between SHUTDOWN and the agent killing the container. */
  readonly shutdownGracePeriodMs: number;
  /** Sent as `Authorization: Bearer` when the agent authenticates executors. */
  readonly authenticationToken: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function agentUrlOf(env: Env, problems: string[]): URL | undefined {
  const scheme = /^(1|true)$/i.test(env.LIBPROCESS_SSL_ENABLED ?? '') ? 'https' : 'http';
  const endpoint = env.MESOS_AGENT_ENDPOINT;
  if (endpoint !== undefined && endpoint !== '') {
    const url = URL.canParse(`${scheme}://${endpoint}`) ? new URL(`${scheme}://${endpoint}`) : undefined;
    if (url === undefined || url.port === '' || url.pathname !== '/' || url.username !== '') {
      problems.push(`MESOS_AGENT_ENDPOINT must be host:port (got '${endpoint}')`);
      return undefined;
    }
    url.pathname = EXECUTOR_API_PATH;
    return url;
  }
  // Older agents only give the libprocess pid; the C++ library derives the URL from it the same way.
  const pid = env.MESOS_SLAVE_PID;
  const match = pid === undefined ? null : /^([^@/]+)@([^@/]+:\d+)$/.exec(pid);
  if (match === null) {
    problems.push(
      pid === undefined
        ? 'MESOS_AGENT_ENDPOINT is missing (and no MESOS_SLAVE_PID to derive it from)'
        : `MESOS_SLAVE_PID must be id@host:port (got '${pid}')`,
    );
    return undefined;
  }
  return new URL(`${scheme}://${match[2]}/${match[1]}${EXECUTOR_API_PATH}`);
}

function durationOf(env: Env, name: string, fallbackMs: number, problems: string[]): number {
  const value = env[name];
  if (value === undefined || value === '') return fallbackMs;
  try {
    return parseMesosDuration(value);
  } catch (err) {
    problems.push(
      `${name} is not a Mesos duration (got '${value}'): ${err instanceof Error ? err.message : err}`,
    );
    return fallbackMs;
  }
}

/**
 * Reads and validates the executor's MESOS_* environment. Throws NodalError('CONFIG_INVALID') listing every
 * problem (missing ids, a bad endpoint, MESOS_CHECKPOINT other than "1"/"0", unparsable durations).
 */
export function readExecutorEnvironment(env: Env): ExecutorEnvironment {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') problems.push(`${name} is missing`);
    return value ?? '';
  };
  const frameworkId = required('MESOS_FRAMEWORK_ID');
  const executorId = required('MESOS_EXECUTOR_ID');
  const agentUrl = agentUrlOf(env, problems);
  const checkpointRaw = env.MESOS_CHECKPOINT ?? '0';
  if (checkpointRaw !== '1' && checkpointRaw !== '0') {
    problems.push(`MESOS_CHECKPOINT must be "1" or "0" (got '${checkpointRaw}')`);
  }
  const recoveryTimeoutMs = durationOf(env, 'MESOS_RECOVERY_TIMEOUT', DEFAULT_RECOVERY_TIMEOUT_MS, problems);
  const subscriptionBackoffMaxMs = durationOf(
    env,
    'MESOS_SUBSCRIPTION_BACKOFF_MAX',
    DEFAULT_SUBSCRIPTION_BACKOFF_MAX_MS,
    problems,
  );
  const shutdownGracePeriodMs = durationOf(
    env,
    'MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD',
    DEFAULT_SHUTDOWN_GRACE_PERIOD_MS,
    problems,
  );
  if (problems.length > 0 || agentUrl === undefined) {
    throw new NodalError('CONFIG_INVALID', `invalid executor environment: ${problems.join('; ')}`, {
      problems,
    });
  }
  const optional = (name: string) => (env[name] === '' ? undefined : env[name]);
  return Object.freeze({
    frameworkId,
    executorId,
    agentId: optional('MESOS_SLAVE_ID'),
    agentUrl,
    directory: optional('MESOS_DIRECTORY'),
    sandbox: optional('MESOS_SANDBOX'),
    checkpoint: checkpointRaw === '1',
    recoveryTimeoutMs,
    subscriptionBackoffMaxMs,
    shutdownGracePeriodMs,
    authenticationToken: optional('MESOS_EXECUTOR_AUTHENTICATION_TOKEN'),
  });
}
