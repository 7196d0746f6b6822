// A Store in memory (tests, and `nodal local` runs that need no restart). Saves a deep copy so later
// changes by the caller cannot alter what was "persisted".
import type { StoredState } from '../core/index.js';
import type { Store } from './store.js';

export class MemoryStore implements Store {
  private saved: string | undefined;

  /** Number of completed saves. */
  saves = 0;

  async load(): Promise<StoredState | undefined> {
    return this.saved === undefined ? undefined : (JSON.parse(this.saved) as StoredState);
  }

  async save(state: StoredState): Promise<void> {
    this.saved = JSON.stringify(state);
    this.saves++;
  }
}
