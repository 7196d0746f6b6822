// Job status as a list of conditions, with kubeflow's merge rules (pkg/util/status.go): terminal
// conditions (Succeeded, Failed, Killed) are sticky, Running and Restarting are never both true, and
// setting a condition to the status and reason it already has changes nothing.

export const CONDITION_TYPES = ['Created', 'Running', 'Restarting', 'Succeeded', 'Failed', 'Killed'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export interface Condition {
  readonly type: ConditionType;
  readonly status: boolean;
  /** A stable CamelCase word (`TrainingCompleted`, `RestartLimitReached`, …). */
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionMs: number;
}

/** The life-cycle phase the API shows, derived from the conditions. */
export type JobPhase = 'pending' | 'running' | 'succeeded' | 'failed' | 'killed';

const TERMINAL: readonly ConditionType[] = ['Succeeded', 'Failed', 'Killed'];

const isTrue = (conds: readonly Condition[], type: ConditionType): boolean =>
  conds.some((c) => c.type === type && c.status);

/** The condition of `type`, if any. */
export const conditionOf = (conds: readonly Condition[], type: ConditionType): Condition | undefined =>
  conds.find((c) => c.type === type);

/** True once the job succeeded, failed or was killed. */
export const isTerminal = (conds: readonly Condition[]): boolean => TERMINAL.some((t) => isTrue(conds, t));

/**
 * The conditions with `type` set to `status`. Returns the same array when nothing changes: when the
 * job is already terminal, or status and reason are unchanged. A terminal condition turns Running and
 * Restarting off; Running and Restarting turn each other off.
 */
export function setCondition(
  conds: readonly Condition[],
  type: ConditionType,
  status: boolean,
  reason: string,
  message: string,
  nowMs: number,
): readonly Condition[] {
  if (isTerminal(conds)) return conds;
  const current = conditionOf(conds, type);
  if (current && current.status === status && current.reason === reason) return conds;
  if (!current && !status) return conds;
  const next: Condition = { type, status, reason, message, lastTransitionMs: nowMs };
  let out = conds.map((c) => (c.type === type ? next : c));
  if (!current) out.push(next);
  const off = (t: ConditionType) =>
    (out = out.map((c) =>
      c.type === t && c.status ? { ...c, status: false, reason, message, lastTransitionMs: nowMs } : c,
    ));
  if (status && TERMINAL.includes(type)) {
    off('Running');
    off('Restarting');
  } else if (status && type === 'Running') off('Restarting');
  else if (status && type === 'Restarting') off('Running');
  return out;
}

/** The phase and the reason/message of the condition that decides it. */
export function phaseOf(conds: readonly Condition[]): { phase: JobPhase; reason: string; message: string } {
  const pick = (type: ConditionType, phase: JobPhase) => {
    const c = conditionOf(conds, type);
    return c && c.status ? { phase, reason: c.reason, message: c.message } : undefined;
  };
  return (
    pick('Failed', 'failed') ??
    pick('Killed', 'killed') ??
    pick('Succeeded', 'succeeded') ??
    pick('Running', 'running') ??
    pick('Restarting', 'running') ??
    pick('Created', 'pending') ?? { phase: 'pending', reason: '', message: '' }
  );
}
