// Errors are typed values with a stable `code`. Entry points map codes to exit codes and the API maps
// them to HTTP statuses, each in one table.
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'WIRE_DECODE'
  | 'WIRE_ENCODE'
  | 'RECORDIO'
  | 'HTTP_STATUS'
  | 'NOT_SUBSCRIBED'
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'DATA_INVALID'
  | 'TIMEOUT'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export class NodalError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NodalError';
  }
}

export const isNodalError = (e: unknown, code?: ErrorCode): e is NodalError =>
  e instanceof NodalError && (code === undefined || e.code === code);

/** Process exit codes, one per error class, so scripts can rely on them. */
export const EXIT_CODES: Record<ErrorCode, number> = {
  CONFIG_INVALID: 78, // EX_CONFIG
  VALIDATION: 65, // EX_DATAERR
  DATA_INVALID: 65,
  WIRE_DECODE: 76, // EX_PROTOCOL
  WIRE_ENCODE: 76,
  RECORDIO: 76,
  HTTP_STATUS: 69, // EX_UNAVAILABLE
  NOT_SUBSCRIBED: 69,
  UNAVAILABLE: 69,
  TIMEOUT: 75, // EX_TEMPFAIL
  NOT_FOUND: 66, // EX_NOINPUT
  CONFLICT: 73,
  UNAUTHORIZED: 77, // EX_NOPERM
  FORBIDDEN: 77,
  INTERNAL: 70, // EX_SOFTWARE
};

export const exitCodeOf = (e: unknown): number => (e instanceof NodalError ? EXIT_CODES[e.code] : 1);
