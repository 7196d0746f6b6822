// A loopback HTTP server that tests script to provoke what a real master or agent rarely does on demand:
// a 307 with a scheme-less Location, a 4xx on a call, an event stream that stalls or closes. Every request
// is recorded with its headers and its body decoded by the real codec. The embedded cluster covers the
// normal paths; this is only for fault cases.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { acceptedFormat, decodeMessage, encodeMessage, formatOfMediaType } from '../../protos/wire/codec.js';
import type { MesosType, WireFormat } from '../../protos/wire/codec.js';
import { encodeRecord } from '../../protos/wire/recordio.js';

/** One request as the server saw it. */
export interface RecordedRequest<Call = Record<string, unknown>> {
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** Format named by Content-Type (undefined when it is not exactly one of the two media types). */
  readonly format: WireFormat | undefined;
  /** The body decoded as the server's call type; undefined when it could not be decoded. */
  readonly call: Call | undefined;
  readonly decodeError: string | undefined;
  /** 1 for the first request on its connection, 2 for the next one on the same kept-alive connection, … */
  readonly onConnection: number;
}

/** An open event stream: send records, then close it (clean end) or destroy it (connection reset). */
export class EventStreamWriter {
  private ended = false;

  constructor(
    private readonly res: http.ServerResponse,
    private readonly eventType: MesosType,
    readonly format: WireFormat,
  ) {
    res.on('close', () => (this.ended = true));
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Encodes `event` with the real codec and writes it as one RecordIO record. */
  send(event: object): void {
    if (this.ended) return;
    this.res.write(encodeRecord(encodeMessage(this.eventType, event, this.format)));
  }

  /** Writes raw bytes (to test framing), unframed. */
  sendRaw(bytes: Uint8Array): void {
    if (!this.ended) this.res.write(bytes);
  }

  /** Ends the chunked body cleanly. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.res.end();
  }

  /** Drops the connection without ending the body. */
  destroy(): void {
    this.ended = true;
    this.res.destroy();
  }
}

/** Ways to answer one request. */
export interface Reply {
  /** Any status with an optional plain-text body. */
  status(code: number, text?: string, headers?: Record<string, string>): void;
  /** 307 to `location` (give it scheme-less, as masters do: `//host:port/path`). */
  redirect(location: string): void;
  /** 200 with a chunked event stream in the format the request's Accept asked for. */
  stream(opts?: { streamId?: string; contentType?: string }): EventStreamWriter;
  /** Closes the connection without answering (a server closing an idle keep-alive connection under us). */
  drop(): void;
}

export type Handler<Call> = (req: RecordedRequest<Call>, reply: Reply) => void | Promise<void>;

/** The scripted loopback server; `handle` sets how the next requests are answered. */
export class ScriptedServer<Call = Record<string, unknown>> {
  readonly requests: RecordedRequest<Call>[] = [];
  private handler: Handler<Call> = (_req, reply) => reply.status(500, 'no handler scripted');
  private readonly streams = new Set<EventStreamWriter>();
  private readonly listeners = new Set<() => void>();
  private readonly requestsPerConnection = new WeakMap<object, number>();

  private constructor(
    private readonly server: http.Server,
    private readonly callType: MesosType,
    private readonly eventType: MesosType,
  ) {}

  /** Listens on 127.0.0.1 on an OS-chosen port; bodies are decoded as `callType`, events encoded as `eventType`. */
  static async start<Call = Record<string, unknown>>(opts: {
    callType: MesosType;
    eventType: MesosType;
  }): Promise<ScriptedServer<Call>> {
    const server = http.createServer();
    const scripted = new ScriptedServer<Call>(server, opts.callType, opts.eventType);
    server.on('request', (req, res) => void scripted.onRequest(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return scripted;
  }

  /** `127.0.0.1:<port>` */
  get hostPort(): string {
    const { port } = this.server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://${this.hostPort}`;
  }

  /** Answers every following request with `handler`. */
  handle(handler: Handler<Call>): void {
    this.handler = handler;
  }

  /** The first request (index >= `from`) matching `predicate`, waiting up to `timeoutMs` for it. */
  waitForRequest(
    predicate: (req: RecordedRequest<Call>) => boolean,
    opts: { from?: number; timeoutMs?: number } = {},
  ): Promise<RecordedRequest<Call>> {
    const from = opts.from ?? 0;
    const timeoutMs = opts.timeoutMs ?? 2000;
    const find = () => this.requests.slice(from).find(predicate);
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (hit) {
          clearTimeout(timer);
          this.listeners.delete(check);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`no matching request within ${timeoutMs} ms (saw ${this.requests.length})`));
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  /** Closes every stream and connection, then the server. */
  async close(): Promise<void> {
    for (const s of this.streams) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const onConnection = (this.requestsPerConnection.get(req.socket) ?? 0) + 1;
    this.requestsPerConnection.set(req.socket, onConnection);
    const format = formatOfMediaType(req.headers['content-type']);
    let call: Call | undefined;
    let decodeError: string | undefined;
    if (format !== undefined) {
      try {
        call = decodeMessage<Call>(this.callType, body, format);
      } catch (err) {
        decodeError = err instanceof Error ? err.message : String(err);
      }
    }
    const recorded: RecordedRequest<Call> = {
      index: this.requests.length,
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      format,
      call,
      decodeError,
      onConnection,
    };
    this.requests.push(recorded);
    for (const listener of [...this.listeners]) listener();
    const reply: Reply = {
      status: (code, text = '', headers = {}) => {
        res.writeHead(code, { 'Content-Type': 'text/plain', ...headers });
        res.end(text);
      },
      redirect: (location) => {
        res.writeHead(307, { Location: location, 'Content-Length': '0' });
        res.end();
      },
      stream: (opts = {}) => {
        const streamFormat = acceptedFormat(req.headers.accept) ?? 'json';
        res.writeHead(200, {
          'Content-Type':
            opts.contentType ?? (streamFormat === 'json' ? 'application/json' : 'application/x-protobuf'),
          ...(opts.streamId === undefined ? {} : { 'Mesos-Stream-Id': opts.streamId }),
        });
        res.flushHeaders();
        const writer = new EventStreamWriter(res, this.eventType, streamFormat);
        this.streams.add(writer);
        res.on('close', () => this.streams.delete(writer));
        return writer;
      },
      drop: () => req.socket.destroy(),
    };
    try {
      await this.handler(recorded, reply);
    } catch (err) {
      if (!res.headersSent)
        reply.status(500, `handler failed: ${err instanceof Error ? err.message : String(err)}`);
      else res.destroy();
    }
  }
}
