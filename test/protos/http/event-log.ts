// Collects a client's events in the background so a test can wait for the one it expects.

/** Everything `source` yielded so far, and a way to wait for more. */
export class EventLog<E> {
  readonly items: E[] = [];
  readonly done: Promise<void>;
  private readonly listeners = new Set<() => void>();

  constructor(source: AsyncIterable<E>) {
    this.done = (async () => {
      for await (const item of source) {
        this.items.push(item);
        for (const listener of [...this.listeners]) listener();
      }
    })();
  }

  /** The first item (at index >= `from`) matching `predicate`, within `timeoutMs`. */
  waitFor<T extends E>(
    predicate: (item: E) => item is T,
    opts?: { from?: number; timeoutMs?: number },
  ): Promise<T>;
  waitFor(predicate: (item: E) => boolean, opts?: { from?: number; timeoutMs?: number }): Promise<E>;
  waitFor(predicate: (item: E) => boolean, opts: { from?: number; timeoutMs?: number } = {}): Promise<E> {
    const from = opts.from ?? 0;
    const timeoutMs = opts.timeoutMs ?? 2000;
    const find = () => this.items.slice(from).find(predicate);
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
        reject(new Error(`event not seen within ${timeoutMs} ms; got ${JSON.stringify(this.kinds())}`));
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  /** A compact trace for failure messages: `kind` or `kind:type` of each item. */
  kinds(): string[] {
    return this.items.map((item) => {
      const i = item as { kind?: string; event?: { type?: string }; code?: string; reason?: string };
      return [i.kind, i.event?.type ?? i.code ?? i.reason].filter(Boolean).join(':');
    });
  }
}
