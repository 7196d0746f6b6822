// A master that is not the leader, as Mesos' standbys answer (REFERENCE §1.6): `503 No leader elected`
// while an election runs, then `307` with a protocol-relative `Location: //host:port/master/api/v1/scheduler`
// naming the leader. It records what it was asked so a test can check the client re-sent the same call.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the standby answered. */
export interface StandbyRequest {
  readonly path: string;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly streamId: string | undefined;
  readonly body: Buffer;
}

export class StandbyMaster {
  readonly requests: StandbyRequest[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private port = 0;

  private constructor(
    private readonly leader: URL,
    private readonly electionRequests: number,
  ) {}

  /**
   * Listens on 127.0.0.1, port 0. The first `electionRequests` requests get 503; later ones a 307 to
   * `leaderUrl` (`http://host:port`).
   */
  static async start(leaderUrl: string, electionRequests = 0): Promise<StandbyMaster> {
    const standby = new StandbyMaster(new URL(leaderUrl), electionRequests);
    await new Promise<void>((resolve, reject) => {
      standby.server.once('error', reject);
      standby.server.listen(0, '127.0.0.1', () => resolve());
    });
    standby.port = (standby.server.address() as AddressInfo).port;
    return standby;
  }

  /** `http://127.0.0.1:<port>`, to give the client as a master. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const electing = this.requests.length < this.electionRequests;
      const streamId = req.headers['mesos-stream-id'];
      this.requests.push({
        path: req.url ?? '',
        status: electing ? 503 : 307,
        contentType: req.headers['content-type'],
        streamId: Array.isArray(streamId) ? streamId[0] : streamId,
        body: Buffer.concat(chunks),
      });
      if (electing) {
        res.writeHead(503, { 'Content-Type': 'text/plain' });
        res.end('No leader elected');
        return;
      }
      res.writeHead(307, { Location: `//${this.leader.host}/master/api/v1/scheduler`, 'Content-Length': 0 });
      res.end();
    });
  }
}
