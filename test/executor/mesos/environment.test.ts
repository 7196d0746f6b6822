import { expect } from 'chai';
import { isNodalError, type NodalError } from '../../../config/errors.js';
import { readExecutorEnvironment } from '../../../executor/mesos/environment.js';

// The worker executor's environment from the shared Mesos examples (examples/executor/environment.env).
const AGENT_ENV = {
  MESOS_FRAMEWORK_ID: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-0000',
  MESOS_EXECUTOR_ID: 'trainer-executor.job-42.worker-0.7c2d41',
  MESOS_SLAVE_ID: '7c1f9e52-3d4b-4a8e-9f6a-2b5c8d0e1f37-S1',
  MESOS_SLAVE_PID: 'slave(1)@10.0.2.17:5051',
  MESOS_AGENT_ENDPOINT: '10.0.2.17:5051',
  MESOS_DIRECTORY: '/var/lib/mesos/agent/slaves/S1/frameworks/F/executors/E/runs/C',
  MESOS_SANDBOX: '/mnt/mesos/sandbox',
  MESOS_CHECKPOINT: '1',
  MESOS_HTTP_COMMAND_EXECUTOR: '0',
  MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '1mins',
  MESOS_RECOVERY_TIMEOUT: '15mins',
  MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs',
  LIBPROCESS_PORT: '0',
};

function failure(env: Record<string, string | undefined>): NodalError {
  try {
    readExecutorEnvironment(env);
  } catch (err) {
    if (isNodalError(err, 'CONFIG_INVALID')) return err;
    throw err;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('executor/mesos/environment', () => {
  it('reads what a checkpointing agent sets, with durations in milliseconds', () => {
    const env = readExecutorEnvironment(AGENT_ENV);
    expect(env).to.deep.include({
      frameworkId: AGENT_ENV.MESOS_FRAMEWORK_ID,
      executorId: AGENT_ENV.MESOS_EXECUTOR_ID,
      agentId: AGENT_ENV.MESOS_SLAVE_ID,
      directory: AGENT_ENV.MESOS_DIRECTORY,
      sandbox: '/mnt/mesos/sandbox',
      checkpoint: true,
      recoveryTimeoutMs: 15 * 60_000,
      subscriptionBackoffMaxMs: 2000,
      shutdownGracePeriodMs: 60_000,
      authenticationToken: undefined,
    });
    expect(env.agentUrl.href).to.equal('http://10.0.2.17:5051/api/v1/executor');
    expect(Object.isFrozen(env)).to.equal(true);
  });

  it('uses the agent defaults without checkpointing variables', () => {
    const { MESOS_RECOVERY_TIMEOUT: _r, MESOS_SUBSCRIPTION_BACKOFF_MAX: _b, ...rest } = AGENT_ENV;
    const env = readExecutorEnvironment({
      ...rest,
      MESOS_CHECKPOINT: '0',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: undefined,
    });
    expect(env).to.deep.include({
      checkpoint: false,
      recoveryTimeoutMs: 15 * 60_000,
      subscriptionBackoffMaxMs: 2000,
      shutdownGracePeriodMs: 5000,
    });
  });

  it('derives the endpoint from MESOS_SLAVE_PID when MESOS_AGENT_ENDPOINT is absent', () => {
    const env = readExecutorEnvironment({ ...AGENT_ENV, MESOS_AGENT_ENDPOINT: undefined });
    expect(env.agentUrl.href).to.equal('http://10.0.2.17:5051/slave(1)/api/v1/executor');
  });

  it('switches to https with libprocess SSL and keeps the token', () => {
    const env = readExecutorEnvironment({
      ...AGENT_ENV,
      LIBPROCESS_SSL_ENABLED: 'true',
      MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'jwt.token.value',
    });
    expect(env.agentUrl.protocol).to.equal('https:');
    expect(env.authenticationToken).to.equal('jwt.token.value');
  });

  it('lists every problem at once', () => {
    const error = failure({
      MESOS_AGENT_ENDPOINT: 'slave(1)@10.0.2.17',
      MESOS_CHECKPOINT: 'true',
      MESOS_RECOVERY_TIMEOUT: 'soon',
    });
    const problems = error.details!.problems as string[];
    expect(problems).to.have.length(5);
    expect(error.message).to.contain('MESOS_FRAMEWORK_ID is missing');
    expect(error.message).to.contain('MESOS_EXECUTOR_ID is missing');
    expect(error.message).to.contain('MESOS_AGENT_ENDPOINT must be host:port');
    expect(error.message).to.contain('MESOS_CHECKPOINT must be "1" or "0"');
    expect(error.message).to.contain('MESOS_RECOVERY_TIMEOUT is not a Mesos duration');
  });

  it('needs an endpoint or a pid', () => {
    const error = failure({ ...AGENT_ENV, MESOS_AGENT_ENDPOINT: undefined, MESOS_SLAVE_PID: undefined });
    expect(error.message).to.contain('MESOS_AGENT_ENDPOINT is missing');
  });
});
