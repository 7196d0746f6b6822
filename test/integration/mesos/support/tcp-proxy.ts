// A loopback TCP proxy to put between a client and the cluster, so a test can break the network the ways
// real networks break, which the cluster's own fault injection cannot: an event stream that goes silent
// without closing (a load balancer that dropped the flow), a stream the server lost while the client still
// believes in it (half-open), replies that stop coming back, and a reset of every connection. Connections
// opened afterwards pass normally, so a client that reconnects gets through.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

interface Link {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  /** The server answered with a chunked body: a subscription's event stream, never a call. */
  stream: boolean;
  toClient: boolean;
  toUpstream: boolean;
}

const CHUNKED = /\r\ntransfer-encoding:\s*chunked\r\n/i;

export class TcpProxy {
  private readonly links = new Set<Link>();
  private readonly server = net.createServer((client) => this.accept(client));
  private port = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Listens on 127.0.0.1, port 0, and forwards every connection to `target` (`host:port`). */
  static async start(target: string): Promise<TcpProxy> {
    const url = new URL(`tcp://${target}`);
    const proxy = new TcpProxy(url.hostname, Number(url.port));
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy.port = (proxy.server.address() as AddressInfo).port;
    return proxy;
  }

  /** `127.0.0.1:<port>` the proxy listens on. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Event streams open now go silent: the server's events vanish, nothing is closed. */
  stallStreams(): void {
    for (const link of this.links) if (link.stream) link.toClient = false;
  }

  /**
   * Event streams open now are closed toward the server only: the server sees the subscriber leave while
   * the client, hearing nothing, still holds what it thinks is a live stream.
   */
  severStreams(): void {
    for (const link of [...this.links]) {
      if (!link.stream) continue;
      link.toClient = false;
      link.toUpstream = false;
      link.upstream.destroy();
    }
  }

  /** Open connections still carry requests, but nothing comes back to the client. */
  muteReplies(): void {
    for (const link of this.links) link.toClient = false;
  }

  /** Resets every open connection. */
  cut(): void {
    for (const link of [...this.links]) {
      this.links.delete(link);
      link.client.resetAndDestroy();
      link.upstream.destroy();
    }
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const link of [...this.links]) {
      link.client.destroy();
      link.upstream.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, this.targetHost);
    const link: Link = { client, upstream, stream: false, toClient: true, toUpstream: true };
    this.links.add(link);
    client.on('data', (chunk) => {
      if (link.toUpstream) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!link.stream && CHUNKED.test(chunk.toString('latin1'))) link.stream = true;
      if (link.toClient) client.write(chunk);
    });
    // A close travels on only while the link passes data that way: a frozen peer never says goodbye.
    const drop = () => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', () => link.toUpstream && drop());
    upstream.on('close', () => link.toClient && drop());
  }
}
