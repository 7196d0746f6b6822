import { expect } from 'chai';
import { measureCommunication } from '../../../scripts/bench/study/comm.js';
import { startPsProcess } from '../../../scripts/bench/study/ps-process.js';
import { PsClient } from '../../../executor/ps/client.js';
import { makeSpec } from '../../../executor/ps/specs.js';

const SPECS = [makeSpec('w', [64, 8]), makeSpec('b', [8])];
const values = () => new Map(SPECS.map((s) => [s.name, new Float32Array(s.bytes / 4).fill(0.5)]));
const SHARD = {
  mode: 'async' as const,
  optimizer: { kind: 'sgd' as const, learningRate: 0.1 },
  scaleLrByStaleness: false,
  replicasToAggregate: 1,
};

describe('scripts/bench/study PS process and communication @integration', function () {
  this.timeout(60_000);

  it('serves a shard in a child process and reports its pushes, handler time and CPU', async () => {
    const ps = await startPsProcess({
      shardIndex: 0,
      shardCount: 1,
      secret: 's3cret',
      shard: SHARD,
      coordinator: { datasetSize: 64, leaseSize: 32, epochs: 1, leaseTimeoutMs: 60_000, seed: 1 },
    });
    const client = new PsClient(ps.address, { secret: 's3cret', deadlineMs: 10_000 });
    try {
      await client.init(SPECS, 1, SPECS, values());
      const before = await ps.stats();
      for (let step = 0; step < 3; step++)
        await client.push('w', step, SPECS, values(), { gradientDtype: 'float16' });
      const after = await ps.stats();
      expect(after.pushes - before.pushes).to.equal(3);
      expect(after.pushesApplied).to.equal(3);
      expect(after.step).to.equal(3);
      expect(after.pushHandlerMs).to.be.above(before.pushHandlerMs);
      expect(after.cpuMs).to.be.at.least(before.cpuMs);
    } finally {
      client.close();
      await ps.stop();
    }
    // Stopped: its port no longer answers.
    const gone = new PsClient(ps.address, { secret: 's3cret', deadlineMs: 1_000 });
    await gone.status().then(
      () => expect.fail('the PS process should be gone'),
      (e: unknown) => expect((e as { code: string }).code).to.be.oneOf(['UNAVAILABLE', 'TIMEOUT']),
    );
    gone.close();
  });

  it('measures round trips, throughput and bytes for each wire format', async () => {
    const ms = await measureCommunication(
      [{ model: 'tiny', specs: SPECS, shards: 2, dtypes: ['float32', 'float16'] }],
      { latencyRoundTrips: 3, loadMs: 200, clients: 2 },
    );
    expect(ms.map((m) => m.gradientDtype)).to.deep.equal(['float32', 'float16']);
    const parameters = 64 * 8 + 8;
    expect(ms[0].parameters).to.equal(parameters);
    expect(ms[0].bytesPerRoundTrip).to.equal(parameters * 8);
    expect(ms[1].bytesPerRoundTrip).to.equal(parameters * 6);
    for (const m of ms) {
      expect(m.shards).to.equal(2);
      expect(m.roundTripMs).to.be.above(0);
      expect(m.pushesPerSec).to.be.above(0);
      expect(m.megabytesPerSec).to.be.closeTo((m.pushesPerSec * m.bytesPerRoundTrip) / 1e6, 1e-9);
      expect(m.applyMsPerPush).to.be.above(0);
    }
  });
});
