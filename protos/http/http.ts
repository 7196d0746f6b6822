// Plain node:http/https so we control streaming and redirects: the SUBSCRIBE answer is a body that never
// ends and must be read incrementally, and a 307 must be re-sent by us (to the leader, with the same body),
// never followed automatically.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { NodalError } from '../../config/errors.js';
import type { Logger } from '../../config/logger.js';
import type { Clock } from './clock.js';

/** Error bodies are plain-text reasons; anything longer than this is cut (mesos-go caps at 4 KiB too). */
export const MAX_ERROR_BODY_BYTES = 4096;

/**
 * How long a call connection may sit idle in the pool before we close it ourselves. Servers and proxies
 * close idle keep-alive connections on their own schedule (Node 5 s, proxies often 30-60 s, a master at any
 * time) and a request written to a socket the server is closing fails with ECONNRESET. Staying below the
 * shortest common server timeout makes that race rare; a server's `Keep-Alive: timeout=N` hint, when sent,
 * lowers it further (Node's agent uses N - 1 s). The retry in `postCall` covers what is left of the race.
 */
export const CALL_SOCKET_IDLE_TIMEOUT_MS = 4000;

/** Error codes of a connection the server closed or reset under us. */
const CONNECTION_DROPPED_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Failures of a request that went out on a pooled socket the server had already closed (see startPost). */
const staleSocketFailures = new WeakSet<Error>();

/** A request whose response head may still be pending. */
export interface StartedRequest {
  /** Resolves with the response head; rejects NodalError('UNAVAILABLE') when the connection fails. */
  readonly response: Promise<http.IncomingMessage>;
  /** Tears the request (and its response body) down. */
  abort(reason: Error): void;
}

/**
 * A keep-alive agent for calls toward `url`'s scheme (calls use connections apart from the stream). Its
 * `timeout` closes sockets idle in the pool for CALL_SOCKET_IDLE_TIMEOUT_MS; on a socket in use it only
 * emits 'timeout', which nothing here listens to (postCall has its own deadline).
 */
export function createKeepAliveAgent(url: URL): http.Agent {
  const options = { keepAlive: true, timeout: CALL_SOCKET_IDLE_TIMEOUT_MS };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

/** POSTs `body` to `url`; `agent: false` gives the request a connection of its own. */
export function startPost(
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  agent: http.Agent | false,
): StartedRequest {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    const error = new NodalError('VALIDATION', `unsupported URL scheme ${url.protocol}`, { url: url.href });
    return { response: Promise.reject(error), abort: () => {} };
  }
  const transport = url.protocol === 'https:' ? https : http;
  let request: http.ClientRequest | undefined;
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = transport.request(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'Content-Length': String(body.byteLength) },
    });
    request = req;
    // What the socket had read before this request: a reused socket has read earlier answers.
    let socket: Socket | undefined;
    let bytesReadBefore = 0;
    req.once('socket', (s: Socket) => {
      socket = s;
      bytesReadBefore = s.bytesRead;
    });
    req.once('response', resolve);
    req.once('error', (err) => {
      if (err instanceof NodalError) return reject(err);
      const wrapped = new NodalError(
        'UNAVAILABLE',
        `request to ${url.host} failed: ${err.message}`,
        { url: url.href },
        { cause: err },
      );
      // The keep-alive race: the server closed the pooled socket as (or before) we wrote to it. Only a
      // failure before any byte of an answer qualifies; once one arrived, the server had answered us.
      if (
        req.reusedSocket &&
        socket !== undefined &&
        socket.bytesRead === bytesReadBefore &&
        isDroppedConnection(err)
      ) {
        staleSocketFailures.add(wrapped);
      }
      reject(wrapped);
    });
    req.end(body);
  });
  return { response, abort: (reason) => request?.destroy(reason) };
}

/** ECONNRESET / EPIPE / ECONNABORTED, or Node's "socket hang up" (the server closed without answering). */
function isDroppedConnection(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return (code !== undefined && CONNECTION_DROPPED_CODES.has(code)) || err.message === 'socket hang up';
}

/** Reads at most `limit` bytes of the body as UTF-8 and discards the rest. */
export async function readBoundedText(
  res: http.IncomingMessage,
  limit = MAX_ERROR_BODY_BYTES,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (size < limit) {
      chunks.push(chunk.subarray(0, limit - size));
      size += Math.min(chunk.length, limit - size);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The answer to a non-streaming call. */
export interface CallResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body (bounded by MAX_ERROR_BODY_BYTES), normally empty on success. */
  readonly text: string;
}

/**
 * POSTs and reads the whole answer; rejects NodalError('TIMEOUT') after `timeoutMs`, 'UNAVAILABLE' on I/O
 * errors. A request that failed on a reused keep-alive socket before any byte of an answer arrived (the
 * server closed the idle connection as we wrote to it) is sent once more at once on a fresh connection,
 * within the same deadline; every other failure is the caller's to handle.
 */
export async function postCall(
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  opts: {
    agent: http.Agent | false;
    timeoutMs: number;
    clock: Clock;
    logger?: Logger;
    /**
     * False for a call that must not reach the server twice (default true). The retry is for a request the
     * server never read, but a connection reset cannot prove that: a call whose duplicate does harm (a
     * second ACCEPT of used offers makes the master drop the launched tasks' ids) goes to the caller instead.
     */
    retryOnStaleSocket?: boolean;
  },
): Promise<CallResult> {
  let started = startPost(url, headers, body, opts.agent);
  const timeout = new NodalError('TIMEOUT', `no answer from ${url.host} within ${opts.timeoutMs} ms`, {
    url: url.href,
    timeoutMs: opts.timeoutMs,
  });
  let timedOut = false;
  const timer = opts.clock.setTimeout(() => {
    timedOut = true;
    started.abort(timeout);
  }, opts.timeoutMs);
  try {
    let res: http.IncomingMessage;
    try {
      res = await started.response;
    } catch (err) {
      const retry = opts.retryOnStaleSocket ?? true;
      if (timedOut || !retry || !(err instanceof Error) || !staleSocketFailures.has(err)) throw err;
      opts.logger?.debug('call connection was closed by the server; retrying on a fresh connection', {
        host: url.host,
        error: err.cause instanceof Error ? err.cause.message : err.message,
      });
      // `agent: false`: a connection of its own, so the retry cannot land on another stale pooled socket.
      started = startPost(url, headers, body, false);
      res = await started.response;
    }
    const text = await readBoundedText(res);
    return { status: res.statusCode ?? 0, headers: res.headers, text };
  } catch (err) {
    if (timedOut) throw timeout;
    if (err instanceof NodalError) throw err;
    throw new NodalError(
      'UNAVAILABLE',
      `reading the answer from ${url.host} failed`,
      { url: url.href },
      { cause: err },
    );
  } finally {
    opts.clock.clearTimeout(timer);
  }
}

/**
 * Resolves a redirect `Location` against the URL that was asked. Masters send a protocol-relative
 * `//host:port/path` (no scheme since Mesos 0.23): it inherits the current scheme.
 */
export function resolveRedirect(location: string, current: URL): URL {
  let target: URL;
  try {
    target = new URL(location, current);
  } catch (err) {
    throw new NodalError(
      'WIRE_DECODE',
      `unusable redirect Location '${location}'`,
      { location },
      { cause: err },
    );
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new NodalError('WIRE_DECODE', `redirect to unsupported scheme '${location}'`, { location });
  }
  return target;
}

/** The `Authorization` header value for HTTP basic auth. */
export function basicAuthorization(principal: string, secret: string): string {
  return `Basic ${Buffer.from(`${principal}:${secret}`, 'utf8').toString('base64')}`;
}

/** The first value of a response header, if present. */
export function headerValue(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
