// Reads a JSON request body with a size limit and a clear error for each way it can be wrong.
import type { IncomingMessage } from 'node:http';
import { NodalError } from '../../config/errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyError extends NodalError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('VALIDATION', message);
  }
}

/** Parses the body as JSON; throws BodyError 415 (wrong type), 413 (too large) or 400 (bad JSON, or a body
 * the client cut off). */
export async function readJsonBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new BodyError(415, "Content-Type must be 'application/json'");
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new BodyError(413, `body larger than ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        req.resume();
        throw new BodyError(413, `body larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (e) {
    if (e instanceof BodyError) throw e;
    // The client went away mid-body ('aborted', ECONNRESET): its mistake, not a server failure to log.
    throw new BodyError(400, `request body incomplete: ${(e as Error).message}`);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw new BodyError(400, 'request body is empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BodyError(400, `request body is not valid JSON: ${(e as Error).message}`);
  }
}
