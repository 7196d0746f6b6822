// The one place winston lives. Every module takes a `Logger` (this interface), gets a child with a
// `component`, logs constant messages and puts data in metadata. Secrets never reach a transport:
// values under secret-looking keys are replaced before formatting, at any depth.
import winston from 'winston';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogMeta = Record<string, unknown>;

export interface Logger {
  error(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  debug(message: string, meta?: LogMeta): void;
  /** A logger whose every line carries `meta` (use `{ component: 'name' }`). */
  child(meta: LogMeta): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** `json`: one JSON object per line (production); `pretty`: readable lines for a terminal. */
  format: 'json' | 'pretty';
  /** Write to stderr instead of stdout (CLI commands keep stdout for their output). */
  stderr?: boolean;
  /** Extra key names to redact besides the built-in secret-looking ones. */
  redactKeys?: string[];
}

const SECRET_KEY = /(secret|password|passwd|token|authorization|credential|api[-_]?key|private[-_]?key)/i;
export const REDACTED = '[redacted]';

/** A deep copy of `value` with every secret-looking key's value replaced by `[redacted]`. */
export function redact(value: unknown, extraKeys: ReadonlySet<string> = new Set(), depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => redact(v, extraKeys, depth + 1));
  if (ArrayBuffer.isView(value)) return `<${value.byteLength} bytes>`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) || extraKeys.has(k) ? REDACTED : redact(v, extraKeys, depth + 1);
  }
  return out;
}

const WINSTON_INTERNAL = new Set(['level', 'message', 'timestamp']);

function redactFormat(extraKeys: ReadonlySet<string>) {
  return winston.format((info) => {
    for (const key of Object.keys(info)) {
      if (WINSTON_INTERNAL.has(key)) continue;
      info[key] = SECRET_KEY.test(key) || extraKeys.has(key) ? REDACTED : redact(info[key], extraKeys);
    }
    return info;
  })();
}

const prettyLine = winston.format.printf((info) => {
  const { level, message, timestamp, component, ...rest } = info as Record<string, unknown>;
  const meta = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
  const comp = component ? `[${String(component)}] ` : '';
  return `${String(timestamp)} ${String(level)} ${comp}${String(message)}${meta}`;
});

class WinstonLogger implements Logger {
  constructor(private readonly w: winston.Logger) {}
  error(message: string, meta?: LogMeta): void {
    this.w.error(message, meta);
  }
  warn(message: string, meta?: LogMeta): void {
    this.w.warn(message, meta);
  }
  info(message: string, meta?: LogMeta): void {
    this.w.info(message, meta);
  }
  debug(message: string, meta?: LogMeta): void {
    this.w.debug(message, meta);
  }
  child(meta: LogMeta): Logger {
    return new WinstonLogger(this.w.child(meta));
  }
}

/** Builds the process logger. */
export function createLogger(opts: LoggerOptions): Logger {
  const extra = new Set(opts.redactKeys ?? []);
  const format =
    opts.format === 'json'
      ? winston.format.combine(redactFormat(extra), winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          redactFormat(extra),
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.colorize(),
          prettyLine,
        );
  const transport = new winston.transports.Console({
    stderrLevels: opts.stderr ? ['error', 'warn', 'info', 'debug'] : ['error'],
  });
  return new WinstonLogger(winston.createLogger({ level: opts.level, format, transports: [transport] }));
}

/** A logger that drops everything (tests, libraries used without one). */
export const silentLogger: Logger = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => silentLogger,
};

/** The default for an unconfigured process: readable on a terminal, JSON otherwise. */
export function defaultLogger(level: LogLevel = 'info'): Logger {
  return createLogger({ level, format: process.stdout.isTTY ? 'pretty' : 'json', stderr: true });
}
