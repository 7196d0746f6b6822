// TrainingConnections without servers: gRPC clients connect lazily, so opening and closing them needs no
// peer. Closing is observed by wrapping the clients' close methods.
import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import { silentLogger } from '../../../config/logger.js';
import { CoordinatorClient } from '../../../executor/coordinator/client.js';
import type { VariableSpec } from '../../../executor/ps/specs.js';
import { TrainingConnections, type ClusterAddresses } from '../../../executor/training/connections.js';
import { PsGroup } from '../../../executor/training/ps-group.js';

const SPECS: VariableSpec[] = [
  { name: 'a', shape: [4], dtype: 'float32', bytes: 16 },
  { name: 'b', shape: [2, 2], dtype: 'float32', bytes: 16 },
];
const FIRST: ClusterAddresses = { ps: ['127.0.0.1:7001', '127.0.0.1:7002'], coordinator: '127.0.0.1:7001' };
const MOVED: ClusterAddresses = { ps: ['127.0.0.1:7101', '127.0.0.1:7002'], coordinator: '127.0.0.1:7101' };

function connections(cluster: ClusterAddresses = FIRST): TrainingConnections {
  return new TrainingConnections({
    cluster,
    specs: SPECS,
    rpc: { secret: 'connections-test-secret' },
    logger: silentLogger,
  });
}

describe('executor/training/connections', () => {
  let closed: Array<PsGroup | CoordinatorClient>;
  const groupClose = PsGroup.prototype.close;
  const coordinatorClose = CoordinatorClient.prototype.close;

  beforeEach(() => {
    closed = [];
    PsGroup.prototype.close = function (this: PsGroup) {
      closed.push(this);
      groupClose.call(this);
    };
    CoordinatorClient.prototype.close = function (this: CoordinatorClient) {
      closed.push(this);
      coordinatorClose.call(this);
    };
  });

  afterEach(() => {
    PsGroup.prototype.close = groupClose;
    CoordinatorClient.prototype.close = coordinatorClose;
  });

  it('connects a PS group and a coordinator client to the spec', () => {
    const c = connections();
    expect(c.connected).to.equal(false);
    expect(() => c.group).to.throw(/not connected/);
    c.connect();
    expect(c.connected).to.equal(true);
    expect(c.group.addresses).to.deep.equal(FIRST.ps);
    expect(c.group.size).to.equal(2);
    expect(c.coordinator.address).to.equal(FIRST.coordinator);
    c.close();
  });

  it('applies an updated spec only when asked, closing the old clients', () => {
    const c = connections();
    c.connect();
    const { group, coordinator } = c;
    expect(c.applyPending()).to.equal(false);
    c.update(MOVED);
    expect(c.hasPending).to.equal(true);
    expect(c.group).to.equal(group);
    expect(c.coordinator).to.equal(coordinator);
    expect(c.addresses).to.equal(FIRST);
    expect(closed).to.deep.equal([]);

    expect(c.applyPending()).to.equal(true);
    expect(closed).to.have.members([group, coordinator]);
    expect(c.hasPending).to.equal(false);
    expect(c.addresses).to.equal(MOVED);
    expect(c.group).to.not.equal(group);
    expect(c.group.addresses).to.deep.equal(MOVED.ps);
    expect(c.coordinator.address).to.equal(MOVED.coordinator);
    expect(c.applyPending()).to.equal(false);
    c.close();
  });

  it('takes the latest of several updates', () => {
    const c = connections();
    c.connect();
    c.update(MOVED);
    const last = { ps: ['127.0.0.1:7201', '127.0.0.1:7202'], coordinator: '127.0.0.1:7201' };
    c.update(last);
    c.applyPending();
    expect(c.group.addresses).to.deep.equal(last.ps);
    c.close();
  });

  it('refuses a spec with another number of shards (CONFLICT) and keeps the pending one', () => {
    const c = connections();
    c.connect();
    c.update(MOVED);
    try {
      c.update({ ps: ['127.0.0.1:7301'], coordinator: '127.0.0.1:7301' });
      expect.fail('accepted a spec with one shard');
    } catch (e) {
      expect(isNodalError(e, 'CONFLICT'), String(e)).to.equal(true);
      expect((e as Error).message).to.include('2 PS shards');
    }
    expect(c.applyPending()).to.equal(true);
    expect(c.addresses).to.equal(MOVED);
    c.close();
  });

  it('closes each client once however often it is closed, and never reconnects afterwards', () => {
    const c = connections();
    c.connect();
    const { group, coordinator } = c;
    c.close();
    c.close();
    expect(closed).to.have.members([group, coordinator]);
    expect(closed).to.have.length(2);
    expect(c.connected).to.equal(false);
    c.update(MOVED);
    expect(c.applyPending()).to.equal(false);
    expect(c.group).to.equal(group);
    expect(() => c.connect()).to.throw(/closed/);
  });

  it('closing before connecting is safe', () => {
    const c = connections();
    c.close();
    c.close();
    expect(closed).to.deep.equal([]);
  });

  it('leaks no client when connecting fails', () => {
    const c = connections({ ps: FIRST.ps, coordinator: '' });
    expect(() => c.connect()).to.throw();
    expect(c.connected).to.equal(false);
    expect(closed).to.have.length(1);
    expect(closed[0]).to.be.instanceOf(PsGroup);
    c.close();
    expect(closed).to.have.length(1);
  });

  it('leaks no client when applying a spec fails; the old clients are closed too', () => {
    const c = connections();
    c.connect();
    const { group, coordinator } = c;
    c.update({ ps: MOVED.ps, coordinator: '' });
    expect(() => c.applyPending()).to.throw();
    expect(closed).to.have.length(3);
    expect(closed.slice(0, 2)).to.have.members([group, coordinator]);
    expect(closed[2]).to.be.instanceOf(PsGroup).and.not.equal(group);
    expect(c.connected).to.equal(false);
    expect(c.hasPending).to.equal(false);
    c.close();
    expect(closed).to.have.length(3);
  });
});
