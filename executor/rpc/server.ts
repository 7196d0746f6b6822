// One gRPC server for the training services of a task. Every unary call goes through the same wrapper:
// authenticate the bearer secret, reject undecodable requests as INVALID_ARGUMENT (grpc-js would say
// INTERNAL), run the handler, and turn its typed error into a gRPC status. A bad call never stops the server.
import * as grpc from '@grpc/grpc-js';
import { NodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import { nodalProtos, type NodalServiceName } from '../../protos/nodal/index.js';
import { bearerChecker } from './auth.js';
import { grpcStatusOf } from './status-map.js';
import { serverCredentials, type TlsFiles } from './tls.js';

/** Largest message either side accepts by default: room for the large model's full weights (about 5 MB) many times over. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** A unary handler over decoded plain objects. Throw NodalError for a clear status. */
export type UnaryHandler = (request: any, ctx: { peer: string }) => unknown | Promise<unknown>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ServiceBinding {
  service: NodalServiceName;
  handlers: Record<string, UnaryHandler>;
}

export interface RpcServerOptions {
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** The job secret every call must carry. */
  secret: string;
  services: ServiceBinding[];
  tls?: TlsFiles;
  maxMessageBytes?: number;
  logger?: Logger;
}

export interface RpcServer {
  readonly port: number;
  /** host:port to hand to clients. */
  readonly address: string;
  /** Stops accepting calls; in-flight calls get `graceMs` to finish before being cancelled. */
  close(graceMs?: number): Promise<void>;
}

const DECODE_ERROR = Symbol('decodeError');

/** Builds the grpc-js service definition of a service from its .proto, with protobufjs codecs. */
export function serviceDefinition(service: NodalServiceName): grpc.ServiceDefinition {
  const protos = nodalProtos();
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of protos.methods(service)) {
    const req = protos.codec(m.requestType as never);
    const res = protos.codec(m.responseType as never);
    def[m.name] = {
      path: `/${service}/${m.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: unknown) => req.encode(v as Record<string, unknown>),
      requestDeserialize: (b: Buffer) => {
        try {
          return req.decode(b);
        } catch (e) {
          return { [DECODE_ERROR]: (e as Error).message };
        }
      },
      responseSerialize: (v: unknown) => res.encode(v as Record<string, unknown>),
      responseDeserialize: (b: Buffer) => res.decode(b),
      originalName: m.name,
    } as grpc.MethodDefinition<unknown, unknown>;
  }
  return def as grpc.ServiceDefinition;
}

/** Starts a server with the given services; resolves once it listens. Throws UNAVAILABLE when it cannot bind. */
export async function startRpcServer(opts: RpcServerOptions): Promise<RpcServer> {
  const log = (opts.logger ?? silentLogger).child({ component: 'rpc-server' });
  const authorized = bearerChecker(opts.secret);
  const max = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
  });
  for (const binding of opts.services) {
    const def = serviceDefinition(binding.service);
    const impl: grpc.UntypedServiceImplementation = {};
    for (const name of Object.keys(def)) {
      const handler = binding.handlers[name];
      if (!handler) throw new NodalError('INTERNAL', `no handler for ${binding.service}/${name}`);
      impl[name] = (
        call: grpc.ServerUnaryCall<Record<string | symbol, unknown>, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        const method = `${binding.service}/${name}`;
        const fail = (code: grpc.status, details: string): void =>
          callback({ code, details, name: 'Error', message: details, metadata: new grpc.Metadata() });
        if (!authorized(call.metadata)) {
          log.warn('unauthenticated call rejected', { method, peer: call.getPeer() });
          return fail(grpc.status.UNAUTHENTICATED, 'missing or wrong job secret');
        }
        const decodeError = call.request?.[DECODE_ERROR];
        if (decodeError !== undefined)
          return fail(grpc.status.INVALID_ARGUMENT, `malformed ${name} request: ${String(decodeError)}`);
        Promise.resolve()
          .then(() => handler(call.request, { peer: call.getPeer() }))
          .then(
            (response) => callback(null, response),
            (e: unknown) => {
              const code = grpcStatusOf(e);
              if (code === grpc.status.INTERNAL) log.error('call failed', { method, error: e });
              else log.debug('call rejected', { method, code, error: (e as Error).message });
              fail(code, e instanceof NodalError ? e.message : 'internal error');
            },
          );
      };
    }
    server.addService(def, impl);
  }
  const host = opts.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${host.includes(':') ? `[${host}]` : host}:${opts.port ?? 0}`,
      serverCredentials(opts.tls),
      (err, p) =>
        err
          ? reject(
              new NodalError(
                'UNAVAILABLE',
                `cannot listen on ${host}:${opts.port ?? 0}: ${err.message}`,
                undefined,
                { cause: err },
              ),
            )
          : resolve(p),
    );
  });
  log.info('listening', {
    host,
    port,
    services: opts.services.map((s) => s.service),
    tls: Boolean(opts.tls),
  });
  let closed: Promise<void> | undefined;
  return {
    port,
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    close(graceMs = 2_000) {
      closed ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closed;
    },
  };
}
