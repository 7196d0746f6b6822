// `nodal executor` end to end on the embedded cluster: a raw scheduler launches ps-0, a worker and the
// evaluator as custom executors running the real CLI (`node dist-*/cli/nodal.js executor`), with a tiny
// synthetic job on the cpu backend, and checks what a scheduler sees: the status sequence, health, progress
// messages, a cluster-spec message reaching a worker, a KILL within the grace period, the final model, and
// that every executor process is gone at the end.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalCluster } from '../../../cluster/index.js';
import {
  decodeProgressMessage,
  encodeClusterSpecMessage,
  type ClusterSpecWire,
  type ProgressMessage,
} from '../../../executor/main/messages.js';
import type { ExecutorInfo, Offer, TaskInfo, TaskStatus } from '../../../protos/mesos/v1/types.js';
import { resources } from '../../fixtures/cluster/builders.js';
import { launch, startCluster } from '../../fixtures/cluster/harness.js';
import { RawScheduler } from '../../fixtures/cluster/raw-scheduler.js';

const NODAL_JS = fileURLToPath(new URL('../../../cli/nodal.js', import.meta.url));
const JOB = 'job-e2e';
const SECRET = 'e2e-secret';
const KILL_GRACE_MS = 15_000;
const NS_PER_MS = 1_000_000;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Live processes whose working directory is under `dir` (executors run in their sandboxes). */
function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to look at
    }
  }
  return pids;
}

/** Every sandbox `stderr` under `dir`, last lines only (printed when the test fails). */
function sandboxLogs(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'stderr')
        out.push(`--- ${p}\n${readFileSync(p, 'utf8').split('\n').slice(-25).join('\n')}`);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.join('\n');
}

/** Acknowledges every update as it arrives and decodes every executor message. */
class Observer {
  readonly statuses: TaskStatus[] = [];
  readonly messages: Array<ProgressMessage & { executorId: string }> = [];
  readonly undecodable: string[] = [];
  private seen = 0;
  private readonly timer = setInterval(() => this.poll(), 20);

  constructor(private readonly s: RawScheduler) {}

  private poll(): void {
    for (; this.seen < this.s.events.length; this.seen++) {
      const e = this.s.events[this.seen]!;
      if (e.type === 'UPDATE') {
        const status = e.update!.status;
        this.statuses.push(status);
        if (status.uuid) void this.s.acknowledge(status).catch(() => {});
      } else if (e.type === 'MESSAGE') {
        try {
          this.messages.push({
            ...decodeProgressMessage(e.message!.data),
            executorId: e.message!.executor_id.value,
          });
        } catch (err) {
          this.undecodable.push((err as Error).message);
        }
      }
    }
  }

  states(taskId: string): string[] {
    return this.statuses.filter((s) => s.task_id.value === taskId).map((s) => s.state);
  }

  status(taskId: string, state: string): TaskStatus | undefined {
    return this.statuses.find((s) => s.task_id.value === taskId && s.state === state);
  }

  async until<T>(find: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.poll();
      const found = find();
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}; updates: ${this.statuses.map((s) => `${s.task_id.value}:${s.state}`).join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

describe('nodal executor on the embedded cluster @integration', function () {
  this.timeout(60_000);
  let cluster: LocalCluster | undefined;
  let s: RawScheduler | undefined;
  let observer: Observer | undefined;
  let tmp: string;
  let workDir = '';

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'nodal-executor-e2e-'));
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed' || process.env.NODAL_TEST_VERBOSE) {
      console.log(sandboxLogs(workDir));
      console.log(JSON.stringify(observer?.messages));
    }
  });
  after(async () => {
    observer?.stop();
    s?.close();
    await cluster?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs ps-0, a worker and the evaluator to a finished job; a killed worker and the shut-down PS end TASK_KILLED', async () => {
    const psPort = await freePort();
    cluster = await startCluster({
      agents: [{ cpus: 8, memMb: 8192, diskMb: 4096, ports: [[psPort, psPort]] }],
      // Our executor loads the CLI and tfjs before it subscribes: give it more than the harness' 3 s.
      executorRegistrationTimeoutMs: 30_000,
    });
    workDir = cluster.options.workDir;
    s = await RawScheduler.connect(cluster.masterUrl, { capabilities: [{ type: 'PARTITION_AWARE' }] });
    const obs = (observer = new Observer(s));
    const sched = s;

    const spec: ClusterSpecWire = {
      job_id: JOB,
      ps: [`127.0.0.1:${psPort}`],
      coordinator: `127.0.0.1:${psPort}`,
      evaluator: '',
      version: 1,
    };
    const checkpointDir = join(tmp, 'ckpt');
    const jobEnv: Record<string, string> = {
      NODAL_JOB_ID: JOB,
      NODAL_JOB_SECRET: SECRET,
      NODAL_PS_COUNT: '1',
      NODAL_CLUSTER_SPEC: JSON.stringify(spec),
      NODAL_TRAINING: JSON.stringify({
        training: {
          model: 'small-cnn',
          batchSize: 1,
          optimizer: { type: 'adam', learningRate: 0.001, momentum: 0.9 },
          mode: 'async',
          stalenessBound: 0,
          stalenessScaledLr: false,
          backupWorkers: 0,
          epochs: 1,
          checkpointEverySteps: 0,
          evalEverySteps: 0,
        },
        // The pure-JS cpu backend needs ~3 s per example for the default CNN: keep the set tiny.
        data: { synthetic: { train: 3, valid: 2, test: 2, seed: 3 } },
        checkpoint: { dir: checkpointDir },
        workers: { min: 1, max: 1, desired: 1 },
        evaluators: 1,
      }),
      NODAL_BACKEND: 'cpu',
      NODAL_BIND_HOST: '127.0.0.1',
      NODAL_DATA_CACHE: join(tmp, 'data'),
      NODAL_LOG_FORMAT: 'json',
    };
    const executor = (id: string, env: Record<string, string>): ExecutorInfo => ({
      executor_id: { value: id },
      type: 'CUSTOM',
      name: `nodal ${id}`,
      command: {
        shell: false,
        value: process.execPath,
        arguments: ['node', NODAL_JS, 'executor'],
        environment: {
          variables: Object.entries({ ...jobEnv, ...env }).map(([name, value]) => ({ name, value })),
        },
      },
      resources: resources().cpus(0.1).mem(32).build(),
      shutdown_grace_period: { nanoseconds: (KILL_GRACE_MS + 5_000) * NS_PER_MS },
    });
    const task = (
      offer: Offer,
      role: 'ps' | 'worker' | 'evaluator',
      taskId: string,
      over: Partial<TaskInfo> = {},
    ): TaskInfo => {
      const ports = role === 'ps' ? [psPort] : [];
      return {
        name: taskId,
        task_id: { value: taskId },
        agent_id: offer.agent_id,
        resources:
          role === 'ps'
            ? resources().cpus(0.5).mem(128).ports(psPort, psPort).build()
            : resources().cpus(0.5).mem(512).build(),
        executor: executor(`${taskId}-executor`, {
          NODAL_TASK_ID: taskId,
          NODAL_ROLE: role,
          NODAL_INDEX: '0',
          NODAL_PORT: ports.length ? String(ports[0]) : '',
          NODAL_PORTS: ports.join(','),
        }),
        kill_policy: { grace_period: { nanoseconds: KILL_GRACE_MS * NS_PER_MS } },
        ...over,
      };
    };
    const messagesOf = (taskId: string) => obs.messages.filter((m) => m.taskId === taskId);

    // 1. ps-0 with a TCP health check on its gRPC port.
    const ps = `${JOB}.ps-0`;
    const offer1 = (await sched.offers(10_000))[0]!;
    const healthCheck = {
      type: 'TCP' as const,
      tcp: { port: psPort },
      delay_seconds: 0,
      interval_seconds: 0.2,
      timeout_seconds: 1,
      consecutive_failures: 3,
      grace_period_seconds: 5,
    };
    await launch(sched, offer1, [task(offer1, 'ps', ps, { health_check: healthCheck })], 0);
    const psRunning = await obs.until(() => obs.status(ps, 'TASK_RUNNING'), 20_000, 'ps-0 TASK_RUNNING');
    expect(psRunning.message).to.match(
      new RegExp(`^ps-0 serving on 127\\.0\\.0\\.1:${psPort} .*backend none`),
    );
    await obs.until(
      () => obs.statuses.find((x) => x.task_id.value === ps && x.healthy === true),
      10_000,
      'ps-0 healthy',
    );

    // 2. A worker and the evaluator.
    const workerA = `${JOB}.worker-0.a`;
    const evaluator = `${JOB}.evaluator-0`;
    const offer2 = (await sched.offers(10_000))[0]!;
    await launch(sched, offer2, [task(offer2, 'worker', workerA), task(offer2, 'evaluator', evaluator)], 0);
    const workerRunning = await obs.until(
      () => obs.status(workerA, 'TASK_RUNNING'),
      30_000,
      'worker TASK_RUNNING',
    );
    expect(workerRunning.message).to.match(/^worker-0 training on backend cpu; coordinator 127\.0\.0\.1:\d+/);

    // 3. The scheduler re-sends the spec (version 2): the worker takes it and says so.
    const agentId = offer2.agent_id;
    await sched.send({
      type: 'MESSAGE',
      message: {
        agent_id: agentId,
        executor_id: { value: `${workerA}-executor` },
        data: encodeClusterSpecMessage({ ...spec, version: 2 }),
      },
    });
    await obs.until(
      () => messagesOf(workerA).find((m) => m.metrics.clusterSpecVersion === 2),
      20_000,
      'a worker message with clusterSpecVersion 2',
    );

    // 4. KILL it while it trains its first lease: TASK_KILLED within the grace period. It gives the lease
    // back with what it trained, or the replacement could not finish the epoch before the lease expired.
    const killedAt = Date.now();
    await sched.send({ type: 'KILL', kill: { task_id: { value: workerA }, agent_id: agentId } });
    const killed = await obs.until(
      () => obs.status(workerA, 'TASK_KILLED'),
      KILL_GRACE_MS,
      'worker TASK_KILLED',
    );
    expect(Date.now() - killedAt).to.be.lessThan(KILL_GRACE_MS);
    expect(killed.message).to.match(/^worker-0 killed; stopped cleanly/);
    expect(obs.states(workerA)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);

    // 5. Its replacement finishes the epoch; the evaluator then evaluates, exports and finishes the job.
    const workerB = `${JOB}.worker-0.b`;
    const offer3 = (await sched.offers(10_000))[0]!;
    await launch(sched, offer3, [task(offer3, 'worker', workerB)], 0);
    await obs.until(() => obs.status(workerB, 'TASK_FINISHED'), 30_000, 'replacement worker TASK_FINISHED');
    expect(obs.states(workerB)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const done = await obs.until(
      () => obs.status(evaluator, 'TASK_FINISHED'),
      20_000,
      'evaluator TASK_FINISHED',
    );
    expect(obs.states(evaluator)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    // The final report rides on the terminal update (reliable) and went out as a message too.
    const final = decodeProgressMessage(done.data!);
    expect(final).to.deep.include({ jobId: JOB, taskId: evaluator, role: 'evaluator', finished: true });
    expect(final.modelPath).to.equal(join(checkpointDir, JOB, 'model'));
    expect(final.metrics).to.have.keys(
      'valAccuracy',
      'valLoss',
      'valAuc',
      'testAccuracy',
      'testLoss',
      'testAuc',
      'clusterSpecVersion',
    );
    expect(final.metrics.testAccuracy).to.be.within(0, 1);
    expect(messagesOf(evaluator).some((m) => m.finished && m.modelPath === final.modelPath)).to.equal(true);
    expect(existsSync(join(final.modelPath!, 'model.json'))).to.equal(true);
    // ps-0 reported the job as the coordinator sees it; nobody but the evaluator said finished.
    // Every example trained exactly once over both workers: 3 pushes of batch 1.
    const psDone = await obs.until(
      () => messagesOf(ps).find((m) => m.metrics.fraction === 1),
      5_000,
      'ps-0 reporting the job done',
    );
    expect(psDone.metrics).to.include({ totalExamples: 3, examplesSeen: 3, pushesApplied: 3 });
    expect(psDone).not.to.have.property('finished');
    expect(obs.messages.filter((m) => m.finished).every((m) => m.role === 'evaluator')).to.equal(true);
    expect(obs.undecodable).to.deep.equal([]);

    // 6. The job is done: the scheduler shuts ps-0's executor down; the PS writes its final checkpoint.
    await sched.send({
      type: 'SHUTDOWN',
      shutdown: { executor_id: { value: `${ps}-executor` }, agent_id: agentId },
    });
    const psKilled = await obs.until(() => obs.status(ps, 'TASK_KILLED'), KILL_GRACE_MS, 'ps-0 TASK_KILLED');
    expect(psKilled.message).to.equal('ps-0 killed; stopped cleanly');
    expect(obs.states(ps).filter((x) => x !== 'TASK_RUNNING')).to.deep.equal([
      'TASK_STARTING',
      'TASK_KILLED',
    ]);
    expect(existsSync(join(checkpointDir, JOB, 'ps-0', 'latest'))).to.equal(true);

    // 7. Every executor exits, with status 0, once its terminal update is acknowledged.
    const executors = [ps, workerA, workerB, evaluator].map((t) => `${t}-executor`);
    const exits = await obs.until(
      () => {
        const failures = sched.events.filter((e) => e.type === 'FAILURE' && e.failure!.executor_id);
        return failures.length === executors.length && failures;
      },
      10_000,
      'every executor to end',
    );
    expect(exits.map((e) => [e.failure!.executor_id!.value, e.failure!.status]).sort()).to.deep.equal(
      executors.map((id) => [id, 0]).sort(),
    );
    await obs.until(() => processesUnder(workDir).length === 0, 10_000, 'every executor process to be gone');
  });
});
