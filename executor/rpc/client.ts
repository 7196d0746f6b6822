// A unary client for one training service at one address: encodes with the .proto codecs, attaches the
// job secret, applies a deadline, and turns a failed call into a NodalError (UNAVAILABLE/TIMEOUT are the
// transient ones a caller retries).
import * as grpc from '@grpc/grpc-js';
import { nodalProtos, type NodalServiceName } from '../../protos/nodal/index.js';
import { bearerMetadata } from './auth.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './server.js';
import { nodalErrorOf } from './status-map.js';
import { channelCredentials, type TlsFiles } from './tls.js';

export interface RpcClientOptions {
  secret: string;
  /** Default deadline of a call (default 30 s). */
  deadlineMs?: number;
  tls?: Pick<TlsFiles, 'caFile' | 'certFile'>;
  maxMessageBytes?: number;
}

export interface RpcClient {
  readonly address: string;
  /** Calls `method`; rejects with a NodalError. `deadlineMs` overrides the default for this call. */
  call<Res = Record<string, unknown>>(
    method: string,
    request: object,
    opts?: { deadlineMs?: number },
  ): Promise<Res>;
  close(): void;
}

const DEFAULT_DEADLINE_MS = 30_000;

/** A client of `service` at `address` (host:port). Connects lazily; never throws here. */
export function createRpcClient(
  service: NodalServiceName,
  address: string,
  opts: RpcClientOptions,
): RpcClient {
  const protos = nodalProtos();
  const methods = new Map(
    protos
      .methods(service)
      .map((m) => [
        m.name,
        { req: protos.codec(m.requestType as never), res: protos.codec(m.responseType as never) },
      ]),
  );
  const max = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const client = new grpc.Client(address, channelCredentials(opts.tls), {
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
    // A restarted PS comes back on the same address: reconnect quickly rather than after the default 1 s–120 s.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 2_000,
  });
  const metadata = bearerMetadata(opts.secret);
  return {
    address,
    call<Res>(method: string, request: object, callOpts: { deadlineMs?: number } = {}): Promise<Res> {
      const codecs = methods.get(method);
      if (!codecs) return Promise.reject(new Error(`${service} has no method ${method}`));
      const deadline = Date.now() + (callOpts.deadlineMs ?? opts.deadlineMs ?? DEFAULT_DEADLINE_MS);
      return new Promise<Res>((resolve, reject) => {
        client.makeUnaryRequest<object, Res>(
          `/${service}/${method}`,
          (v) => codecs.req.encode(v as Record<string, unknown>),
          (b) => codecs.res.decode(b) as Res,
          request,
          metadata.clone(),
          { deadline },
          (err, res) => (err ? reject(nodalErrorOf(err, `${service}/${method}`)) : resolve(res as Res)),
        );
      });
    },
    close: () => client.close(),
  };
}
