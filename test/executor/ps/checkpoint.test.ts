import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNodalError } from '../../../config/errors.js';
import { applyPush } from '../../../executor/ps/apply.js';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  type ShardSnapshot,
} from '../../../executor/ps/checkpoint-format.js';
import {
  CheckpointStore,
  nodeCheckpointIo,
  type CheckpointIo,
} from '../../../executor/ps/checkpoint-store.js';
import { ParameterShard } from '../../../executor/ps/shard.js';
import { config, grads, initialValues, prng, push, shard, SPECS } from './builders.js';

const ADAM = { kind: 'adam' as const, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

function snapshotOf(step: number, coordinator?: unknown): ShardSnapshot {
  let s = shard({ optimizer: ADAM });
  for (let i = 0; i < step; i++)
    s = applyPush(s, push('a', i, grads([0.1 * i, -1, 2, 1e-3], [3, -0.25])), 0).state;
  return {
    shardIndex: 1,
    shardCount: 2,
    step: s.step,
    optimizer: ADAM,
    specs: s.specs,
    values: s.values!,
    slots: s.slots,
    createdAtMs: 123,
    ...(coordinator ? { coordinator } : {}),
  };
}

const bits = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

function expectSameBits(a: ShardSnapshot, b: ShardSnapshot): void {
  expect(b.step).to.equal(a.step);
  for (const s of a.specs) {
    expect(bits(b.values.get(s.name)!)).to.equal(bits(a.values.get(s.name)!));
    for (const k of Object.keys(a.slots.get(s.name)!))
      expect(bits(b.slots.get(s.name)![k])).to.equal(bits(a.slots.get(s.name)![k]));
  }
}

describe('executor/ps/checkpoint', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'nodal-ckpt-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  describe('format', () => {
    it('round-trips values, optimizer slots, step and coordinator state bit-exactly', () => {
      const snap = snapshotOf(5, { epoch: 2, open: [[0, 10]] });
      const back = decodeCheckpoint(Buffer.concat(encodeCheckpoint(snap)));
      expectSameBits(snap, back);
      expect(back.optimizer).to.deep.equal(ADAM);
      expect(back.coordinator).to.deep.equal({ epoch: 2, open: [[0, 10]] });
      expect(back.specs.map((s) => s.name)).to.deep.equal(SPECS.map((s) => s.name));
      expect(back.shardIndex).to.equal(1);
    });

    it('is self-describing: a JSON header names shapes, offsets and the checksum', () => {
      const file = Buffer.concat(encodeCheckpoint(snapshotOf(1)));
      expect(file.subarray(0, 8).toString('ascii')).to.equal('NODALCK1');
      const header = JSON.parse(file.subarray(12, 12 + file.readUInt32LE(8)).toString('utf8'));
      expect(header.variables[0]).to.deep.include({ name: 'w', shape: [2, 2], dtype: 'float32' });
      expect(header.variables[0].data).to.deep.equal({ offset: 0, length: 16 });
      expect(Object.keys(header.variables[0].slots)).to.deep.equal(['m', 'v']);
      expect(header.sha256).to.match(/^[0-9a-f]{64}$/);
    });

    const damage: Array<[string, (b: Buffer) => Buffer, RegExp]> = [
      ['a flipped payload bit', (b) => ((b[b.length - 3] ^= 1), b), /checksum mismatch/],
      ['a truncated file', (b) => b.subarray(0, b.length - 4), /payload is/],
      ['a wrong magic', (b) => ((b[0] = 0x58), b), /magic/],
      ['a garbage header', (b) => ((b[12] = 0x7b), (b[13] = 0x7b), b), /not JSON/],
    ];
    for (const [what, hurt, message] of damage) {
      it(`detects ${what}`, () => {
        const file = hurt(Buffer.concat(encodeCheckpoint(snapshotOf(2))));
        try {
          decodeCheckpoint(file);
          expect.fail('should throw');
        } catch (e) {
          expect(isNodalError(e, 'DATA_INVALID'), String(e)).to.equal(true);
          expect((e as Error).message).to.match(message);
        }
      });
    }
  });

  describe('store', () => {
    it('writes ckpt-<step>.bin atomically with a latest pointer and keeps the last two', async () => {
      const store = new CheckpointStore({ dir: tmp, shardIndex: 1 });
      for (const step of [1, 2, 3]) await store.write(snapshotOf(step));
      const dir = join(tmp, 'ps-1');
      expect(readdirSync(dir).sort()).to.deep.equal(['ckpt-2.bin', 'ckpt-3.bin', 'latest']);
      expect(readFileSync(join(dir, 'latest'), 'utf8').trim()).to.equal('ckpt-3.bin');
      const found = await store.readLatest();
      expect(found!.path).to.equal(join(dir, 'ckpt-3.bin'));
      expectSameBits(snapshotOf(3), found!.snapshot);
    });

    it('on a full disk reports UNAVAILABLE, removes the partial file and keeps the previous checkpoint', async () => {
      const failing: CheckpointIo = {
        ...nodeCheckpointIo,
        async writeFileDurable(path, chunks) {
          writeFileSync(path, Buffer.from(chunks[0]).subarray(0, 4));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
      };
      await new CheckpointStore({ dir: tmp, shardIndex: 0 }).write(snapshotOf(1));
      const store = new CheckpointStore({ dir: tmp, shardIndex: 0, io: failing });
      try {
        await store.write(snapshotOf(2));
        expect.fail('should throw');
      } catch (e) {
        expect(isNodalError(e, 'UNAVAILABLE')).to.equal(true);
        expect((e as Error).message).to.match(/ENOSPC/);
        expect((e as { details: { code: string } }).details.code).to.equal('ENOSPC');
      }
      expect(readdirSync(join(tmp, 'ps-0')).sort()).to.deep.equal(['ckpt-1.bin', 'latest']);
      expectSameBits(snapshotOf(1), (await store.readLatest())!.snapshot);
    });

    it('falls back to an older checkpoint when the latest is damaged', async () => {
      const store = new CheckpointStore({ dir: tmp, shardIndex: 0 });
      await store.write(snapshotOf(1));
      const { path } = await store.write(snapshotOf(2));
      const b = readFileSync(path);
      b[b.length - 1] ^= 0xff;
      writeFileSync(path, b);
      const found = await store.readLatest();
      expect(found!.snapshot.step).to.equal(1);
    });

    it('finds nothing in an empty directory', async () => {
      expect(await new CheckpointStore({ dir: join(tmp, 'none'), shardIndex: 0 }).readLatest()).to.equal(
        null,
      );
    });
  });

  describe('shard restore', () => {
    const shardOpts = (dir: string, over: Record<string, unknown> = {}) => ({
      shardIndex: 0,
      shardCount: 1,
      config: config({ optimizer: ADAM }),
      checkpointDir: dir,
      checkpointEverySteps: 0,
      ...over,
    });

    it('resumes bit-exactly: restored-then-trained equals trained-through', async () => {
      const rnd = prng(7);
      const pushes = Array.from({ length: 10 }, () =>
        grads([rnd() - 0.5, rnd(), -rnd(), rnd() * 3], [rnd(), rnd() - 1]),
      );
      const a = await ParameterShard.create(shardOpts(tmp));
      a.init(SPECS, 1, initialValues());
      for (let i = 0; i < 5; i++) await a.push(push('w', i, pushes[i]));
      await a.checkpoint();
      for (let i = 5; i < 10; i++) await a.push(push('w', i, pushes[i]));

      const b = await ParameterShard.create(shardOpts(tmp));
      expect(b.initialized).to.equal(true);
      expect(b.step).to.equal(5);
      expect(b.status().checkpointStep).to.equal(5);
      for (let i = 5; i < 10; i++) await b.push(push('w', i, pushes[i]));
      const va = a.pull().values;
      const vb = b.pull().values;
      for (const s of SPECS) expect(bits(vb.get(s.name)!)).to.equal(bits(va.get(s.name)!));
      expect(b.step).to.equal(a.step);
      await a.shutdown();
      await b.shutdown();
    });

    it('checkpoints every K steps and on shutdown, with the coordinator state on ps-0', async () => {
      const extra = { leases: 'book' };
      const a = await ParameterShard.create(
        shardOpts(tmp, { checkpointEverySteps: 3, extraState: () => extra }),
      );
      a.init(SPECS, 1, initialValues());
      for (let i = 0; i < 4; i++) await a.push(push('w', i));
      await new Promise((r) => setTimeout(r, 50));
      expect(a.status().checkpointStep).to.equal(3);
      await a.shutdown();
      const b = await ParameterShard.create(shardOpts(tmp));
      expect(b.step).to.equal(4);
      expect(b.restoredExtraState).to.deep.equal(extra);
      await b.shutdown();
    });

    it('refuses a checkpoint of another shard layout', async () => {
      const a = await ParameterShard.create(shardOpts(tmp));
      a.init(SPECS, 1, initialValues());
      await a.push(push('w', 0));
      await a.shutdown();
      try {
        await ParameterShard.create({ ...shardOpts(tmp), shardCount: 2 });
        expect.fail('should throw');
      } catch (e) {
        expect(isNodalError(e, 'CONFLICT')).to.equal(true);
      }
    });

    it('keeps training when a periodic checkpoint cannot be written', async () => {
      const failing: CheckpointIo = {
        ...nodeCheckpointIo,
        writeFileDurable: async () => {
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        },
      };
      const a = await ParameterShard.create(
        shardOpts(tmp, { checkpointEverySteps: 1, checkpointIo: failing }),
      );
      a.init(SPECS, 1, initialValues());
      for (let i = 0; i < 3; i++) await a.push(push('w', i));
      expect(a.step).to.equal(3);
      expect(a.status().checkpointStep).to.equal(-1);
      await a.shutdown();
    });
  });
});
