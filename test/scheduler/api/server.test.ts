import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiServer } from '../../../scheduler/api/server.js';
import { silentLogger } from '../../../config/logger.js';
import { FakeFacade, jobStatus } from './fake-facade.js';

const TOKEN = 'test-token-123';

async function call(
  base: string,
  method: string,
  path: string,
  opts: { body?: string; token?: string | null; type?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TOKEN}`;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const res = await fetch(base + path, { method, headers, body: opts.body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

describe('scheduler/api server', () => {
  let facade: FakeFacade;
  let server: ApiServer;
  let base: string;

  beforeEach(async () => {
    facade = new FakeFacade();
    facade.jobs.set('j1', jobStatus('j1'));
    server = new ApiServer({
      facade,
      logger: silentLogger,
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      authDisabled: false,
      sseKeepAliveMs: 50,
    });
    base = await server.start();
  });
  afterEach(() => server.stop());

  it('refuses to start without a token unless auth is disabled', () => {
    expect(
      () =>
        new ApiServer({
          facade,
          logger: silentLogger,
          host: '127.0.0.1',
          port: 0,
          token: '',
          authDisabled: false,
        }),
    ).to.throw(/api.token/);
  });

  describe('auth', () => {
    for (const [method, path] of [
      ['GET', '/v1/jobs'],
      ['POST', '/v1/jobs'],
      ['GET', '/v1/jobs/j1'],
      ['DELETE', '/v1/jobs/j1'],
      ['POST', '/v1/jobs/j1/scale'],
      ['GET', '/v1/jobs/j1/tasks'],
      ['GET', '/v1/jobs/j1/cluster-spec'],
      ['GET', '/v1/events'],
      ['GET', '/metrics'],
    ] as const) {
      it(`${method} ${path} without or with a wrong token is 401`, async () => {
        const none = await call(base, method, path, { token: null });
        expect(none.status).to.equal(401);
        expect(none.headers.get('www-authenticate')).to.contain('Bearer');
        const wrong = await call(base, method, path, { token: 'nope' });
        expect(wrong.status).to.equal(401);
        expect(wrong.json.error.code).to.equal('UNAUTHORIZED');
      });
    }
    it('health and the OpenAPI document need no token', async () => {
      expect((await call(base, 'GET', '/health', { token: null })).status).to.equal(200);
      const doc = await call(base, 'GET', '/v1/openapi.json', { token: null });
      expect(doc.json.openapi).to.equal('3.1.0');
      expect(Object.keys(doc.json.paths)).to.include('/v1/jobs/{jobId}/scale');
    });
    it('serves everything without a token when auth is explicitly disabled', async () => {
      const open = new ApiServer({
        facade,
        logger: silentLogger,
        host: '127.0.0.1',
        port: 0,
        token: '',
        authDisabled: true,
      });
      const url = await open.start();
      try {
        expect((await call(url, 'GET', '/v1/jobs', { token: null })).status).to.equal(200);
      } finally {
        await open.stop();
      }
    });
  });

  it('GET /health is 503 when not subscribed', async () => {
    facade.healthy = false;
    const r = await call(base, 'GET', '/health');
    expect(r.status).to.equal(503);
    expect(r.json.subscribed).to.equal(false);
  });

  it('GET /v1/jobs lists jobs', async () => {
    const r = await call(base, 'GET', '/v1/jobs');
    expect(r.status).to.equal(200);
    expect(r.json.jobs.map((j: any) => j.id)).to.deep.equal(['j1']);
  });

  describe('POST /v1/jobs', () => {
    it('creates a job (201)', async () => {
      const r = await call(base, 'POST', '/v1/jobs', { body: JSON.stringify({ name: 'j2' }) });
      expect(r.status).to.equal(201);
      expect(r.json.id).to.equal('j2');
    });
    it('400 on invalid JSON, with the parser message', async () => {
      const r = await call(base, 'POST', '/v1/jobs', { body: '{"name": ' });
      expect(r.status).to.equal(400);
      expect(r.json.error.message).to.match(/not valid JSON/);
    });
    it('400 on an empty body', async () => {
      expect((await call(base, 'POST', '/v1/jobs', { body: '' })).status).to.equal(400);
    });
    it('400 with details when the spec is invalid', async () => {
      const r = await call(base, 'POST', '/v1/jobs', { body: '{}' });
      expect(r.status).to.equal(400);
      expect(r.json.error.details.errors).to.deep.equal(['name: required string']);
    });
    it('409 on a duplicate job', async () => {
      expect((await call(base, 'POST', '/v1/jobs', { body: '{"name":"j1"}' })).status).to.equal(409);
    });
    it('415 when not JSON', async () => {
      expect((await call(base, 'POST', '/v1/jobs', { body: 'name=x', type: 'text/plain' })).status).to.equal(
        415,
      );
    });
    it('413 when larger than 1 MiB', async () => {
      const r = await call(base, 'POST', '/v1/jobs', {
        body: JSON.stringify({ name: 'x'.repeat(1100 * 1024) }),
      });
      expect(r.status).to.equal(413);
    });
  });

  it('GET /v1/jobs/:id returns status; 404 for an unknown job', async () => {
    const ok = await call(base, 'GET', '/v1/jobs/j1');
    expect(ok.status).to.equal(200);
    expect(ok.json.history.loss).to.have.length(2);
    expect(ok.json.tasks[0].role).to.equal('ps');
    const missing = await call(base, 'GET', '/v1/jobs/nope');
    expect(missing.status).to.equal(404);
    expect(missing.json.error.code).to.equal('NOT_FOUND');
  });

  describe('POST /v1/jobs/:id/scale', () => {
    it('sets desired workers', async () => {
      const r = await call(base, 'POST', '/v1/jobs/j1/scale', { body: '{"workers":3}' });
      expect(r.status).to.equal(200);
      expect(r.json.workers.desired).to.equal(3);
      expect(facade.calls).to.include('scale j1 3');
    });
    for (const bad of [
      '{"workers":-1}',
      '{"workers":1.5}',
      '{"workers":"3"}',
      '{}',
      '[3]',
      '{"workers":3,"x":1}',
    ]) {
      it(`400 for ${bad}`, async () => {
        expect((await call(base, 'POST', '/v1/jobs/j1/scale', { body: bad })).status).to.equal(400);
      });
    }
    it('400 when outside min..max (facade rule), 404 for unknown job', async () => {
      expect((await call(base, 'POST', '/v1/jobs/j1/scale', { body: '{"workers":9}' })).status).to.equal(400);
      expect((await call(base, 'POST', '/v1/jobs/zz/scale', { body: '{"workers":2}' })).status).to.equal(404);
    });
  });

  it('DELETE /v1/jobs/:id and POST /kill kill the job', async () => {
    const r = await call(base, 'DELETE', '/v1/jobs/j1');
    expect(r.status).to.equal(200);
    expect(r.json.state).to.equal('killed');
    expect((await call(base, 'POST', '/v1/jobs/j1/kill')).status).to.equal(200);
    expect((await call(base, 'DELETE', '/v1/jobs/zz')).status).to.equal(404);
  });

  it('GET tasks and cluster-spec', async () => {
    expect((await call(base, 'GET', '/v1/jobs/j1/tasks')).json.tasks).to.have.length(1);
    expect((await call(base, 'GET', '/v1/jobs/j1/cluster-spec')).json.ps).to.deep.equal(['127.0.0.1:31000']);
    expect((await call(base, 'GET', '/v1/jobs/zz/cluster-spec')).status).to.equal(404);
  });

  it('reads a sandbox file through the agent files API', async () => {
    const seen: string[] = [];
    const agent = http.createServer((req, res) => {
      seen.push(req.url!);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: 'hello\n', offset: 0 }));
    });
    await new Promise<void>((r) => agent.listen(0, '127.0.0.1', r));
    facade.sandbox = {
      agentUrl: `http://127.0.0.1:${(agent.address() as AddressInfo).port}`,
      directory: '/sb/x',
    };
    try {
      const r = await call(base, 'GET', '/v1/jobs/j1/tasks/t1/files/stdout?offset=0&length=100');
      expect(r.status).to.equal(200);
      expect(r.json.data).to.equal('hello\n');
      expect(decodeURIComponent(seen[0]!)).to.contain('path=/sb/x/stdout');
      expect((await call(base, 'GET', '/v1/jobs/j1/tasks/t1/files/stdout?offset=abc')).status).to.equal(400);
      expect((await call(base, 'GET', '/v1/jobs/j1/tasks/t1/files/passwd')).status).to.equal(404);
    } finally {
      agent.close();
    }
  });

  it('GET /metrics is the Prometheus text format', async () => {
    const r = await call(base, 'GET', '/metrics');
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.contain('text/plain; version=0.0.4');
    expect(r.text).to.contain('# TYPE nodal_tasks gauge');
    expect(r.text).to.contain('nodal_tasks{role="worker",state="TASK_RUNNING"} 2');
    expect(r.text).to.contain('nodal_offers_declined_total 7');
    expect(r.text).to.contain('nodal_job_validation_accuracy{job="j1"} 0.9');
    expect(r.text).to.contain('nodal_job_staleness{job="j1",stat="max"} 2');
    expect(r.text).to.contain('nodal_task_restarts_total{job="j1",role="worker"} 3');
  });

  it('405 with Allow for a wrong method, 404 for an unknown path', async () => {
    const r = await call(base, 'PUT', '/v1/jobs');
    expect(r.status).to.equal(405);
    expect(r.headers.get('allow')).to.equal('GET, POST');
    expect((await call(base, 'GET', '/v2/nothing')).status).to.equal(404);
  });

  it('GET /v1/events streams the current jobs then live changes', async () => {
    const ac = new AbortController();
    const res = await fetch(base + '/v1/events', {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: ac.signal,
    });
    expect(res.headers.get('content-type')).to.equal('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += value;
      }
    };
    await readUntil('"id":"j1"');
    facade.emit({ kind: 'progress', jobId: 'j1', progress: { step: 42, examplesSeen: 1, epoch: 0 } });
    await readUntil('"step":42');
    await readUntil(': keep-alive');
    expect(text).to.contain('event: progress');
    ac.abort();
  });

  it('serves the dashboard without a token', async () => {
    const page = await call(base, 'GET', '/', { token: null });
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.contain('text/html');
    expect(page.text).to.contain('/ui/app.js');
    expect((await call(base, 'GET', '/ui/app.js', { token: null })).status).to.equal(200);
  });
});
