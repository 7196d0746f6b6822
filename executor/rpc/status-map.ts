// NodalError codes ↔ gRPC status codes, in one table each way, so a handler's typed error reaches the
// caller as the same typed error.
import * as grpc from '@grpc/grpc-js';
import { NodalError, type ErrorCode } from '../../config/errors.js';

const TO_GRPC: Partial<Record<ErrorCode, grpc.status>> = {
  VALIDATION: grpc.status.INVALID_ARGUMENT,
  DATA_INVALID: grpc.status.INVALID_ARGUMENT,
  WIRE_DECODE: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  CONFLICT: grpc.status.FAILED_PRECONDITION,
  UNAUTHORIZED: grpc.status.UNAUTHENTICATED,
  FORBIDDEN: grpc.status.PERMISSION_DENIED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  TIMEOUT: grpc.status.DEADLINE_EXCEEDED,
};

const FROM_GRPC: Partial<Record<grpc.status, ErrorCode>> = {
  [grpc.status.INVALID_ARGUMENT]: 'VALIDATION',
  [grpc.status.RESOURCE_EXHAUSTED]: 'VALIDATION',
  [grpc.status.NOT_FOUND]: 'NOT_FOUND',
  [grpc.status.FAILED_PRECONDITION]: 'CONFLICT',
  [grpc.status.UNAUTHENTICATED]: 'UNAUTHORIZED',
  [grpc.status.PERMISSION_DENIED]: 'FORBIDDEN',
  [grpc.status.UNAVAILABLE]: 'UNAVAILABLE',
  [grpc.status.CANCELLED]: 'UNAVAILABLE',
  [grpc.status.DEADLINE_EXCEEDED]: 'TIMEOUT',
};

/** The gRPC status for an error thrown by a handler (INTERNAL for anything untyped). */
export const grpcStatusOf = (e: unknown): grpc.status =>
  e instanceof NodalError ? (TO_GRPC[e.code] ?? grpc.status.INTERNAL) : grpc.status.INTERNAL;

/** A client-side NodalError for a failed call; `details.grpcCode` keeps the original status. */
export function nodalErrorOf(e: grpc.ServiceError | Error, method: string): NodalError {
  const code = (e as grpc.ServiceError).code;
  const mapped = code !== undefined ? (FROM_GRPC[code] ?? 'INTERNAL') : 'UNAVAILABLE';
  const details = (e as grpc.ServiceError).details ?? e.message;
  return new NodalError(mapped, `${method}: ${details}`, { grpcCode: code, method }, { cause: e });
}

/** Errors worth retrying after a pause: the server is away or too slow (a restart, a network blip). */
export const isTransient = (e: unknown): boolean =>
  e instanceof NodalError && (e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT');
