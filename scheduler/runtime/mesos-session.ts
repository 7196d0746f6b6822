// One SchedulerClient's life, wired to the driver: connection events become `subscribed`/`disconnected`,
// decoded Mesos events become core inputs (in arrival order), and the subscription is handed to the
// driver as the target of its calls. Closing it never sends TEARDOWN: the framework's tasks outlive a
// scheduler restart within failover_timeout.
import { NodalError } from '../../config/errors.js';
import type { Logger } from '../../config/logger.js';
import { SchedulerClient } from '../mesos/client.js';
import type { SchedulerClientInput } from '../mesos/options.js';
import type { SchedulerClientEvent } from '../mesos/events.js';
import type { CoreDriver } from './core-driver.js';
import { translateEvent } from './event-inputs.js';

export interface MesosSessionOptions {
  readonly client: SchedulerClientInput;
  readonly driver: CoreDriver;
  readonly logger: Logger;
  /** The client stopped for good on its own (e.g. another scheduler took the framework over). */
  readonly onFatal: (error: NodalError) => void;
}

/** `created` → `running` → `closed`. */
export type SessionState = 'created' | 'running' | 'closed';

let epochs = 0;

export class MesosSession {
  private readonly client: SchedulerClient;
  private readonly log: Logger;
  private lifecycle: SessionState = 'created';
  private loop: Promise<void> | undefined;
  private masterUrl: string | undefined;
  private subscribed = false;

  /** Throws NodalError CONFIG_INVALID for bad client options (nothing is sent before `start`). */
  constructor(private readonly opts: MesosSessionOptions) {
    this.client = SchedulerClient.create(opts.client);
    this.log = opts.logger.child({ component: 'mesos-session' });
  }

  get state(): SessionState {
    return this.lifecycle;
  }

  /** The master of the live subscription, if any. */
  get master(): string | undefined {
    return this.subscribed ? this.masterUrl : undefined;
  }

  /** TEARDOWN: the master kills every task of the framework and forgets it; then the client closes. */
  async teardown(): Promise<void> {
    if (this.lifecycle !== 'running')
      throw new NodalError('NOT_SUBSCRIBED', 'the Mesos session is not running');
    this.lifecycle = 'closed';
    await this.client.teardown();
    await this.loop;
  }

  /** Subscribes and keeps the subscription up until `close()`. */
  start(): void {
    if (this.lifecycle !== 'created') throw new NodalError('CONFLICT', 'mesos session already started');
    this.lifecycle = 'running';
    const run = this.client.run().catch((e: unknown) => {
      this.log.error('scheduler client failed', { error: e });
    });
    this.loop = Promise.all([run, this.consume()]).then(() => undefined);
  }

  /** Drops the subscription (no TEARDOWN) and tells the driver; resolves once the client has stopped. */
  async close(): Promise<void> {
    if (this.lifecycle === 'closed') return;
    const started = this.lifecycle === 'running';
    this.lifecycle = 'closed';
    await this.client.close();
    if (started) await this.loop;
  }

  private async consume(): Promise<void> {
    for await (const ev of this.client.events) this.onClientEvent(ev);
  }

  private onClientEvent(ev: SchedulerClientEvent): void {
    const driver = this.opts.driver;
    switch (ev.kind) {
      case 'connected':
        this.subscribed = true;
        this.masterUrl = ev.master;
        this.log.info('subscribed', { frameworkId: ev.frameworkId, master: ev.master });
        void driver.connected({ epoch: ++epochs, calls: this.client }, ev.frameworkId);
        return;
      case 'disconnected':
        this.subscribed = false;
        this.log.warn('disconnected from the master', { reason: ev.reason, detail: ev.detail });
        void driver.disconnected();
        return;
      case 'error':
        this.log[ev.fatal ? 'error' : 'warn']('mesos client error', {
          code: ev.code,
          message: ev.message,
          status: ev.status,
        });
        if (ev.fatal && this.lifecycle === 'running')
          this.opts.onFatal(
            new NodalError(
              ev.code === 'framework-failed-over' ? 'CONFLICT' : 'UNAVAILABLE',
              `the Mesos subscription ended: ${ev.message}`,
              { code: ev.code },
            ),
          );
        return;
      case 'event': {
        const { inputs, notes } = translateEvent(ev.event);
        for (const note of notes) {
          if (note.kind === 'agentUrl') driver.records.agentUrls.set(note.agentId, note.url);
          else if (note.kind === 'report') driver.noteReport(note.report, note.executorId);
          else
            this.log.warn('unreadable executor message ignored', {
              agentId: note.agentId,
              executorId: note.executorId,
              reason: note.reason,
            });
        }
        for (const input of inputs)
          driver.feed(input).catch((e: unknown) => {
            if (driver.lifecycleState === 'running')
              this.log.warn('mesos event not applied', { input: input.type, error: e });
          });
        return;
      }
      case 'closed':
        if (this.subscribed) {
          this.subscribed = false;
          void driver.disconnected();
        }
        if (this.lifecycle === 'running') {
          this.lifecycle = 'closed';
          this.opts.onFatal(new NodalError('UNAVAILABLE', `the Mesos client closed: ${ev.reason}`));
        }
        return;
    }
  }
}
