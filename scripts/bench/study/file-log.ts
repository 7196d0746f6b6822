// A Logger that appends JSON lines to a file, so the embedded cluster's and scheduler's warnings during
// a study run stay beside the run's sandboxes instead of drowning the study's own output. Values under
// secret-looking keys are redacted exactly as config/logger does.
import { appendFileSync } from 'node:fs';
import { redact, type LogLevel, type LogMeta, type Logger } from '../../../config/logger.js';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Appends lines at `level` and above to `path` (created on first write); write errors are dropped. */
export function fileLogger(path: string, level: LogLevel = 'warn', base: LogMeta = {}): Logger {
  const write = (l: LogLevel, message: string, meta?: LogMeta): void => {
    if (RANK[l] > RANK[level]) return;
    const line = {
      timestamp: new Date().toISOString(),
      level: l,
      message,
      ...(redact({ ...base, ...meta }) as LogMeta),
    };
    try {
      appendFileSync(path, JSON.stringify(line) + '\n');
    } catch {
      // A log line is not worth failing a study run for.
    }
  };
  return {
    error: (m, meta) => write('error', m, meta),
    warn: (m, meta) => write('warn', m, meta),
    info: (m, meta) => write('info', m, meta),
    debug: (m, meta) => write('debug', m, meta),
    child: (meta) => fileLogger(path, level, { ...base, ...meta }),
  };
}
