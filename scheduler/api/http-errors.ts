// The one table from error codes to HTTP statuses.
import type { ErrorCode } from '../../config/errors.js';
import { NodalError } from '../../config/errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  WIRE_DECODE: 400,
  DATA_INVALID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TIMEOUT: 504,
  UNAVAILABLE: 503,
  NOT_SUBSCRIBED: 503,
  HTTP_STATUS: 502,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** HTTP status and JSON body for any thrown value; unknown errors are 500 without internals. */
export function toHttpError(e: unknown): { status: number; body: ErrorBody } {
  if (e instanceof NodalError) {
    const status = STATUS[e.code] ?? 500;
    const body: ErrorBody = { error: { code: e.code, message: e.message } };
    if (e.details && status < 500) body.error.details = e.details;
    return { status, body };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}
