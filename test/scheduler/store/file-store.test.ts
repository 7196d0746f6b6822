import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNodalError } from '../../../config/errors.js';
import { toStored, type StoredState } from '../../../scheduler/core/index.js';
import { FileStore, PREVIOUS_FILE, STATE_FILE } from '../../../scheduler/store/file-store.js';
import { MemoryStore } from '../../../scheduler/store/memory-store.js';
import { Harness } from '../../builders/harness.js';
import { jobSpec } from '../../builders/job-spec.js';
import { offer } from '../../builders/offer.js';

/** A realistic stored state: a framework id, one job and its launched tasks. */
function stored(frameworkId = 'fw-1'): StoredState {
  const h = new Harness();
  h.subscribe(frameworkId);
  h.submit(jobSpec().id('j').build());
  h.offer(offer().cpus(64).build());
  return toStored(h.state);
}

describe('scheduler/store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nodal-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads nothing before the first save, creating the directory on save', async () => {
    const store = new FileStore(join(dir, 'nested', 'state'));
    expect(await store.load()).to.equal(undefined);
    await store.save(stored());
    expect((await store.load())!.frameworkId).to.equal('fw-1');
  });

  it('round-trips the framework id, jobs and tasks', async () => {
    const store = new FileStore(dir);
    const state = stored();
    await store.save(state);
    expect(await new FileStore(dir).load()).to.deep.equal(JSON.parse(JSON.stringify(state)));
  });

  it('keeps the previous file and leaves no temporary files', async () => {
    const store = new FileStore(dir);
    await store.save(stored('fw-1'));
    await store.save(stored('fw-2'));
    expect((await readdir(dir)).sort()).to.deep.equal([STATE_FILE, PREVIOUS_FILE].sort());
    expect(JSON.parse(await readFile(join(dir, PREVIOUS_FILE), 'utf8')).frameworkId).to.equal('fw-1');
    expect((await store.load())!.frameworkId).to.equal('fw-2');
  });

  it('applies concurrent saves in call order', async () => {
    const store = new FileStore(dir);
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => store.save(stored(id))));
    expect((await store.load())!.frameworkId).to.equal('d');
    expect(JSON.parse(await readFile(join(dir, PREVIOUS_FILE), 'utf8')).frameworkId).to.equal('c');
  });

  const corrupt: Array<[string, string, RegExp]> = [
    ['truncated JSON', '{"version":1,"jobs":{', /not JSON/],
    ['an array', '[]', /not an object/],
    ['an unknown version', '{"version":7,"jobs":{},"tasks":{}}', /unsupported version 7/],
    ['missing tasks', '{"version":1,"jobs":{}}', /jobs or tasks missing/],
    [
      'a job under the wrong key',
      '{"version":1,"jobs":{"a":{"id":"b","spec":{},"slots":[],"conditions":[]}},"tasks":{}}',
      /job a malformed/,
    ],
    [
      'a task without agent',
      '{"version":1,"jobs":{},"tasks":{"t":{"taskId":"t","jobId":"j"}}}',
      /task t malformed/,
    ],
  ];
  for (const [name, text, why] of corrupt)
    it(`reports a corrupt file (${name}) without deleting it`, async () => {
      await writeFile(join(dir, STATE_FILE), text);
      try {
        await new FileStore(dir).load();
        expect.fail('should throw');
      } catch (e) {
        expect(isNodalError(e, 'DATA_INVALID'), String(e)).to.equal(true);
        expect((e as Error).message)
          .to.match(why)
          .and.match(/left in place/);
      }
      expect(await readFile(join(dir, STATE_FILE), 'utf8')).to.equal(text);
    });

  it('fails a save with a clear error when the directory cannot be written', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    try {
      await new FileStore(file).save(stored());
      expect.fail('should throw');
    } catch (e) {
      expect(isNodalError(e, 'UNAVAILABLE')).to.equal(true);
    }
  });

  it('MemoryStore keeps a copy that later changes cannot alter', async () => {
    const store = new MemoryStore();
    const state = JSON.parse(JSON.stringify(stored())) as { frameworkId: string } & StoredState;
    await store.save(state);
    state.frameworkId = 'changed';
    expect((await store.load())!.frameworkId).to.equal('fw-1');
    expect(store.saves).to.equal(1);
  });
});
