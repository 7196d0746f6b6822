// The scheduler's side of the framework-message protocol with `nodal executor` (defined once, in
// executor/main/messages.ts): executor MESSAGE data → the core's `progress` input plus what only the
// views need, the cluster spec and the workers that ended → framework MESSAGE data. Untrusted bytes:
// anything malformed is refused with a reason, never half-applied.
import {
  decodeProgressMessage,
  encodeClusterSpecMessage,
  encodeWorkersEndedMessage,
  MAX_MESSAGE_BYTES,
  type TaskRole,
} from '../../executor/main/messages.js';
import type { ClusterSpec, Input } from '../core/index.js';

/** A progress report as the runtime keeps it: the core's input plus who sent it. */
export interface ProgressReport {
  readonly input: Extract<Input, { type: 'progress' }>;
  /** The reporting task's role and index (ps-0 reports job-wide numbers, see messages.ts). */
  readonly role?: TaskRole;
  readonly index?: number;
  /** Where the exported model was written (the final report of a finished job). */
  readonly modelPath?: string;
  /** The reporting executor's sandbox directory, when known (else the agent is asked). */
  readonly sandbox?: string;
}

export type ParsedMessage =
  { readonly ok: true; readonly report: ProgressReport } | { readonly ok: false; readonly reason: string };

/** Parses executor MESSAGE data; a refusal carries the decoder's reason (bad JSON, bad fields, unknown type). */
export function parseExecutorMessage(data: Uint8Array): ParsedMessage {
  let m;
  try {
    m = decodeProgressMessage(data);
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  const input: Extract<Input, { type: 'progress' }> = {
    type: 'progress',
    jobId: m.jobId,
    taskId: m.taskId,
    step: m.step,
    ...(m.epoch !== undefined ? { epoch: m.epoch } : {}),
    metrics: m.metrics,
    ...(m.finished ? { finished: true } : {}),
    ...(m.failed ? { failed: true } : {}),
    ...(m.message !== undefined ? { message: m.message } : {}),
  };
  return {
    ok: true,
    report: { input, role: m.role, index: m.index, ...(m.modelPath ? { modelPath: m.modelPath } : {}) },
  };
}

/** Framework MESSAGE data carrying a new cluster spec (nodal.ClusterSpec's JSON field names). */
export function clusterSpecMessage(spec: ClusterSpec): Uint8Array {
  return encodeClusterSpecMessage({
    job_id: spec.jobId,
    ps: spec.ps,
    coordinator: spec.coordinator,
    evaluator: spec.evaluator,
    version: spec.version,
  });
}

/**
 * Framework MESSAGE data telling ps-0 that these worker tasks ended: one message, or several when the ids
 * would not fit in one (each id goes in exactly one message).
 */
export function workersEndedMessages(jobId: string, taskIds: readonly string[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  const envelope = encodeWorkersEndedMessage({ jobId, taskIds: [] }).byteLength;
  let chunk: string[] = [];
  let size = envelope;
  for (const id of taskIds) {
    const cost = Buffer.byteLength(JSON.stringify(id)) + 1; // the id in JSON and a comma
    if (chunk.length > 0 && size + cost > MAX_MESSAGE_BYTES) {
      out.push(encodeWorkersEndedMessage({ jobId, taskIds: chunk }));
      chunk = [];
      size = envelope;
    }
    chunk.push(id);
    size += cost;
  }
  if (chunk.length > 0) out.push(encodeWorkersEndedMessage({ jobId, taskIds: chunk }));
  return out;
}
