// Response helpers shared by the master and agent endpoints.
import type http from 'node:http';

/** Bodies larger than this are refused with 413 (Mesos has no such limit; it protects the test process). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Ends the response with a plain-text reason, the way Mesos reports HTTP errors. */
export function respondText(
  res: http.ServerResponse,
  status: number,
  text: string,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    ...headers,
  });
  res.end(body);
}

export function respondJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

/** 202 with an empty body: the call was queued. */
export function respondAccepted(res: http.ServerResponse): void {
  res.writeHead(202, { 'Content-Length': 0 });
  res.end();
}

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
