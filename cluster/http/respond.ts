// Response helpers shared by the master and agent endpoints.
import type http from 'node:http';

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
