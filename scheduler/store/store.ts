// Where the scheduler keeps what must survive its own restart: the framework id, the jobs and the
// task→agent map (the core's StoredState). Narrow on purpose, so a ZooKeeper store can follow.
import type { StoredState } from '../core/index.js';

export interface Store {
  /** The last saved state, or undefined when nothing was ever saved. Throws NodalError DATA_INVALID on a corrupt store. */
  load(): Promise<StoredState | undefined>;
  /** Saves `state` durably; resolves only once it would survive a crash. Saves are applied in call order. */
  save(state: StoredState): Promise<void>;
}
