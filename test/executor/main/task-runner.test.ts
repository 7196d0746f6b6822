// The task runner in one process with the real PS role (no tfjs needed to serve): what it reports for a bad
// configuration, a PS that serves, takes a newer cluster spec and is killed, and ps-0 of a job without an
// evaluator exporting the final model once the coordinator is done.
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../../executor/backend/index.js';
import { CoordinatorClient } from '../../../executor/coordinator/client.js';
import { decodeProgressMessage, type ProgressMessage } from '../../../executor/main/messages.js';
import type { ExecutorSettings } from '../../../executor/main/roles/index.js';
import type { StatusChange } from '../../../executor/main/task-life.js';
import { TaskRunner } from '../../../executor/main/task-runner.js';
import { jobSeed } from '../../../executor/main/training-plan.js';
import { buildModel, getFlatWeights, loadModel, variableSpecs } from '../../../executor/model/index.js';
import { PsGroup } from '../../../executor/training/ps-group.js';
import type { TaskInfo } from '../../../protos/mesos/v1/types.js';
import type { Logger } from '../../../config/logger.js';
import { captureLogger } from '../../scheduler/ha/capture-logger.js';

const SECRET = 'runner-secret';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function env(jobId: string, taskId: string, port: number, training: Record<string, unknown> = {}) {
  const address = `127.0.0.1:${port}`;
  return {
    NODAL_JOB_ID: jobId,
    NODAL_TASK_ID: taskId,
    NODAL_ROLE: 'ps',
    NODAL_INDEX: '0',
    NODAL_PORT: String(port),
    NODAL_PORTS: String(port),
    NODAL_PS_COUNT: '1',
    NODAL_JOB_SECRET: SECRET,
    NODAL_CLUSTER_SPEC: JSON.stringify({
      job_id: jobId,
      ps: [address],
      coordinator: address,
      evaluator: '',
      version: 1,
    }),
    NODAL_TRAINING: JSON.stringify({
      training: {
        model: 'small-cnn',
        batchSize: 1,
        optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9 },
        mode: 'async',
        stalenessBound: 0,
        stalenessScaledLr: false,
        backupWorkers: 0,
        epochs: 1,
        checkpointEverySteps: 0,
        evalEverySteps: 0,
      },
      data: { synthetic: { train: 2, valid: 0, test: 0, seed: 1 } },
      checkpoint: { dir: 'ckpt' },
      workers: { min: 1, max: 1, desired: 1 },
      ...training,
    }),
  };
}

/** A runner whose updates and messages are recorded. */
function harness(
  task: TaskInfo,
  taskEnv: Record<string, string>,
  settings: ExecutorSettings,
  logger?: Logger,
) {
  const updates: StatusChange[] = [];
  const messages: ProgressMessage[] = [];
  const runner = new TaskRunner({
    task,
    taskEnv,
    settings,
    sendStatus: async (_id, change) => {
      updates.push(change);
    },
    sendMessage: (data) => messages.push(decodeProgressMessage(data)),
    progressMinIntervalMs: 50,
    ...(logger ? { logger } : {}),
  });
  const until = async <T>(find: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(updates)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { runner, updates, messages, until };
}

const taskInfo = (taskId: string, graceMs = 5_000): TaskInfo => ({
  name: taskId,
  task_id: { value: taskId },
  agent_id: { value: 'agent-1' },
  kill_policy: { grace_period: { nanoseconds: graceMs * 1e6 } },
});

describe('executor/main/task-runner', function () {
  this.timeout(30_000);
  let tmp: string;
  let settings: ExecutorSettings;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'nodal-runner-test-'));
    settings = {
      backend: 'cpu',
      bindHost: '127.0.0.1',
      dataCacheDir: join(tmp, 'data'),
      checkpointRoot: tmp,
    };
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('reports TASK_STARTING then TASK_FAILED naming the configuration problems', async () => {
    const h = harness(taskInfo('t-bad'), { NODAL_TASK_ID: 't-bad', NODAL_ROLE: 'chief' }, settings);
    h.runner.start();
    expect(await h.runner.done).to.equal('failed');
    expect(h.updates.map((u) => u.state)).to.deep.equal(['TASK_STARTING', 'TASK_FAILED']);
    expect(h.updates[1]!.message).to.match(
      /^CONFIG_INVALID: invalid task configuration: NODAL_JOB_ID is missing; .*NODAL_ROLE must be one of/,
    );
  });

  it('runs a PS: TASK_RUNNING, takes a newer cluster spec, and on KILL reports TASK_KILLED', async () => {
    const port = await freePort();
    const h = harness(taskInfo('job-r.ps-0'), env('job-r', 'job-r.ps-0', port), settings);
    h.runner.start();
    const running = await h.until(() => h.updates.find((u) => u.state === 'TASK_RUNNING'), 'TASK_RUNNING');
    expect(running.message).to.equal(
      `ps-0 serving on 127.0.0.1:${port} (advertised 127.0.0.1:${port}) with the coordinator; backend none (the PS needs no tfjs)`,
    );
    const address = `127.0.0.1:${port}`;
    const wire = { job_id: 'job-r', ps: [address], coordinator: address, evaluator: '', version: 2 };
    h.runner.updateCluster({ ...wire, job_id: 'other-job', version: 9 }); // another job's: ignored
    h.runner.updateCluster(wire);
    h.runner.updateCluster({ ...wire, version: 1 }); // stale: ignored
    const applied = await h.until(
      () => h.messages.find((m) => m.metrics.clusterSpecVersion === 2),
      'spec version 2',
    );
    expect(applied).to.deep.include({ jobId: 'job-r', taskId: 'job-r.ps-0', role: 'ps', index: 0 });
    expect(h.messages.some((m) => m.metrics.clusterSpecVersion === 9)).to.equal(false);

    const started = Date.now();
    h.runner.kill();
    expect(await h.runner.done).to.equal('killed');
    expect(Date.now() - started).to.be.lessThan(5_000);
    expect(h.updates.map((u) => u.state)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
    expect(h.updates[2]!.message).to.equal('ps-0 killed; stopped cleanly');
  });

  it('a task killed while its role starts never reports TASK_RUNNING and stops the role it started', async () => {
    const port = await freePort();
    const h = harness(taskInfo('job-k.ps-0'), env('job-k', 'job-k.ps-0', port), settings);
    h.runner.start();
    h.runner.kill(2_000);
    expect(await h.runner.done).to.equal('killed');
    expect(h.updates.map((u) => u.state)).to.deep.equal(['TASK_STARTING', 'TASK_KILLED']);
    // Whether or not the PS got to listen, nothing holds its port now.
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    expect(free).to.equal(true);
  });

  it('ps-0 of a job without an evaluator exports the final model, reports finished, and checkpoints when killed', async () => {
    const port = await freePort();
    const jobId = 'job-x';
    const h = harness(
      taskInfo(`${jobId}.ps-0`),
      env(jobId, `${jobId}.ps-0`, port, { evaluators: 0 }),
      settings,
    );
    h.runner.start();
    await h.until(() => h.updates.find((u) => u.state === 'TASK_RUNNING'), 'TASK_RUNNING');
    // Play a worker that seeds the shard and goes through the epoch without pushing anything.
    await selectBackend('cpu');
    const model = buildModel('small-cnn', { seed: jobSeed(jobId) });
    const initial = getFlatWeights(model);
    const address = `127.0.0.1:${port}`;
    const group = new PsGroup([address], variableSpecs(model), { secret: SECRET });
    const coordinator = new CoordinatorClient(address, { secret: SECRET });
    try {
      await group.initialize(initial);
      const answer = await coordinator.lease('w1');
      expect(answer.kind).to.equal('granted');
      if (answer.kind === 'granted') await coordinator.complete('w1', answer.lease.leaseId);
      const finished = await h.until(() => h.messages.find((m) => m.finished), 'a finished report');
      expect(finished).to.deep.include({ role: 'ps', modelPath: join(tmp, 'ckpt', jobId, 'model') });
      expect(finished.message).to.match(/^training completed at step 0; model exported to /);
      const exported = getFlatWeights(await loadModel(finished.modelPath!));
      for (const [name, values] of initial) expect(exported.get(name), name).to.deep.equal(values);
      // The PS keeps serving (the job's other tasks may still pull) until it is killed.
      expect(h.runner.phase).to.equal('running');
    } finally {
      group.close();
      coordinator.close();
      model.dispose();
      h.runner.kill();
      await h.runner.done;
    }
    expect(existsSync(join(tmp, 'ckpt', jobId, 'ps-0', 'latest'))).to.equal(true);
  });

  it("ps-0 gives the leases of workers the scheduler says ended back at once; another job's message is ignored", async () => {
    const port = await freePort();
    const jobId = 'job-e';
    const log = captureLogger();
    const h = harness(taskInfo(`${jobId}.ps-0`), env(jobId, `${jobId}.ps-0`, port), settings, log);
    h.runner.start();
    await h.until(() => h.updates.find((u) => u.state === 'TASK_RUNNING'), 'TASK_RUNNING');
    const coordinator = new CoordinatorClient(`127.0.0.1:${port}`, { secret: SECRET });
    const dead = `${jobId}.worker-0.t3`;
    try {
      const first = await coordinator.lease(dead);
      expect(first.kind).to.equal('granted');
      // The whole (2-example) epoch is leased: the next worker would wait out the lease timeout (5 min).
      expect((await coordinator.lease(`${jobId}.worker-1.t4`)).kind).to.equal('wait');
      h.runner.workersEnded({ type: 'workersEnded', jobId: 'other-job', taskIds: [dead] });
      expect((await coordinator.progress()).outstandingLeases).to.equal(1);
      h.runner.workersEnded({ type: 'workersEnded', jobId, taskIds: [dead, `${jobId}.worker-9.t9`] });
      expect((await coordinator.progress()).outstandingLeases).to.equal(0);
      const next = await coordinator.lease(`${jobId}.worker-1.t4`);
      expect(next.kind === 'granted' && [next.lease.start, next.lease.end]).to.deep.equal([0, 2]);
      const released = log.lines.find((l) => l.message === 'leases of ended workers released');
      expect(released?.level).to.equal('info');
      expect(released?.meta).to.deep.include({ workerIds: [dead] });
      const ignored = log.lines.filter((l) => l.level === 'debug' && /ignored|hold no lease/.test(l.message));
      expect(ignored.map((l) => l.message)).to.deep.equal([
        'ended workers ignored: not a running ps-0 of their job',
        'ended workers hold no lease; nothing to release',
      ]);
    } finally {
      coordinator.close();
      h.runner.kill();
      await h.runner.done;
    }
  });

  it('a PS shard other than ps-0 ignores ended workers (it holds no leases)', async () => {
    const [p0, p1] = [await freePort(), await freePort()];
    const jobId = 'job-s';
    const ps = [`127.0.0.1:${p0}`, `127.0.0.1:${p1}`];
    const log = captureLogger();
    const taskEnv = {
      ...env(jobId, `${jobId}.ps-1`, p1),
      NODAL_INDEX: '1',
      NODAL_PS_COUNT: '2',
      NODAL_CLUSTER_SPEC: JSON.stringify({
        job_id: jobId,
        ps,
        coordinator: ps[0],
        evaluator: '',
        version: 1,
      }),
    };
    const h = harness(taskInfo(`${jobId}.ps-1`), taskEnv, settings, log);
    h.runner.start();
    await h.until(() => h.updates.find((u) => u.state === 'TASK_RUNNING'), 'TASK_RUNNING');
    try {
      h.runner.workersEnded({ type: 'workersEnded', jobId, taskIds: [`${jobId}.worker-0.t3`] });
      const line = log.lines.find((l) => l.message === 'ended workers ignored: only ps-0 holds the leases');
      expect(line?.level).to.equal('debug');
      expect(h.runner.phase).to.equal('running');
    } finally {
      h.runner.kill();
      await h.runner.done;
    }
  });
});
