import { expect } from 'chai';
import { silentLogger } from '../../../config/logger.js';
import type { MesosCalls, OutboundCall } from '../../../scheduler/runtime/outbound-calls.js';
import { MAX_CONCURRENT_ANSWERS, OutboundQueue } from '../../../scheduler/runtime/outbound-queue.js';
import { settle } from './fakes.js';

/** A client whose every call stays pending until the test answers it. */
class SlowMesos implements MesosCalls {
  readonly started: string[] = [];
  private readonly answers = new Map<string, () => void>();
  private call(name: string): Promise<void> {
    this.started.push(name);
    return new Promise((resolve) => this.answers.set(name, resolve));
  }
  answer(name: string): void {
    this.answers.get(name)!();
  }
  accept(offerIds: readonly string[]) {
    return this.call(`accept ${offerIds.join(',')}`);
  }
  decline(offerIds: readonly string[]) {
    return this.call(`decline ${offerIds.join(',')}`);
  }
  revive() {
    return this.call('revive');
  }
  suppress() {
    return this.call('suppress');
  }
  kill(taskId: string) {
    return this.call(`kill ${taskId}`);
  }
  shutdown(executorId: string) {
    return this.call(`shutdown ${executorId}`);
  }
  acknowledge(_a: string, taskId: string) {
    return this.call(`ack ${taskId}`);
  }
  reconcile() {
    return this.call('reconcile');
  }
  message(_a: string, executorId: string) {
    return this.call(`message ${executorId}`);
  }
}

const accept = (id: string): OutboundCall => ({
  kind: 'accept',
  offerIds: [id],
  operations: [],
  taskIds: [],
});
const decline = (id: string): OutboundCall => ({ kind: 'decline', offerIds: [id], filters: {} });
const kill = (taskId: string): OutboundCall => ({ kind: 'kill', taskId, killPolicy: {} });

describe('scheduler runtime: outbound call queue', () => {
  it('sends each call only after the one before it was answered', async () => {
    const mesos = new SlowMesos();
    const q = new OutboundQueue(silentLogger);
    q.setTarget({ epoch: 1, calls: mesos });
    q.push([{ kind: 'revive' }, kill('t1'), { kind: 'suppress' }]);
    await settle();
    expect(mesos.started).to.deep.equal(['revive']);
    mesos.answer('revive');
    await settle();
    expect(mesos.started).to.deep.equal(['revive', 'kill t1']);
    mesos.answer('kill t1');
    await settle();
    mesos.answer('suppress');
    await q.idle();
    expect(mesos.started).to.deep.equal(['revive', 'kill t1', 'suppress']);
  });

  it('sends offer answers at once, together, and holds what follows them until they are answered', async () => {
    const mesos = new SlowMesos();
    const sent: string[] = [];
    const q = new OutboundQueue(silentLogger, (c) => sent.push(c.kind));
    q.setTarget({ epoch: 1, calls: mesos });
    q.push([{ kind: 'revive' }]);
    await settle();
    // The offers the REVIVE brought are answered while its own answer is still on its way.
    q.push([accept('O1'), decline('O2'), { kind: 'suppress' }]);
    await settle();
    expect(mesos.started).to.deep.equal(['revive', 'accept O1', 'decline O2']);
    mesos.answer('revive');
    await settle();
    expect(mesos.started, 'SUPPRESS waits for the answers queued before it').to.not.include('suppress');
    mesos.answer('accept O1');
    mesos.answer('decline O2');
    await settle();
    expect(mesos.started.at(-1)).to.equal('suppress');
    mesos.answer('suppress');
    await q.idle();
    expect(sent).to.deep.equal(['revive', 'accept', 'decline', 'suppress']);
  });

  it('keeps at most MAX_CONCURRENT_ANSWERS offer answers in flight', async () => {
    const mesos = new SlowMesos();
    const q = new OutboundQueue(silentLogger);
    q.setTarget({ epoch: 1, calls: mesos });
    const n = MAX_CONCURRENT_ANSWERS + 4;
    q.push(Array.from({ length: n }, (_, i) => accept(`O${i}`)));
    await settle();
    expect(mesos.started).to.have.length(MAX_CONCURRENT_ANSWERS);
    for (let i = 0; i < n; i++) {
      mesos.answer(`accept O${i}`);
      await settle();
    }
    await q.idle();
    expect(mesos.started).to.have.length(n);
  });

  it('drops calls queued for an earlier subscription, and everything while disconnected', async () => {
    const mesos = new SlowMesos();
    const q = new OutboundQueue(silentLogger);
    q.setTarget({ epoch: 1, calls: mesos });
    q.push([kill('t1'), kill('t2')]);
    await settle();
    q.setTarget({ epoch: 2, calls: mesos });
    mesos.answer('kill t1');
    await settle();
    q.setTarget(undefined);
    q.push([kill('t3'), decline('O1')]);
    await q.idle();
    expect(mesos.started).to.deep.equal(['kill t1']);
  });
});
