import { expect } from 'chai';
import type { LocalCluster } from '../../cluster/index.js';
import { encodeMessage } from '../../protos/wire/codec.js';
import { post, RawScheduler, SCHEDULER_PATH } from '../fixtures/cluster/raw-scheduler.js';
import { startCluster } from '../fixtures/cluster/harness.js';

describe('cluster master scheduler API @integration', () => {
  let cluster: LocalCluster;
  let url: string;
  const subscribeJson = JSON.stringify({
    type: 'SUBSCRIBE',
    subscribe: { framework_info: { user: 'u', name: 'n' } },
  });

  before(async () => {
    cluster = await startCluster();
    url = cluster.masterUrl + SCHEDULER_PATH;
  });
  after(() => cluster.stop());

  it('answers transport-level mistakes with the status codes Mesos uses', async () => {
    const cases: Array<[string, Promise<{ status: number; text: string }>, number, RegExp]> = [
      ['GET', post(url, '', {}, 'GET'), 405, /Expecting a 'POST' request/],
      ['no Content-Type', post(url, subscribeJson), 400, /Expecting 'Content-Type' to be present/],
      [
        'charset suffix',
        post(url, subscribeJson, { 'Content-Type': 'application/json; charset=utf-8' }),
        415,
        /Content-Type/,
      ],
      [
        'malformed JSON',
        post(url, '{"type": "SUBSCRIBE",', { 'Content-Type': 'application/json' }),
        400,
        /Failed to parse/,
      ],
      [
        'malformed protobuf',
        post(url, Buffer.from([0x12, 0xff, 0xff, 0xff]), { 'Content-Type': 'application/x-protobuf' }),
        400,
        /Failed to parse/,
      ],
      ['enum as a number', post(url, '{"type": 1}', { 'Content-Type': 'application/json' }), 400, /./],
      [
        'missing required field',
        post(url, '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n"}}}', {
          'Content-Type': 'application/json',
        }),
        400,
        /user/,
      ],
      [
        'no type',
        post(url, '{}', { 'Content-Type': 'application/json' }),
        400,
        /Expecting 'type' to be present/,
      ],
      [
        'no sub-message',
        post(url, '{"type":"SUBSCRIBE"}', { 'Content-Type': 'application/json' }),
        400,
        /Expecting 'subscribe' to be present/,
      ],
      [
        'stream id on SUBSCRIBE',
        post(url, subscribeJson, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'x' }),
        400,
        /should not include/,
      ],
      [
        'unacceptable Accept',
        post(url, subscribeJson, { 'Content-Type': 'application/json', Accept: 'text/html' }),
        406,
        /Accept/,
      ],
      [
        'unknown framework',
        post(url, '{"type":"REVIVE","framework_id":{"value":"nope"}}', {
          'Content-Type': 'application/json',
          'Mesos-Stream-Id': 'x',
        }),
        400,
        /Framework cannot be found/,
      ],
      [
        'UNKNOWN type',
        post(url, '{"type":"UNKNOWN"}', { 'Content-Type': 'application/json' }),
        501,
        /UNKNOWN/,
      ],
    ];
    for (const [name, res, status, text] of cases) {
      const r = await res;
      expect(r.status, name).to.equal(status);
      expect(r.text, name).to.match(text);
    }
  });

  it('checks the stream id of every other call, and 403s a framework that is not subscribed', async () => {
    const s = await RawScheduler.connect(cluster.masterUrl, { failover_timeout: 30 });
    const revive = { type: 'REVIVE' as const, framework_id: { value: s.frameworkId } };
    expect((await s.call(revive)).status).to.equal(202);
    const missing = await s.call(revive, { streamId: null });
    expect([missing.status, missing.text]).to.deep.equal([
      400,
      "All non-subscribe calls should include the 'Mesos-Stream-Id' header",
    ]);
    const stale = await s.call(revive, { streamId: '00000000-0000-4000-8000-000000000000' });
    expect(stale.status).to.equal(400);
    expect(stale.text).to.match(/didn't match the stream ID/);
    const badAck = await s.call({
      type: 'ACKNOWLEDGE',
      framework_id: { value: s.frameworkId },
      acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: Buffer.alloc(3) },
    });
    expect(badAck.status).to.equal(400);
    expect(cluster.dropSchedulerStream(s.frameworkId)).to.equal(true);
    await s.closed;
    const after = await s.call(revive);
    expect([after.status, after.text]).to.deep.equal([403, 'Framework is not subscribed']);
  });

  it('streams SUBSCRIBED then HEARTBEATs, in protobuf when asked, with a Mesos-Stream-Id', async () => {
    const s = await RawScheduler.connect(cluster.masterUrl, {}, { format: 'protobuf' });
    expect(s.response.headers['content-type']).to.equal('application/x-protobuf');
    expect(s.streamId).to.match(/^[0-9a-f-]{36}$/);
    const subscribed = s.events[0]!.subscribed!;
    expect(subscribed.framework_id.value).to.match(new RegExp(`^${cluster.masterId}-\\d{4}$`));
    expect(subscribed.heartbeat_interval_seconds).to.equal(0.2);
    expect(subscribed.master_info?.address?.port).to.equal(Number(new URL(cluster.masterUrl).port));
    await s.take((e) => e.type === 'HEARTBEAT');
    await s.take((e) => e.type === 'HEARTBEAT', 1000);
    s.close();
  });

  it('accepts any Accept that allows JSON, and encodes JSON events with snake_case names', async () => {
    const s = await RawScheduler.connect(cluster.masterUrl, {}, { accept: '*/*' });
    expect(s.response.headers['content-type']).to.equal('application/json');
    s.close();
  });

  it('refuses an invalid FrameworkInfo with an ERROR event on a 200 stream', async () => {
    const s = await RawScheduler.subscribe(cluster.masterUrl, {
      type: 'SUBSCRIBE',
      subscribe: { framework_info: { user: 'u', name: 'n', roles: ['ml'] } },
    });
    const err = await s.take((e) => e.type === 'ERROR');
    expect(err.error!.message).to.match(/MULTI_ROLE/);
    await s.closed;
  });

  it('keeps serving other frameworks after garbage input', async () => {
    const good = await RawScheduler.connect(cluster.masterUrl);
    for (let i = 0; i < 5; i++) {
      await post(url, Buffer.from([0x08, 0x96, 0x01, 0xff]), { 'Content-Type': 'application/x-protobuf' });
      await post(url, encodeMessage('mesos.v1.scheduler.Call', { type: 'TEARDOWN' }, 'json'), {
        'Content-Type': 'application/json',
      });
    }
    const offers = await good.offers();
    expect(offers.length).to.equal(1);
    expect((await post(cluster.masterUrl + '/health', '', {}, 'GET')).status).to.equal(200);
    good.close();
  });
});
