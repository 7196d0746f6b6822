import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/bench/async-sim.js', import.meta.url));

describe('scripts/bench/async-sim @integration', () => {
  it('trains round-robin workers through the PS apply rule and reports staleness and accuracy', async () => {
    const { stdout } = await run(
      process.execPath,
      [SCRIPT, '--workers', '3', '--train', '192', '--test', '32', '--every', '3', '--lr-decay', 'cosine'],
      { timeout: 60_000 },
    );
    const lines = stdout.trim().split('\n');
    expect(lines.filter((l) => /^step \d+: loss [\d.]+, test accuracy [\d.]+$/.test(l))).to.have.length(2);
    const result = JSON.parse(lines.at(-1)!) as Record<string, number>;
    expect(result).to.include({ workers: 3, steps: 6, lrDecay: 'cosine' });
    // Round-robin staleness: 0, 1, 2, then 2 for every later push.
    expect(result.meanStaleness).to.be.closeTo((0 + 1 + 2 + 2 + 2 + 2) / 6, 1e-9);
    expect(result.testAccuracy).to.be.within(0, 1);
  });

  it('names the option it cannot use', async () => {
    const err = await run(process.execPath, [SCRIPT, '--lr-decay', 'step']).catch((e: unknown) => e);
    expect((err as { code: number }).code).to.equal(1);
    expect((err as { stderr: string }).stderr).to.match(/--lr-decay takes one of none, cosine, linear/);
  });
});
