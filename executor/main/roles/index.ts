// Starts the role a task names. Each adapter is imported on demand: a PS never loads tfjs or h5wasm
// unless it has to export the model.
import type { RoleContext, RunningRole } from './types.js';

export type { ExecutorSettings, ProgressReport, RoleContext, RoleEnd, RunningRole } from './types.js';

/** Starts `ctx.config.role`; rejects with the role's error (typed NodalError where the role gives one). */
export async function startRole(ctx: RoleContext): Promise<RunningRole> {
  switch (ctx.config.role) {
    case 'ps':
      return (await import('./ps.js')).startPsRole(ctx);
    case 'worker':
      return (await import('./worker.js')).startWorkerRole(ctx);
    case 'evaluator':
      return (await import('./evaluator.js')).startEvaluatorRole(ctx);
  }
}
