// The state of a role (worker, evaluator, PS) changed in one place: `transitionTo(from[], to)` only moves
// from an allowed state, logs every change, and tells listeners (the executor reports states upward).
import type { Logger } from '../../config/logger.js';

export class RoleState<S extends string> {
  private current: S;
  private readonly listeners: Array<(to: S, from: S) => void> = [];

  constructor(
    initial: S,
    private readonly log: Logger,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  /** Moves to `to` when the current state is one of `from`; returns whether it moved. */
  transitionTo(from: readonly S[], to: S, meta: Record<string, unknown> = {}): boolean {
    const prev = this.current;
    if (!from.includes(prev)) return false;
    if (prev === to) return true;
    this.current = to;
    this.log.info('state changed', { from: prev, to, ...meta });
    for (const fn of this.listeners) fn(to, prev);
    return true;
  }

  onChange(fn: (to: S, from: S) => void): void {
    this.listeners.push(fn);
  }
}
