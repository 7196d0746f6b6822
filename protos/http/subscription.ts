// Opens a SUBSCRIBE request and classifies the answer: either a 200 event stream whose records the caller
// reads incrementally, or any other status with its (bounded) body text.
import type http from 'node:http';
import { NodalError } from '../../config/errors.js';
import { formatOfMediaType, type WireFormat } from '../wire/codec.js';
import { readRecords } from '../wire/recordio.js';
import { headerValue, readBoundedText, startPost } from './http.js';

/** A 200 answer: records arrive on `records` until the server closes or `abort` is called. */
export interface OpenStream {
  readonly kind: 'stream';
  readonly headers: http.IncomingHttpHeaders;
  /** Encoding of every record, from the response Content-Type. */
  readonly format: WireFormat;
  /** Raw records (one serialized event each); throws NodalError('RECORDIO') on bad framing. */
  readonly records: AsyncIterable<Buffer>;
  abort(reason: Error): void;
}

/** Any answer but 200. */
export interface RefusedSubscription {
  readonly kind: 'refused';
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

/**
 * POSTs a SUBSCRIBE on a connection of its own; aborting `signal` tears it down at any stage. Rejects NodalError('UNAVAILABLE') when the server cannot be
 * reached and NodalError('WIRE_DECODE') when a 200 carries a Content-Type that is not one of the two media types.
 */
export async function openSubscription(
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  maxRecordBytes: number,
  signal: AbortSignal,
): Promise<OpenStream | RefusedSubscription> {
  const started = startPost(url, headers, body, false);
  // One signal tears down both the pending request and, later, the stream it turned into.
  const onAbort = () => started.abort(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const res = await started.response;
  const status = res.statusCode ?? 0;
  if (status !== 200) {
    const text = await readBoundedText(res).catch(() => '');
    return { kind: 'refused', status, headers: res.headers, text };
  }
  const contentType = headerValue(res.headers, 'content-type');
  const format = formatOfMediaType(contentType);
  if (format === undefined) {
    const error = new NodalError(
      'WIRE_DECODE',
      `event stream has unsupported Content-Type '${contentType ?? ''}'`,
      {
        contentType,
      },
    );
    started.abort(error);
    throw error;
  }
  return {
    kind: 'stream',
    headers: res.headers,
    format,
    records: readRecords(res, { maxRecordBytes }),
    abort: (reason) => started.abort(reason),
  };
}
