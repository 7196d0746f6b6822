import { expect } from 'chai';
import type { TaskLaunch } from '../../../scheduler/core/index.js';
import { buildLaunchOperation, buildTaskInfo, toResource } from '../../../scheduler/launch/task-info.js';
import type { TaskInfo } from '../../../protos/mesos/v1/types.js';
import { checkRequired, decodeMessage, encodeMessage } from '../../../protos/wire/codec.js';
import { Harness, launchesIn } from '../../builders/harness.js';
import { jobSpec } from '../../builders/job-spec.js';
import { offer } from '../../builders/offer.js';

/** TaskLaunches as the core makes them: a CPU PS and a GPU worker. */
function launches(): { ps: TaskLaunch; worker: TaskLaunch } {
  const h = new Harness();
  h.subscribe();
  h.submit(
    jobSpec().id('job-42').workers(1, 1, 1).role('worker', { gpus: 1, image: 'reg/trainer-gpu:1' }).build(),
  );
  const [ps] = launchesIn(h.offer(offer().agent('S0').role('training').cpus(8).ports(31000, 31010).build()));
  const [worker] = launchesIn(
    h.offer(offer().agent('S1').role('training').gpus(4).cpus(8).ports(31500, 31510).build()),
  );
  return { ps: ps!, worker: worker! };
}

const env = (info: TaskInfo) =>
  Object.fromEntries((info.executor!.command!.environment!.variables ?? []).map((v) => [v.name, v.value]));

describe('scheduler/launch/task-info', () => {
  it('runs a custom `nodal executor` with shell: false and argv[0] first', () => {
    const info = buildTaskInfo(launches().ps);
    expect(info.command).to.equal(undefined);
    expect(info.executor).to.deep.include({
      type: 'CUSTOM',
      executor_id: { value: 'nodal-executor.job-42.ps-0.t1' },
    });
    expect(info.executor!.command).to.deep.include({
      shell: false,
      value: 'nodal',
      arguments: ['nodal', 'executor'],
    });
    expect(info).to.deep.include({
      name: 'job-42/ps-0',
      task_id: { value: 'job-42.ps-0.t1' },
      agent_id: { value: 'S0' },
    });
  });

  it('puts GPU tasks in the Mesos containerizer with a Docker image and NVIDIA_VISIBLE_DEVICES', () => {
    const info = buildTaskInfo(launches().worker, {
      defaultImage: 'reg/trainer:1',
      cpuContainerizer: 'docker',
    });
    expect(info.executor!.container).to.deep.equal({
      type: 'MESOS',
      mesos: { image: { type: 'DOCKER', docker: { name: 'reg/trainer-gpu:1' } } },
    });
    expect(env(info).NVIDIA_VISIBLE_DEVICES).to.equal('all');
    expect(info.resources!.find((r) => r.name === 'gpus')).to.deep.equal({
      name: 'gpus',
      type: 'SCALAR',
      scalar: { value: 1 },
      allocation_info: { role: 'training' },
    });
  });

  it('allows the Docker containerizer for CPU tasks when configured (argv[0] not repeated)', () => {
    const info = buildTaskInfo(launches().ps, { defaultImage: 'reg/trainer:1', cpuContainerizer: 'docker' });
    expect(info.executor!.container).to.deep.equal({
      type: 'DOCKER',
      docker: { image: 'reg/trainer:1', network: 'HOST', force_pull_image: false },
    });
    expect(info.executor!.command).to.deep.include({ shell: false, value: 'nodal', arguments: ['executor'] });
    expect(env(info).NVIDIA_VISIBLE_DEVICES).to.equal(undefined);
  });

  it('uses the Mesos containerizer for CPU tasks by default, and no container without an image', () => {
    expect(
      buildTaskInfo(launches().ps, { defaultImage: 'reg/trainer:1' }).executor!.container!.type,
    ).to.equal('MESOS');
    expect(buildTaskInfo(launches().ps).executor!.container).to.equal(undefined);
  });

  it('carries role, index, job id, cluster spec, secret and port in the environment', () => {
    const info = buildTaskInfo(launches().ps, {
      extraEnv: { NODAL_SCHEDULER_URL: 'http://s:8080', NODAL_ROLE: 'overridden?' },
    });
    const e = env(info);
    expect(e).to.include({
      NODAL_JOB_ID: 'job-42',
      NODAL_ROLE: 'ps',
      NODAL_INDEX: '0',
      NODAL_PORT: '31000',
      NODAL_JOB_SECRET: 'secret-1',
      NODAL_SCHEDULER_URL: 'http://s:8080',
    });
    expect(JSON.parse(e.NODAL_CLUSTER_SPEC!)).to.include({ job_id: 'job-42', coordinator: `host-S0:31000` });
    const names = info.executor!.command!.environment!.variables!.map((v) => v.name);
    expect(names).to.deep.equal([...names].sort());
  });

  it('takes ports from the offer, and sets kill policy, health check, labels and discovery', () => {
    const info = buildTaskInfo(launches().ps);
    expect(info.resources!.find((r) => r.name === 'ports')).to.deep.equal({
      name: 'ports',
      type: 'RANGES',
      ranges: { range: [{ begin: 31000, end: 31000 }] },
      allocation_info: { role: 'training' },
    });
    expect(info.kill_policy).to.deep.equal({ grace_period: { nanoseconds: 60_000_000_000 } });
    expect(info.executor!.shutdown_grace_period).to.deep.equal({ nanoseconds: 65_000_000_000 });
    expect(info.health_check).to.deep.include({ type: 'TCP', tcp: { port: 31000 } });
    expect(info.labels!.labels).to.deep.include({ key: 'nodal.role', value: 'ps' });
    expect(info.discovery!.ports!.ports).to.deep.equal([{ number: 31000, name: 'nodal', protocol: 'tcp' }]);
    expect(info.executor!.resources!.map((r) => [r.name, r.scalar?.value])).to.deep.equal([
      ['cpus', 0.1],
      ['mem', 64],
    ]);
  });

  it('writes reserved resources in the pre-refinement form (role + reservation)', () => {
    const dyn = toResource(
      {
        name: 'cpus',
        value: 2,
        reservation: { role: 'training', type: 'DYNAMIC', principal: 'ops', labels: { a: 'b' } },
      },
      'training',
    );
    expect(dyn).to.deep.equal({
      name: 'cpus',
      type: 'SCALAR',
      scalar: { value: 2 },
      allocation_info: { role: 'training' },
      role: 'training',
      reservation: { principal: 'ops', labels: { labels: [{ key: 'a', value: 'b' }] } },
    });
    const stat = toResource(
      { name: 'mem', value: 1, reservation: { role: 'training', type: 'STATIC' } },
      'training',
    );
    expect(stat).to.not.have.property('reservation');
    expect(stat.role).to.equal('training');
  });

  it('wraps the tasks of one ACCEPT in one LAUNCH operation', () => {
    const { ps, worker } = launches();
    const op = buildLaunchOperation([ps, worker]);
    expect(op.type).to.equal('LAUNCH');
    expect(op.launch!.task_infos!.map((t) => t.task_id.value)).to.deep.equal([ps.taskId, worker.taskId]);
  });

  for (const format of ['json', 'protobuf'] as const)
    it(`encodes as a valid mesos.v1.TaskInfo (${format}) with every required field`, () => {
      const { ps, worker } = launches();
      for (const l of [ps, worker]) {
        const info = buildTaskInfo(l, { defaultImage: 'reg/trainer:1', frameworkId: 'fw-1' });
        checkRequired('mesos.v1.TaskInfo', info);
        const back = decodeMessage<TaskInfo>(
          'mesos.v1.TaskInfo',
          encodeMessage('mesos.v1.TaskInfo', info, format),
          format,
        );
        expect(back.task_id).to.deep.equal(info.task_id);
        expect(back.executor!.command!.arguments).to.deep.equal(['nodal', 'executor']);
        expect(back.kill_policy).to.deep.equal(info.kill_policy);
      }
    });
});
