// A raw HTTP/1.1 client over a TCP socket, so fuzz suites can send what node's http client refuses to:
// odd methods, unescaped or malformed paths, lying headers, broken framing. Every exchange is bounded in
// time; a server that neither answers nor closes within it is reported as a hang.
import net from 'node:net';
import type { LogMeta, Logger } from '../../../config/logger.js';

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The answer was an event stream (SSE or a Mesos subscription) and was cut after its headers. */
  streaming: boolean;
  /** The socket failed (e.g. reset while we were still sending) after or instead of an answer. */
  socketError?: string;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Array<[string, string]>;
  body?: Buffer;
  /** Sent instead of the request built from the fields above. */
  raw?: Buffer;
}

/** Thrown when the server neither answered nor closed in time. */
export class HangError extends Error {}

/** Builds the bytes of a request: a request line, the headers (Host, Content-Length, Connection: close added). */
export function requestBytes(r: RawRequest): Buffer {
  const body = r.body ?? Buffer.alloc(0);
  const lines = [`${r.method} ${r.path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [k, v] of r.headers ?? []) lines.push(`${k}: ${v}`);
  if (!(r.headers ?? []).some(([k]) => k.toLowerCase() === 'content-length'))
    lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

function parseHead(head: string): { status: number; headers: Record<string, string> } {
  const [statusLine = '', ...rest] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of rest) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers };
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const nl = body.indexOf('\r\n', at);
    if (nl < 0) break;
    const size = parseInt(body.subarray(at, nl).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(nl + 2, nl + 2 + size));
    at = nl + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Sends one request on a fresh connection and reads the answer until the server closes it. */
export function rawExchange(port: number, r: RawRequest, timeoutMs = 5000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let socketError: string | undefined;
    let done = false;
    const finish = (streaming: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) {
        resolve({ status: 0, headers: {}, body: Buffer.alloc(0), streaming, socketError });
        return;
      }
      const { status, headers } = parseHead(all.subarray(0, end).toString('latin1'));
      let body: Buffer = all.subarray(end + 4);
      if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
      resolve({ status, headers, body, streaming, ...(socketError ? { socketError } : {}) });
    };
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      socket.destroy();
      const head = Buffer.concat(chunks).toString('latin1').split('\r\n')[0];
      reject(
        new HangError(
          `no answer within ${timeoutMs} ms to ${r.method} ${r.path.slice(0, 80)} (got '${head ?? ''}')`,
        ),
      );
    }, timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return;
      const { status, headers } = parseHead(all.subarray(0, end).toString('latin1'));
      // Event streams (SSE, a Mesos subscription) never end: their headers are the answer. A kept-alive
      // answer ends at its length.
      if (
        /^text\/event-stream/.test(headers['content-type'] ?? '') ||
        (status === 200 && headers['mesos-stream-id'])
      )
        finish(true);
      else if (r.method === 'HEAD') finish(false);
      else if (
        headers['content-length'] !== undefined &&
        all.length - end - 4 >= Number(headers['content-length'])
      )
        finish(false);
    });
    socket.on('error', (e) => {
      socketError = (e as NodeJS.ErrnoException).code ?? e.message;
    });
    socket.on('close', () => finish(false));
    socket.on('connect', () => socket.write(r.raw ?? requestBytes(r), () => undefined));
  });
}

/** A Logger that keeps every error and warning line, to show that no request made a server fail. */
export class RecordingLogger implements Logger {
  constructor(
    readonly lines: Array<{ level: string; message: string; meta?: LogMeta }> = [],
    private readonly base: LogMeta = {},
  ) {}
  error(message: string, meta?: LogMeta): void {
    this.lines.push({ level: 'error', message, meta: { ...this.base, ...meta } });
  }
  warn(message: string, meta?: LogMeta): void {
    this.lines.push({ level: 'warn', message, meta: { ...this.base, ...meta } });
  }
  info(): void {}
  debug(): void {}
  child(meta: LogMeta): Logger {
    return new RecordingLogger(this.lines, { ...this.base, ...meta });
  }
  errors(): string[] {
    return this.lines
      .filter((l) => l.level === 'error')
      .map(
        (l) =>
          `${l.message} ${JSON.stringify(l.meta, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`,
      );
  }
}
