import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { LocalCluster } from '../../../cluster/index.js';
import type { ExecutorCall, Offer } from '../../../protos/mesos/v1/types.js';
import { encodeMessage } from '../../../protos/wire/codec.js';
import {
  eventually,
  executorTask,
  launch,
  startCluster,
  testExecutor,
} from '../../fixtures/cluster/harness.js';
import { post, RawScheduler } from '../../fixtures/cluster/raw-scheduler.js';

describe('cluster agent executor API @integration', () => {
  let cluster: LocalCluster;
  let s: RawScheduler;
  before(async () => {
    cluster = await startCluster();
    s = await RawScheduler.connect(cluster.masterUrl);
    const [offer] = (await s.offers()) as [Offer];
    // An executor that never subscribes, so the agent knows it but it has no stream.
    await launch(s, offer, [
      executorTask('quiet', offer, testExecutor('ex-quiet', { TEST_EXECUTOR_NO_SUBSCRIBE: '1' }), 'run'),
    ]);
    await eventually(
      () => (cluster.state().frameworks as Array<{ executors: unknown[] }>)[0]!.executors.length === 1,
      2000,
      'executor',
    );
  });
  after(async () => {
    s.close();
    await cluster.stop();
  });

  const call = (c: ExecutorCall, path = '/api/v1/executor') =>
    post(cluster.agents[0]!.url + path, encodeMessage('mesos.v1.executor.Call', c, 'json'), {
      'Content-Type': 'application/json',
    });
  const ids = () => ({ executor_id: { value: 'ex-quiet' }, framework_id: { value: s.frameworkId } });
  const update = (over: Record<string, unknown>): ExecutorCall => ({
    ...ids(),
    type: 'UPDATE',
    update: {
      status: {
        task_id: { value: 'quiet' },
        state: 'TASK_RUNNING',
        source: 'SOURCE_EXECUTOR',
        uuid: randomBytes(16),
        ...over,
      },
    },
  });

  it('validates executor calls as the agent does', async () => {
    const cases: Array<[string, ExecutorCall, number, RegExp]> = [
      [
        'heartbeat',
        { executor_id: { value: 'unused' }, framework_id: { value: 'unused' }, type: 'HEARTBEAT' },
        202,
        /^$/,
      ],
      [
        'unknown framework',
        { executor_id: { value: 'x' }, framework_id: { value: 'nope' }, type: 'SUBSCRIBE', subscribe: {} },
        400,
        /Framework cannot be found/,
      ],
      [
        'unknown executor',
        { ...ids(), executor_id: { value: 'nope' }, type: 'SUBSCRIBE', subscribe: {} },
        400,
        /Executor cannot be found/,
      ],
      ['TASK_STAGING', update({ state: 'TASK_STAGING' }), 400, /TASK_STAGING/],
      ['wrong source', update({ source: 'SOURCE_MASTER' }), 400, /SOURCE_EXECUTOR/],
      ['short uuid', update({ uuid: Buffer.alloc(4) }), 400, /uuid/],
      ['other executor id in status', update({ executor_id: { value: 'other' } }), 400, /does not match/],
      ['update before subscribing', update({}), 403, /Executor is not subscribed/],
    ];
    for (const [name, c, status, text] of cases) {
      const r = await call(c, name === 'heartbeat' ? '/slave(1)/api/v1/executor' : undefined);
      expect([r.status, r.text], name).to.satisfy(
        ([st, tx]: [number, string]) => st === status && text.test(tx),
      );
    }
    const charset = await post(cluster.agents[0]!.url + '/api/v1/executor', '{}', {
      'Content-Type': 'application/json; charset=utf-8',
    });
    expect(charset.status).to.equal(415);
  });

  it('serves only files inside its sandboxes', async () => {
    const r = await post(`${cluster.agents[0]!.url}/files/read?path=/etc/passwd&offset=0`, '', {}, 'GET');
    expect(r.status).to.equal(403);
    const missing = await post(`${cluster.agents[0]!.url}/files/read?offset=0`, '', {}, 'GET');
    expect(missing.status).to.equal(400);
  });
});
