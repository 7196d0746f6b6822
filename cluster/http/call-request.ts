// Reading one Call from a POST to the master's /api/v1/scheduler or the agent's /api/v1/executor: the checks
// both endpoints make before they look at what the call asks for, in Mesos' order, each refusal answered
// with Mesos' status and plain-text reason (REFERENCE §0.3, §1.3, §1.6). What differs per endpoint (the
// message type, its call validation, when Accept matters, stream ids) stays with the endpoint.
import type http from 'node:http';
import { isNodalError } from '../../config/errors.js';
import {
  acceptedFormat,
  checkRequired,
  decodeMessage,
  formatOfMediaType,
  type WireFormat,
} from '../../protos/wire/codec.js';
import { respondText } from './respond.js';

/** The Call messages the endpoints read. */
export type CallMessage = 'mesos.v1.scheduler.Call' | 'mesos.v1.executor.Call';

/** Bodies larger than this are refused with 413 (Mesos has no such limit; it protects the test process). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Reads the whole request body; resolves undefined when it exceeds MAX_BODY_BYTES. */
export async function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Decodes and checks required fields; `problem` is the 400 reason when the body is not a valid Call. */
export function decodeCall<T>(
  type: CallMessage,
  body: Buffer,
  format: WireFormat,
): { call: T } | { problem: string } {
  try {
    const call = decodeMessage<T>(type, body, format);
    checkRequired(type, call);
    return { call };
  } catch (e) {
    if (isNodalError(e, 'WIRE_DECODE'))
      return { problem: `Failed to parse body into Call protobuf: ${e.message}` };
    if (isNodalError(e, 'VALIDATION')) return { problem: e.message };
    throw e;
  }
}

/**
 * Reads the request's Call of `type` and runs the endpoint's `validate` (its 400 reason, or undefined) on
 * it. Resolves the call, or undefined once the request has been answered: 405 for a method other than POST,
 * 400 without Content-Type, 415 for any Content-Type but exactly the two media types (`; charset=` too),
 * 413 for a body over MAX_BODY_BYTES, 400 for a body that is not a Call (the decoder's message) or that
 * `validate` refuses, 501 for an UNKNOWN call.
 */
export async function readCall<T extends { type?: string }>(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  type: CallMessage,
  validate: (call: T) => string | undefined,
): Promise<T | undefined> {
  if (req.method !== 'POST')
    return refuse(res, 405, `Expecting a 'POST' request, received '${req.method}'`, { Allow: 'POST' });
  const contentType = req.headers['content-type'];
  if (contentType === undefined) return refuse(res, 400, "Expecting 'Content-Type' to be present");
  const format = formatOfMediaType(contentType);
  if (!format)
    return refuse(res, 415, "Expecting 'Content-Type' of application/json or application/x-protobuf");
  const body = await readBody(req);
  if (!body) return refuse(res, 413, 'Request body too large');
  const decoded = decodeCall<T>(type, body, format);
  if ('problem' in decoded) return refuse(res, 400, decoded.problem);
  const problem = validate(decoded.call);
  if (problem) return refuse(res, 400, problem);
  if (decoded.call.type === 'UNKNOWN') return refuse(res, 501, "Received 'UNKNOWN' call");
  return decoded.call;
}

/**
 * The encoding of the event stream a SUBSCRIBE asks for by its Accept (JSON first; no Accept or a wildcard
 * is JSON), or undefined once the request has been answered 406 because Accept allows neither.
 */
export function negotiateStream(req: http.IncomingMessage, res: http.ServerResponse): WireFormat | undefined {
  return (
    acceptedFormat(req.headers.accept) ??
    refuse(res, 406, "Expecting 'Accept' to allow application/json or application/x-protobuf")
  );
}

/** Answers with Mesos' plain-text error; undefined, for `return refuse(...)` in the readers above. */
function refuse(
  res: http.ServerResponse,
  status: number,
  reason: string,
  headers?: http.OutgoingHttpHeaders,
): undefined {
  respondText(res, status, reason, headers);
  return undefined;
}
