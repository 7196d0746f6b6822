// One connection state machine per client (mesos-go httpsched/state.go, grpc-js transitionToState): every
// change goes through `transition`, which checks the table below and logs it, so a trace of the log is a
// trace of the connection.
import { NodalError } from '../../config/errors.js';
import type { Logger } from '../../config/logger.js';

/** disconnected → connecting → subscribed, back to disconnected on any loss; closed is final. */
export type ConnectionState = 'disconnected' | 'connecting' | 'subscribed' | 'closed';

const LEGAL: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  disconnected: ['connecting', 'closed'],
  connecting: ['subscribed', 'disconnected', 'closed'],
  subscribed: ['disconnected', 'closed'],
  closed: [],
};

/** Whether the table allows `from → to`. */
export const isLegalTransition = (from: ConnectionState, to: ConnectionState): boolean =>
  LEGAL[from].includes(to);

/** Holds the current state; `transition` throws NodalError('INTERNAL') on a move the table forbids. */
export class ConnectionStateMachine {
  private current: ConnectionState = 'disconnected';

  constructor(
    private readonly logger: Logger,
    private readonly onChange: (from: ConnectionState, to: ConnectionState) => void = () => {},
  ) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** Moves to `to`, logging `transition` with from/to/reason. */
  transition(to: ConnectionState, reason?: string): void {
    const from = this.current;
    if (!isLegalTransition(from, to)) {
      throw new NodalError('INTERNAL', `illegal connection transition ${from} -> ${to}`, { from, to });
    }
    this.current = to;
    this.logger.info('transition', { from, to, ...(reason === undefined ? {} : { reason }) });
    this.onChange(from, to);
  }
}
