import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  hasSplit,
  openSplitIfPresent,
  prepareData,
  syntheticCacheName,
} from '../../../executor/main/data-cache.js';

const spec = { kind: 'synthetic' as const, train: 3, valid: 2, test: 0, seed: 5 };

describe('executor/main/data-cache', function () {
  this.timeout(20_000);
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'nodal-cache-test-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('names the cache by the synthetic spec', () => {
    expect(syntheticCacheName(spec)).to.match(/^synthetic-[0-9a-f]{16}$/);
    expect(syntheticCacheName(spec)).to.equal(syntheticCacheName({ ...spec }));
    expect(syntheticCacheName({ ...spec, seed: 6 })).not.to.equal(syntheticCacheName(spec));
  });

  it('generates once for concurrent executors, leaves no temporary directory, and reuses it', async () => {
    const dirs = await Promise.all([
      prepareData(spec, root),
      prepareData(spec, root),
      prepareData(spec, root),
    ]);
    expect(new Set(dirs).size).to.equal(1);
    expect(readdirSync(root)).to.deep.equal([syntheticCacheName(spec)]);
    expect(hasSplit(dirs[0]!, 'train')).to.equal(true);
    expect(hasSplit(dirs[0]!, 'test')).to.equal(false);
    const valid = await openSplitIfPresent(dirs[0]!, 'valid');
    expect(valid?.size).to.equal(2);
    valid?.close();
    expect(await openSplitIfPresent(dirs[0]!, 'test')).to.equal(undefined);
    expect(await prepareData(spec, root)).to.equal(dirs[0]);
  });

  it('uses a data path as it is and does not touch the cache', async () => {
    expect(await prepareData({ kind: 'path', path: '/data/pcam' }, root)).to.equal('/data/pcam');
    expect(readdirSync(root)).to.deep.equal([]);
  });

  it('stops before generating when the task is already killed', async () => {
    const abort = new AbortController();
    abort.abort();
    let code: string | undefined;
    await prepareData(spec, root, { signal: abort.signal }).catch((e: { code?: string }) => (code = e.code));
    expect(code).to.equal('UNAVAILABLE');
    expect(readdirSync(root)).to.deep.equal([]);
  });
});
