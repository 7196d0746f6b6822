// Hostile input for the RecordIO decoder: random bytes, random chunkings, huge/negative/garbage length
// prefixes and non-byte chunks. The decoder may only ever throw NodalError RECORDIO, records framed
// before the damage still come out intact, and nothing a peer sends makes it buffer past its limit.
import { expect } from 'chai';
import { NodalError } from '../../../../config/errors.js';
import { RecordIODecoder, encodeRecord, readRecords } from '../../../../protos/wire/recordio.js';
import { fuzzLoop, timed } from '../../support/budget.js';
import { fuzzScale, fuzzSeed, type Rng } from '../../support/prng.js';

const SEED = fuzzSeed('protos/wire/recordio');
const MAX_RECORD = 4096;

/** Cuts a stream into random pieces: single bytes, small pieces, empty pieces or a few large ones. */
function chunkings(rnd: Rng, stream: Buffer): Buffer[] {
  const style = rnd.int(0, 3);
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length;) {
    const size =
      style === 0
        ? 1
        : style === 1
          ? rnd.int(0, 7)
          : style === 2
            ? rnd.int(1, 64)
            : rnd.int(1, stream.length);
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  if (rnd.chance(0.2)) chunks.splice(rnd.int(0, chunks.length), 0, Buffer.alloc(0));
  return chunks;
}

/** Feeds every chunk and then end(); collects records until the first error, which must be RECORDIO. */
function decodeAll(
  decoder: RecordIODecoder,
  chunks: Uint8Array[],
): { records: Buffer[]; error?: NodalError } {
  const records: Buffer[] = [];
  try {
    for (const c of chunks) for (const r of decoder.push(c)) records.push(Buffer.from(r));
    decoder.end();
    return { records };
  } catch (e) {
    expect(e, `thrown: ${String(e)}`).to.be.instanceOf(NodalError);
    expect((e as NodalError).code).to.equal('RECORDIO');
    return { records, error: e as NodalError };
  }
}

/** After a failure the decoder stays failed: every later call throws RECORDIO again. */
function expectStaysFailed(decoder: RecordIODecoder): void {
  for (const call of [() => decoder.push(encodeRecord(Buffer.from('{}'))), () => decoder.end()]) {
    expect(call).to.throw(NodalError).with.property('code', 'RECORDIO');
  }
}

function randomPayload(rnd: Rng): Buffer {
  const size = rnd.chance(0.05) ? MAX_RECORD : rnd.int(1, 200);
  const out = rnd.bytes(size);
  // Bias towards LF and digits, which a newline-splitting reader would misread as framing.
  for (let i = 0; i < size; i++) if (rnd.chance(0.2)) out[i] = rnd.pick([0x0a, 0x30 + rnd.int(0, 9)]);
  return out;
}

/** Garbage that cannot start a valid record; each entry says why. */
const BAD_PREFIXES: Array<[string, string]> = [
  ['-1\n', 'negative'],
  ['-0\n', 'negative zero'],
  ['+5\n', 'signed'],
  [' 5\n', 'leading space'],
  ['5 \n', 'trailing space'],
  ['5\r\n', 'CRLF'],
  ['0x10\n', 'hex'],
  ['1e3\n', 'exponent'],
  ['5.0\n', 'fraction'],
  ['NaN\n', 'NaN'],
  ['Infinity\n', 'Infinity'],
  ['\n', 'empty'],
  ['0\n', 'zero length'],
  ['000\n', 'zero length with leading zeros'],
  ['99999999999999999999\n', 'uint64-sized length'],
  ['184467440737095516160\n', '21 digits'],
  ['123456789012345678901234567890', 'endless digits without LF'],
  [`${MAX_RECORD + 1}\n`, 'one byte over the limit'],
  ['9007199254740993\n', 'beyond double precision'],
  ['５\n', 'full-width digit'],
  ['{"type":"HEARTBEAT"}', 'JSON without a length'],
];

describe(`fuzz: protos/wire/recordio (seed ${SEED})`, function () {
  this.timeout(30_000 * fuzzScale());

  it('random bytes in random chunks: records or RECORDIO, nothing else, and never more than the limit', async () => {
    let worst = 0;
    await fuzzLoop(SEED, { cases: 5000, ms: 4000 }, (ctx) => {
      const stream = ctx.rnd.chance(0.5)
        ? ctx.rnd.bytes(ctx.rnd.int(0, 400))
        : // Random digit runs and LFs hit the prefix parser much more often than uniform bytes.
          Buffer.from(
            Array.from({ length: ctx.rnd.int(1, 60) }, () =>
              ctx.rnd.pick(['\n', '0', '1', '9', '12', '4097', '-', ' ', 'x', '\u00e9']),
            ).join(''),
            'utf8',
          );
      ctx.label = `stream ${stream.toString('hex').slice(0, 80)}`;
      const decoder = new RecordIODecoder({ maxRecordBytes: MAX_RECORD });
      const t = timed(() => decodeAll(decoder, chunkings(ctx.rnd, stream)));
      worst = Math.max(worst, t.ms);
      expect(t.error, String(t.error)).to.equal(undefined);
      const { records, error } = t.value!;
      for (const r of records) expect(r.length).to.be.within(1, MAX_RECORD);
      expect(records.reduce((n, r) => n + r.length, 0)).to.be.at.most(stream.length);
      if (error) expectStaysFailed(decoder);
    });
    expect(worst, 'slowest case (ms)').to.be.below(1000);
  });

  it('valid records followed by garbage: every record before the damage decodes intact, in any chunking', async () => {
    await fuzzLoop(SEED + 1, { cases: 1500, ms: 4000 }, (ctx) => {
      const payloads = Array.from({ length: ctx.rnd.int(0, 6) }, () => randomPayload(ctx.rnd));
      const [badPrefix, why] = ctx.rnd.pick(BAD_PREFIXES);
      const tail = ctx.rnd.chance(0.5) ? Buffer.from(badPrefix, 'utf8') : ctx.rnd.bytes(ctx.rnd.int(1, 40));
      ctx.label = `${payloads.length} records then ${ctx.rnd.chance(0.5) ? why : 'random bytes'}`;
      const stream = Buffer.concat([...payloads.map((p) => encodeRecord(p)), tail]);
      const { records } = decodeAll(
        new RecordIODecoder({ maxRecordBytes: MAX_RECORD }),
        chunkings(ctx.rnd, stream),
      );
      expect(records.length).to.be.at.least(payloads.length);
      payloads.forEach((p, i) => expect(records[i]!.equals(p), `record ${i}`).to.equal(true));
    });
  });

  for (const [prefix, why] of BAD_PREFIXES) {
    it(`length prefix ${JSON.stringify(prefix).slice(0, 40)} (${why}) is RECORDIO in every chunking`, async () => {
      await fuzzLoop(SEED + 2, { cases: 40, ms: 1000 }, (ctx) => {
        const stream = Buffer.concat([Buffer.from(prefix, 'utf8'), ctx.rnd.bytes(ctx.rnd.int(0, 64))]);
        const decoder = new RecordIODecoder({ maxRecordBytes: MAX_RECORD });
        const { records, error } = decodeAll(decoder, chunkings(ctx.rnd, stream));
        expect(records, 'no record before the bad prefix').to.have.length(0);
        expect(error, 'the stream must fail').to.be.instanceOf(NodalError);
        expectStaysFailed(decoder);
      });
    });
  }

  it('a huge declared length within the limit buffers only what arrived and fails cleanly at end()', () => {
    const limit = 64 * 1024 * 1024;
    const decoder = new RecordIODecoder({ maxRecordBytes: limit });
    const before = process.memoryUsage().arrayBuffers;
    expect(decoder.push(Buffer.from(`${limit}\n`))).to.deep.equal([]);
    for (let i = 0; i < 100; i++) expect(decoder.push(Buffer.alloc(1000, 0x41))).to.deep.equal([]);
    // Nothing was allocated up front for the 64 MiB the peer promised.
    expect(process.memoryUsage().arrayBuffers - before).to.be.below(16 * 1024 * 1024);
    expect(() => decoder.end())
      .to.throw(NodalError, /stream ended inside a record \(100000 of 67108864 bytes\)/)
      .with.property('code', 'RECORDIO');
  });

  it('rejects chunks that are not bytes with RECORDIO (strings, arrays, other views, nothing)', () => {
    const wrong: unknown[] = [
      '3\nabc',
      [51, 10, 97, 98, 99],
      new Uint16Array([1, 2]),
      new DataView(new ArrayBuffer(4)),
      new ArrayBuffer(4),
      null,
      undefined,
      42,
      { length: 3 },
    ];
    for (const chunk of wrong) {
      const decoder = new RecordIODecoder();
      expect(() => decoder.push(chunk as Uint8Array), String(chunk))
        .to.throw(NodalError)
        .with.property('code', 'RECORDIO');
      expectStaysFailed(decoder);
    }
  });

  it('a record fed one byte at a time in a long stream decodes in linear time', () => {
    const payload = Buffer.alloc(200_000, 0x0a);
    const stream = Buffer.concat([encodeRecord(payload), encodeRecord(Buffer.from('x'))]);
    const decoder = new RecordIODecoder();
    const t = timed(() => {
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i++) out.push(...decoder.push(stream.subarray(i, i + 1)));
      decoder.end();
      return out;
    });
    expect(t.error).to.equal(undefined);
    expect(t.value!.map((r) => r.length)).to.deep.equal([200_000, 1]);
    expect(t.value![0]!.equals(payload)).to.equal(true);
    expect(t.ms, 'ms for 200 KB in 1-byte chunks').to.be.below(5000);
  });

  it('readRecords over a hostile async body rejects with RECORDIO only, after the good records', async () => {
    await fuzzLoop(SEED + 3, { cases: 300, ms: 3000 }, async (ctx) => {
      const payloads = Array.from({ length: ctx.rnd.int(0, 3) }, () => randomPayload(ctx.rnd));
      const stream = Buffer.concat([
        ...payloads.map((p) => encodeRecord(p)),
        ctx.rnd.chance(0.5) ? Buffer.from(ctx.rnd.pick(BAD_PREFIXES)[0]) : ctx.rnd.bytes(ctx.rnd.int(1, 30)),
      ]);
      const chunks = chunkings(ctx.rnd, stream);
      async function* body(): AsyncGenerator<Uint8Array> {
        for (const c of chunks) yield c;
      }
      const got: Buffer[] = [];
      try {
        for await (const r of readRecords(body(), { maxRecordBytes: MAX_RECORD })) got.push(Buffer.from(r));
      } catch (e) {
        expect(e, String(e)).to.be.instanceOf(NodalError);
        expect((e as NodalError).code).to.equal('RECORDIO');
      }
      payloads.forEach((p, i) => expect(got[i]?.equals(p), `record ${i}`).to.equal(true));
    });
  });
});
