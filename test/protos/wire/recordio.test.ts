import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import {
  DEFAULT_MAX_RECORD_BYTES,
  RecordIODecoder,
  encodeRecord,
  readRecords,
} from '../../../protos/wire/recordio.js';

/** mulberry32: a tiny seeded PRNG so every random case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rnd: () => number, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

const WORDS = ['TASK_RUNNING', 'é', '日本語', '🚀', '\n', '"', '\\', '12\n', 'offer', ' '];

function randomPayload(rnd: () => number): Buffer {
  if (rnd() < 0.5) {
    // JSON text with multi-byte characters and newlines inside strings.
    const fields = Object.fromEntries(
      Array.from({ length: int(rnd, 1, 6) }, (_, i) => [
        `k${i}`,
        Array.from({ length: int(rnd, 0, 8) }, () => WORDS[int(rnd, 0, WORDS.length - 1)]).join(''),
      ]),
    );
    return Buffer.from(JSON.stringify(fields), 'utf8');
  }
  // Binary, biased towards LF and ASCII digits, which a newline-splitting reader would misread.
  const size = rnd() < 0.1 ? int(rnd, 1000, 70000) : int(rnd, 1, 300);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    const r = rnd();
    bytes[i] = r < 0.15 ? 0x0a : r < 0.3 ? 0x30 + int(rnd, 0, 9) : int(rnd, 0, 255);
  }
  return bytes;
}

/** Cuts `stream` into pieces: single bytes, tiny pieces, or pieces of random size (some empty). */
function randomChunks(rnd: () => number, stream: Buffer): Buffer[] {
  const mode = rnd();
  const chunks: Buffer[] = [];
  for (let i = 0; i < stream.length;) {
    const size = mode < 0.2 ? 1 : mode < 0.5 ? int(rnd, 0, 4) : int(rnd, 0, 2 * 1024);
    chunks.push(stream.subarray(i, i + size));
    i += size;
  }
  return chunks;
}

function decodeAll(chunks: Uint8Array[], opts?: { maxRecordBytes?: number }): Buffer[] {
  const decoder = new RecordIODecoder(opts);
  const records = chunks.flatMap((c) => decoder.push(c));
  decoder.end();
  return records;
}

function expectRecordIOError(fn: () => unknown, fragment: string): void {
  try {
    fn();
  } catch (e) {
    expect(isNodalError(e, 'RECORDIO'), String(e)).to.equal(true);
    expect((e as Error).message).to.contain(fragment);
    return;
  }
  expect.fail(`expected RECORDIO error containing '${fragment}'`);
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('protos/wire/recordio', () => {
  it('frames a payload as "<byte length>\\n<bytes>"', () => {
    expect(encodeRecord(Buffer.from('{"type":"HEARTBEAT"}')).toString()).to.equal('20\n{"type":"HEARTBEAT"}');
    expect(encodeRecord(Buffer.from('é')).toString('latin1')).to.equal('2\n\xc3\xa9');
    expect(encodeRecord(new Uint8Array([0x0a])).equals(Buffer.from([0x31, 0x0a, 0x0a]))).to.equal(true);
  });

  it('refuses to frame an empty or non-byte payload', () => {
    expectRecordIOError(() => encodeRecord(Buffer.alloc(0)), 'cannot be empty');
    expectRecordIOError(() => encodeRecord('hi' as unknown as Uint8Array), 'must be bytes');
  });

  it('decodes several records from one chunk, and a record split across chunks', () => {
    const stream = Buffer.concat([
      encodeRecord(bytes('abc')),
      encodeRecord(bytes('de\nf')),
      encodeRecord(bytes('g')),
    ]);
    expect(decodeAll([stream]).map(String)).to.deep.equal(['abc', 'de\nf', 'g']);
    const decoder = new RecordIODecoder();
    expect(decoder.push(bytes('4\nde'))).to.deep.equal([]);
    expect(decoder.push(bytes('\nf3\nab')).map(String)).to.deep.equal(['de\nf']);
    expect(decoder.push(bytes('c')).map(String)).to.deep.equal(['abc']);
    decoder.end();
  });

  it('decodes a length prefix split across chunks (including one digit per chunk)', () => {
    const payload = Buffer.alloc(1234, 0x41);
    const frame = encodeRecord(payload);
    for (const cut of [1, 2, 3, 4, 5]) {
      const records = decodeAll([frame.subarray(0, cut), frame.subarray(cut)]);
      expect(records, `cut at ${cut}`).to.have.length(1);
      expect(records[0]!.equals(payload)).to.equal(true);
    }
    expect(decodeAll([...frame].map((b) => Uint8Array.of(b)))[0]!.equals(payload)).to.equal(true);
  });

  it('accepts plain Uint8Array chunks and empty chunks', () => {
    const frame = encodeRecord(bytes('xyz'));
    const view = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
    expect(
      decodeAll([new Uint8Array(0), view.subarray(0, 2), new Uint8Array(0), view.subarray(2)]).map(String),
    ).to.deep.equal(['xyz']);
  });

  it('round-trips 300 seeded random streams (JSON and binary payloads) under random chunkings', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = prng(seed);
      const payloads = Array.from({ length: int(rnd, 1, 8) }, () => randomPayload(rnd));
      const stream = Buffer.concat(payloads.map(encodeRecord));
      const records = decodeAll(randomChunks(rnd, stream));
      expect(records.length, `seed ${seed}`).to.equal(payloads.length);
      records.forEach((r, i) => expect(r.equals(payloads[i]!), `seed ${seed} record ${i}`).to.equal(true));
    }
  });

  it('readRecords yields the records of an async body and ends cleanly', async () => {
    const rnd = prng(42);
    const payloads = Array.from({ length: 20 }, () => randomPayload(rnd));
    const stream = Buffer.concat(payloads.map(encodeRecord));
    async function* body(): AsyncGenerator<Uint8Array> {
      for (const chunk of randomChunks(rnd, stream)) yield chunk;
    }
    const records: Buffer[] = [];
    for await (const r of readRecords(body())) records.push(r);
    expect(records.map((r) => r.toString('hex'))).to.deep.equal(payloads.map((p) => p.toString('hex')));
  });

  describe('malformed streams', () => {
    const cases: [string, Buffer, string][] = [
      ['a non-digit prefix', bytes('abc\n{}'), 'not decimal'],
      ['a signed prefix', bytes('-5\nhello'), 'not decimal'],
      ['a prefix with a space', bytes('5 \nhello'), 'not decimal'],
      ['a JSON body without framing', bytes('{"type":"HEARTBEAT"}'), 'not decimal'],
      ['an empty prefix', bytes('\nabc'), 'empty RecordIO length prefix'],
      ['a zero length', bytes('0\n'), 'length 0'],
      ['a zero length with leading zeros', bytes('000\n'), 'length 0'],
      ['a prefix longer than 20 digits', bytes('123456789012345678901'), 'longer than 20 digits'],
      [
        'a 20-digit length over the maximum',
        bytes('99999999999999999999\n'),
        'exceeds the 67108864-byte limit',
      ],
    ];
    for (const [what, stream, fragment] of cases) {
      it(`throws RECORDIO on ${what}, whole or byte by byte`, () => {
        expectRecordIOError(() => decodeAll([stream]), fragment);
        expectRecordIOError(() => decodeAll([...stream].map((b) => Uint8Array.of(b))), fragment);
      });
    }

    it('enforces maxRecordBytes from the prefix alone, before buffering the record', () => {
      const decoder = new RecordIODecoder({ maxRecordBytes: 10 });
      expect(decoder.push(encodeRecord(bytes('0123456789'))).map(String)).to.deep.equal(['0123456789']);
      expectRecordIOError(() => decoder.push(bytes('11\n')), 'record of 11 bytes exceeds the 10-byte limit');
      expect(DEFAULT_MAX_RECORD_BYTES).to.equal(64 * 1024 * 1024);
    });

    it('throws on end() inside a record or inside a prefix', () => {
      expectRecordIOError(() => decodeAll([bytes('5\nabc')]), 'stream ended inside a record (3 of 5 bytes)');
      expectRecordIOError(() => decodeAll([bytes('12')]), 'stream ended inside a length prefix');
      expectRecordIOError(
        () => decodeAll([bytes('3\nabc4\n')]),
        'stream ended inside a record (0 of 4 bytes)',
      );
    });

    it('stays failed after an error', () => {
      const decoder = new RecordIODecoder();
      expectRecordIOError(() => decoder.push(bytes('x')), 'not decimal');
      expectRecordIOError(() => decoder.push(encodeRecord(bytes('ok'))), 'not decimal');
      expectRecordIOError(() => decoder.end(), 'not decimal');
    });

    it('returns the records completed before a bad prefix and throws on the next call', () => {
      const decoder = new RecordIODecoder();
      expect(
        decoder.push(Buffer.concat([encodeRecord(bytes('ok')), bytes('zz\n')])).map(String),
      ).to.deep.equal(['ok']);
      expectRecordIOError(() => decoder.push(bytes('')), 'not decimal');
    });

    it('readRecords propagates framing errors after yielding the good records', async () => {
      async function* body(): AsyncGenerator<Uint8Array> {
        yield encodeRecord(bytes('first'));
        yield bytes('7\ntrunc');
      }
      const seen: string[] = [];
      try {
        for await (const r of readRecords(body())) seen.push(String(r));
        expect.fail('expected RECORDIO');
      } catch (e) {
        expect(isNodalError(e, 'RECORDIO'), String(e)).to.equal(true);
      }
      expect(seen).to.deep.equal(['first']);
    });

    it('rejects string chunks (RecordIO is bytes)', () => {
      expectRecordIOError(
        () => new RecordIODecoder().push('3\nabc' as unknown as Uint8Array),
        'must be bytes',
      );
    });

    it('never yields a record from 300 seeded garbage prefixes', () => {
      for (let seed = 1; seed <= 300; seed++) {
        const rnd = prng(1000 + seed);
        const digits = Array.from({ length: int(rnd, 0, 5) }, () => String(int(rnd, 0, 9))).join('');
        const junk = String.fromCharCode(int(rnd, 0, 1) ? int(rnd, 0x21, 0x2f) : int(rnd, 0x3a, 0x7e));
        const stream = bytes(`${digits}${junk}${digits}\n${'x'.repeat(40)}`);
        expectRecordIOError(() => decodeAll(randomChunks(rnd, stream)), 'not decimal');
      }
    });
  });
});
