// What the study measures, as plain data: one training run on the embedded cluster, the worker's step
// profile, and the parameter server's communication figures. The report is computed from these alone.
import type { Scenario } from './scenarios.js';

/** A validation evaluation during a run. */
export interface AccuracyPoint {
  /** Since the job was submitted. */
  readonly seconds: number;
  /** Examples trained on when the evaluation was reported. */
  readonly examples: number;
  readonly accuracy: number;
}

/** One job on the embedded cluster, from submission to the final test evaluation. */
export interface RunMeasurement {
  readonly scenario: Scenario;
  readonly state: string;
  readonly reason?: string;
  /** Submission to the job's end (scheduling, process start-up, training, final evaluation and export). */
  readonly wallSeconds: number;
  /** From the first to the last example trained, by the coordinator's own count (polled). */
  readonly trainSeconds: number;
  /** Examples trained over `trainSeconds`. */
  readonly trainedExamples: number;
  /** All examples of the run. */
  readonly examples: number;
  readonly steps: number;
  readonly testAccuracy?: number;
  readonly testAuc?: number;
  readonly testLoss?: number;
  readonly stalenessMean?: number;
  readonly stalenessMax?: number;
  /** Pushes refused as too stale (recomputed by their worker). */
  readonly stalePushes?: number;
  readonly curve: readonly AccuracyPoint[];
}

/** The parts of one worker step, measured on one worker training through a PS in another process. */
export interface StepProfile {
  /** Worker compute per step (read, augment, forward and backward), one sample per timed step. */
  readonly computeMs: readonly number[];
  /** Push + pull round trip per step (gradients out, fresh weights back), one sample per timed step. */
  readonly commMs: readonly number[];
  /** Time in the PS's Push handler per push (validate, apply, build the answer): t_apply. */
  readonly applyMsPerPush: number;
  /** CPU time of the PS process per push (transport, decoding, encoding, coordinator calls, GC too). */
  readonly psCpuMsPerPush: number;
  readonly batchSize: number;
}

/** Loopback traffic between workers and PS shards in other processes, for one model and wire format. */
export interface CommMeasurement {
  readonly model: string;
  readonly parameters: number;
  readonly shards: number;
  readonly gradientDtype: 'float32' | 'float16';
  /** Concurrent pushers. */
  readonly clients: number;
  /** Bytes per round trip: gradients pushed plus weights pulled. */
  readonly bytesPerRoundTrip: number;
  /** Median push+pull round trip of one worker pushing to every shard in parallel. */
  readonly roundTripMs: number;
  /** Round trips per second over all clients. */
  readonly pushesPerSec: number;
  /** Megabytes (10^6) per second over all clients, both directions. */
  readonly megabytesPerSec: number;
  /** Time in a shard's Push handler per push (mean over shards). */
  readonly applyMsPerPush: number;
  /** PS process CPU per push, per shard (mean over shards). */
  readonly psCpuMsPerPush: number;
}

/** The fp16 gradient compression's accuracy effect: the same 1-worker training with both wire formats. */
export interface CompressionEffect {
  readonly examples: number;
  readonly float32: { accuracy: number; auc: number; loss: number };
  readonly float16: { accuracy: number; auc: number; loss: number };
}
