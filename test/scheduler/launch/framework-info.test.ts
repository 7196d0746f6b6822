import { expect } from 'chai';
import { buildFrameworkInfo } from '../../../scheduler/launch/framework-info.js';
import { checkRequired, encodeMessage } from '../../../protos/wire/codec.js';

describe('scheduler/launch/framework-info', () => {
  const base = { user: 'nodal', name: 'nodal', roles: ['training'], failoverTimeoutMs: 7 * 24 * 3600 * 1000 };

  it('declares GPU_RESOURCES, PARTITION_AWARE and MULTI_ROLE, checkpointing, roles and failover_timeout in seconds', () => {
    const info = buildFrameworkInfo({ ...base, webuiUrl: 'http://s:8080/', principal: 'nodal' });
    expect(info).to.deep.equal({
      user: 'nodal',
      name: 'nodal',
      roles: ['training'],
      failover_timeout: 604800,
      checkpoint: true,
      capabilities: [{ type: 'GPU_RESOURCES' }, { type: 'PARTITION_AWARE' }, { type: 'MULTI_ROLE' }],
      webui_url: 'http://s:8080/',
      principal: 'nodal',
    });
    expect(info).to.not.have.property('role');
    checkRequired('mesos.v1.FrameworkInfo', info);
    expect(encodeMessage('mesos.v1.FrameworkInfo', info, 'protobuf').length).to.be.greaterThan(0);
  });

  it('carries the framework id on re-subscription', () => {
    expect(buildFrameworkInfo({ ...base, frameworkId: 'fw-1' }).id).to.deep.equal({ value: 'fw-1' });
  });

  it('refuses a zero failover timeout (it would kill every task on the first disconnect) and no roles', () => {
    expect(() => buildFrameworkInfo({ ...base, failoverTimeoutMs: 0 })).to.throw(RangeError);
    expect(() => buildFrameworkInfo({ ...base, roles: [] })).to.throw(RangeError);
  });
});
