// Optional TLS for the training gRPC services: server and client credentials from PEM files.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { NodalError } from '../../config/errors.js';

export interface TlsFiles {
  /** PEM certificate chain of the server. */
  certFile: string;
  /** PEM private key of the server. */
  keyFile: string;
  /** PEM CA that signed the server certificate (clients; default: the certificate itself, i.e. self-signed). */
  caFile?: string;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new NodalError('CONFIG_INVALID', `cannot read TLS ${what} ${path}: ${(e as Error).message}`, {
      path,
    });
  }
}

/** Server credentials: TLS when `tls` is given, else plaintext (loopback and trusted networks). */
export function serverCredentials(tls?: TlsFiles): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    null,
    [{ cert_chain: read(tls.certFile, 'certificate'), private_key: read(tls.keyFile, 'key') }],
    false,
  );
}

/** Client credentials matching serverCredentials. */
export function channelCredentials(tls?: Pick<TlsFiles, 'caFile' | 'certFile'>): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(read(tls.caFile ?? tls.certFile, 'CA'));
}
