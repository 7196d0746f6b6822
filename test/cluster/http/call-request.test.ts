import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeCall,
  MAX_BODY_BYTES,
  negotiateStream,
  readCall,
  type CallMessage,
} from '../../../cluster/http/call-request.js';
import type { ExecutorCall, SchedulerCall } from '../../../protos/mesos/v1/types.js';
import { decodeMessage, encodeMessage, type WireFormat } from '../../../protos/wire/codec.js';
import { post, type RawResponse } from '../../fixtures/cluster/raw-scheduler.js';

const EXECUTOR = 'mesos.v1.executor.Call';
const SCHEDULER = 'mesos.v1.scheduler.Call';
const JSON_TYPE = { 'Content-Type': 'application/json' };
const PROTOBUF_TYPE = { 'Content-Type': 'application/x-protobuf' };

const heartbeat: ExecutorCall = {
  executor_id: { value: 'e' },
  framework_id: { value: 'f' },
  type: 'HEARTBEAT',
};
const subscribe: ExecutorCall = { ...heartbeat, type: 'SUBSCRIBE', subscribe: {} };

/** What the decoder itself says about a body, as the 400 text must carry it. */
function decoderMessage(type: CallMessage, body: Buffer, format: WireFormat): string {
  try {
    decodeMessage(type, body, format);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the body decodes');
}

describe('cluster call request reading (shared by /api/v1/scheduler and /api/v1/executor)', () => {
  let server: http.Server;
  let url: string;
  // What the endpoint under test does: the message type, its validation, and SUBSCRIBE negotiating a stream.
  let type: CallMessage = EXECUTOR;
  let validate: (call: { type?: string }) => string | undefined = () => undefined;
  let validated: unknown[] = [];
  let answered: Array<{ status: number; call?: unknown }> = [];

  before(async () => {
    server = http.createServer((req, res) => {
      void (async () => {
        const call = await readCall(req, res, type, (c) => {
          validated.push(c);
          return validate(c);
        });
        if (!call) return void answered.push({ status: res.statusCode });
        answered.push({ status: 200, call });
        if (call.type === 'SUBSCRIBE') {
          const format = negotiateStream(req, res);
          if (!format) return;
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          return void res.end(format);
        }
        res.writeHead(200, JSON_TYPE);
        res.end(encodeMessage(type, call, 'json'));
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/executor`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    type = EXECUTOR;
    validate = () => undefined;
    validated = [];
    answered = [];
  });

  const json = (call: ExecutorCall | SchedulerCall) => encodeMessage(type, call, 'json');
  const protobuf = (call: ExecutorCall | SchedulerCall) => encodeMessage(type, call, 'protobuf');
  const expectText = (r: RawResponse, status: number, text: string) => {
    expect([r.status, r.text]).to.deep.equal([status, text]);
    expect(r.headers['content-type']).to.equal('text/plain; charset=utf-8');
  };

  it('decodes the same call from JSON and from protobuf', async () => {
    const call: ExecutorCall = {
      ...heartbeat,
      type: 'MESSAGE',
      message: { data: Buffer.from([0, 10, 255]) },
    };
    const a = await post(url, json(call), JSON_TYPE);
    const b = await post(url, protobuf(call), PROTOBUF_TYPE);
    expect([a.status, b.status]).to.deep.equal([200, 200]);
    expect(a.text).to.equal(b.text);
    expect(JSON.parse(a.text)).to.deep.equal(JSON.parse(json(call).toString()));
    expect(validated).to.have.length(2);
  });

  it('refuses a method other than POST with 405 and Allow, before anything else', async () => {
    const r = await post(url, '', {}, 'GET');
    expectText(r, 405, "Expecting a 'POST' request, received 'GET'");
    expect(r.headers.allow).to.equal('POST');
  });

  it('refuses a request without Content-Type with 400', async () => {
    expectText(await post(url, json(heartbeat)), 400, "Expecting 'Content-Type' to be present");
  });

  it('refuses any Content-Type but exactly the two media types with 415, a charset parameter too', async () => {
    for (const contentType of [
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'application/x-protobuf; charset=binary',
      'APPLICATION/JSON',
      'application/protobuf',
      'text/plain;charset=UTF-8',
      '',
    ]) {
      const r = await post(url, json(heartbeat), { 'Content-Type': contentType });
      expect(r.status, contentType).to.equal(415);
      expect(r.text).to.equal("Expecting 'Content-Type' of application/json or application/x-protobuf");
    }
    expect(validated).to.deep.equal([]);
  });

  it('refuses a body over MAX_BODY_BYTES with 413, and one at the limit is read', async () => {
    const atLimit = Buffer.alloc(MAX_BODY_BYTES, 0x20);
    json(heartbeat).copy(atLimit);
    expect((await post(url, atLimit, JSON_TYPE)).status).to.equal(200);

    const over = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
    json(heartbeat).copy(over);
    // The rest of the body is not read, so the client may see a reset instead of the answer.
    const r = await post(url, over, JSON_TYPE).catch(() => undefined);
    if (r) expectText(r, 413, 'Request body too large');
    expect(answered.map((a) => a.status)).to.deep.equal([200, 413]);
    expect(validated).to.have.length(1);
  });

  it("answers a malformed JSON or protobuf body with 400 and the decoder's message", async () => {
    const cases: Array<[Buffer, WireFormat]> = [
      [Buffer.from('{"type": "HEARTBEAT",'), 'json'],
      [Buffer.from(''), 'json'],
      [Buffer.from('{"executor_id": {"value": "e"}, "framework_id": {"value": "f"}, "type": 4}'), 'json'],
      [Buffer.from('{"executor_id": {"value": "e"}, "framework_id": {"value": "f"}, "typo": 1}'), 'json'],
      [Buffer.from([0x0a, 0xff, 0xff]), 'protobuf'],
      [Buffer.from([0xff]), 'protobuf'],
    ];
    validate = () => 'not reached';
    for (const [body, format] of cases) {
      const r = await post(url, body, format === 'json' ? JSON_TYPE : PROTOBUF_TYPE);
      expectText(
        r,
        400,
        `Failed to parse body into Call protobuf: ${decoderMessage(EXECUTOR, body, format)}`,
      );
    }
    expect(validated).to.deep.equal([]);
  });

  it('answers a call without its required fields with 400 in both encodings, before validation', async () => {
    validate = () => 'not reached';
    const noIds = { type: 'HEARTBEAT' } as ExecutorCall;
    const expected = 'Missing required fields: executor_id, framework_id';
    expectText(await post(url, json(noIds), JSON_TYPE), 400, expected);
    expectText(await post(url, protobuf(noIds), PROTOBUF_TYPE), 400, expected);
    expect(validated).to.deep.equal([]);
  });

  it("answers the endpoint's validation reason with 400, and UNKNOWN with 501 after validation", async () => {
    validate = (c) => (c.type === 'UPDATE' ? "Expecting 'update' to be present" : undefined);
    const update: ExecutorCall = { ...heartbeat, type: 'UPDATE' };
    expectText(await post(url, json(update), JSON_TYPE), 400, "Expecting 'update' to be present");
    const unknown: ExecutorCall = { ...heartbeat, type: 'UNKNOWN' };
    expectText(await post(url, protobuf(unknown), PROTOBUF_TYPE), 501, "Received 'UNKNOWN' call");
    expect(validated).to.have.length(2);
  });

  it('reads the message type the endpoint names (an empty protobuf is an empty scheduler Call)', async () => {
    type = SCHEDULER;
    validate = (c) => (c.type === undefined ? "Expecting 'type' to be present" : undefined);
    expectText(await post(url, Buffer.alloc(0), PROTOBUF_TYPE), 400, "Expecting 'type' to be present");
    expect(validated).to.deep.equal([{}]);
    const teardown: SchedulerCall = { framework_id: { value: 'f' }, type: 'TEARDOWN' };
    const r = await post(url, protobuf(teardown), PROTOBUF_TYPE);
    expect([r.status, JSON.parse(r.text)]).to.deep.equal([
      200,
      { framework_id: { value: 'f' }, type: 'TEARDOWN' },
    ]);
  });

  it('negotiates the event stream by Accept: JSON first, absent or a wildcard is JSON, else 406', async () => {
    const cases: Array<[string | undefined, number, string]> = [
      [undefined, 200, 'json'],
      ['', 200, 'json'],
      ['*/*', 200, 'json'],
      ['application/*', 200, 'json'],
      ['application/x-protobuf', 200, 'protobuf'],
      ['application/x-protobuf, application/json;q=0.1', 200, 'json'],
      ['application/json;q=0, application/x-protobuf', 200, 'protobuf'],
      ['text/html', 406, "Expecting 'Accept' to allow application/json or application/x-protobuf"],
      ['application/json;q=0', 406, "Expecting 'Accept' to allow application/json or application/x-protobuf"],
    ];
    for (const [accept, status, text] of cases) {
      const headers = accept === undefined ? JSON_TYPE : { ...JSON_TYPE, Accept: accept };
      const r = await post(url, json(subscribe), headers);
      expect([r.status, r.text], String(accept)).to.deep.equal([status, text]);
    }
  });

  it('decodeCall returns the problem text instead of throwing', () => {
    expect(decodeCall(EXECUTOR, json(heartbeat), 'json')).to.deep.equal({ call: heartbeat });
    expect(decodeCall(EXECUTOR, Buffer.from('{}'), 'json')).to.deep.equal({
      problem: 'Missing required fields: executor_id, framework_id',
    });
    expect(decodeCall(EXECUTOR, Buffer.from('['), 'json'))
      .to.have.property('problem')
      .that.matches(/^Failed to parse body into Call protobuf: /);
  });
});
