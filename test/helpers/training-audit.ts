// Audits of a training job from the outside, for the fault suite and the soak benchmark: the lease book
// ps-0 checkpointed (did every epoch close with each example counted exactly once?), a probe that samples
// the coordinator's Progress RPC (how far did the global step fall back when a PS restarted?), and the
// fault table both print.
import { CoordinatorClient } from '../../executor/coordinator/client.js';
import type { JobProgress } from '../../executor/coordinator/coordinator.js';
import type { LeaseBookSnapshot } from '../../executor/coordinator/leases.js';
import { CheckpointStore } from '../../executor/ps/checkpoint-store.js';

/** What a finished job must have trained on. */
export interface LedgerExpectation {
  readonly epochs: number;
  readonly trainSize: number;
}

/** ps-0's newest readable checkpoint: its step and the coordinator's lease book in it. */
export interface Ledger {
  readonly path: string;
  readonly step: number;
  readonly book: LeaseBookSnapshot;
}

/** Reads `<jobDir>/ps-0`'s newest readable checkpoint; null when there is none (or it holds no book). */
export async function readLedger(jobDir: string): Promise<Ledger | null> {
  const found = await new CheckpointStore({ dir: jobDir, shardIndex: 0 }).readLatest();
  const book = found?.snapshot.coordinator as LeaseBookSnapshot | undefined;
  if (!found || !book) return null;
  return { path: found.path, step: found.snapshot.step, book };
}

/**
 * Why the book of a finished job is not "every example of every epoch counted exactly once" (empty: it
 * is). The book refuses to count a position twice and closes an epoch only when all its positions are
 * counted, so every epoch closed plus a total of exactly epochs × train size means nothing was skipped
 * and nothing doubled.
 */
export function ledgerProblems(book: LeaseBookSnapshot, want: LedgerExpectation): string[] {
  const problems: string[] = [];
  if (book.completedEpochs !== want.epochs)
    problems.push(`${book.completedEpochs} of ${want.epochs} epochs closed`);
  for (const o of book.open) {
    const counted = o.completed.reduce((n, [a, b]) => n + b - a, 0);
    problems.push(`epoch ${o.epoch} still open with ${counted} of ${want.trainSize} examples counted`);
  }
  const total = want.epochs * want.trainSize;
  if (book.examplesDone !== total) problems.push(`${book.examplesDone} examples counted, expected ${total}`);
  return problems;
}

/** One Progress answer of the coordinator, with when it was taken. */
export interface ProgressSample extends JobProgress {
  readonly atMs: number;
}

/**
 * Samples the coordinator's Progress RPC whenever asked (a job watcher asks a few times a second).
 * `address` is read before every sample, because a restarted ps-0 may serve on another port.
 */
export class ProgressProbe {
  readonly samples: ProgressSample[] = [];
  private client: CoordinatorClient | undefined;
  private busy = false;

  constructor(
    private readonly address: () => string | undefined,
    private readonly secret: string,
  ) {}

  /** Takes one sample now; undefined when the coordinator cannot be reached (or a sample is under way). */
  async sample(): Promise<ProgressSample | undefined> {
    if (this.busy) return undefined;
    const address = this.address();
    if (!address) return undefined;
    this.busy = true;
    try {
      if (this.client?.address !== address) {
        this.client?.close();
        this.client = new CoordinatorClient(address, { secret: this.secret, deadlineMs: 2_000 });
      }
      const s = { ...(await this.client.progress()), atMs: Date.now() };
      this.samples.push(s);
      return s;
    } catch {
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  /** Total of every fall of the global step between samples (steps a PS restart threw away). */
  stepsLost(): number {
    let lost = 0;
    for (let i = 1; i < this.samples.length; i++)
      lost += Math.max(0, this.samples[i - 1]!.globalStep - this.samples[i]!.globalStep);
    return lost;
  }

  /** The largest global step seen. */
  maxStep(): number {
    return this.samples.reduce((m, s) => Math.max(m, s.globalStep), 0);
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}

/** One line of the fault table. */
export interface FaultRow {
  readonly fault: string;
  readonly injected: number;
  readonly jobs: number;
  readonly completed: number;
  /** Test accuracy of the (last) job; undefined when none finished. */
  readonly accuracy?: number;
  readonly baselineAccuracy?: number;
  readonly stepsLost: number;
  /** Anything worth a reader's attention (a failure's reason, restarts, …). */
  readonly note?: string;
}

const pct = (v: number | undefined): string => (v === undefined ? '-' : `${(v * 100).toFixed(1)}%`);

/** The fault table as aligned plain text (a Markdown table, so a note can quote it). */
export function formatFaultTable(rows: readonly FaultRow[]): string {
  const header = [
    'fault',
    'injected',
    'jobs completed',
    'test accuracy',
    'vs fault-free',
    'steps lost',
    'note',
  ];
  const body = rows.map((r) => [
    r.fault,
    String(r.injected),
    `${r.completed}/${r.jobs}`,
    pct(r.accuracy),
    r.accuracy === undefined || r.baselineAccuracy === undefined
      ? '-'
      : `${r.accuracy >= r.baselineAccuracy ? '+' : ''}${((r.accuracy - r.baselineAccuracy) * 100).toFixed(1)} pt`,
    String(r.stepsLost),
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
