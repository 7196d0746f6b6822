import { expect } from 'chai';
import { executorEnvironment, taskEnvironment } from '../../../cluster/agent/environment.js';
import { resources } from '../../fixtures/cluster/builders.js';

const base = { frameworkId: 'fw', executorId: 'ex', agentId: 'S0', directory: '/sb' };

describe('cluster executor environment', () => {
  it('sets what a Mesos agent sets, recovery settings only when checkpointing', () => {
    const env = executorEnvironment({
      ...base,
      base: { HOME: '/home/x', PATH: '/usr/bin' },
      pathPrepend: ['/opt/nodal/bin'],
      agentHost: '127.0.0.1',
      agentPort: 5051,
      checkpoint: false,
      shutdownGraceMs: 60_000,
      recoveryTimeoutMs: 900_000,
      subscriptionBackoffMaxMs: 2000,
      command: {
        environment: {
          variables: [
            { name: 'A', value: '1' },
            { name: 'S', type: 'SECRET', secret: { type: 'VALUE', value: { data: Buffer.from('s3') } } },
          ],
        },
      },
    });
    expect(env).to.include({
      HOME: '/home/x',
      MESOS_FRAMEWORK_ID: 'fw',
      MESOS_EXECUTOR_ID: 'ex',
      MESOS_SLAVE_ID: 'S0',
      MESOS_AGENT_ENDPOINT: '127.0.0.1:5051',
      MESOS_SLAVE_PID: 'slave(1)@127.0.0.1:5051',
      MESOS_DIRECTORY: '/sb',
      MESOS_SANDBOX: '/sb',
      MESOS_CHECKPOINT: '0',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '1mins',
      A: '1',
      S: 's3',
      PATH: '/opt/nodal/bin:/usr/bin',
    });
    expect(env).to.not.have.property('MESOS_RECOVERY_TIMEOUT');
    const checkpointing = executorEnvironment({
      ...base,
      base: {},
      pathPrepend: [],
      agentHost: 'h',
      agentPort: 1,
      checkpoint: true,
      shutdownGraceMs: 5000,
      recoveryTimeoutMs: 900_000,
      subscriptionBackoffMaxMs: 2000,
    });
    expect(checkpointing).to.include({
      MESOS_CHECKPOINT: '1',
      MESOS_RECOVERY_TIMEOUT: '15mins',
      MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs',
    });
  });

  it("exports a command task's ports and port mappings", () => {
    const env = taskEnvironment({
      ...base,
      base: {},
      pathPrepend: [],
      taskId: 't',
      hostname: 'node-1',
      resources: resources().cpus(1).ports(31000, 31001).build(),
      portMappings: [{ host_port: 31001, container_port: 2222 }],
    });
    expect(env).to.include({
      PORTS: '31000,31001',
      PORT0: '31000',
      PORT1: '31001',
      PORT_2222: '31001',
      HOST: 'node-1',
      MESOS_TASK_ID: 't',
    });
  });
});
