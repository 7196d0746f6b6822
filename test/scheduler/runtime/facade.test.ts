import { expect } from 'chai';
import { NodalError } from '../../../config/errors.js';
import { silentLogger } from '../../../config/logger.js';
import type { SchedulerEvent } from '../../../scheduler/api/types.js';
import { counterIds, initialState } from '../../../scheduler/core/index.js';
import { CoreDriver } from '../../../scheduler/runtime/core-driver.js';
import { RuntimeFacade } from '../../../scheduler/runtime/facade.js';
import { MemoryStore } from '../../../scheduler/store/memory-store.js';
import { jobSpec } from '../../builders/job-spec.js';
import { offer } from '../../builders/offer.js';
import { FakeMesos } from './fakes.js';

function setup(opts: { leading?: boolean } = {}) {
  const mesos = new FakeMesos();
  const located: Array<[string, string]> = [];
  const driver: CoreDriver = new CoreDriver({
    logger: silentLogger,
    store: new MemoryStore(),
    initial: initialState(),
    core: { ids: counterIds() },
    taskInfo: {},
    onCommitted: (commands, state) => facade.publish(commands, state, driver.records),
  });
  const facade: RuntimeFacade = new RuntimeFacade({
    activeDriver: () => {
      if (opts.leading === false)
        throw new NodalError(
          'UNAVAILABLE',
          'this scheduler is a standby; the leader is at http://other:8080',
          {
            leader: 'http://other:8080',
          },
        );
      return driver;
    },
    health: () => ({ subscribed: true, storeReachable: true, leader: opts.leading !== false }),
    now: () => 1_000_000,
    newJobId: () => 'job-generated',
    locateSandbox: (agentUrl, executorId) => located.push([agentUrl, executorId]),
  });
  return { driver, facade, mesos, located };
}

const errorOf = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e as NodalError;
  }
  throw new Error('expected an error');
};

describe('scheduler runtime: facade', () => {
  it('submits a job (queued through the core even while disconnected) and returns its status', async () => {
    const { facade } = setup();
    const status = await facade.submitJob(jobSpec().id('a').toRaw());
    expect(status).to.deep.include({ id: 'a', state: 'pending' });
    const generated = await facade.submitJob({ ...jobSpec().toRaw(), id: undefined });
    expect(generated.id).to.equal('job-generated');
    expect(facade.listJobs().map((j) => j.id)).to.deep.equal(['a', 'job-generated']);
  });

  it('answers bad specs with VALIDATION, duplicates with CONFLICT, unknown jobs with NOT_FOUND', async () => {
    const { facade } = setup();
    expect(await errorOf(facade.submitJob({ roles: {} }))).to.have.property('code', 'VALIDATION');
    await facade.submitJob(jobSpec().id('a').toRaw());
    expect(await errorOf(facade.submitJob(jobSpec().id('a').toRaw()))).to.have.property('code', 'CONFLICT');
    expect(await errorOf(facade.scaleJob('nope', 2))).to.have.property('code', 'NOT_FOUND');
    expect(await errorOf(facade.killJob('nope'))).to.have.property('code', 'NOT_FOUND');
    expect(await errorOf(() => facade.getJob('nope'))).to.have.property('code', 'NOT_FOUND');
    expect(await errorOf(() => facade.clusterSpec('nope'))).to.have.property('code', 'NOT_FOUND');
  });

  it('clamps a scale request to the job’s bounds and refuses to scale an ended job', async () => {
    const { facade } = setup();
    await facade.submitJob(jobSpec().id('a').workers(1, 4, 2).toRaw());
    expect((await facade.scaleJob('a', 9)).workers.desired).to.equal(4);
    expect((await facade.scaleJob('a', 1)).workers.desired).to.equal(1);
    const killed = await facade.killJob('a');
    expect(killed.state).to.equal('killed');
    expect(await errorOf(facade.scaleJob('a', 2))).to.have.property('code', 'CONFLICT');
  });

  it('points API users of a standby at the leader', async () => {
    const { facade } = setup({ leading: false });
    const e = await errorOf(() => facade.listJobs());
    expect(e).to.have.property('code', 'UNAVAILABLE');
    expect(e.message).to.include('http://other:8080');
    expect(facade.health()).to.deep.include({ leader: false });
  });

  it('finds a task’s sandbox from its agent’s URL, asking the agent when the directory is not known', async () => {
    const { driver, facade, located, mesos } = setup();
    await driver.connected({ epoch: 1, calls: mesos }, 'fw');
    await facade.submitJob(jobSpec().id('a').workers(1, 1, 1).toRaw());
    await driver.feed({ type: 'offers', offers: [offer().id('O1').agent('S1').build()] });
    const taskId = Object.keys(driver.state.tasks)[0]!;
    expect(await errorOf(() => facade.taskSandbox('a', taskId))).to.have.property('code', 'UNAVAILABLE');
    driver.records.agentUrls.set('S1', 'http://agent-1:5051');
    expect(await errorOf(() => facade.taskSandbox('a', taskId))).to.have.property('code', 'UNAVAILABLE');
    expect(located).to.deep.equal([['http://agent-1:5051', `nodal-executor.${taskId}`]]);
    driver.records.sandboxes.set(`nodal-executor.${taskId}`, '/var/lib/mesos/sandbox');
    expect(facade.taskSandbox('a', taskId)).to.deep.equal({
      agentUrl: 'http://agent-1:5051',
      directory: '/var/lib/mesos/sandbox',
    });
    expect(await errorOf(() => facade.taskSandbox('a', 'a.ps-0.nope'))).to.have.property('code', 'NOT_FOUND');
  });

  it('publishes job, task and progress events after each committed step', async () => {
    const { driver, facade, mesos } = setup();
    const events: SchedulerEvent[] = [];
    const stop = facade.subscribe((e) => events.push(e));
    await driver.connected({ epoch: 1, calls: mesos }, 'fw');
    await facade.submitJob(jobSpec().id('a').workers(1, 1, 1).toRaw());
    expect(events.map((e) => e.kind)).to.deep.equal(['job']);
    await driver.feed({ type: 'offers', offers: [offer().id('O1').agent('S1').build()] });
    expect(events.filter((e) => e.kind === 'task')).to.have.length(2);
    const report = { type: 'progress' as const, jobId: 'a', step: 7, metrics: { loss: 0.3 } };
    driver.noteReport({ input: report, role: 'ps', index: 0 }, 'ex');
    await driver.feed(report);
    const progress = events.filter((e) => e.kind === 'progress');
    expect(progress).to.have.length(1);
    expect(progress[0]).to.deep.include({ jobId: 'a' });
    expect((progress[0] as Extract<SchedulerEvent, { kind: 'progress' }>).progress).to.deep.include({
      step: 7,
      loss: 0.3,
    });
    stop();
    await driver.feed({ type: 'killJob', jobId: 'a' });
    expect(events.filter((e) => e.kind === 'job')).to.have.length(2);
  });
});
