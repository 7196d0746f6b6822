// The disk fills up while the PS checkpoints: the job's checkpoint directory is a small tmpfs (or, where
// mounting is not allowed, a directory made read-only), filled once the first checkpoints are written.
// Checkpoint writes then fail with ENOSPC and leave the last good checkpoint readable and the directory
// free of partial files; the job fails with a message that names the cause, not silently.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLedger } from '../../helpers/training-audit.js';
import {
  CHECKPOINT_EVERY_STEPS,
  EPOCHS,
  FAULT_ROWS,
  TRAIN,
  eventually,
  faultFreeBaseline,
  faultJob,
  faultRow,
  finishRun,
  printFaultTableAtEnd,
  sandboxTails,
  startFaultSystem,
  type FaultSystem,
  type RunOutcome,
} from './harness.js';

printFaultTableAtEnd();

/** A directory on a 2 MiB tmpfs (checkpoints of the suite's model are about 340 KB); null when mounting fails. */
function mountSmallTmpfs(): { dir: string; unmount(): void } | null {
  const dir = mkdtempSync(join(tmpdir(), 'nodal-faults-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0755', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes zeros into `dir/filler` until the filesystem is full. */
function fillUp(dir: string): number {
  const fd = openSync(join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  return written;
}

/** All of a task's sandbox stderr under `dir` whose executor id names `taskName` (e.g. `ps-0`). */
function sandboxLogs(dir: string, taskName: string): string {
  return sandboxTails(dir, 10_000)
    .split(/^--- /m)
    .filter((part) => part.includes(`.${taskName}.`))
    .join('\n');
}

describe('fault injection: disk full @integration @faults', function () {
  this.timeout(120_000);
  let sys: FaultSystem | undefined;
  let disk: { dir: string; unmount(): void } | null = null;
  let readOnly: string[] = [];
  let baseline: RunOutcome;

  before(async function () {
    this.timeout(150_000);
    baseline = await faultFreeBaseline();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && sys) process.stderr.write(sandboxTails(sys.workDir) + '\n');
    for (const d of readOnly.splice(0)) chmodSync(d, 0o755);
    const left = await sys?.stop();
    sys = undefined;
    disk?.unmount();
    disk = null;
    expect(left ?? [], 'processes left behind').to.deep.equal([]);
  });

  it('disk full while checkpointing: writes fail cleanly, the last good checkpoint stays, the job fails clearly', async function () {
    disk = mountSmallTmpfs();
    const readOnlyInstead = disk === null && process.getuid?.() !== 0;
    if (!disk && !readOnlyInstead) this.skip(); // root without CAP_SYS_ADMIN: neither way is available
    sys = await startFaultSystem(undefined, disk ? { checkpointDir: disk.dir } : {});
    const s = sys;
    const spec = faultJob(s.checkpointDir);
    // Fail at the first failed export instead of retrying it ten times.
    const evaluator = {
      ...spec.roles.evaluator,
      restart: { ...spec.roles.evaluator.restart, maxRestarts: 0 },
    };
    const watch = await s.submit({ ...spec, roles: { ...spec.roles, evaluator } });

    const good = await eventually(
      'two checkpoints written',
      async () => {
        const l = await readLedger(s.jobDir);
        return l && l.step >= 2 * CHECKPOINT_EVERY_STEPS ? l : undefined;
      },
      60_000,
    );
    if (disk) fillUp(disk.dir);
    else {
      mkdirSync(join(s.jobDir, 'model'), { recursive: true });
      readOnly = [join(s.jobDir, 'ps-0'), join(s.jobDir, 'model'), s.jobDir];
      for (const d of readOnly) chmodSync(d, 0o555);
    }
    // A write under way at the fill may still have landed: the last good one is whatever is there now.
    const lastGood = (await readLedger(s.jobDir))!;
    expect(lastGood.step).to.be.at.least(good.step);

    const run = await finishRun(watch, s.jobDir);
    const cause = disk ? /ENOSPC|no space left/i : /EACCES|permission denied/i;
    expect(run.job.state, 'job state').to.equal('failed');
    const said = run.job.conditions.map((c) => `${c.reason}: ${c.message}`).join('\n');
    expect(said, 'the failure names its cause').to.match(cause);
    // Training itself ran to the end; only what needed the disk failed.
    const last = watch.probe.samples.at(-1)!;
    expect(last.done && last.examplesDone, 'examples trained').to.equal(EPOCHS * TRAIN);
    const psLog = sandboxLogs(s.workDir, 'ps-0');
    expect(psLog, 'ps-0 logged the failed checkpoint').to.match(
      /checkpoint write failed; previous checkpoint kept/,
    );
    expect(psLog).to.match(cause);

    const kept = await readLedger(s.jobDir);
    expect(kept, 'a readable checkpoint').to.not.equal(null);
    expect(kept!.step, 'the last good checkpoint').to.equal(lastGood.step);
    expect(kept!.step).to.be.below(last.globalStep);
    const partial = readdirSync(join(s.jobDir, 'ps-0')).filter((n) => n.includes('.tmp-'));
    expect(partial, 'partial files left').to.deep.equal([]);

    const why = /(ENOSPC|EACCES)[^;,]*/.exec(said)?.[0] ?? said.slice(0, 60);
    FAULT_ROWS.push({
      ...faultRow(disk ? 'disk full while checkpointing' : 'checkpoint dir read-only', 1, run, baseline),
      note: `job failed as expected (${why}); last good checkpoint (step ${kept!.step}) kept`,
    });
  });
});
