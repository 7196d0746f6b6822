// Loads, validates and freezes the configuration. Precedence (lowest first): schema defaults, config
// files (NODAL_CONFIG, comma-separated, or `files`), environment variables, flags.
import { existsSync } from 'node:fs';
import { makeConfig, schema, splitList, type ConfigShape } from './schema.js';
import { NodalError } from './errors.js';
import { createLogger, type Logger } from './logger.js';

export type Config = DeepReadonly<ConfigShape>;
type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };

export interface LoadOptions {
  files?: string[];
  /** Flags (`--api-port 9000`); defaults to none, so a library user is not surprised by process.argv. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Values set by code (e.g. a CLI command's own options), applied last. */
  overrides?: Record<string, unknown>;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Loads the configuration; throws NodalError CONFIG_INVALID naming the bad key. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cfg = makeConfig();
  // convict reads env and args at construction; re-create with explicit sources so tests are hermetic.
  const files = opts.files ?? (env.NODAL_CONFIG ? env.NODAL_CONFIG.split(',').filter(Boolean) : []);
  try {
    for (const f of files) {
      if (!existsSync(f)) throw new Error(`config file ${f} does not exist`);
      cfg.loadFile(f);
    }
    applyEnvAndArgs(cfg, env, opts.args ?? []);
    for (const [k, v] of Object.entries(opts.overrides ?? {})) cfg.set(k as never, v as never);
    cfg.validate({ allowed: 'strict' });
  } catch (e) {
    throw new NodalError('CONFIG_INVALID', `invalid configuration: ${(e as Error).message}`, undefined, {
      cause: e,
    });
  }
  return deepFreeze(cfg.getProperties() as ConfigShape);
}

// convict's own env/arg handling reads process.env/argv directly; we walk the schema ourselves so the
// sources can be injected, and so an unknown flag is an error rather than silently ignored.
function applyEnvAndArgs(cfg: ReturnType<typeof makeConfig>, env: NodeJS.ProcessEnv, args: string[]): void {
  const byEnv = new Map<string, string>();
  const byArg = new Map<string, string>();
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${k}` : k;
      const spec = v as Record<string, unknown>;
      if (spec && typeof spec === 'object' && 'default' in spec) {
        if (typeof spec.env === 'string') byEnv.set(spec.env, path);
        if (typeof spec.arg === 'string') byArg.set(spec.arg, path);
      } else if (spec && typeof spec === 'object') walk(spec, path);
    }
  };
  walk(schema as unknown as Record<string, unknown>, '');
  const setRaw = (path: string, raw: string, source: string) => {
    const current = cfg.get(path as never) as unknown;
    let value: unknown = raw;
    if (typeof current === 'number') {
      value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value))
        throw new Error(`${path}: ${source} must be a number, got '${raw}'`);
    } else if (typeof current === 'boolean') {
      if (!['true', 'false', '1', '0'].includes(raw))
        throw new Error(`${path}: ${source} must be true or false, got '${raw}'`);
      value = raw === 'true' || raw === '1';
    } else if (Array.isArray(current)) {
      value = splitList(raw);
    }
    cfg.set(path as never, value as never);
  };
  for (const [name, path] of byEnv) {
    const raw = env[name];
    if (raw !== undefined) setRaw(path, raw, `environment variable ${name}`);
  }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const path = byArg.get(name);
    if (!path) throw new Error(`unknown flag --${name}`);
    let raw: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    if (raw === undefined) {
      const isBool = typeof cfg.get(path as never) === 'boolean';
      const next = args[i + 1];
      if (isBool && (next === undefined || next.startsWith('--'))) raw = 'true';
      else if (next === undefined) throw new Error(`flag --${name} needs a value`);
      else raw = args[++i];
    }
    setRaw(path, raw!, `flag --${name}`);
  }
}

/** The process logger as the configuration asks for it. */
export function loggerFromConfig(config: Config, opts: { stderr?: boolean } = {}): Logger {
  const format =
    config.log.format === 'auto' ? (process.stderr.isTTY ? 'pretty' : 'json') : config.log.format;
  return createLogger({ level: config.log.level, format, stderr: opts.stderr ?? true });
}

/** Configuration with every secret replaced, safe to log or serve. */
export function redactedConfig(config: Config): unknown {
  return {
    ...config,
    mesos: { ...config.mesos, secret: config.mesos.secret ? '[redacted]' : '' },
    api: { ...config.api, token: config.api.token ? '[redacted]' : '' },
  };
}
