// A Logger that keeps every line, so tests can assert what was (and was not) logged.
import type { LogMeta, Logger } from '../../../config/logger.js';

export interface CapturedLine {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly message: string;
  readonly meta: LogMeta;
}

/** A logger recording into `lines` (children share it and merge their metadata). */
export function captureLogger(
  lines: CapturedLine[] = [],
  base: LogMeta = {},
): Logger & { lines: CapturedLine[] } {
  const at =
    (level: CapturedLine['level']) =>
    (message: string, meta: LogMeta = {}): void => {
      lines.push({ level, message, meta: { ...base, ...meta } });
    };
  return {
    lines,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (meta) => captureLogger(lines, { ...base, ...meta }),
  };
}

/** Everything logged, as one string (errors included with their messages and causes). */
export function logText(lines: readonly CapturedLine[]): string {
  return lines
    .map((l) =>
      JSON.stringify({ ...l, meta: l.meta }, (_k, v: unknown) =>
        v instanceof Error
          ? { message: v.message, details: (v as { details?: unknown }).details, cause: String(v.cause) }
          : v,
      ),
    )
    .join('\n');
}
