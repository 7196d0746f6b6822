// A buffered single-consumer channel: the connection loop pushes events as they arrive and the caller
// consumes them with `for await`, at its own pace, without losing any.

/** Push-side of an async iterable; iteration ends after `close()` once the buffer is drained. */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | undefined;
  private closed = false;
  private iterating = false;

  /** Queues `item`; ignored after close. */
  push(item: T): void {
    if (this.closed) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter({ value: item, done: false });
    } else {
      this.buffer.push(item);
    }
  }

  /** Ends the iteration once buffered items are consumed. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.({ value: undefined, done: true });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** One consumer only: a second iteration throws. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterating) throw new Error('EventChannel supports a single consumer');
    this.iterating = true;
    return {
      next: () => {
        if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: () => {
        // The consumer stopped listening: drop what is queued and stop buffering.
        this.buffer.length = 0;
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
