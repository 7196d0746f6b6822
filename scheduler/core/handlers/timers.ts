// Timer work for tasks: expectations that time out, kills that need re-sending, and kills that went
// unanswered so long that the task's executor is shut down.
import type { Draft } from '../draft.js';
import type { TaskRecord } from '../state.js';
import { requestKill, resendKill } from '../task-life.js';
import { replaceTask } from './status.js';

/** How long after a kill request it is re-sent. */
export const killRetryAfterMs = (d: Draft, t: TaskRecord): number =>
  Math.max(d.opts.killRetryMs, 2 * t.killGracePeriodMs);

// A kill we keep re-sending for a task that never produced a single update is dropped after this many
// retries: the master evidently has no such task (its launch was lost) and there is nothing to stop.
const FORGET_SILENT_KILLED_AFTER_RETRIES = 5;

/**
 * Expected tasks past their deadline are first reconciled explicitly (Mesos: reconcile before
 * relaunching); if still silent after another timeout they are killed and their slots refilled.
 * Kills without a terminal update are re-sent; once `killResendsBeforeShutdown` re-sends have gone
 * unanswered as well, the task's executor is sent SHUTDOWN too (REFERENCE §5.7: the agent destroys an
 * executor that does not exit within its shutdown grace period, a hung or stopped one included, and
 * reports its unfinished task TASK_FAILED / REASON_EXECUTOR_TERMINATED).
 */
export function tasksOnTick(d: Draft): void {
  for (const t of Object.values(d.tasks)) {
    if (t.killRequestedAtMs !== undefined) {
      const retryAfter = killRetryAfterMs(d, t);
      const resends = t.killResends ?? 0;
      if (
        t.awaitingFirstUpdate &&
        (resends >= FORGET_SILENT_KILLED_AFTER_RETRIES ||
          d.nowMs - t.killRequestedAtMs >= retryAfter * FORGET_SILENT_KILLED_AFTER_RETRIES)
      ) {
        d.removeTask(t.taskId);
        d.notice('warn', 'Forgetting a killed task that never reported', { taskId: t.taskId });
      } else if (d.nowMs >= t.killRequestedAtMs + retryAfter && d.meta.subscribed) {
        const escalate = t.executorShutdownAtMs === undefined && resends >= d.opts.killResendsBeforeShutdown;
        const next: TaskRecord = {
          ...t,
          killRequestedAtMs: d.nowMs,
          killResends: resends + 1,
          ...(escalate ? { executorShutdownAtMs: d.nowMs } : {}),
        };
        d.setTask(next, { persist: escalate });
        if (escalate)
          d.notice('warn', "Kill unanswered; shutting down the task's executor", {
            taskId: t.taskId,
            executorId: t.executorId,
            agentId: t.agentId,
            state: t.state,
            killsSent: resends + 1,
          });
        resendKill(d, next);
      }
      continue;
    }
    if (!t.awaitingFirstUpdate || t.expectationDeadlineMs === undefined || d.nowMs < t.expectationDeadlineMs)
      continue;
    if (!d.meta.subscribed) continue;
    if (!t.expectationReconciled) {
      d.setTask({
        ...t,
        expectationReconciled: true,
        expectationDeadlineMs: d.nowMs + d.opts.launchTimeoutMs,
      });
      d.call({ type: 'reconcile', tasks: [{ taskId: t.taskId, agentId: t.agentId }] });
      continue;
    }
    d.notice('warn', 'Launched task never reported; replacing it', { taskId: t.taskId, agentId: t.agentId });
    replaceTask(d, t, true, true);
    requestKill(d, d.tasks[t.taskId]!);
  }
}
