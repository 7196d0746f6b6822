// Hostile input for the Mesos codec: random bytes, and the wire examples of shared/mesos mutated (bit
// flips, truncation, field type swaps, unknown keys, deep nesting, huge strings, huge declared lengths),
// for the four envelope types in JSON and protobuf. decodeMessage may only throw WIRE_DECODE and
// checkRequired only VALIDATION; whatever decodes re-encodes to the same message in both formats; no
// input makes a decode slow.
import { expect } from 'chai';
import protobuf from 'protobufjs';
import { NodalError } from '../../../../config/errors.js';
import {
  checkRequired,
  decodeMessage,
  encodeMessage,
  type MesosType,
  type WireFormat,
} from '../../../../protos/wire/codec.js';
import { exampleBytes, exampleIndex } from '../../../protos/shared-docs.js';
import { fuzzLoop, timed, type CaseContext } from '../../support/budget.js';
import {
  deepJsonText,
  differentKind,
  getAt,
  hostileValue,
  mutateBytes,
  nodePaths,
  randomJson,
  randomText,
  setAt,
} from '../../support/mutate.js';
import { fuzzScale, fuzzSeed } from '../../support/prng.js';

const SEED = fuzzSeed('protos/wire/codec');
const ENVELOPES = [
  'mesos.v1.scheduler.Call',
  'mesos.v1.scheduler.Event',
  'mesos.v1.executor.Call',
  'mesos.v1.executor.Event',
] as const satisfies readonly MesosType[];
/** A single decode taking longer than this counts as a hang (generous: the machine is shared). */
const SLOW_MS = 2000;

interface Example {
  file: string;
  type: (typeof ENVELOPES)[number];
  json: unknown;
  protobuf: Buffer;
}

function loadExamples(): Example[] {
  return exampleIndex()
    .filter((e) => (ENVELOPES as readonly string[]).includes(e.proto_type))
    .map((e) => {
      const type = e.proto_type as Example['type'];
      const text = exampleBytes(e.file);
      const value = decodeMessage(type, text, 'json');
      return {
        file: e.file,
        type,
        json: JSON.parse(text.toString('utf8')),
        protobuf: encodeMessage(type, value, 'protobuf'),
      };
    });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const fixText = (s: string): string => s.replace(LONE_SURROGATE, '\uFFFD').replace(/\uFFFD+/g, '\uFFFD');

/** `v` with lone surrogates and runs of U+FFFD made one U+FFFD: protobufjs writes a lone surrogate (from a
 * JSON `\ud800` escape) as invalid UTF-8, which reads back as one or more U+FFFD. */
function wellFormed(v: unknown): unknown {
  if (typeof v === 'string') return fixText(v);
  if (Array.isArray(v)) return v.map(wellFormed);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [fixText(k), wellFormed(x)]));
  return v;
}

/** The whole contract for one body: clean errors only, no slow decode, and a faithful round trip. */
function checkBody(type: MesosType, body: Buffer, format: WireFormat): 'decoded' | 'rejected' {
  const t = timed(() => decodeMessage<Record<string, unknown>>(type, body, format));
  expect(t.ms, 'decode time (ms)').to.be.below(SLOW_MS);
  if (t.error !== undefined) {
    expect(t.error, `decode threw ${String(t.error)}`).to.be.instanceOf(NodalError);
    expect((t.error as NodalError).code, (t.error as Error).message).to.equal('WIRE_DECODE');
    return 'rejected';
  }
  const value = t.value!;
  try {
    checkRequired(type, value);
  } catch (e) {
    expect(e, `checkRequired threw ${String(e)}`).to.be.instanceOf(NodalError);
    expect((e as NodalError).code).to.equal('VALIDATION');
    expect((e as NodalError).details?.fields)
      .to.be.an('array')
      .with.length.above(0);
  }
  // What the codec accepted it must be able to send on, unchanged, in either format (up to lone surrogates,
  // which UTF-8 cannot carry).
  for (const out of ['json', 'protobuf'] as const) {
    const again = decodeMessage(type, encodeMessage(type, value, out), out);
    if (out === 'json') expect(again, 'round trip through json').to.deep.equal(value);
    else expect(wellFormed(again), 'round trip through protobuf').to.deep.equal(wellFormed(value));
  }
  return 'decoded';
}

/** One structural mutation of a JSON example; label says what and where. */
function mutateJson(ctx: CaseContext, json: unknown): unknown {
  const { rnd } = ctx;
  const paths = nodePaths(json);
  const path = rnd.pick(paths);
  const here = getAt(json, path);
  const where = path.join('.') || '(root)';
  switch (rnd.int(0, 5)) {
    case 0:
      ctx.label = `type swap at ${where}`;
      return setAt(json, path, differentKind(rnd, here));
    case 1:
      ctx.label = `hostile value at ${where}`;
      return setAt(json, path, hostileValue(rnd));
    case 2:
      ctx.label = `delete ${where}`;
      return path.length ? setAt(json, path, undefined) : {};
    case 3: {
      const key = rnd.chance(0.5)
        ? rnd.pick(['__proto__', 'constructor', 'frameworkId', 'type', ''])
        : randomText(rnd, 6);
      ctx.label = `insert key ${JSON.stringify(key)} at ${where}`;
      return here && typeof here === 'object' && !Array.isArray(here)
        ? setAt(json, [...path, key], randomJson(rnd, 2))
        : json;
    }
    case 4:
      ctx.label = `wrap ${where} in an array`;
      return setAt(json, path, [here]);
    default:
      ctx.label = `random JSON at ${where}`;
      return setAt(json, path, randomJson(rnd, 3));
  }
}

describe(`fuzz: protos/wire/codec (seed ${SEED})`, function () {
  this.timeout(30_000 * fuzzScale());
  const examples = loadExamples();

  it('loads the shared wire examples of all four envelope types', () => {
    expect(new Set(examples.map((e) => e.type))).to.have.property('size', 4);
  });

  for (const format of ['json', 'protobuf'] as const) {
    it(`random bytes as ${format}: WIRE_DECODE or a message that round-trips`, async () => {
      await fuzzLoop(SEED, { cases: 2000, ms: 3000 }, (ctx) => {
        const type = ctx.rnd.pick(ENVELOPES);
        const body =
          format === 'json' && ctx.rnd.chance(0.7)
            ? Buffer.from(JSON.stringify(randomJson(ctx.rnd, 4)) ?? 'null', 'utf8')
            : ctx.rnd.bytes(ctx.rnd.int(0, 300));
        ctx.label = `${type} ${body.toString('hex').slice(0, 60)}`;
        checkBody(type, body, format);
      });
    });
  }

  it('mutated JSON examples (type swaps, hostile values, unknown keys, deletions): only clean outcomes', async () => {
    const outcomes = { decoded: 0, rejected: 0 };
    await fuzzLoop(SEED + 1, { cases: 1500, ms: 6000 }, (ctx) => {
      const ex = ctx.rnd.pick(examples);
      let json: unknown = ex.json;
      const labels: string[] = [];
      for (let k = ctx.rnd.int(1, 3); k > 0; k--) {
        json = mutateJson(ctx, json);
        labels.push(ctx.label);
      }
      ctx.label = `${ex.file}: ${labels.join(', ')}`;
      outcomes[checkBody(ex.type, Buffer.from(JSON.stringify(json), 'utf8'), 'json')]++;
    });
    // Both paths must have been exercised, or the mutator is not doing its job.
    expect(outcomes.decoded).to.be.above(0);
    expect(outcomes.rejected).to.be.above(0);
  });

  for (const format of ['json', 'protobuf'] as const) {
    it(`byte-level mutations of the ${format} examples (flips, truncation, splices): only clean outcomes`, async () => {
      await fuzzLoop(SEED + 2, { cases: 2000, ms: 5000 }, (ctx) => {
        const ex = ctx.rnd.pick(examples);
        let bytes = format === 'json' ? Buffer.from(JSON.stringify(ex.json), 'utf8') : ex.protobuf;
        const kinds: string[] = [];
        for (let k = ctx.rnd.int(1, 4); k > 0; k--) {
          const m = mutateBytes(ctx.rnd, bytes);
          bytes = m.bytes;
          kinds.push(m.kind);
        }
        ctx.label = `${ex.file}: ${kinds.join(', ')}`;
        checkBody(ex.type, bytes, format);
      });
    });
  }

  it('every truncation of every protobuf example is clean', () => {
    for (const ex of examples) {
      for (let n = 0; n < ex.protobuf.length; n++) checkBody(ex.type, ex.protobuf.subarray(0, n), 'protobuf');
    }
  });

  it('Object.prototype names as numbers, keys or enum names are never read as values', () => {
    // Found by this suite: "constructor" once decoded to the Object function in a double field.
    for (const name of [
      'constructor',
      '__proto__',
      'toString',
      'valueOf',
      'hasOwnProperty',
      'isPrototypeOf',
    ]) {
      const bodies = [
        `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","failover_timeout":"${name}"}}}`,
        `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}},"framework_id":{"value":"x"},"${name}":1}`,
      ];
      for (const body of bodies)
        expect(checkBody('mesos.v1.scheduler.Call', Buffer.from(body), 'json'), body).to.equal('rejected');
      // An unknown enum name in an optional field is dropped, as the master does.
      expect(
        decodeMessage('mesos.v1.scheduler.Call', Buffer.from(`{"type":"${name}"}`), 'json'),
      ).to.deep.equal({});
    }
  });

  describe('deep nesting', () => {
    const DEPTH = 100_000;
    for (const [open, close] of [
      ['[', ']'],
      ['{"a":', '}'],
      ['{"type":', '}'],
    ] as const) {
      it(`JSON nested ${DEPTH} deep (${open}…${close}) at the top and inside a field is WIRE_DECODE`, () => {
        const deep = deepJsonText(DEPTH, open, close);
        for (const body of [deep, `{"type":"SUBSCRIBE","subscribe":{"framework_info":${deep}}}`]) {
          for (const type of ENVELOPES)
            expect(checkBody(type, Buffer.from(body), 'json')).to.equal('rejected');
        }
      });
    }

    it(`protobuf groups nested ${DEPTH} deep are WIRE_DECODE (no stack overflow escapes)`, () => {
      // Tag 0x0b: field 1, wire type 3 (start group); protobufjs skips groups recursively.
      const starts = Buffer.alloc(DEPTH, 0x0b);
      const ends = Buffer.alloc(DEPTH, 0x0c);
      for (const body of [
        starts,
        Buffer.concat([starts, ends]),
        Buffer.concat([Buffer.from([0xfb, 0x7f]), starts]),
      ]) {
        for (const type of ENVELOPES) checkBody(type, body, 'protobuf');
      }
    });

    it('protobuf sub-messages nested through every message-typed field are clean', () => {
      // Wraps a message in its own field 1..15 (length-delimited) many times: each level is valid framing,
      // whatever the schema makes of it.
      for (const type of ENVELOPES) {
        for (let field = 1; field <= 15; field++) {
          let body = Buffer.alloc(0);
          for (let level = 0; level < 2000; level++) {
            const w = protobuf.Writer.create();
            w.uint32((field << 3) | 2).bytes(body);
            body = Buffer.from(w.finish());
          }
          checkBody(type, body, 'protobuf');
        }
      }
    });
  });

  describe('huge values', () => {
    const HUGE = 8 * 1024 * 1024;
    const subscribe = (name: string) => ({
      type: 'SUBSCRIBE',
      subscribe: { framework_info: { user: 'u', name } },
    });

    it(`a ${HUGE / 1024 / 1024} MiB string decodes and round-trips in both formats`, () => {
      const value = subscribe('n'.repeat(HUGE));
      const json = Buffer.from(JSON.stringify(value));
      expect(checkBody('mesos.v1.scheduler.Call', json, 'json')).to.equal('decoded');
      const pb = encodeMessage('mesos.v1.scheduler.Call', value, 'protobuf');
      expect(checkBody('mesos.v1.scheduler.Call', pb, 'protobuf')).to.equal('decoded');
    });

    it('huge declared lengths, overlong varints and out-of-range numbers are WIRE_DECODE', () => {
      const cases: Array<[string, Buffer]> = [
        // field 2 (framework_id, length-delimited) claiming 4 GiB with 3 bytes behind it
        ['4 GiB length', Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02, 0x03])],
        ['2^63 length', Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00])],
        ['length past the end', Buffer.from([0x12, 0x05, 0x0a, 0x01])],
        ['wire type 6', Buffer.from([0x0e, 0x00])],
        ['wire type 7', Buffer.from([0x0f, 0x00])],
        ['field number 0', Buffer.from([0x02, 0x00])],
        ['end group without start', Buffer.from([0x0c])],
      ];
      for (const [what, body] of cases) {
        for (const type of ENVELOPES) {
          expect(checkBody(type, body, 'protobuf'), `${what} as ${type}`).to.equal('rejected');
        }
      }
      // protobufjs reads overlong varints leniently; whatever it makes of one must still be clean.
      for (const type of ENVELOPES)
        checkBody(type, Buffer.from([0x08, ...Array<number>(10).fill(0xff), 0x01]), 'protobuf');
      // Odd but legal: an infinite double, NUL characters in a string.
      for (const text of [
        '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","failover_timeout":1e999}}}',
        '{"type":"HEARTBEAT","framework_id":{"value":"' + '\\u0000'.repeat(1000) + '"}}',
      ]) {
        expect(checkBody('mesos.v1.scheduler.Call', Buffer.from(text), 'json'), text.slice(0, 80)).to.equal(
          'decoded',
        );
      }
      for (const text of [
        '{"type":"ACKNOWLEDGE","acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"' +
          'A'.repeat(4 * 1024 * 1024 + 1) +
          '"}}',
        '{"type":"ACKNOWLEDGE","acknowledge":{"uuid":12}}',
        '{"type":"RECONCILE","reconcile":{"tasks":[null]}}',
        '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","roles":' +
          JSON.stringify(Array.from({ length: 100_000 }, () => ({}))) +
          '}}}',
      ]) {
        expect(checkBody('mesos.v1.scheduler.Call', Buffer.from(text), 'json'), text.slice(0, 80)).to.equal(
          'rejected',
        );
      }
    });

    it('a JSON body with 200,000 unknown keys is rejected quickly', () => {
      const keys = Array.from({ length: 200_000 }, (_, i) => `"k${i}":${i}`).join(',');
      for (const type of ENVELOPES)
        expect(checkBody(type, Buffer.from(`{${keys}}`), 'json')).to.equal('rejected');
    });
  });
});
