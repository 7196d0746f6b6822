import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalCluster } from '../../cluster/index.js';
import type { Offer } from '../../protos/mesos/v1/types.js';
import { resources } from '../fixtures/cluster/builders.js';
import {
  commandTask,
  eventually,
  launch,
  processesWith,
  sleep,
  startCluster,
} from '../fixtures/cluster/harness.js';
import { getJson, RawScheduler } from '../fixtures/cluster/raw-scheduler.js';

interface AgentState {
  frameworks: Array<{
    executors: Array<{ id: string; directory: string }>;
    completed_executors: Array<{ id: string; directory: string }>;
  }>;
}

describe('cluster command tasks @integration', () => {
  let cluster: LocalCluster;
  let s: RawScheduler;
  let offer: Offer;

  let toolDir: string;
  before(() => {
    // What `nodal local` does: a wrapper on the executors' PATH, so a command naming it runs unchanged.
    toolDir = mkdtempSync(path.join(os.tmpdir(), 'nodal-tool-'));
    writeFileSync(path.join(toolDir, 'nodal-test-tool'), '#!/bin/sh\necho "tool ran with $*"\n', {
      mode: 0o755,
    });
  });
  after(() => rmSync(toolDir, { recursive: true, force: true }));

  beforeEach(async () => {
    cluster = await startCluster({ pathPrepend: [toolDir] });
    s = await RawScheduler.connect(cluster.masterUrl, {
      capabilities: [{ type: 'TASK_KILLING_STATE' }, { type: 'PARTITION_AWARE' }],
    });
    [offer] = (await s.offers()) as [Offer];
  });
  afterEach(async () => {
    s.close();
    await cluster.stop();
  });

  it('runs a command task through STARTING, RUNNING and FINISHED, holding each update until acknowledged', async () => {
    const task = commandTask(
      'hello',
      offer,
      'echo "port=$PORT0 sandbox=$MESOS_SANDBOX task=$MESOS_TASK_ID"',
      resources().cpus(0.5).mem(32).ports(31005, 31005).build(),
    );
    await launch(s, offer, [task]);
    const starting = await s.update('hello', 'TASK_STARTING');
    expect(starting.source).to.equal('SOURCE_EXECUTOR');
    expect(starting.uuid).to.have.length(16);
    expect(starting.agent_id!.value).to.equal(cluster.agents[0]!.id);
    expect(starting.executor_id!.value).to.equal('hello');
    // Unacknowledged, the head is re-sent and nothing newer gets through.
    await s.update('hello', 'TASK_STARTING', 2000);
    expect(
      s.events.filter((e) => e.type === 'UPDATE' && e.update!.status.state !== 'TASK_STARTING'),
    ).to.have.length(0);
    await s.acknowledge(starting);
    const running = await s.update('hello', 'TASK_RUNNING');
    expect(running.container_status?.executor_pid).to.be.a('number');
    await s.acknowledge(running);
    const finished = await s.update('hello', 'TASK_FINISHED');
    expect(finished.message).to.equal('Command exited with status 0');
    await s.acknowledge(finished);

    await eventually(
      () => {
        const fw = (
          cluster.state().frameworks as Array<{
            tasks: unknown[];
            completed_tasks: Array<{ id: string; state: string }>;
          }>
        )[0]!;
        return (
          fw.tasks.length === 0 &&
          fw.completed_tasks.some((t) => t.id === 'hello' && t.state === 'TASK_FINISHED')
        );
      },
      2000,
      'task to be completed in /master/state',
    );

    const agent = cluster.agents[0]!;
    const state = await getJson<AgentState>(`${agent.url}/state`);
    const dir = state.frameworks[0]!.completed_executors.find((e) => e.id === 'hello')!.directory;
    expect(dir.startsWith(agent.directory)).to.equal(true);
    const read = await getJson<{ data: string; offset: number }>(
      `${agent.url}/files/read?path=${encodeURIComponent(dir + '/stdout')}&offset=0`,
    );
    expect(read.offset).to.equal(0);
    expect(read.data).to.equal(`port=31005 sandbox=${dir} task=hello\n`);
    const size = await getJson<{ data: string; offset: number }>(
      `${agent.url}/files/read?path=${encodeURIComponent(dir + '/stdout')}&offset=-1`,
    );
    expect(size).to.deep.equal({ data: '', offset: read.data.length });
    const listing = await getJson<Array<{ path: string }>>(
      `${agent.url}/files/browse?path=${encodeURIComponent(dir)}`,
    );
    expect(listing.map((e) => e.path.split('/').pop())).to.include.members(['stdout', 'stderr']);
  });

  it('puts pathPrepend first on the PATH of tasks', async () => {
    await launch(s, offer, [commandTask('tool', offer, 'nodal-test-tool executor --x')]);
    for (const state of ['TASK_STARTING', 'TASK_RUNNING']) await s.acknowledge(await s.update('tool', state));
    await s.update('tool', 'TASK_FINISHED');
    const state = await getJson<AgentState>(`${cluster.agents[0]!.url}/state`);
    const dir = state.frameworks[0]!.completed_executors.find((e) => e.id === 'tool')!.directory;
    expect(readFileSync(path.join(dir, 'stdout'), 'utf8')).to.equal('tool ran with executor --x\n');
  });

  it('reports a failing command as TASK_FAILED with its exit status', async () => {
    await launch(s, offer, [commandTask('fails', offer, 'echo oops >&2; exit 3')]);
    for (const state of ['TASK_STARTING', 'TASK_RUNNING'])
      await s.acknowledge(await s.update('fails', state));
    const failed = await s.update('fails', 'TASK_FAILED');
    expect(failed.message).to.equal('Command exited with status 3');
    expect(failed.source).to.equal('SOURCE_EXECUTOR');
  });

  it('kills with SIGTERM, then SIGKILL after the kill policy grace period (TASK_KILLING first)', async () => {
    await launch(s, offer, [commandTask('stubborn', offer, "trap '' TERM; echo ready; sleep 30")]);
    for (const state of ['TASK_STARTING', 'TASK_RUNNING'])
      await s.acknowledge(await s.update('stubborn', state));
    const state = await getJson<AgentState>(`${cluster.agents[0]!.url}/state`);
    const stdout = path.join(
      state.frameworks[0]!.executors.find((e) => e.id === 'stubborn')!.directory,
      'stdout',
    );
    await eventually(() => readFileSync(stdout, 'utf8').includes('ready'), 2000, 'the TERM trap to be set');
    const killedAt = Date.now();
    await s.send({
      type: 'KILL',
      kill: {
        task_id: { value: 'stubborn' },
        agent_id: offer.agent_id,
        kill_policy: { grace_period: { nanoseconds: 700e6 } },
      },
    });
    await s.acknowledge(await s.update('stubborn', 'TASK_KILLING'));
    const killed = await s.update('stubborn', 'TASK_KILLED');
    expect(Date.now() - killedAt).to.be.at.least(650);
    expect(killed.message).to.equal('Command terminated with signal SIGKILL');
  });

  it('answers a KILL for an unknown task with a reconciliation update', async () => {
    await s.send({ type: 'KILL', kill: { task_id: { value: 'ghost' }, agent_id: offer.agent_id } });
    const u = await s.update('ghost');
    expect([u.state, u.reason, u.uuid]).to.deep.equal(['TASK_GONE', 'REASON_RECONCILIATION', undefined]);
  });

  it('reports a task whose process is killed from outside as TASK_FAILED', async () => {
    await launch(s, offer, [commandTask('victim', offer, 'sleep 30')]);
    for (const state of ['TASK_STARTING', 'TASK_RUNNING'])
      await s.acknowledge(await s.update('victim', state));
    expect(cluster.killTask('victim')).to.equal(true);
    const failed = await s.update('victim', 'TASK_FAILED');
    expect(failed.message).to.equal('Command terminated with signal SIGKILL');
  });

  it('leaves no process behind when the cluster stops', async () => {
    const marker = `nodal-marker-${randomUUID()}`;
    await launch(s, offer, [
      commandTask('sleeper', offer, `sh -c "sleep 29; : ${marker}-child" & sleep 31; : ${marker}`),
    ]);
    await s.acknowledge(await s.update('sleeper', 'TASK_STARTING'));
    await s.update('sleeper', 'TASK_RUNNING');
    await eventually(() => processesWith(marker).length === 2, 2000, 'the task and its child');
    await cluster.stop();
    await sleep(50);
    expect(processesWith(marker)).to.deep.equal([]);
  });
});
