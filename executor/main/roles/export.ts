// The final model of a job with no evaluator: ps-0 pulls every shard's variables into a freshly built model
// of the job's architecture and exports it in the TF.js layers format. Loaded only when needed, so a PS
// process otherwise never loads tfjs.
import type { Logger } from '../../../config/logger.js';
import { selectBackend, type BackendPreference } from '../../backend/index.js';
import { buildModel, exportModel, setFlatWeights, variableSpecs } from '../../model/index.js';
import { PsGroup } from '../../training/ps-group.js';
import type { ModelName } from '../task-config.js';

export interface ShardExportOptions {
  readonly addresses: readonly string[];
  readonly secret: string;
  readonly model: ModelName;
  /** The seed the job's models are built with (the values are overwritten; the layout must match). */
  readonly seed: number;
  readonly dir: string;
  readonly backend: BackendPreference;
  readonly metadata: Record<string, unknown>;
  readonly logger: Logger;
}

/** Pulls every shard and exports the model to `dir`; resolves with shard 0's step. Rejects like PsClient. */
export async function exportFromShards(o: ShardExportOptions): Promise<number> {
  await selectBackend(o.backend, o.logger);
  const model = buildModel(o.model, { seed: o.seed });
  const group = new PsGroup(o.addresses, variableSpecs(model), { secret: o.secret });
  try {
    const pulled = await group.pullAll();
    setFlatWeights(model, pulled.values);
    const step = pulled.steps[0] ?? 0;
    await exportModel(model, o.dir, { ...o.metadata, step });
    return step;
  } finally {
    group.close();
    model.dispose();
  }
}
