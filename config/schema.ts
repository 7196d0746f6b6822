// One convict schema for every nodal process (scheduler, executor, embedded cluster, CLI). Each key has a
// doc, a format, a default, an environment variable and a flag; units are in the names.
import convict from 'convict';

/** Comma-separated list; a `zk://` URL is one entry although its host list has commas. */
export function splitList(raw: string): string[] {
  const t = raw.trim();
  if (t.startsWith('zk://')) return [t];
  return t
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const positiveInt = {
  name: 'positive-int',
  validate(v: unknown) {
    if (!Number.isInteger(v) || (v as number) <= 0) throw new Error('must be a positive integer');
  },
  coerce: (v: unknown) => (typeof v === 'string' ? Number(v) : v),
};
const nonNegativeNumber = {
  name: 'non-negative-number',
  validate(v: unknown) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error('must be a number >= 0');
  },
  coerce: (v: unknown) => (typeof v === 'string' ? Number(v) : v),
};
const stringList = {
  name: 'string-list',
  validate(v: unknown) {
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.length === 0))
      throw new Error('must be a list of non-empty strings');
  },
  coerce: (v: unknown) => (typeof v === 'string' ? splitList(v) : v),
};
convict.addFormats({
  'positive-int': positiveInt,
  'non-negative-number': nonNegativeNumber,
  'string-list': stringList,
});

export const schema = {
  log: {
    level: {
      doc: 'Log level',
      format: ['error', 'warn', 'info', 'debug'],
      default: 'info',
      env: 'NODAL_LOG_LEVEL',
      arg: 'log-level',
    },
    format: {
      doc: 'json (production) or pretty (terminal); auto picks pretty on a TTY',
      format: ['json', 'pretty', 'auto'],
      default: 'auto',
      env: 'NODAL_LOG_FORMAT',
      arg: 'log-format',
    },
  },
  mesos: {
    master: {
      doc: 'Mesos master(s): comma-separated http(s)://host:port URLs, or zk://host:port[,host:port]/path',
      format: 'string-list',
      default: ['http://127.0.0.1:5050'],
      env: 'NODAL_MESOS_MASTER',
      arg: 'master',
    },
    contentType: {
      doc: 'Encoding of calls and events toward the master',
      format: ['json', 'protobuf'],
      default: 'protobuf',
      env: 'NODAL_MESOS_CONTENT_TYPE',
      arg: 'mesos-content-type',
    },
    principal: {
      doc: 'HTTP basic auth principal toward Mesos (empty: no auth)',
      format: String,
      default: '',
      env: 'NODAL_MESOS_PRINCIPAL',
      arg: 'mesos-principal',
    },
    secret: {
      doc: 'HTTP basic auth secret toward Mesos',
      format: String,
      default: '',
      sensitive: true,
      env: 'NODAL_MESOS_SECRET',
      arg: 'mesos-secret',
    },
    frameworkName: {
      doc: 'FrameworkInfo.name',
      format: String,
      default: 'nodal',
      env: 'NODAL_FRAMEWORK_NAME',
      arg: 'framework-name',
    },
    role: {
      doc: 'Role the framework subscribes with (MULTI_ROLE)',
      format: String,
      default: '*',
      env: 'NODAL_MESOS_ROLE',
      arg: 'mesos-role',
    },
    user: {
      doc: 'FrameworkInfo.user (empty: the current user)',
      format: String,
      default: '',
      env: 'NODAL_MESOS_USER',
      arg: 'mesos-user',
    },
    failoverTimeoutMs: {
      doc: 'FrameworkInfo.failover_timeout: how long the master keeps tasks running while the scheduler is away',
      format: 'positive-int',
      default: 7 * 24 * 3600 * 1000,
      env: 'NODAL_FAILOVER_TIMEOUT_MS',
      arg: 'failover-timeout-ms',
    },
    heartbeatMissLimit: {
      doc: 'Reconnect after this many heartbeat intervals without any event',
      format: 'positive-int',
      default: 5,
      env: 'NODAL_HEARTBEAT_MISS_LIMIT',
      arg: 'heartbeat-miss-limit',
    },
    callTimeoutMs: {
      doc: 'Timeout of one non-streaming call',
      format: 'positive-int',
      default: 75_000,
      env: 'NODAL_CALL_TIMEOUT_MS',
      arg: 'call-timeout-ms',
    },
    backoffInitialMs: {
      doc: 'First reconnect delay',
      format: 'positive-int',
      default: 500,
      env: 'NODAL_BACKOFF_INITIAL_MS',
      arg: 'backoff-initial-ms',
    },
    backoffMaxMs: {
      doc: 'Largest reconnect delay',
      format: 'positive-int',
      default: 15_000,
      env: 'NODAL_BACKOFF_MAX_MS',
      arg: 'backoff-max-ms',
    },
  },
  store: {
    kind: {
      doc: 'Where the scheduler keeps framework id, jobs and tasks',
      format: ['file', 'zookeeper'],
      default: 'file',
      env: 'NODAL_STORE',
      arg: 'store',
    },
    path: {
      doc: 'Directory of the file store',
      format: String,
      default: '.nodal/state',
      env: 'NODAL_STORE_PATH',
      arg: 'store-path',
    },
  },
  zookeeper: {
    connect: {
      doc: 'ZooKeeper connect string host:port[,host:port]',
      format: String,
      default: '127.0.0.1:2181',
      env: 'NODAL_ZK_CONNECT',
      arg: 'zk-connect',
    },
    path: {
      doc: 'Root znode of this scheduler',
      format: String,
      default: '/nodal',
      env: 'NODAL_ZK_PATH',
      arg: 'zk-path',
    },
    sessionTimeoutMs: {
      doc: 'ZooKeeper session timeout',
      format: 'positive-int',
      default: 10_000,
      env: 'NODAL_ZK_SESSION_TIMEOUT_MS',
      arg: 'zk-session-timeout-ms',
    },
  },
  api: {
    host: {
      doc: 'Address the scheduler API binds to',
      format: String,
      default: '127.0.0.1',
      env: 'NODAL_API_HOST',
      arg: 'api-host',
    },
    port: {
      doc: 'Port of the scheduler API (0: any free port)',
      format: 'port',
      default: 8080,
      env: 'PORT0',
      arg: 'api-port',
    },
    url: {
      doc: 'Where the CLI finds the scheduler API',
      format: String,
      default: 'http://127.0.0.1:8080',
      env: 'NODAL_API_URL',
      arg: 'api-url',
    },
    token: {
      doc: 'Bearer token required on every API route except /health',
      format: String,
      default: '',
      sensitive: true,
      env: 'NODAL_API_TOKEN',
      arg: 'api-token',
    },
    authDisabled: {
      doc: 'Serve the API without a token (only for the embedded local cluster)',
      format: Boolean,
      default: false,
      env: 'NODAL_API_AUTH_DISABLED',
      arg: 'api-auth-disabled',
    },
    tlsCertFile: {
      doc: 'PEM certificate: serve the API over TLS',
      format: String,
      default: '',
      env: 'NODAL_API_TLS_CERT',
      arg: 'api-tls-cert',
    },
    tlsKeyFile: {
      doc: 'PEM private key for the API certificate',
      format: String,
      default: '',
      env: 'NODAL_API_TLS_KEY',
      arg: 'api-tls-key',
    },
  },
  executor: {
    backend: {
      doc: 'TensorFlow.js backend: auto tries tfjs-node-gpu, tfjs-node, then wasm',
      format: ['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'],
      default: 'auto',
      env: 'NODAL_BACKEND',
      arg: 'backend',
    },
    command: {
      doc: "Command that starts `nodal executor` on an agent (empty: this installation's own binary)",
      format: String,
      default: '',
      env: 'NODAL_EXECUTOR_COMMAND',
      arg: 'executor-command',
    },
    image: {
      doc: 'Docker image of the executor',
      format: String,
      default: 'nodal/executor:latest',
      env: 'NODAL_EXECUTOR_IMAGE',
      arg: 'executor-image',
    },
    bindHost: {
      doc: 'Address a PS task binds its gRPC server to (its port is the first offered one)',
      format: String,
      default: '0.0.0.0',
      env: 'NODAL_BIND_HOST',
      arg: 'bind-host',
    },
    dataCacheDir: {
      doc: 'Shared per-host cache of generated synthetic data (empty: <os tmpdir>/nodal-data)',
      format: String,
      default: '',
      env: 'NODAL_DATA_CACHE',
      arg: 'data-cache',
    },
    checkpointRoot: {
      doc: 'Where relative job checkpoint dirs live (empty: <os tmpdir>/nodal); each job gets <dir>/<jobId>',
      format: String,
      default: '',
      env: 'NODAL_CHECKPOINT_ROOT',
      arg: 'checkpoint-root',
    },
    leaseTimeoutMs: {
      doc: 'ps-0: a data lease not reported on for this long (its worker died or hangs) returns to the pool',
      format: 'positive-int',
      default: 300_000,
      env: 'NODAL_LEASE_TIMEOUT_MS',
      arg: 'lease-timeout-ms',
    },
  },
  cluster: {
    host: {
      doc: 'Address the embedded cluster binds to',
      format: String,
      default: '127.0.0.1',
      env: 'NODAL_CLUSTER_HOST',
      arg: 'cluster-host',
    },
    port: {
      doc: 'Port of the embedded master (0: any free port)',
      format: 'port',
      default: 5050,
      env: 'NODAL_CLUSTER_PORT',
      arg: 'port',
    },
    agents: {
      doc: 'Number of embedded agents',
      format: 'positive-int',
      default: 2,
      env: 'NODAL_CLUSTER_AGENTS',
      arg: 'agents',
    },
    agentCpus: {
      doc: "cpus per agent (0: the machine's cores)",
      format: 'non-negative-number',
      default: 0,
      env: 'NODAL_AGENT_CPUS',
      arg: 'agent-cpus',
    },
    agentMemMb: {
      doc: "mem (MB) per agent (0: the machine's memory / agents)",
      format: 'non-negative-number',
      default: 0,
      env: 'NODAL_AGENT_MEM_MB',
      arg: 'agent-mem-mb',
    },
    agentGpus: {
      doc: 'gpus per agent',
      format: 'non-negative-number',
      default: 0,
      env: 'NODAL_AGENT_GPUS',
      arg: 'agent-gpus',
    },
    workDir: {
      doc: 'Work directory of the agents (sandboxes)',
      format: String,
      default: '.nodal/cluster',
      env: 'NODAL_CLUSTER_WORK_DIR',
      arg: 'work-dir',
    },
  },
} as const;

/** A convict instance over the schema that reads neither process.env nor process.argv (load.ts does). */
export function makeConfig(): convict.Config<ConfigShape> {
  return convict(schema as unknown as convict.Schema<ConfigShape>, { env: {}, args: [] });
}

export interface ConfigShape {
  log: { level: 'error' | 'warn' | 'info' | 'debug'; format: 'json' | 'pretty' | 'auto' };
  mesos: {
    master: string[];
    contentType: 'json' | 'protobuf';
    principal: string;
    secret: string;
    frameworkName: string;
    role: string;
    user: string;
    failoverTimeoutMs: number;
    heartbeatMissLimit: number;
    callTimeoutMs: number;
    backoffInitialMs: number;
    backoffMaxMs: number;
  };
  store: { kind: 'file' | 'zookeeper'; path: string };
  zookeeper: { connect: string; path: string; sessionTimeoutMs: number };
  api: {
    host: string;
    port: number;
    url: string;
    token: string;
    authDisabled: boolean;
    tlsCertFile: string;
    tlsKeyFile: string;
  };
  executor: {
    backend: 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
    command: string;
    image: string;
    bindHost: string;
    dataCacheDir: string;
    checkpointRoot: string;
    leaseTimeoutMs: number;
  };
  cluster: {
    host: string;
    port: number;
    agents: number;
    agentCpus: number;
    agentMemMb: number;
    agentGpus: number;
    workDir: string;
  };
}
