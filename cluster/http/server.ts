// A small HTTP server wrapper: one async handler, errors become 500s (a bad request never crashes the
// process), and close() also ends the long-lived streaming connections that server.close() would wait for.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../config/logger.js';
import { respondText } from './respond.js';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> | void;

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  /** Stops accepting, destroys every open connection (streams included) and resolves when closed. */
  close(): Promise<void>;
}

/** Listens on host:port (0: any free port) and serves `handler`. */
export async function startServer(
  host: string,
  port: number,
  handler: Handler,
  logger: Logger,
): Promise<RunningServer> {
  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
    } catch {
      respondText(res, 400, 'Malformed request URL');
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((e: unknown) => {
        logger.error('request handler failed', { path: url.pathname, error: e });
        if (!res.headersSent) respondText(res, 500, 'Internal error');
        else res.destroy();
      });
  });
  // Subscription streams stay open for hours; only idle keep-alive sockets are timed out.
  server.requestTimeout = 0;
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    port: addr.port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
