// The scheduler's HTTP API (/v1, /health, /metrics, the dashboard). It only translates HTTP to the
// SchedulerFacade; every decision lives behind the facade.
import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { NodalError } from '../../config/errors.js';
import type { Logger } from '../../config/logger.js';
import { bearerMatches } from './auth.js';
import { BodyError, readJsonBody } from './body.js';
import { toHttpError } from './http-errors.js';
import { openApiDocument } from './openapi.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus.js';
import type { SchedulerFacade } from './types.js';

export interface ApiServerOptions {
  facade: SchedulerFacade;
  logger: Logger;
  host: string;
  port: number;
  /** Required unless authDisabled. */
  token: string;
  authDisabled: boolean;
  tls?: { cert: Buffer; key: Buffer };
  /** SSE keep-alive comment interval. */
  sseKeepAliveMs?: number;
}

type Handler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  params: string[],
  url: URL,
) => Promise<void>;
interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
  public?: boolean;
}

const STATIC_DIR = new URL('../../../scheduler/web/static/', import.meta.url);
const STATIC_FILES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/ui/app.js': 'app.js',
  '/ui/style.css': 'style.css',
};
const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new NodalError('VALIDATION', `bad path segment '${s}'`);
  }
};

function parseScale(body: unknown): number {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new NodalError('VALIDATION', 'body must be an object {"workers": N}');
  const extra = Object.keys(body).filter((k) => k !== 'workers');
  if (extra.length)
    throw new NodalError('VALIDATION', `unknown field '${extra[0]}' (expected only 'workers')`);
  const w = (body as { workers?: unknown }).workers;
  if (!Number.isInteger(w) || (w as number) < 0)
    throw new NodalError('VALIDATION', 'workers: must be an integer >= 0');
  return w as number;
}

/** The API server; `start()` resolves with the bound URL. */
export class ApiServer {
  private server?: http.Server;
  private readonly routes: Route[];
  private readonly sseClients = new Set<http.ServerResponse>();
  private readonly log: Logger;

  constructor(private readonly opts: ApiServerOptions) {
    if (!opts.authDisabled && !opts.token)
      throw new NodalError('CONFIG_INVALID', 'api.token is required unless api.authDisabled is set');
    this.log = opts.logger.child({ component: 'api' });
    const f = opts.facade;
    this.routes = [
      {
        method: 'GET',
        pattern: /^\/health$/,
        public: true,
        handler: async (_q, res) => {
          const h = f.health();
          sendJson(res, h.subscribed && h.storeReachable ? 200 : 503, h);
        },
      },
      {
        method: 'GET',
        pattern: /^\/metrics$/,
        handler: async (_q, res) => {
          res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
          res.end(renderPrometheus(f.metrics()));
        },
      },
      {
        method: 'GET',
        pattern: /^\/v1\/openapi\.json$/,
        public: true,
        handler: async (_q, res) => sendJson(res, 200, openApiDocument),
      },
      {
        method: 'GET',
        pattern: /^\/v1\/jobs$/,
        handler: async (_q, res) => sendJson(res, 200, { jobs: f.listJobs() }),
      },
      {
        method: 'POST',
        pattern: /^\/v1\/jobs$/,
        handler: async (req, res) => sendJson(res, 201, await f.submitJob(await readJsonBody(req))),
      },
      {
        method: 'GET',
        pattern: /^\/v1\/jobs\/([^/]+)$/,
        handler: async (_q, res, [id]) => sendJson(res, 200, f.getJob(decode(id!))),
      },
      {
        method: 'DELETE',
        pattern: /^\/v1\/jobs\/([^/]+)$/,
        handler: async (_q, res, [id]) => sendJson(res, 200, await f.killJob(decode(id!))),
      },
      {
        method: 'POST',
        pattern: /^\/v1\/jobs\/([^/]+)\/kill$/,
        handler: async (_q, res, [id]) => sendJson(res, 200, await f.killJob(decode(id!))),
      },
      {
        method: 'POST',
        pattern: /^\/v1\/jobs\/([^/]+)\/scale$/,
        handler: async (req, res, [id]) =>
          sendJson(res, 200, await f.scaleJob(decode(id!), parseScale(await readJsonBody(req)))),
      },
      {
        method: 'GET',
        pattern: /^\/v1\/jobs\/([^/]+)\/tasks$/,
        handler: async (_q, res, [id]) => sendJson(res, 200, { tasks: f.getJob(decode(id!)).tasks }),
      },
      {
        method: 'GET',
        pattern: /^\/v1\/jobs\/([^/]+)\/cluster-spec$/,
        handler: async (_q, res, [id]) => sendJson(res, 200, f.clusterSpec(decode(id!))),
      },
      {
        method: 'GET',
        pattern: /^\/v1\/jobs\/([^/]+)\/tasks\/([^/]+)\/files\/(stdout|stderr)$/,
        handler: (_req, res, [id, task, file], url) =>
          this.readSandboxFile(res, decode(id!), decode(task!), file!, url),
      },
      {
        method: 'GET',
        pattern: /^\/v1\/events$/,
        handler: async (req, res) => this.openEventStream(req, res),
      },
    ];
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | null;
    if (!a) throw new NodalError('UNAVAILABLE', 'API server not started');
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `${this.opts.tls ? 'https' : 'http'}://${host}:${a.port}`;
  }

  async start(): Promise<string> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res);
    this.server = this.opts.tls
      ? https.createServer({ cert: this.opts.tls.cert, key: this.opts.tls.key }, handler)
      : http.createServer(handler);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, this.opts.host, () => resolve());
    });
    this.log.info('api listening', {
      url: this.url,
      auth: this.opts.authDisabled ? 'disabled' : 'bearer',
      tls: !!this.opts.tls,
    });
    return this.url;
  }

  async stop(): Promise<void> {
    for (const c of this.sseClients) c.end();
    this.sseClients.clear();
    if (!this.server) return;
    const s = this.server;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendJson(res, 400, { error: { code: 'VALIDATION', message: 'bad request URL' } });
      return;
    }
    try {
      if (req.method === 'GET' && STATIC_FILES[url.pathname])
        return await this.serveStatic(res, STATIC_FILES[url.pathname]!);
      const matches = this.routes.filter((r) => r.pattern.test(url.pathname));
      if (!matches.length) throw new NodalError('NOT_FOUND', `no route ${url.pathname}`);
      const route = matches.find((r) => r.method === req.method);
      if (!route) {
        res.setHeader('allow', matches.map((r) => r.method).join(', '));
        sendJson(res, 405, {
          error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} not allowed on ${url.pathname}` },
        });
        return;
      }
      if (
        !route.public &&
        !this.opts.authDisabled &&
        !bearerMatches(req.headers.authorization, this.opts.token)
      ) {
        res.setHeader('www-authenticate', 'Bearer realm="nodal"');
        throw new NodalError('UNAUTHORIZED', 'missing or wrong bearer token');
      }
      const params = route.pattern.exec(url.pathname)!.slice(1);
      await route.handler(req, res, params, url);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof BodyError) {
        sendJson(res, e.status, {
          error: {
            code:
              e.status === 415
                ? 'UNSUPPORTED_MEDIA_TYPE'
                : e.status === 413
                  ? 'PAYLOAD_TOO_LARGE'
                  : 'VALIDATION',
            message: e.message,
          },
        });
        return;
      }
      const { status, body } = toHttpError(e);
      if (status >= 500)
        this.log.error('request failed', { method: req.method, path: url.pathname, error: e });
      sendJson(res, status, body);
    }
  }

  private async serveStatic(res: http.ServerResponse, file: string): Promise<void> {
    const body = await readFile(new URL(file, STATIC_DIR));
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[file.split('.').pop()!] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    });
    res.end(body);
  }

  private openEventStream(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    // A fresh client first gets every job so it needs no separate list request.
    for (const job of this.opts.facade.listJobs())
      res.write(`event: job\ndata: ${JSON.stringify({ kind: 'job', job })}\n\n`);
    const unsubscribe = this.opts.facade.subscribe((ev) =>
      res.write(`event: ${ev.kind}\ndata: ${JSON.stringify(ev)}\n\n`),
    );
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), this.opts.sseKeepAliveMs ?? 15_000);
    this.sseClients.add(res);
    const close = () => {
      clearInterval(keepAlive);
      unsubscribe();
      this.sseClients.delete(res);
    };
    req.on('close', close);
    res.on('close', close);
  }

  private async readSandboxFile(
    res: http.ServerResponse,
    jobId: string,
    taskId: string,
    file: string,
    url: URL,
  ): Promise<void> {
    const sandbox = this.opts.facade.taskSandbox(jobId, taskId);
    const offset = Number(url.searchParams.get('offset') ?? '0');
    const length = Number(url.searchParams.get('length') ?? String(64 * 1024));
    if (
      !Number.isInteger(offset) ||
      offset < -1 ||
      !Number.isInteger(length) ||
      length < 0 ||
      length > 16 * 1024 * 1024
    )
      throw new NodalError(
        'VALIDATION',
        'offset must be an integer >= -1 and length an integer in [0, 16777216]',
      );
    const target = new URL('/files/read', sandbox.agentUrl);
    target.searchParams.set('path', `${sandbox.directory}/${file}`);
    target.searchParams.set('offset', String(offset));
    target.searchParams.set('length', String(length));
    let answer: Response;
    try {
      answer = await fetch(target, { signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      throw new NodalError('UNAVAILABLE', `agent ${sandbox.agentUrl} unreachable: ${(e as Error).message}`);
    }
    if (answer.status === 404)
      throw new NodalError('NOT_FOUND', `${file} not found in the sandbox of ${taskId}`);
    if (!answer.ok)
      throw new NodalError('HTTP_STATUS', `agent answered ${answer.status} for ${file} of ${taskId}`);
    sendJson(res, 200, await answer.json());
  }
}
