import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { isNodalError } from '../../../config/errors.js';
import { CoordinatorClient } from '../../../executor/coordinator/client.js';
import { Coordinator } from '../../../executor/coordinator/coordinator.js';
import { coordinatorHandlers } from '../../../executor/coordinator/service.js';
import { PsClient } from '../../../executor/ps/client.js';
import { parameterServerHandlers } from '../../../executor/ps/service.js';
import { ParameterShard } from '../../../executor/ps/shard.js';
import { bearerMetadata } from '../../../executor/rpc/auth.js';
import { startRpcServer, type RpcServer } from '../../../executor/rpc/server.js';
import { toWireTensor } from '../../../executor/rpc/tensor-codec.js';
import { nodalProtos } from '../../../protos/nodal/index.js';
import { config, grads, initialValues, SPECS } from '../ps/builders.js';

const SECRET = 'job-secret-1';

async function expectCode(p: Promise<unknown>, code: string, match?: RegExp): Promise<void> {
  const e = await p.then(
    () => expect.fail('should fail'),
    (x: unknown) => x,
  );
  expect(isNodalError(e), String(e)).to.equal(true);
  expect((e as { code: string }).code).to.equal(code);
  if (match) expect((e as Error).message).to.match(match);
}

/** Sends raw bytes to a method, bypassing the codecs (malformed messages). */
function rawCall(
  address: string,
  path: string,
  body: Buffer,
  secret = SECRET,
): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      bearerMetadata(secret),
      { deadline: Date.now() + 5_000 },
      (err) => {
        client.close();
        resolve(err);
      },
    );
  });
}

describe('executor/rpc services over loopback gRPC @integration', () => {
  let shard: ParameterShard;
  let coordinator: Coordinator;
  let server: RpcServer;
  let ps: PsClient;

  before(async () => {
    shard = await ParameterShard.create({ shardIndex: 0, shardCount: 1, config: config() });
    coordinator = new Coordinator({
      datasetSize: 20,
      leaseSize: 8,
      epochs: 1,
      leaseTimeoutMs: 10_000,
      seed: 3,
      globalStep: () => shard.step,
    });
    server = await startRpcServer({
      secret: SECRET,
      services: [
        { service: 'nodal.ps.ParameterServer', handlers: parameterServerHandlers(shard) },
        { service: 'nodal.coordinator.Coordinator', handlers: coordinatorHandlers(coordinator) },
      ],
    });
    ps = new PsClient(server.address, { secret: SECRET, deadlineMs: 5_000 });
  });

  after(async () => {
    ps.close();
    await server.close();
    await shard.shutdown();
  });

  it('listens on 127.0.0.1 on an OS-chosen port', () => {
    expect(server.address).to.match(/^127\.0\.0\.1:\d+$/);
    expect(server.port).to.be.greaterThan(0);
  });

  it('rejects calls without or with a wrong secret (UNAUTHENTICATED), before anything else', async () => {
    const wrong = new PsClient(server.address, { secret: 'job-secret-2' });
    await expectCode(wrong.status(), 'UNAUTHORIZED', /wrong job secret/);
    wrong.close();
    const err = await rawCall(server.address, '/nodal.ps.ParameterServer/Status', Buffer.alloc(0), 'nope');
    expect(err?.code).to.equal(grpc.status.UNAUTHENTICATED);
    const noMd = new grpc.Client(server.address, grpc.credentials.createInsecure());
    const e2 = await new Promise<grpc.ServiceError | null>((resolve) =>
      noMd.makeUnaryRequest(
        '/nodal.ps.ParameterServer/Status',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        new grpc.Metadata(),
        (e) => resolve(e),
      ),
    );
    noMd.close();
    expect(e2?.code).to.equal(grpc.status.UNAUTHENTICATED);
  });

  it('initializes, pushes and pulls tensors as raw bytes', async () => {
    expect(await ps.init(SPECS, 1, SPECS, initialValues())).to.deep.equal({ initializedNow: true, step: 0 });
    expect((await ps.init(SPECS, 1, SPECS, initialValues())).initializedNow).to.equal(false);
    const a = await ps.push('w1', 0, SPECS, grads(), { returnWeights: true });
    expect(a.outcome).to.equal('applied');
    expect(a.step).to.equal(1);
    expect(Array.from(a.values!.get('w')!)).to.deep.equal([0.5, 1.5, 2.5, 3.5]);
    const pulled = await ps.pull();
    expect(pulled.step).to.equal(1);
    expect(Array.from(pulled.values.get('b')!)).to.deep.equal([0, -1]);
    expect(pulled.incarnation).to.equal(shard.incarnation);
    expect((await ps.pull(['b'])).values.size).to.equal(1);
  });

  describe('invalid messages: INVALID_ARGUMENT, state untouched, server still serving', () => {
    const push = (gradients: unknown[], extra: Record<string, unknown> = {}) =>
      nodalProtos()
        .codec('nodal.ps.PushRequest')
        .encode({ worker_id: 'w1', base_step: 1, gradients, ...extra } as any);
    const ok = () => [
      toWireTensor('w', [2, 2], new Float32Array(4)),
      toWireTensor('b', [2], new Float32Array(2)),
    ];
    const cases: Array<[string, () => Buffer, RegExp]> = [
      [
        'an unknown variable',
        () => push([...ok(), toWireTensor('zzz', [1], new Float32Array(1))]),
        /unknown variable zzz|at most/,
      ],
      [
        'a wrong byte length',
        () => push([{ name: 'w', shape: [2, 2], dtype: 'float32', data: Buffer.alloc(12) }, ok()[1]]),
        /12 bytes for shape \[2,2\]/,
      ],
      [
        'a shape that does not match',
        () => push([toWireTensor('w', [4], new Float32Array(4)), ok()[1]]),
        /shape \[4\], expected \[2,2\]/,
      ],
      [
        'NaN in a gradient',
        () => push([toWireTensor('w', [2, 2], new Float32Array([0, NaN, 0, 0])), ok()[1]]),
        /non-finite value \(NaN\)/,
      ],
      [
        'Inf in a gradient',
        () => push([ok()[0], toWireTensor('b', [2], new Float32Array([Infinity, 0]))]),
        /non-finite value \(Infinity\)/,
      ],
      [
        'a huge declared shape',
        () =>
          push([
            { name: 'w', shape: [65536, 65536, 65536], dtype: 'float32', data: Buffer.alloc(16) },
            ok()[1],
          ]),
        /shape \[65536,65536,65536\]/,
      ],
      ['a missing worker id', () => push(ok(), { worker_id: '' }), /worker_id/],
      [
        'bytes that are not a PushRequest',
        () => Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]),
        /malformed Push request/,
      ],
    ];
    for (const [what, body, message] of cases) {
      it(`rejects ${what}`, async () => {
        const before = await ps.pull();
        const err = await rawCall(server.address, '/nodal.ps.ParameterServer/Push', body());
        expect(err?.code, String(err)).to.equal(grpc.status.INVALID_ARGUMENT);
        expect(err?.details).to.match(message);
        const after = await ps.pull();
        expect(after.step).to.equal(before.step);
        for (const [k, v] of before.values)
          expect(Array.from(after.values.get(k)!)).to.deep.equal(Array.from(v));
      });
    }

    it('rejects Init with a bad spec list and a huge variable', async () => {
      const init = (specs: unknown[]) =>
        nodalProtos()
          .codec('nodal.ps.InitRequest')
          .encode({ specs, shard_count: 1, tensors: [] } as any);
      let err = await rawCall(server.address, '/nodal.ps.ParameterServer/Init', init([]));
      expect(err?.code).to.equal(grpc.status.INVALID_ARGUMENT);
      err = await rawCall(
        server.address,
        '/nodal.ps.ParameterServer/Init',
        init([{ name: 'x', shape: [1 << 20, 1 << 20], dtype: 'float32' }]),
      );
      expect(err?.code).to.equal(grpc.status.INVALID_ARGUMENT);
      expect(err?.details).to.match(/exceeds/);
    });
  });

  it('serves the coordinator: lease, report, complete, progress', async () => {
    const c = new CoordinatorClient(server.address, { secret: SECRET });
    const a = await c.lease('w1');
    expect(a.kind).to.equal('granted');
    if (a.kind !== 'granted') return;
    expect(a.lease.indices).to.have.length(8);
    const r = await c.report({
      workerId: 'w1',
      leaseId: a.lease.leaseId,
      processed: 4,
      loss: 0.7,
      imagesPerSec: 50,
      staleness: 0,
      examples: 4,
    });
    expect(r.leaseValid).to.equal(true);
    expect(await c.complete('w1', a.lease.leaseId)).to.deep.equal({ accepted: true, reason: '' });
    expect(await c.complete('w1', a.lease.leaseId)).to.include({ accepted: false });
    const p = await c.progress();
    expect(p).to.include({
      examplesDone: 8,
      examplesPerEpoch: 20,
      epochs: 1,
      done: false,
      imagesPerSec: 50,
      globalStep: shard.step,
    });
    expect(p.meanLoss).to.be.closeTo(0.7, 1e-9);
    const b = await c.lease('w2');
    expect(await c.release('w2')).to.equal(b.kind === 'granted' ? 1 : 0);
    await expectCode(c.lease(''), 'VALIDATION', /worker_id/);
    c.close();
  });

  describe('TLS', () => {
    let dir: string;
    let tlsServer: RpcServer | undefined;
    before(function () {
      dir = mkdtempSync(join(tmpdir(), 'nodal-tls-'));
      try {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
            '-days',
            '1',
            '-subj',
            '/CN=localhost',
            '-addext',
            'subjectAltName=IP:127.0.0.1,DNS:localhost',
          ],
          { stdio: 'ignore' },
        );
      } catch {
        // Without openssl there is no certificate to test with.
        this.skip();
      }
    });
    after(async () => {
      await tlsServer?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves over TLS when cert files are given, and a plaintext client cannot talk to it', async () => {
      const tls = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
      tlsServer = await startRpcServer({
        secret: SECRET,
        tls,
        services: [{ service: 'nodal.ps.ParameterServer', handlers: parameterServerHandlers(shard) }],
      });
      // By name: TLS server names must not be IP addresses.
      const secure = new PsClient(`localhost:${tlsServer.port}`, {
        secret: SECRET,
        tls: { certFile: tls.certFile },
      });
      expect((await secure.status()).initialized).to.equal(true);
      secure.close();
      const plain = new PsClient(tlsServer.address, { secret: SECRET, deadlineMs: 1_000 });
      const e = await plain.status().catch((x: unknown) => x);
      expect(isNodalError(e)).to.equal(true);
      plain.close();
    });
  });
});

describe('executor/rpc Push on ps-0: the data-lease gate @integration', () => {
  let shard: ParameterShard;
  let coordinator: Coordinator;
  let server: RpcServer;
  let ps: PsClient;
  let leaseId: number;

  before(async () => {
    shard = await ParameterShard.create({ shardIndex: 0, shardCount: 1, config: config() });
    coordinator = new Coordinator({
      datasetSize: 64,
      leaseSize: 64,
      epochs: 1,
      leaseTimeoutMs: 10_000,
      seed: 3,
      globalStep: () => shard.step,
    });
    server = await startRpcServer({
      secret: SECRET,
      services: [
        { service: 'nodal.ps.ParameterServer', handlers: parameterServerHandlers(shard, coordinator) },
        { service: 'nodal.coordinator.Coordinator', handlers: coordinatorHandlers(coordinator) },
      ],
    });
    ps = new PsClient(server.address, { secret: SECRET, deadlineMs: 5_000 });
    await ps.init(SPECS, 1, SPECS, initialValues());
    const a = coordinator.lease('w1');
    if (a.kind !== 'granted') throw new Error('no lease');
    leaseId = a.lease.leaseId;
  });

  after(async () => {
    ps.close();
    await server.close();
    await shard.shutdown();
  });

  it('applies a push of a live lease and counts its positions in the same step (the checkpointed book has them)', async () => {
    const a = await ps.push('w1', 0, SPECS, grads(), {
      returnWeights: true,
      lease: { leaseId, processed: 32 },
    });
    expect(a).to.include({ outcome: 'applied', step: 1, leaseUnknown: false });
    expect(coordinator.snapshot().examplesDone).to.equal(32);
  });

  it('gives a retried push of the same positions no effect', async () => {
    const a = await ps.push('w1', 1, SPECS, grads(), {
      returnWeights: true,
      lease: { leaseId, processed: 32 },
    });
    expect(a).to.include({ outcome: 'dropped', step: 1, leaseUnknown: false });
    expect(shard.step).to.equal(1);
  });

  it('gives a push of a lease the coordinator does not know no effect and says so (with the weights)', async () => {
    const before = Array.from(shard.pull().values.get('w')!);
    for (const [worker, id] of [
      ['w1', leaseId + 1], // never granted (or granted by the book before a restore)
      ['w2', leaseId], // another worker's
    ] as const) {
      const a = await ps.push(worker, 1, SPECS, grads(), {
        returnWeights: true,
        lease: { leaseId: id, processed: 64 },
      });
      expect(a).to.include({ outcome: 'stale', step: 1, leaseUnknown: true });
      expect(a.message).to.match(/unknown to the coordinator/);
      expect(Array.from(a.values!.get('w')!)).to.deep.equal(before);
    }
    expect(shard.step).to.equal(1);
    expect(coordinator.snapshot().examplesDone).to.equal(32);
  });

  it('leaves pushes without a lease (lease_id 0) as they were', async () => {
    const a = await ps.push('w3', 1, SPECS, grads());
    expect(a).to.include({ outcome: 'applied', step: 2, leaseUnknown: false });
  });
});
