// Mesos RecordIO framing of event streams: `<decimal byte length>\n<bytes>` repeated, no separator.
// Works on bytes only: the length counts bytes, protobuf payloads contain 0x0A, and HTTP chunk boundaries
// are unrelated to record boundaries (a length prefix may itself be split across chunks).
import { NodalError } from '../../config/errors.js';

/** The largest record a decoder accepts unless told otherwise (64 MiB). */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Mesos sizes are uint64: at most 20 decimal digits. */
const MAX_PREFIX_DIGITS = 20;
const LF = 0x0a;

export interface RecordIOOptions {
  /** Records longer than this are rejected before being buffered (default DEFAULT_MAX_RECORD_BYTES). */
  maxRecordBytes?: number;
}

/** An incremental RecordIO decoder: push() every chunk as it arrives, call end() when the body ends. */
export class RecordIODecoder {
  private readonly maxRecordBytes: number;
  // Pending chunks from `head` on; cut records are views into them (no copy unless a record spans chunks).
  private chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  /** Byte length of the record being read, or -1 while a length prefix is pending. */
  private need = -1;
  private failure: NodalError | undefined;

  constructor(opts: RecordIOOptions = {}) {
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  /** Feeds one chunk; returns the records it completed (views that may share memory with the chunks).
   * Throws NodalError('RECORDIO') on a malformed prefix (non-digit, empty, zero, over 20 digits) or one
   * over maxRecordBytes; when the same chunk also completed records, they are returned first and the error
   * is thrown by the next push()/end(). The decoder stays failed afterwards. */
  push(chunk: Uint8Array): Buffer[] {
    if (this.failure) throw this.failure;
    if (!(chunk instanceof Uint8Array)) {
      this.failure = new NodalError('RECORDIO', 'RecordIO chunks must be bytes, not strings');
      throw this.failure;
    }
    if (chunk.length > 0) {
      this.chunks.push(
        Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
      );
      this.buffered += chunk.length;
    }
    const records: Buffer[] = [];
    try {
      for (;;) {
        if (this.need < 0) {
          const size = this.readPrefix();
          if (size === undefined) break;
          this.need = size;
        }
        if (this.buffered < this.need) break;
        records.push(this.take(this.need));
        this.need = -1;
      }
    } catch (e) {
      this.failure = e as NodalError;
      if (records.length === 0) throw e;
    }
    this.compact();
    return records;
  }

  /** Declares the end of the stream; throws NodalError('RECORDIO') if a record or prefix is incomplete
   * (or a previous push failed). */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.need >= 0) {
      this.failure = new NodalError(
        'RECORDIO',
        `stream ended inside a record (${this.buffered} of ${this.need} bytes)`,
        {
          received: this.buffered,
          expected: this.need,
        },
      );
      throw this.failure;
    }
    if (this.buffered > 0) {
      this.failure = new NodalError(
        'RECORDIO',
        `stream ended inside a length prefix (${this.buffered} bytes)`,
      );
      throw this.failure;
    }
  }

  /** Parses and consumes a complete length prefix, or returns undefined while it is still incomplete. */
  private readPrefix(): number | undefined {
    const window = this.peek(MAX_PREFIX_DIGITS + 1);
    const nl = window.indexOf(LF);
    const digits = window.subarray(0, nl < 0 ? window.length : nl);
    for (const byte of digits) {
      if (byte < 0x30 || byte > 0x39) {
        throw new NodalError('RECORDIO', `RecordIO length prefix is not decimal: '${printable(digits)}'`);
      }
    }
    if (nl < 0) {
      if (window.length > MAX_PREFIX_DIGITS) {
        throw new NodalError('RECORDIO', `RecordIO length prefix longer than ${MAX_PREFIX_DIGITS} digits`);
      }
      return undefined;
    }
    if (nl === 0) throw new NodalError('RECORDIO', 'empty RecordIO length prefix');
    const size = Number(digits.toString('ascii'));
    if (size === 0) throw new NodalError('RECORDIO', 'RecordIO record of length 0');
    if (size > this.maxRecordBytes) {
      throw new NodalError(
        'RECORDIO',
        `RecordIO record of ${digits.toString('ascii')} bytes exceeds the ${this.maxRecordBytes}-byte limit`,
        {
          maxRecordBytes: this.maxRecordBytes,
        },
      );
    }
    this.take(nl + 1);
    return size;
  }

  /** Up to n leading buffered bytes, joining chunks only when the first is shorter. */
  private peek(n: number): Buffer {
    const first = this.chunks[this.head];
    if (!first) return Buffer.alloc(0);
    if (first.length >= n || this.head === this.chunks.length - 1) return first.subarray(0, n);
    const parts: Buffer[] = [];
    let got = 0;
    for (let i = this.head; i < this.chunks.length && got < n; i++) {
      const c = this.chunks[i]!;
      parts.push(c.subarray(0, n - got));
      got += Math.min(c.length, n - got);
    }
    return Buffer.concat(parts, got);
  }

  /** Removes and returns the next n buffered bytes (caller ensures n <= buffered). */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[this.head]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.head++;
      else this.chunks[this.head] = first.subarray(n);
      return out;
    }
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const c = this.chunks[this.head]!;
      if (c.length <= left) {
        parts.push(c);
        this.head++;
        left -= c.length;
      } else {
        parts.push(c.subarray(0, left));
        this.chunks[this.head] = c.subarray(left);
        left = 0;
      }
    }
    return Buffer.concat(parts, n);
  }

  // Drops consumed chunk slots so a long run of tiny chunks does not grow the array without bound.
  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const printable = (b: Buffer): string => b.toString('latin1').replace(/[^\x20-\x7e]/g, '?');

/** Frames one payload as a record: `${payload.byteLength}\n` + payload. Throws NodalError('RECORDIO') for
 * an empty payload (Mesos never sends one and decoders reject it) or a non-bytes argument. */
export function encodeRecord(payload: Uint8Array): Buffer {
  if (!(payload instanceof Uint8Array))
    throw new NodalError('RECORDIO', 'RecordIO payloads must be bytes, not strings');
  if (payload.byteLength === 0) throw new NodalError('RECORDIO', 'RecordIO records cannot be empty');
  return Buffer.concat([Buffer.from(`${payload.byteLength}\n`, 'ascii'), payload]);
}

/** Yields each record of a RecordIO body (e.g. a fetch/undici/http response body); throws
 * NodalError('RECORDIO') on malformed framing or when the body ends inside a record. */
export async function* readRecords(
  body: AsyncIterable<Uint8Array>,
  opts: RecordIOOptions = {},
): AsyncGenerator<Buffer> {
  const decoder = new RecordIODecoder(opts);
  for await (const chunk of body) {
    for (const record of decoder.push(chunk)) yield record;
  }
  decoder.end();
}
