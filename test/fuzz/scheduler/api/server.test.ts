// Hostile input for the scheduler's HTTP API (on 127.0.0.1:0, over the fake facade with the real job-spec
// validator in front of submissions): random and malformed bodies, wrong content types, oversized bodies,
// weird paths, percent-encodings and methods, broken HTTP framing, clients that stall or vanish. Every
// answer that reaches the API is below 500 and, when an error, a JSON error body; nothing hangs; the
// server keeps serving and the job it already had is still there.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { ApiServer } from '../../../../scheduler/api/server.js';
import { MAX_BODY_BYTES } from '../../../../scheduler/api/body.js';
import type { JobStatus } from '../../../../scheduler/api/types.js';
import { parseJobSpec } from '../../../../scheduler/core/job-spec.js';
import { FakeFacade, jobStatus } from '../../../scheduler/api/fake-facade.js';
import { fuzzLoop, type CaseContext } from '../../support/budget.js';
import {
  deepJsonText,
  hostileValue,
  mutateBytes,
  nodePaths,
  randomJson,
  randomText,
  setAt,
} from '../../support/mutate.js';
import { fuzzScale, fuzzSeed, type Rng } from '../../support/prng.js';
import {
  rawExchange,
  RecordingLogger,
  requestBytes,
  type RawAnswer,
  type RawRequest,
} from '../../support/raw-http.js';

const SEED = fuzzSeed('scheduler/api/server');
const TOKEN = 'fuzz-token-7f3a';
const BASE_SPEC = JSON.parse(
  readFileSync(new URL('../../../../../config/jobs/default.json', import.meta.url), 'utf8'),
) as unknown;

/** The fake facade with the real job-spec validator in front of submissions, as the runtime facade has. */
class ValidatingFacade extends FakeFacade {
  override async submitJob(spec: unknown): Promise<JobStatus> {
    const parsed = parseJobSpec(spec);
    return super.submitJob({ name: parsed.id ?? parsed.name });
  }
}

const SEGMENTS = [
  'v1',
  'jobs',
  'jobs',
  'j1',
  'j1',
  'scale',
  'kill',
  'tasks',
  'cluster-spec',
  'files',
  'stdout',
  'stderr',
  'health',
  'metrics',
  'openapi.json',
  'ui',
  'app.js',
  'style.css',
  'index.html',
  '..',
  '.',
  '',
  '%2F',
  '%2e%2e',
  '%zz',
  '%',
  '%00',
  '%C0%AE',
  '%E2%82',
  '%F0%9F%9A%80',
  'j%31',
  '%ff%fe',
  'a'.repeat(2000),
  'nope',
  'JOBS',
  'V1',
  ';x=1',
  '~',
  '*',
  '@',
  '$',
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'PURGE', 'REPORT'];
const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json;charset=latin1',
  'text/plain',
  'application/x-protobuf',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  ';',
  'application/jsonx',
  'json',
  '*/*',
  'application/json, text/html',
];

function randomPath(rnd: Rng): string {
  if (rnd.chance(0.05))
    return rnd.pick(['*', '/', '//', '///v1/jobs', 'http://evil.example/v1/jobs', '/v1/jobs?#', '/?']);
  const segs = Array.from({ length: rnd.int(1, 6) }, () => rnd.pick(SEGMENTS));
  let path = `/${segs.join('/')}`;
  if (rnd.chance(0.3))
    path += `?${rnd.pick(['offset', 'length', 'x', '%zz', ''])}=${rnd.pick(['-1', '0', '1e9', 'NaN', '%', '', '99999999999999999999'])}`;
  if (rnd.chance(0.1)) path += '#frag';
  return path;
}

function randomBody(rnd: Rng): Buffer | undefined {
  switch (rnd.int(0, 9)) {
    case 0:
      return undefined;
    case 1:
      return Buffer.alloc(0);
    case 2:
    case 3: {
      // A job spec with a few hostile edits: the validator has to explain them through the API.
      let spec: unknown = BASE_SPEC;
      for (let k = rnd.int(0, 3); k > 0; k--) {
        const paths = nodePaths(spec).filter((p) => p.length > 0);
        spec = setAt(spec, rnd.pick(paths), rnd.chance(0.3) ? undefined : hostileValue(rnd));
      }
      if (rnd.chance(0.5)) spec = setAt(spec, ['name'], `fuzz-${rnd.int(0, 1e9)}`);
      return Buffer.from(JSON.stringify(spec));
    }
    case 4:
      return Buffer.from(JSON.stringify(randomJson(rnd, 4)) ?? 'null');
    case 5:
      return rnd.bytes(rnd.int(1, 500));
    case 6:
      return mutateBytes(rnd, Buffer.from(JSON.stringify(BASE_SPEC))).bytes;
    case 7:
      return Buffer.from(
        rnd.pick([
          deepJsonText(50_000),
          deepJsonText(50_000, '{"a":', '}'),
          '{"workers":' + deepJsonText(10_000) + '}',
        ]),
      );
    case 8:
      return Buffer.from(JSON.stringify({ workers: rnd.pick([-1, 1.5, 1e308, '2', null, [2], 2, 3, 99]) }));
    default:
      return Buffer.alloc(MAX_BODY_BYTES + rnd.int(1, 2 * 1024 * 1024), 0x20);
  }
}

/** Requests aimed at real routes (so bodies reach the parsers and the validator) or at random places. */
function randomRequest(ctx: CaseContext): RawRequest {
  const { rnd } = ctx;
  const targeted = rnd.chance(0.6);
  const headers: Array<[string, string]> = [];
  const auth = rnd.next();
  if (auth < (targeted ? 0.9 : 0.6)) headers.push(['Authorization', `Bearer ${TOKEN}`]);
  else if (auth < 0.95)
    headers.push([
      'Authorization',
      rnd.pick([
        `bearer ${TOKEN}`,
        `Bearer  ${TOKEN} `,
        'Bearer',
        'Basic Zm9vOmJhcg==',
        `Bearer ${'x'.repeat(4000)}`,
        `Bearer ${TOKEN}x`,
      ]),
    ]);
  let method: string;
  let path: string;
  if (targeted) {
    [method, path] = rnd.pick<[string, string]>([
      ['POST', '/v1/jobs'],
      ['POST', '/v1/jobs'],
      ['POST', '/v1/jobs'],
      ['POST', '/v1/jobs/j1/scale'],
      ['POST', `/v1/jobs/${rnd.pick(['j1', 'nope', '%zz', '%2F', 'a'.repeat(300)])}/scale`],
      ['GET', `/v1/jobs/${rnd.pick(['j1', 'nope', '%zz', '%00', '..'])}`],
      [
        'GET',
        `/v1/jobs/j1/tasks/${rnd.pick(['t', '%zz', '..'])}/files/${rnd.pick(['stdout', 'stderr'])}?offset=${rnd.pick(['-2', '0', 'x', '1e99'])}`,
      ],
      ['DELETE', `/v1/jobs/${rnd.pick(['nope', '%E2%82', ''])}`],
    ]);
  } else {
    method = rnd.pick(METHODS);
    path = randomPath(rnd);
  }
  const body = randomBody(rnd);
  if (body !== undefined || rnd.chance(0.3))
    headers.push([
      'Content-Type',
      targeted && rnd.chance(0.7) ? 'application/json' : rnd.pick(CONTENT_TYPES),
    ]);
  if (rnd.chance(0.05))
    headers.push([
      rnd.pick(['Accept', 'X-Forwarded-For', 'Cookie', 'Expect']),
      randomText(rnd, 20).replace(/[^\x20-\x7e]/g, ''),
    ]);
  ctx.label = `${method} ${path.slice(0, 100)} [${headers.map(([k, v]) => `${k}: ${v.slice(0, 30)}`).join(', ')}] body ${body === undefined ? 'none' : `${body.length} B`}`;
  return { method, path, headers, ...(body ? { body } : {}) };
}

/** The API's contract for any request that reached it. */
function expectCleanAnswer(req: RawRequest, a: RawAnswer): void {
  expect(a.status, `status (${a.body.toString('utf8').slice(0, 200)})`).to.be.within(200, 499);
  if (a.status < 400 || req.method === 'HEAD') return;
  // node answers an Expect it does not know with a bare 417 before any handler runs.
  if (a.status === 417 && req.headers?.some(([k]) => k === 'Expect')) return;
  expect(a.headers['content-type'], `content type of the ${a.status} answer`).to.match(/^application\/json/);
  const json = JSON.parse(a.body.toString('utf8')) as { error?: { code?: unknown; message?: unknown } };
  expect(json.error?.code, 'error.code').to.be.a('string').with.length.above(0);
  expect(json.error?.message, 'error.message').to.be.a('string').with.length.above(0);
}

describe(`fuzz: scheduler/api server @integration (seed ${SEED})`, function () {
  this.timeout(60_000 * fuzzScale());
  let facade: ValidatingFacade;
  let server: ApiServer;
  let port: number;
  let log: RecordingLogger;

  beforeEach(async () => {
    facade = new ValidatingFacade();
    facade.jobs.set('j1', jobStatus('j1'));
    log = new RecordingLogger();
    server = new ApiServer({
      facade,
      logger: log,
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      authDisabled: false,
      sseKeepAliveMs: 1000,
    });
    port = Number(new URL(await server.start()).port);
  });
  afterEach(() => server.stop());

  /** The server still answers, and the job it had before the fuzzing is still there. */
  async function expectStillServing(): Promise<void> {
    const health = await rawExchange(port, { method: 'GET', path: '/health' });
    expect(health.status).to.equal(200);
    const list = await rawExchange(port, {
      method: 'GET',
      path: '/v1/jobs',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
    });
    expect(list.status).to.equal(200);
    const ids = (JSON.parse(list.body.toString('utf8')) as { jobs: Array<{ id: string }> }).jobs.map(
      (j) => j.id,
    );
    expect(ids).to.include('j1');
    const j1 = await rawExchange(port, {
      method: 'GET',
      path: '/v1/jobs/j1',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
    });
    expect(j1.status).to.equal(200);
    expect(log.errors(), 'errors logged by the API').to.deep.equal([]);
  }

  it('random requests (methods, paths, encodings, types, bodies, auth): below 500, JSON errors, no hang', async () => {
    const statuses = new Map<number, number>();
    const PARALLEL = 6;
    // Each batch sends PARALLEL requests at once, so the server also sees them interleaved.
    await fuzzLoop(SEED, { cases: 300, ms: 12_000 }, async (ctx) => {
      const requests = Array.from({ length: PARALLEL }, () => randomRequest(ctx));
      const answers = await Promise.all(requests.map((r) => rawExchange(port, r)));
      answers.forEach((a, i) => {
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        const r = requests[i]!;
        ctx.label = `${r.method} ${r.path.slice(0, 80)} [${(r.headers ?? []).map(([k, v]) => `${k}: ${v.slice(0, 30)}`).join(', ')}]`;
        // An early 413 to an oversized body may reset the socket before we read it, while we still send.
        if (a.status === 0) {
          expect(r.body?.length ?? 0, 'closed without an answer').to.be.above(MAX_BODY_BYTES);
          expect(a.socketError).to.match(/ECONNRESET|EPIPE/);
        } else expectCleanAnswer(r, a);
      });
    });
    // The mix must reach the interesting answers, or the generator is not doing its job.
    const seen = JSON.stringify([...statuses].sort(([a], [b]) => a - b));
    for (const s of [200, 400, 401, 404, 405, 413, 415])
      expect(statuses.get(s) ?? 0, `answers with ${s} in ${seen}`).to.be.above(0);
    await expectStillServing();
  });

  it('broken HTTP framing is refused (4xx or a closed connection) and the server keeps serving', async () => {
    const auth = `Authorization: Bearer ${TOKEN}\r\n`;
    const frames: Array<[string, Buffer]> = [
      ['garbage', Buffer.from('\x00\x01\x02\xff\xfe GARBAGE\r\n\r\n', 'latin1')],
      ['no version', Buffer.from('GET /v1/jobs\r\n\r\n')],
      ['HTTP/2 preface', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
      [
        'bad chunk size',
        Buffer.from(
          `POST /v1/jobs HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
        ),
      ],
      [
        'content-length and chunked',
        Buffer.from(
          `POST /v1/jobs HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
        ),
      ],
      [
        'two content-lengths',
        Buffer.from(
          `POST /v1/jobs HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x`,
        ),
      ],
      [
        'negative content-length',
        Buffer.from(
          `POST /v1/jobs HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: -1\r\n\r\n{}`,
        ),
      ],
      [
        'huge content-length',
        Buffer.from(
          `POST /v1/jobs HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n{}`,
        ),
      ],
      ['header without colon', Buffer.from(`GET /v1/jobs HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n`)],
      ['space before colon', Buffer.from(`GET /v1/jobs HTTP/1.1\r\nHost : x\r\n\r\n`)],
      ['NUL in header', Buffer.from(`GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n`, 'latin1')],
      ['bare LF line ends', Buffer.from(`GET /health HTTP/1.1\nHost: x\n\n`)],
      [
        'raw UTF-8 in the path',
        Buffer.from(`GET /v1/jobs/🚀 HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`),
      ],
      [
        'space in the path',
        Buffer.from(`GET /v1/jobs/a b HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`),
      ],
      [
        '64 KiB of headers',
        Buffer.from(`GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`),
      ],
      ['64 KiB path', Buffer.from(`GET /${'a'.repeat(64 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`)],
      ['CONNECT', Buffer.from('CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n')],
      [
        'upgrade to websocket',
        Buffer.from(
          'GET /v1/events HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
        ),
      ],
    ];
    for (const [what, raw] of frames) {
      const a = await rawExchange(port, { method: '', path: what, raw });
      if (a.status !== 0)
        expect(a.status, `${what}: ${a.body.toString('utf8').slice(0, 100)}`).to.be.within(200, 499);
    }
    await expectStillServing();
  });

  it('stalled and vanishing clients do not block or break the server', async () => {
    // A body that never arrives (Content-Length promises more) and clients that drop mid-body.
    const stalled: net.Socket[] = [];
    for (let i = 0; i < 5; i++) {
      const s = net.connect({ host: '127.0.0.1', port });
      s.on('error', () => undefined);
      s.write(
        requestBytes({
          method: 'POST',
          path: '/v1/jobs',
          headers: [
            ['Authorization', `Bearer ${TOKEN}`],
            ['Content-Type', 'application/json'],
            ['Content-Length', '1000000'],
          ],
          body: Buffer.from('{"name":'),
        }),
      );
      stalled.push(s);
    }
    for (let i = 0; i < 20; i++) {
      const s = net.connect({ host: '127.0.0.1', port });
      s.on('error', () => undefined);
      await new Promise<void>((resolve) => s.on('connect', resolve));
      s.write(
        requestBytes({
          method: 'POST',
          path: i % 2 ? '/v1/jobs' : '/v1/jobs/j1/scale',
          headers: [
            ['Authorization', `Bearer ${TOKEN}`],
            ['Content-Type', 'application/json'],
            ['Content-Length', '5000'],
          ],
          body: Buffer.from('{"workers":'),
        }),
      );
      await new Promise((r) => setTimeout(r, 2));
      s.destroy();
    }
    // Other clients are served while the stalled ones wait.
    await expectStillServing();
    for (const s of stalled) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    await expectStillServing();
  });

  it('open event streams survive a storm of bad requests and still get events', async () => {
    const events: string[] = [];
    const sse = net.connect({ host: '127.0.0.1', port });
    sse.on('error', () => undefined);
    sse.on('data', (c: Buffer) => events.push(c.toString('utf8')));
    sse.write(`GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 100));
    await fuzzLoop(SEED + 10, { cases: 100, ms: 4000 }, async (ctx) => {
      const r = randomRequest(ctx);
      const a = await rawExchange(port, r);
      if (a.status !== 0) expectCleanAnswer(r, a);
    });
    facade.emit({ kind: 'progress', jobId: 'j1', progress: { step: 99, examplesSeen: 1, epoch: 0 } });
    await new Promise((r) => setTimeout(r, 100));
    sse.destroy();
    expect(events.join('')).to.contain('"step":99');
    await expectStillServing();
  });
});
