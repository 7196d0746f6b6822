// Hostile input for the PS gRPC service over loopback: pushes with wrong byte lengths, unknown, missing
// or repeated variables, NaN/Inf, huge declared shapes and lengths, wrong dtypes and ids, malformed and
// oversized messages, hostile Init and Pull calls, and missing or wrong secrets. Every call is refused
// with INVALID_ARGUMENT / FAILED_PRECONDITION / UNAUTHENTICATED (or, for a push from the future, STALE),
// the server keeps serving, the shard's weights are bit-for-bit what they were, and the checkpoint
// written before is still there and still reads back.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { PsClient } from '../../../../executor/ps/client.js';
import { CheckpointStore } from '../../../../executor/ps/checkpoint-store.js';
import { parameterServerHandlers } from '../../../../executor/ps/service.js';
import { ParameterShard } from '../../../../executor/ps/shard.js';
import { startRpcServer, type RpcServer } from '../../../../executor/rpc/server.js';
import { toWireTensor, type WireTensor } from '../../../../executor/rpc/tensor-codec.js';
import { nodalProtos } from '../../../../protos/nodal/index.js';
import { config, grads, initialValues, SPECS } from '../../../executor/ps/builders.js';
import { fuzzLoop, type CaseContext } from '../../support/budget.js';
import { randomText } from '../../support/mutate.js';
import { fuzzScale, fuzzSeed, type Rng } from '../../support/prng.js';

const SEED = fuzzSeed('executor/ps/service');
const SECRET = 'fuzz-job-secret-41';
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
const PUSH = '/nodal.ps.ParameterServer/Push';
const { status: S } = grpc;

interface Call {
  what: string;
  path: string;
  body: Buffer;
  metadata?: grpc.Metadata;
  /** Acceptable outcomes: gRPC codes, or 'STALE' for an answered push that changed nothing. */
  expect: Array<grpc.status | 'STALE'>;
}

const pushCodec = () => nodalProtos().codec('nodal.ps.PushRequest');
const encodePush = (req: Record<string, unknown>): Buffer =>
  // Gradients are the last field on the wire, so no truncation of a good push can parse as a whole one.
  pushCodec().encode({ worker_id: 'w-fuzz', base_step: 0, return_weights: false, examples: 0, ...req });

/** Random finite float32 values. */
function finite(rnd: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rnd.next() - 0.5) * 10 ** rnd.int(-3, 3));
}

/** A well-formed gradient set; each hostile case breaks exactly one thing about it. */
function goodGradients(rnd: Rng): WireTensor[] {
  return SPECS.map((s) => toWireTensor(s.name, s.shape, finite(rnd, s.bytes / 4)));
}

function bearer(value: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', value);
  return md;
}

/** A push that must be refused; the label says how it is broken. */
function hostilePush(ctx: CaseContext): Call {
  const { rnd } = ctx;
  const g = goodGradients(rnd);
  const i = rnd.int(0, g.length - 1);
  const t = g[i]!;
  const bad = (what: string, gradients: unknown[], extra: Record<string, unknown> = {}): Call => ({
    what,
    path: PUSH,
    body: encodePush({ gradients, ...extra }),
    expect: [S.INVALID_ARGUMENT],
  });
  switch (rnd.int(0, 15)) {
    case 0: {
      let n = rnd.int(0, 64);
      if (n === t.data.byteLength) n++;
      return bad(
        `${t.name} with ${n} bytes`,
        g.map((x) => (x === t ? { ...t, data: rnd.bytes(n) } : x)),
      );
    }
    case 1: {
      const name = rnd.pick(['', 'W', 'w ', 'zzz', 'b\u0000', randomText(rnd, 8)]);
      return bad(
        `unknown variable ${JSON.stringify(name)}`,
        g.map((x) => (x === t ? { ...t, name } : x)),
      );
    }
    case 2: {
      const values = finite(rnd, t.data.byteLength / 4);
      const bits = new Uint32Array(values.buffer);
      for (let k = rnd.int(1, 3); k > 0; k--) {
        const at = rnd.int(0, values.length - 1);
        // Infinities, the canonical NaN, and NaNs with odd payloads and signs.
        bits[at] = rnd.pick([0x7f800000, 0xff800000, 0x7fc00000, 0x7fc00001, 0xffffffff, 0x7f800001]);
      }
      return bad(
        `non-finite value in ${t.name}`,
        g.map((x) => (x === t ? toWireTensor(t.name, t.shape, values) : x)),
      );
    }
    case 3: {
      const shape = Array.from({ length: rnd.int(1, 9) }, () =>
        rnd.pick([0, 1, 65536, 2 ** 31, 2 ** 32 - 1, rnd.int(2, 1000)]),
      );
      return bad(
        `${t.name} declared as [${shape.join(',')}]`,
        g.map((x) => (x === t ? { ...t, shape } : x)),
      );
    }
    case 4: {
      const shape = t.shape.length === 1 ? [1, t.shape[0]!] : [t.shape.reduce((a, b) => a * b, 1)];
      return bad(
        `${t.name} reshaped to [${shape.join(',')}]`,
        g.map((x) => (x === t ? { ...t, shape } : x)),
      );
    }
    case 5: {
      const dtype = rnd.pick(['', 'float64', 'FLOAT32', 'int32', 'float16', 'float32 ', randomText(rnd, 6)]);
      return bad(
        `dtype ${JSON.stringify(dtype)}`,
        g.map((x) => (x === t ? { ...t, dtype } : x)),
      );
    }
    case 6:
      return bad(`${t.name} sent twice`, [...g, t]);
    case 7:
      return bad(
        `${t.name} missing`,
        g.filter((x) => x !== t),
      );
    case 8:
      return bad('no gradients', []);
    case 9:
      return bad(`${rnd.int(3, 60)} tensors`, [
        ...g,
        ...Array.from({ length: rnd.int(1, 58) }, (_, k) =>
          toWireTensor(`extra${k}`, [1], new Float32Array(1)),
        ),
      ]);
    case 10: {
      const worker_id = rnd.pick(['', 'x'.repeat(257), 'x'.repeat(100_000)]);
      return bad(`worker_id of ${worker_id.length} characters`, g, { worker_id });
    }
    case 11: {
      const base_step = rnd.pick([2 ** 53 + 2, 2 ** 63, 2 ** 64 - 1]);
      return bad(`base_step ${base_step}`, g, { base_step });
    }
    case 12: {
      const good = encodePush({ gradients: g });
      const cut = rnd.int(1, good.length - 1);
      // A truncation that still parses leaves a gradient short or missing: refused either way.
      return {
        what: `Push truncated to ${cut} of ${good.length} bytes`,
        path: PUSH,
        body: good.subarray(0, cut),
        expect: [S.INVALID_ARGUMENT],
      };
    }
    case 13: {
      // Field 3 (gradients) declaring a length far past the message.
      const w = protobuf.Writer.create();
      w.uint32((3 << 3) | 2).uint32(rnd.pick([0x7fffffff, 0xffffffff, 1 << 28]));
      const body = Buffer.concat([Buffer.from(w.finish()), rnd.bytes(rnd.int(0, 32))]);
      return { what: 'huge declared length', path: PUSH, body, expect: [S.INVALID_ARGUMENT] };
    }
    case 14:
      return {
        what: 'random bytes',
        path: PUSH,
        body: rnd.bytes(rnd.int(1, 200)),
        expect: [S.INVALID_ARGUMENT],
      };
    default: {
      // Otherwise valid gradients with a wrong, missing or malformed secret.
      const md = rnd.pick([
        () => new grpc.Metadata(),
        () => bearer('Bearer wrong-secret'),
        () => bearer(`bearer ${SECRET}`),
        () => bearer(`Bearer ${SECRET} `),
        () => bearer(`Bearer  ${SECRET}`),
        () => bearer(SECRET),
        () => bearer(`Bearer ${SECRET.slice(0, -1)}`),
        () => bearer(`Bearer ${'x'.repeat(8000)}`),
        // (Two authorization values cannot be sent: node's HTTP/2 refuses them on the client side.)
      ])();
      return {
        what: `secret ${JSON.stringify(md.get('authorization')).slice(0, 60)}`,
        path: PUSH,
        body: encodePush({ gradients: g }),
        metadata: md,
        expect: [S.UNAUTHENTICATED],
      };
    }
  }
}

/** Pull, Init, Status and Checkpoint calls that must not change anything. */
function hostileOther(ctx: CaseContext): Call {
  const { rnd } = ctx;
  const pull = (names: string[]) => nodalProtos().codec('nodal.ps.PullRequest').encode({ names });
  const init = (req: Record<string, unknown>) =>
    nodalProtos()
      .codec('nodal.ps.InitRequest')
      .encode({ specs: [], shard_count: 1, tensors: [], ...req });
  const specs = SPECS.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' }));
  switch (rnd.int(0, 8)) {
    case 0:
      return {
        what: 'Pull of unknown names',
        path: '/nodal.ps.ParameterServer/Pull',
        body: pull(['w', rnd.pick(['', 'nope', randomText(rnd, 5)])]),
        expect: [S.INVALID_ARGUMENT],
      };
    case 1:
      return {
        what: 'Pull of 10,001 names',
        path: '/nodal.ps.ParameterServer/Pull',
        body: pull(Array.from({ length: 10_001 }, () => 'w')),
        expect: [S.INVALID_ARGUMENT],
      };
    case 2:
      return {
        what: 'Init without variables',
        path: '/nodal.ps.ParameterServer/Init',
        body: init({}),
        expect: [S.INVALID_ARGUMENT],
      };
    case 3:
      return {
        what: 'Init of a different model',
        path: '/nodal.ps.ParameterServer/Init',
        body: init({ specs: [{ name: 'w', shape: [rnd.int(3, 9)], dtype: 'float32' }] }),
        expect: [S.FAILED_PRECONDITION, S.INVALID_ARGUMENT],
      };
    case 4:
      return {
        what: 'Init with a huge variable',
        path: '/nodal.ps.ParameterServer/Init',
        body: init({ specs: [{ name: 'w', shape: [2 ** 32 - 1, 2 ** 32 - 1], dtype: 'float32' }] }),
        expect: [S.INVALID_ARGUMENT],
      };
    case 5:
      return {
        what: 'Init again with other values (a no-op)',
        path: '/nodal.ps.ParameterServer/Init',
        body: init({ specs, tensors: goodGradients(rnd) }),
        expect: [S.OK],
      };
    case 6:
      return {
        what: 'Init for another shard count',
        path: '/nodal.ps.ParameterServer/Init',
        body: init({ specs, shard_count: rnd.pick([0, 2, 2 ** 32 - 1]) }),
        expect: [S.FAILED_PRECONDITION, S.INVALID_ARGUMENT],
      };
    case 7:
      return {
        what: 'Init with random bytes',
        path: '/nodal.ps.ParameterServer/Init',
        body: rnd.bytes(rnd.int(1, 100)),
        expect: [S.INVALID_ARGUMENT],
      };
    default:
      return {
        what: 'Status with a wrong secret',
        path: '/nodal.ps.ParameterServer/Status',
        body: Buffer.alloc(0),
        metadata: bearer('Bearer nope'),
        expect: [S.UNAUTHENTICATED],
      };
  }
}

describe(`fuzz: executor/ps service over gRPC @integration (seed ${SEED})`, function () {
  this.timeout(60_000 * fuzzScale());
  let dir: string;
  let shard: ParameterShard;
  let server: RpcServer;
  let ps: PsClient;
  let raw: grpc.Client;
  let initial: { step: number; bytes: Map<string, Buffer> };
  let savedPath: string;

  const snapshot = async () => {
    const p = await ps.pull();
    return {
      step: p.step,
      bytes: new Map(
        [...p.values].map(([k, v]) => [k, Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))]),
      ),
    };
  };

  /** Sends raw bytes to a method (bypassing the codecs); resolves with the status and the decoded answer. */
  function send(c: Call): Promise<{ code: grpc.status; details: string; answer?: Buffer }> {
    return new Promise((resolve) => {
      raw.makeUnaryRequest(
        c.path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        c.body,
        c.metadata ?? bearer(`Bearer ${SECRET}`),
        { deadline: Date.now() + 10_000 },
        (err, answer) =>
          resolve(err ? { code: err.code, details: err.details } : { code: S.OK, details: '', answer }),
      );
    });
  }

  async function expectRefused(calls: Call[]): Promise<void> {
    const results = await Promise.all(calls.map(send));
    results.forEach((r, i) => {
      const c = calls[i]!;
      const why = `${c.what}: ${S[r.code]} ${r.details.slice(0, 200)}`;
      if (r.code === S.OK && c.path === PUSH) {
        const outcome = nodalProtos().codec('nodal.ps.PushResponse').decode(r.answer!).outcome;
        expect(
          c.expect.includes('STALE') && outcome === 'STALE',
          `${why} answered ${String(outcome)}`,
        ).to.equal(true);
      } else {
        expect(c.expect, why).to.include(r.code);
      }
      expect(r.code, why).to.not.equal(S.INTERNAL);
    });
  }

  async function expectUntouched(): Promise<void> {
    const now = await snapshot();
    expect(now.step, 'step').to.equal(initial.step);
    for (const [name, bytes] of initial.bytes)
      expect(now.bytes.get(name)!.equals(bytes), `${name} bytes`).to.equal(true);
    const status = await ps.status();
    expect(status.pushesApplied, 'pushes applied').to.equal(0);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nodal-fuzz-ps-'));
    shard = await ParameterShard.create({
      shardIndex: 0,
      shardCount: 1,
      config: config(),
      checkpointDir: dir,
    });
    server = await startRpcServer({
      secret: SECRET,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      services: [{ service: 'nodal.ps.ParameterServer', handlers: parameterServerHandlers(shard) }],
    });
    ps = new PsClient(server.address, { secret: SECRET, deadlineMs: 10_000 });
    raw = new grpc.Client(server.address, grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
    await ps.init(SPECS, 1, SPECS, initialValues());
    savedPath = (await ps.checkpoint()).path;
    initial = await snapshot();
  });

  after(async () => {
    raw?.close();
    ps?.close();
    await server?.close(500);
    await shard?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hostile pushes (sizes, names, NaN/Inf, shapes, dtypes, ids, steps, framing, secrets) are all refused', async () => {
    await fuzzLoop(SEED, { cases: 400, ms: 8000 }, async (ctx) => {
      // Eight at a time, so refusals also interleave on the server.
      const calls = Array.from({ length: 8 }, () => hostilePush(ctx));
      ctx.label = calls.map((c) => c.what).join(' | ');
      await expectRefused(calls);
    });
    await expectUntouched();
  });

  it('hostile Pull, Init and Status calls are refused or are no-ops', async () => {
    await fuzzLoop(SEED + 1, { cases: 150, ms: 5000 }, async (ctx) => {
      const calls = Array.from({ length: 4 }, () => hostileOther(ctx));
      ctx.label = calls.map((c) => c.what).join(' | ');
      await expectRefused(calls);
    });
    await expectUntouched();
  });

  it('pushes computed on a step the shard never reached are STALE and change nothing', async () => {
    await fuzzLoop(SEED + 2, { cases: 20, ms: 3000 }, async (ctx) => {
      const base_step = ctx.rnd.pick([1, 2, 1000, 2 ** 40]);
      ctx.label = `base_step ${base_step}`;
      await expectRefused([
        {
          what: ctx.label,
          path: PUSH,
          body: encodePush({ base_step, gradients: goodGradients(ctx.rnd) }),
          expect: ['STALE'],
        },
      ]);
    });
    const now = await snapshot();
    expect(now.step).to.equal(initial.step);
    for (const [name, bytes] of initial.bytes) expect(now.bytes.get(name)!.equals(bytes)).to.equal(true);
  });

  it('a message over the size limit is RESOURCE_EXHAUSTED and the next call works', async () => {
    const big = encodePush({
      gradients: [{ name: 'w', shape: [4], dtype: 'float32', data: Buffer.alloc(MAX_MESSAGE_BYTES + 1024) }],
    });
    const r = await send({ what: 'oversized', path: PUSH, body: big, expect: [] });
    expect(r.code, r.details).to.equal(S.RESOURCE_EXHAUSTED);
    await expectUntouched();
  });

  it('unknown methods are UNIMPLEMENTED, and a wrong secret is checked before anything is decoded', async () => {
    const r = await send({
      what: 'unknown method',
      path: '/nodal.ps.ParameterServer/Explode',
      body: Buffer.alloc(3),
      expect: [],
    });
    expect(r.code).to.equal(S.UNIMPLEMENTED);
    const garbage = await send({
      what: 'garbage with a wrong secret',
      path: PUSH,
      body: Buffer.from([0x1a, 0xff]),
      metadata: bearer('Bearer no'),
      expect: [],
    });
    expect(garbage.code).to.equal(S.UNAUTHENTICATED);
  });

  it('after all that, the saved checkpoint still reads back and a valid push is applied', async () => {
    const latest = await new CheckpointStore({ dir, shardIndex: 0 }).readLatest();
    expect(latest, 'latest checkpoint').to.not.equal(undefined);
    expect(latest!.path).to.equal(savedPath);
    expect(latest!.snapshot.step).to.equal(initial.step);
    for (const [name, bytes] of initial.bytes) {
      const v = latest!.snapshot.values.get(name)!;
      expect(Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).equals(bytes), name).to.equal(
        true,
      );
    }
    const answer = await ps.push('w-good', initial.step, SPECS, grads());
    expect(answer.outcome).to.equal('applied');
    expect(answer.step).to.equal(initial.step + 1);
  });
});
