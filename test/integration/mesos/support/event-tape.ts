// Records a client's events in the background so a test can consume them in order: `take` hands out each
// matching event once, so a sequence of takes asserts a sequence of events.

/** Everything `source` yielded, and a way to take the next matching one. */
export class EventTape<E> {
  private readonly items: E[] = [];
  private readonly taken = new Set<number>();
  private readonly listeners = new Set<() => void>();
  /** Resolves when `source` ends. */
  readonly ended: Promise<void>;

  constructor(
    source: AsyncIterable<E>,
    private readonly describe: (item: E) => string = (item) => JSON.stringify(item),
  ) {
    this.ended = (async () => {
      for await (const item of source) {
        this.items.push(item);
        for (const listener of [...this.listeners]) listener();
      }
    })();
  }

  /** Every event so far, taken or not. */
  get all(): readonly E[] {
    return this.items;
  }

  /**
   * The first event not taken yet that matches `predicate`, marked taken. Rejects after `timeoutMs` with
   * the trace of what did arrive.
   */
  take<T extends E>(predicate: (item: E) => item is T, timeoutMs?: number): Promise<T>;
  take(predicate: (item: E) => boolean, timeoutMs?: number): Promise<E>;
  take(predicate: (item: E) => boolean, timeoutMs = 4000): Promise<E> {
    const find = (): E | undefined => {
      const index = this.items.findIndex((item, i) => !this.taken.has(i) && predicate(item));
      if (index < 0) return undefined;
      this.taken.add(index);
      return this.items[index];
    };
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (hit === undefined) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`event not seen within ${timeoutMs} ms; trace: ${this.trace().join(', ')}`));
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  /** Whether an untaken event matching `predicate` has arrived. */
  has(predicate: (item: E) => boolean): boolean {
    return this.items.some((item, i) => !this.taken.has(i) && predicate(item));
  }

  /** One short description per event, for failure messages. */
  trace(): string[] {
    return this.items.map(this.describe);
  }
}
