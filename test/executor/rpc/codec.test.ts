import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { NodalError, isNodalError } from '../../../config/errors.js';
import { bearerChecker, bearerMetadata } from '../../../executor/rpc/auth.js';
import { backoffDelay, sleep } from '../../../executor/rpc/backoff.js';
import { retrying } from '../../../executor/rpc/retry.js';
import { grpcStatusOf, isTransient, nodalErrorOf } from '../../../executor/rpc/status-map.js';
import { fromWireTensor, tensorsToMap, toWireTensor } from '../../../executor/rpc/tensor-codec.js';
import { nodalProtos } from '../../../protos/nodal/index.js';

function expectCode(fn: () => unknown, code: string, match?: RegExp): void {
  try {
    fn();
    expect.fail('should throw');
  } catch (e) {
    expect(isNodalError(e), String(e)).to.equal(true);
    expect((e as NodalError).code).to.equal(code);
    if (match) expect((e as Error).message).to.match(match);
  }
}

describe('executor/rpc codec, auth, status and retry', () => {
  describe('tensor codec', () => {
    it('encodes without copying and decodes aligned bytes as a view', () => {
      const v = new Float32Array([1.5, -2, 3.25, 1e-8]);
      const t = toWireTensor('w', [2, 2], v);
      expect(t.data.buffer).to.equal(v.buffer);
      expect(t.data.byteLength).to.equal(16);
      const back = fromWireTensor(t);
      expect(back.buffer).to.equal(v.buffer);
      expect(Array.from(back)).to.deep.equal(Array.from(v));
    });

    it('survives a protobuf round trip bit-exactly, copying only unaligned data', () => {
      const v = new Float32Array([Math.PI, -0, 65504, 1.401298464324817e-45]);
      const codec = nodalProtos().codec<{ tensors: any[] }>('nodal.ps.PullResponse');
      const bytes = codec.encode({ step: 3, tensors: [toWireTensor('a', [4], v)], incarnation: 'x' } as any);
      const decoded = codec.decode(bytes);
      const back = fromWireTensor(decoded.tensors[0]);
      expect(
        Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(Buffer.from(v.buffer)),
      ).to.equal(true);
      expect(back.byteOffset % 4).to.equal(0);
    });

    it('rejects a wrong dtype, a byte length that does not match the shape, or a wrong shape', () => {
      const data = Buffer.alloc(16);
      expectCode(
        () => fromWireTensor({ name: 'w', shape: [4], dtype: 'float64', data }),
        'VALIDATION',
        /dtype 'float64'/,
      );
      expectCode(
        () => fromWireTensor({ name: 'w', shape: [5], dtype: 'float32', data }),
        'VALIDATION',
        /16 bytes for shape \[5\]/,
      );
      expectCode(
        () => fromWireTensor({ name: 'w', shape: [2 ** 31, 2 ** 31], dtype: 'float32', data }),
        'VALIDATION',
        /bytes for shape/,
      );
      expectCode(
        () => fromWireTensor({ name: 'w', shape: [4], dtype: 'float32', data }, [2, 2]),
        'VALIDATION',
        /expected \[2,2\]/,
      );
      expectCode(
        () =>
          tensorsToMap(
            [toWireTensor('a', [1], new Float32Array(1)), toWireTensor('a', [1], new Float32Array(1))],
            5,
          ),
        'VALIDATION',
        /twice/,
      );
      expectCode(
        () => tensorsToMap([toWireTensor('a', [1], new Float32Array(1))], 0),
        'VALIDATION',
        /at most 0/,
      );
    });
  });

  describe('bearer auth', () => {
    const check = bearerChecker('s3cret');
    it('accepts exactly the job secret', () => {
      expect(check(bearerMetadata('s3cret'))).to.equal(true);
      expect(check(bearerMetadata('s3cre'))).to.equal(false);
      expect(check(bearerMetadata('s3cret!'))).to.equal(false);
      expect(check(new grpc.Metadata())).to.equal(false);
      const twice = bearerMetadata('s3cret');
      twice.add('authorization', 'Bearer s3cret');
      expect(check(twice)).to.equal(false);
      const basic = new grpc.Metadata();
      basic.set('authorization', 's3cret');
      expect(check(basic)).to.equal(false);
    });
    it('refuses an empty secret', () => {
      expectCode(() => bearerChecker(''), 'VALIDATION');
      expectCode(() => bearerMetadata(''), 'VALIDATION');
    });
  });

  describe('status mapping', () => {
    const table: Array<[string, grpc.status]> = [
      ['VALIDATION', grpc.status.INVALID_ARGUMENT],
      ['CONFLICT', grpc.status.FAILED_PRECONDITION],
      ['UNAUTHORIZED', grpc.status.UNAUTHENTICATED],
      ['UNAVAILABLE', grpc.status.UNAVAILABLE],
      ['TIMEOUT', grpc.status.DEADLINE_EXCEEDED],
      ['INTERNAL', grpc.status.INTERNAL],
    ];
    for (const [code, status] of table) {
      it(`${code} ↔ ${grpc.status[status]}`, () => {
        expect(grpcStatusOf(new NodalError(code as never, 'x'))).to.equal(status);
        const back = nodalErrorOf(
          Object.assign(new Error('m'), { code: status, details: 'd', metadata: new grpc.Metadata() }),
          'svc/M',
        );
        expect(back.code).to.equal(code);
        expect(back.message).to.equal('svc/M: d');
      });
    }
    it('maps untyped errors to INTERNAL and marks the transient ones', () => {
      expect(grpcStatusOf(new Error('boom'))).to.equal(grpc.status.INTERNAL);
      expect(isTransient(new NodalError('UNAVAILABLE', 'x'))).to.equal(true);
      expect(isTransient(new NodalError('TIMEOUT', 'x'))).to.equal(true);
      expect(isTransient(new NodalError('VALIDATION', 'x'))).to.equal(false);
    });
  });

  describe('backoff and retry', () => {
    it('grows exponentially with full jitter up to the cap', () => {
      const o = { initialMs: 100, maxMs: 1_000 };
      expect(backoffDelay(0, { ...o, random: () => 0.999999 })).to.equal(100);
      expect(backoffDelay(3, { ...o, random: () => 0.5 })).to.equal(400);
      expect(backoffDelay(10, { ...o, random: () => 0.999999 })).to.equal(1_000);
      expect(backoffDelay(2, { ...o, random: () => 0 })).to.equal(0);
    });

    it('retries transient errors until success', async () => {
      let calls = 0;
      const attempts: number[] = [];
      const r = await retrying(
        async () => {
          if (++calls < 3) throw new NodalError('UNAVAILABLE', 'down');
          return 'ok';
        },
        { backoff: { initialMs: 1, maxMs: 2 }, giveUpAfterMs: 5_000, onRetry: (_e, a) => attempts.push(a) },
      );
      expect(r).to.equal('ok');
      expect(attempts).to.deep.equal([0, 1]);
    });

    it('rethrows other errors at once, and transient ones after giving up', async () => {
      let calls = 0;
      const fail = (code: string) => async () => {
        calls++;
        throw new NodalError(code as never, 'x');
      };
      await retrying(fail('VALIDATION'), { backoff: { initialMs: 1, maxMs: 1 }, giveUpAfterMs: 1_000 }).catch(
        (e) => expect(e.code).to.equal('VALIDATION'),
      );
      expect(calls).to.equal(1);
      let t = 0;
      await retrying(fail('TIMEOUT'), {
        backoff: { initialMs: 0, maxMs: 0 },
        giveUpAfterMs: 30,
        now: () => (t += 10),
      }).catch((e) => expect(e.code).to.equal('TIMEOUT'));
      expect(calls).to.be.within(3, 5);
    });

    it('stops when aborted', async () => {
      const ac = new AbortController();
      const p = retrying(
        async () => {
          throw new NodalError('UNAVAILABLE', 'down');
        },
        {
          backoff: { initialMs: 10_000, maxMs: 10_000, random: () => 1 },
          giveUpAfterMs: 60_000,
          signal: ac.signal,
        },
      );
      await sleep(10);
      ac.abort();
      const e = await p.catch((x: unknown) => x);
      expect((e as Error).message).to.equal('aborted');
    });
  });
});
