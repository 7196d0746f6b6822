// Watch-driven ZooKeeper code re-reads state whenever a watch or connection event fires; events come in
// bursts and must never run the read concurrently (two passes could act on different snapshots).

/** Runs `pass` one at a time; kicks during a pass collapse into one more pass after it. */
export class CoalescingRunner {
  private running = false;
  private again = false;
  private idle: Promise<void> = Promise.resolve();

  /** `pass` must handle its own errors; a rejection is passed to `onError`. */
  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Asks for a pass soon; returns at once. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.idle = this.loop();
  }

  /** Resolves when no pass is running or queued. */
  settled(): Promise<void> {
    return this.idle;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (e) {
          this.onError(e);
        }
      } while (this.again);
    } finally {
      this.running = false;
    }
  }
}
