import { expect } from 'chai';
import { NodalError } from '../../../config/errors.js';
import { silentLogger } from '../../../config/logger.js';
import { counterIds, initialState } from '../../../scheduler/core/index.js';
import { CoreDriver, UNANSWERED_OFFER_REFUSE_SECONDS } from '../../../scheduler/runtime/core-driver.js';
import type { OutboundCall } from '../../../scheduler/runtime/outbound-calls.js';
import { jobSpec } from '../../builders/job-spec.js';
import { offer } from '../../builders/offer.js';
import { ControlledStore, FakeMesos, settle, storeDown, type LogEntry } from './fakes.js';

function setup(opts: { storeRetryMs?: number } = {}) {
  const log: LogEntry[] = [];
  const store = new ControlledStore(log);
  const mesos = new FakeMesos(log);
  const driver = new CoreDriver({
    logger: silentLogger,
    store,
    initial: initialState(),
    core: { ids: counterIds(), reconcileHoldMs: 1_000 },
    taskInfo: { executorCommand: { value: '/bin/nodal', arguments: ['nodal', 'executor'] } },
    ...opts,
  });
  return { log, store, mesos, driver, target: { epoch: 1, calls: mesos } };
}

const spec = jobSpec().id('j').workers(1, 1, 1).build();
const bigOffer = (id: string, agent = 'S1') => offer().id(id).agent(agent).cpus(8).mem(16384).build();
const accepts = (calls: readonly OutboundCall[]) => calls.filter((c) => c.kind === 'accept');

describe('scheduler runtime: core driver', () => {
  it('saves the launch intent before the ACCEPT that carries it is sent', async () => {
    const { log, store, mesos, driver, target } = setup();
    await driver.connected(target, 'fw-1');
    await driver.feed({ type: 'submitJob', spec });
    store.hold();
    const step = driver.feed({ type: 'offers', offers: [bigOffer('O1')] });
    await settle();
    expect(accepts(mesos.calls)).to.have.length(0);
    store.release();
    await step;
    await driver.callsSettled();
    const acceptAt = log.findIndex((e) => e.what === 'call' && e.call.kind === 'accept');
    const accept = (log[acceptAt] as Extract<LogEntry, { what: 'call' }>).call as Extract<
      OutboundCall,
      { kind: 'accept' }
    >;
    const lastSaveBefore = log
      .slice(0, acceptAt)
      .filter((e): e is Extract<LogEntry, { what: 'save' }> => e.what === 'save')
      .pop();
    expect(accept.offerIds).to.deep.equal(['O1']);
    const launched = (accept.operations[0]!.launch!.task_infos ?? []).map((t) => t.task_id.value);
    expect(launched).to.have.length(2);
    expect(Object.keys(lastSaveBefore!.state.tasks)).to.include.members(launched);
  });

  it('acknowledges an update only after its effect is saved, with the uuid bytes it came with', async () => {
    const { log, mesos, driver, target } = setup();
    await driver.connected(target, 'fw-1');
    await driver.feed({ type: 'submitJob', spec });
    await driver.feed({ type: 'offers', offers: [bigOffer('O1')] });
    const taskId = Object.keys(driver.state.tasks).find((id) => id.includes('ps-0'))!;
    const uuid = Buffer.from([1, 2, 3, 250]).toString('base64');
    const saves = log.filter((e) => e.what === 'save').length;
    await driver.feed({ type: 'taskStatus', taskId, state: 'TASK_RUNNING', agentId: 'S1', uuid });
    await driver.callsSettled();
    const ackAt = log.findIndex((e) => e.what === 'call' && e.call.kind === 'acknowledge');
    expect(log.slice(0, ackAt).filter((e) => e.what === 'save')).to.have.length(saves + 1);
    const ack = mesos.calls.find((c) => c.kind === 'acknowledge') as Extract<
      OutboundCall,
      { kind: 'acknowledge' }
    >;
    expect([...ack.uuid]).to.deep.equal([1, 2, 3, 250]);
    expect(ack).to.include({ agentId: 'S1', taskId });
  });

  it('discards a step whose save fails: nothing is sent, the caller gets UNAVAILABLE, health shows the store down', async () => {
    const { store, mesos, driver, target } = setup();
    await driver.connected(target, 'fw-1');
    await driver.callsSettled();
    const before = mesos.calls.length;
    store.failWith = storeDown();
    const err = await driver.feed({ type: 'submitJob', spec }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NodalError).with.property('code', 'UNAVAILABLE');
    expect(driver.state.jobs).to.deep.equal({});
    expect(driver.storeReachable).to.equal(false);
    expect(driver.storeError).to.match(/disk on fire/);
    await driver.callsSettled();
    expect(mesos.calls.slice(before)).to.deep.equal([]);

    store.failWith = undefined;
    await driver.feed({ type: 'submitJob', spec });
    expect(driver.storeReachable).to.equal(true);
    expect(Object.keys(driver.state.jobs)).to.deep.equal(['j']);
  });

  it('declines the offers of a step that could not be saved instead of holding them', async () => {
    const { store, mesos, driver, target } = setup();
    await driver.connected(target, 'fw-1');
    await driver.feed({ type: 'submitJob', spec });
    store.failWith = storeDown();
    await driver
      .feed({ type: 'offers', offers: [bigOffer('O1'), bigOffer('O2', 'S2')] })
      .catch(() => undefined);
    await driver.callsSettled();
    expect(accepts(mesos.calls)).to.have.length(0);
    const decline = mesos.calls.find((c) => c.kind === 'decline') as Extract<
      OutboundCall,
      { kind: 'decline' }
    >;
    expect(decline).to.deep.include({
      kind: 'decline',
      offerIds: ['O1', 'O2'],
      filters: { refuse_seconds: UNANSWERED_OFFER_REFUSE_SECONDS },
    });
  });

  it('retries a subscription whose framework id could not be saved, declining offers meanwhile', async () => {
    const { store, mesos, driver, target } = setup({ storeRetryMs: 20 });
    store.failWith = storeDown();
    await driver.connected(target, 'fw-1').catch(() => undefined);
    expect(driver.state.subscribed).to.equal(false);
    await driver.feed({ type: 'offers', offers: [bigOffer('O1')] });
    await driver.callsSettled();
    expect(mesos.calls).to.deep.equal([
      { kind: 'decline', offerIds: ['O1'], filters: { refuse_seconds: UNANSWERED_OFFER_REFUSE_SECONDS } },
    ]);
    store.failWith = undefined;
    await new Promise((r) => setTimeout(r, 60));
    expect(driver.state).to.include({ subscribed: true, frameworkId: 'fw-1' });
    expect(store.saved?.frameworkId).to.equal('fw-1');
  });

  it('ticks by itself at the step’s nextTickAtMs (a restart after backoff revives offers)', async () => {
    const { mesos, driver, target } = setup();
    const quick = jobSpec()
      .id('q')
      .workers(1, 1, 1)
      .restart('worker', { backoff: { initialSeconds: 0.02, maxSeconds: 0.02 } })
      .build();
    await driver.connected(target, 'fw-1');
    await driver.feed({ type: 'submitJob', spec: quick });
    await driver.feed({ type: 'offers', offers: [bigOffer('O1')] });
    for (const t of Object.values(driver.state.tasks))
      await driver.feed({ type: 'taskStatus', taskId: t.taskId, state: 'TASK_RUNNING', agentId: 'S1' });
    const worker = Object.keys(driver.state.tasks).find((id) => id.includes('worker'))!;
    await driver.callsSettled();
    const before = mesos.calls.length;
    await driver.feed({ type: 'taskStatus', taskId: worker, state: 'TASK_FAILED', agentId: 'S1' });
    expect(driver.state.jobs.q!.slots.find((s) => s.role === 'worker')!.backoffUntilMs).to.be.a('number');
    await new Promise((r) => setTimeout(r, 80));
    await driver.callsSettled();
    expect(mesos.kinds().slice(before)).to.include('revive');
  });

  it('drops calls queued for an earlier subscription and refuses inputs once stopped', async () => {
    const { mesos, driver, target } = setup();
    await driver.connected(target, 'fw-1');
    await driver.disconnected();
    await driver.callsSettled();
    const sent = mesos.calls.length;
    await driver.feed({ type: 'killJob', jobId: 'nope' });
    await driver.callsSettled();
    expect(mesos.calls.length).to.equal(sent);
    await driver.stop();
    const err = await driver.feed({ type: 'tick' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NodalError).with.property('code', 'UNAVAILABLE');
  });

  it('records progress extras only for jobs it knows, and counts accepted and declined offers', async () => {
    const { driver, target } = setup();
    await driver.connected(target, 'fw-1');
    await driver.feed({ type: 'submitJob', spec });
    const report = (jobId: string) => ({
      input: { type: 'progress' as const, jobId, step: 3, metrics: { loss: 0.5 } },
      sandbox: '/sandbox/x',
    });
    driver.noteReport(report('ghost'), 'ex-ghost');
    driver.noteReport(report('j'), 'ex-1');
    expect(driver.records.peek('ghost')).to.equal(undefined);
    expect(driver.records.sandboxes.get('ex-1')).to.equal('/sandbox/x');
    expect(driver.records.job('j').series.loss).to.deep.equal([[3, 0.5]]);
    await driver.feed({ type: 'offers', offers: [bigOffer('O1'), bigOffer('O2', 'S2')] });
    await driver.callsSettled();
    expect(driver.records.offersAccepted).to.equal(1);
    expect(driver.records.offersDeclined).to.equal(1);
  });
});
