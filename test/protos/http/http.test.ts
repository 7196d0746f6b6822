import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { isNodalError, type NodalError } from '../../../config/errors.js';
import type { Logger, LogMeta } from '../../../config/logger.js';
import { systemClock } from '../../../protos/http/clock.js';
import {
  CALL_SOCKET_IDLE_TIMEOUT_MS,
  createKeepAliveAgent,
  postCall,
  type CallResult,
} from '../../../protos/http/http.js';

const BODY = Buffer.from('{"type":"KILL"}');
const HEADERS = { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'stream-1' };

/** Keeps the debug lines so a test can see the retry was logged. */
class DebugLog implements Logger {
  readonly lines: Array<{ message: string; meta: LogMeta | undefined }> = [];
  error(): void {}
  warn(): void {}
  info(): void {}
  debug(message: string, meta?: LogMeta): void {
    this.lines.push({ message, meta });
  }
  child(): Logger {
    return this;
  }
}

/** What one request looked like to the server: its number on its connection and what the test saw. */
interface Seen {
  readonly onConnection: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

/**
 * A loopback server whose answer to each request is scripted: `answer(seen, res, socket)` may answer
 * normally, or misbehave on the raw socket (close it unanswered, write half a response then reset it).
 */
async function startServer(
  answer: (seen: Seen, res: http.ServerResponse, socket: Socket) => void,
): Promise<{ url: URL; seen: Seen[]; connections: () => number; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const perConnection = new WeakMap<Socket, number>();
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const onConnection = (perConnection.get(req.socket) ?? 0) + 1;
      perConnection.set(req.socket, onConnection);
      const s = { onConnection, body: Buffer.concat(chunks).toString('utf8'), headers: req.headers };
      seen.push(s);
      answer(s, res, req.socket);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/api/v1/scheduler`),
    seen,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const accepted = (res: http.ServerResponse) => {
  res.writeHead(202, { 'Content-Length': '0' });
  res.end();
};

async function rejection(p: Promise<unknown>): Promise<NodalError> {
  try {
    await p;
  } catch (err) {
    return err as NodalError;
  }
  throw new Error('expected a rejection');
}

describe('protos/http/http postCall over kept-alive connections @integration', function () {
  this.timeout(10_000);
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function agentFor(url: URL): http.Agent {
    const agent = createKeepAliveAgent(url);
    cleanups.push(() => agent.destroy());
    return agent;
  }

  const call = (url: URL, agent: http.Agent, logger?: Logger): Promise<CallResult> =>
    postCall(url, HEADERS, BODY, { agent, timeoutMs: 3000, clock: systemClock, logger });

  it('closes pooled call sockets after an idle time below common server keep-alive timeouts', () => {
    const agent = agentFor(new URL('http://127.0.0.1:5050/'));
    const options = (agent as http.Agent & { options: { keepAlive?: boolean; timeout?: number } }).options;
    expect(options.keepAlive).to.equal(true);
    expect(options.timeout).to.equal(CALL_SOCKET_IDLE_TIMEOUT_MS);
    expect(CALL_SOCKET_IDLE_TIMEOUT_MS).to.be.below(5000); // Node's http server default keepAliveTimeout
  });

  it('reproduction: a call after the server closed the idle kept-alive connection succeeds (retried once, logged)', async () => {
    // The server runs on its own thread, so it closes the idle socket while this thread is busy, like a
    // master that closes idle connections (or a proxy) while a loaded scheduler has not yet seen the FIN.
    // It sends no Keep-Alive hint (keepAliveTimeout 0), as libprocess does not.
    const worker = new Worker(
      `const http = require('node:http');
       const { parentPort } = require('node:worker_threads');
       const server = http.createServer((req, res) => {
         req.resume();
         req.on('end', () => { res.writeHead(202, { 'Content-Length': '0' }); res.end(); });
       });
       server.keepAliveTimeout = 0;
       server.on('connection', (socket) => socket.setTimeout(100, () => socket.destroy()));
       server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
      { eval: true },
    );
    cleanups.push(async () => {
      await worker.terminate();
    });
    const port = await new Promise<number>((resolve) => worker.once('message', resolve));
    const url = new URL(`http://127.0.0.1:${port}/api/v1/scheduler`);
    const agent = agentFor(url);
    const logger = new DebugLog();
    expect((await call(url, agent, logger)).status).to.equal(202);
    // Keep this thread busy past the server's idle timeout: the FIN arrives but is not read yet, so the
    // pool still offers the dead socket to the next call.
    const until = Date.now() + 600;
    while (Date.now() < until) {
      // busy
    }
    const second = call(url, agent, logger);
    expect((await second).status).to.equal(202);
    const retries = logger.lines.filter((l) => /retrying on a fresh connection/.test(l.message));
    expect(retries).to.have.length(1);
    expect(retries[0]!.meta).to.include({ host: url.host });
  });

  it('re-sends once, at once, with the same body and headers on a fresh connection when a reused one is closed unanswered', async () => {
    // The server closes a kept-alive connection as the next request arrives on it (the idle-close race).
    const server = await startServer((seen, res, socket) =>
      seen.onConnection > 1 ? socket.destroy() : accepted(res),
    );
    cleanups.push(server.close);
    const agent = agentFor(server.url);
    expect((await call(server.url, agent)).status).to.equal(202);
    const started = Date.now();
    expect((await call(server.url, agent)).status).to.equal(202);
    expect(Date.now() - started).to.be.below(1000); // no backoff before the retry
    expect(server.seen.map((s) => s.onConnection)).to.deep.equal([1, 2, 1]);
    expect(server.connections()).to.equal(2);
    const [, dropped, retried] = server.seen;
    expect(retried!.body).to.equal(dropped!.body).and.to.equal(BODY.toString('utf8'));
    for (const name of ['content-type', 'mesos-stream-id', 'content-length']) {
      expect(retried!.headers[name], name).to.equal(dropped!.headers[name]);
    }
  });

  it('retries only once: when the fresh connection fails too, the call rejects UNAVAILABLE', async () => {
    let served = 0;
    const server = await startServer((_seen, res, socket) =>
      served++ === 0 ? accepted(res) : socket.destroy(),
    );
    cleanups.push(server.close);
    const agent = agentFor(server.url);
    await call(server.url, agent);
    const err = await rejection(call(server.url, agent));
    expect(isNodalError(err, 'UNAVAILABLE'), String(err)).to.equal(true);
    expect(server.seen.map((s) => s.onConnection)).to.deep.equal([1, 2, 1]);
  });

  it('does not retry a call whose fresh connection was closed unanswered', async () => {
    const server = await startServer((_seen, _res, socket) => socket.destroy());
    cleanups.push(server.close);
    const err = await rejection(call(server.url, agentFor(server.url)));
    expect(isNodalError(err, 'UNAVAILABLE'), String(err)).to.equal(true);
    expect(server.seen).to.have.length(1);
  });

  it('does not retry a call answered with part of a response head and then reset', async () => {
    const server = await startServer((seen, res, socket) => {
      if (seen.onConnection === 1) return accepted(res);
      socket.write('HTTP/1.1 202 Accep');
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    cleanups.push(server.close);
    const agent = agentFor(server.url);
    await call(server.url, agent);
    const err = await rejection(call(server.url, agent));
    expect(isNodalError(err, 'UNAVAILABLE'), String(err)).to.equal(true);
    expect(server.seen.map((s) => s.onConnection)).to.deep.equal([1, 2]);
  });

  it('does not retry a call whose response body was cut off by a reset', async () => {
    const server = await startServer((seen, res, socket) => {
      if (seen.onConnection === 1) return accepted(res);
      res.writeHead(400, { 'Content-Type': 'text/plain', 'Content-Length': '40' });
      res.write('Failed to validate');
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    cleanups.push(server.close);
    const agent = agentFor(server.url);
    await call(server.url, agent);
    const err = await rejection(call(server.url, agent));
    expect(isNodalError(err, 'UNAVAILABLE'), String(err)).to.equal(true);
    expect(server.seen).to.have.length(2);
  });
});
