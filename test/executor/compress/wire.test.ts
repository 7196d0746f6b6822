import { expect } from 'chai';
import { PsClient } from '../../../executor/ps/client.js';
import { ParameterShard } from '../../../executor/ps/shard.js';
import { parameterServerHandlers } from '../../../executor/ps/service.js';
import { startRpcServer, type RpcServer } from '../../../executor/rpc/server.js';
import { fromWireTensor, toWireTensorFp16 } from '../../../executor/rpc/tensor-codec.js';
import { float16ToFloat32, float32ToFloat16 } from '../../../executor/compress/fp16.js';
import { config, initialValues, SPECS } from '../ps/builders.js';

const SECRET = 'fp16-secret';
const halfRounded = (v: Float32Array): Float32Array => float16ToFloat32(float32ToFloat16(v));

describe('executor/compress float16 gradients on the wire', () => {
  it('encodes half the bytes and decodes at any byte offset', () => {
    const values = new Float32Array([0.1, -3.25, 1e-3, 7]);
    const t = toWireTensorFp16('g', [2, 2], values);
    expect(t.dtype).to.equal('float16');
    expect(t.data.byteLength).to.equal(8);
    for (const offset of [0, 1, 3]) {
      const buf = new Uint8Array(offset + 8);
      buf.set(t.data, offset);
      const decoded = fromWireTensor({ ...t, data: buf.subarray(offset) }, [2, 2]);
      expect([...decoded]).to.deep.equal([...halfRounded(values)]);
    }
  });

  it('rejects a float16 tensor whose bytes do not match its shape', () => {
    const t = toWireTensorFp16('g', [3], new Float32Array([1, 2, 3]));
    expect(() => fromWireTensor({ ...t, shape: [4] })).to.throw(/6 bytes for shape \[4\] \(needs 8\)/);
  });
});

describe('executor/compress float16 pushes through a PS shard @integration', () => {
  let shard: ParameterShard;
  let server: RpcServer;
  let client: PsClient;

  before(async () => {
    shard = await ParameterShard.create({ shardIndex: 0, shardCount: 1, config: config() });
    server = await startRpcServer({
      secret: SECRET,
      services: [{ service: 'nodal.ps.ParameterServer', handlers: parameterServerHandlers(shard) }],
    });
    client = new PsClient(server.address, { secret: SECRET, deadlineMs: 5_000 });
    await client.init(SPECS, 1, SPECS, initialValues());
  });

  after(async () => {
    client.close();
    await server.close();
    await shard.shutdown();
  });

  it('applies the half-rounded gradients (sgd: value − lr × gradient)', async () => {
    const gradients = new Map([
      ['w', new Float32Array([0.1, 0.2, 0.3, 1 / 3])],
      ['b', new Float32Array([1e-3, -2.5])],
    ]);
    const answer = await client.push('worker-0', 0, SPECS, gradients, {
      returnWeights: true,
      gradientDtype: 'float16',
    });
    expect(answer.outcome).to.equal('applied');
    const lr = 0.5;
    for (const [name, initial] of initialValues()) {
      const g = halfRounded(gradients.get(name)!);
      const expected = initial.map((v, i) => v - lr * g[i]);
      expect([...answer.values!.get(name)!]).to.deep.equal([...expected]);
    }
  });
});
