// Plain node:http/https so we control streaming and redirects: the SUBSCRIBE answer is a body that never
// ends and must be read incrementally, and a 307 must be re-sent by us (to the leader, with the same body),
// never followed automatically.
import http from 'node:http';
import https from 'node:https';
import { NodalError } from '../../config/errors.js';
import type { Clock } from './clock.js';

/** Error bodies are plain-text reasons; anything longer than this is cut (mesos-go caps at 4 KiB too). */
export const MAX_ERROR_BODY_BYTES = 4096;

/** A request whose response head may still be pending. */
export interface StartedRequest {
  /** Resolves with the response head; rejects NodalError('UNAVAILABLE') when the connection fails. */
  readonly response: Promise<http.IncomingMessage>;
  /** Tears the request (and its response body) down. */
  abort(reason: Error): void;
}

/** A keep-alive agent for calls toward `url`'s scheme (calls use connections apart from the stream). */
export function createKeepAliveAgent(url: URL): http.Agent {
  return url.protocol === 'https:'
    ? new https.Agent({ keepAlive: true })
    : new http.Agent({ keepAlive: true });
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
    request = transport.request(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'Content-Length': String(body.byteLength) },
    });
    request.once('response', resolve);
    request.once('error', (err) =>
      reject(
        err instanceof NodalError
          ? err
          : new NodalError(
              'UNAVAILABLE',
              `request to ${url.host} failed: ${err.message}`,
              { url: url.href },
              { cause: err },
            ),
      ),
    );
    request.end(body);
  });
  return { response, abort: (reason) => request?.destroy(reason) };
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

/** POSTs and reads the whole answer; rejects NodalError('TIMEOUT') after `timeoutMs`, 'UNAVAILABLE' on I/O errors. */
export async function postCall(
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  opts: { agent: http.Agent | false; timeoutMs: number; clock: Clock },
): Promise<CallResult> {
  const started = startPost(url, headers, body, opts.agent);
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
    const res = await started.response;
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
