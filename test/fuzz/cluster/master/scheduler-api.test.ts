// Hostile input for the embedded master's /api/v1/scheduler: malformed bodies (mutated wire examples in
// JSON and protobuf, random bytes), wrong content types, accept headers and stream ids; well-formed calls
// with hostile contents for a subscribed framework; and hostile ACCEPTs against its real offers. The
// master answers 4xx (or 2xx where a call happens to be valid, 501 for UNKNOWN), never 500, never hangs,
// logs no handler failure, and keeps serving a bystander framework throughout.
import { expect } from 'chai';
import type { LocalCluster } from '../../../../cluster/index.js';
import { decodeMessage, encodeMessage } from '../../../../protos/wire/codec.js';
import { exampleBytes, exampleIndex } from '../../../protos/shared-docs.js';
import { startCluster } from '../../../fixtures/cluster/harness.js';
import { RawScheduler, SCHEDULER_PATH } from '../../../fixtures/cluster/raw-scheduler.js';
import { fuzzLoop, type CaseContext } from '../../support/budget.js';
import {
  differentKind,
  getAt,
  hostileValue,
  mutateBytes,
  nodePaths,
  randomJson,
  setAt,
} from '../../support/mutate.js';
import { fuzzScale, fuzzSeed } from '../../support/prng.js';
import { rawExchange, RecordingLogger, type RawAnswer, type RawRequest } from '../../support/raw-http.js';

const SEED = fuzzSeed('cluster/master/scheduler-api');
const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/x-protobuf',
  'application/x-protobuf',
  'application/json; charset=utf-8',
  'text/plain',
  'application/protobuf',
  '',
];

/** The scheduler Call examples of shared/mesos, as JSON values. */
function callExamples(): Array<{ file: string; json: unknown }> {
  return exampleIndex()
    .filter((e) => e.proto_type === 'mesos.v1.scheduler.Call')
    .map((e) => ({ file: e.file, json: JSON.parse(exampleBytes(e.file).toString('utf8')) as unknown }));
}

/** One structural mutation of a JSON tree. */
function mutateJson(ctx: CaseContext, json: unknown): unknown {
  const path = ctx.rnd.pick(nodePaths(json));
  switch (ctx.rnd.int(0, 3)) {
    case 0:
      return setAt(json, path, differentKind(ctx.rnd, getAt(json, path)));
    case 1:
      return setAt(json, path, hostileValue(ctx.rnd));
    case 2:
      return path.length ? setAt(json, path, undefined) : json;
    default:
      return setAt(json, path, randomJson(ctx.rnd, 2));
  }
}

/** Makes every command in a call harmless (`true`, nothing fetched), whatever a mutation put there. */
function defuse(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(defuse);
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'command') out[k] = { value: 'true', shell: true };
    else if (k === 'uris' || k === 'health_check' || k === 'check') continue;
    else out[k] = defuse(x);
  }
  return out;
}

/** The master's contract for any request. */
function expectMasterAnswer(req: RawRequest, a: RawAnswer, hostileType?: string): void {
  const text = a.body.toString('utf8').slice(0, 200);
  expect(a.status, `closed without an answer (${a.socketError ?? ''})`).to.not.equal(0);
  expect(a.status, `status: ${text}`).to.not.equal(500);
  if (a.status === 501) expect(text, 'only UNKNOWN calls are 501').to.match(/UNKNOWN/);
  else expect(a.status, `status: ${text}`).to.be.within(200, 499);
  if (a.status === 200 && !a.streaming) expect(req.method, 'a 200 without a stream').to.equal('POST');
  if (hostileType)
    expect(a.status, `${hostileType} answered ${a.status}: ${text}`).to.be.oneOf([
      200, 202, 400, 403, 404, 501,
    ]);
}

describe(`fuzz: cluster master /api/v1/scheduler @integration (seed ${SEED})`, function () {
  this.timeout(90_000 * fuzzScale());
  let cluster: LocalCluster;
  let port: number;
  let log: RecordingLogger;
  let bystander: RawScheduler;
  let target: RawScheduler;
  const examples = callExamples();

  /** The bystander is still subscribed, its calls are answered and its stream still delivers heartbeats. */
  async function expectBystanderServed(): Promise<void> {
    const res = await bystander.call({
      type: 'RECONCILE',
      framework_id: { value: bystander.frameworkId },
      reconcile: {},
    });
    expect(res.status, res.text).to.equal(202);
    const seen = bystander.events.length;
    await bystander.take(
      (e) => e.type === 'HEARTBEAT' && bystander.events.indexOf(e) >= seen,
      3000,
      'a fresh HEARTBEAT',
    );
    const state = (await rawExchange(port, { method: 'GET', path: '/master/state' })).body.toString('utf8');
    const frameworks = (JSON.parse(state) as { frameworks: Array<{ id: string; active: boolean }> })
      .frameworks;
    expect(frameworks.find((f) => f.id === bystander.frameworkId)?.active, 'bystander active').to.equal(true);
    const failures = log.lines.filter((l) => l.level === 'error' && /handler failed/.test(l.message));
    expect(
      failures.map((l) => JSON.stringify(l.meta, (_k, v: unknown) => (v instanceof Error ? v.stack : v))),
    ).to.deep.equal([]);
  }

  before(async () => {
    log = new RecordingLogger();
    cluster = await startCluster({ logger: log });
    port = Number(new URL(cluster.masterUrl).port);
    // The bystander subscribes suppressed, so the one agent's offers go to the target.
    bystander = await RawScheduler.connect(
      cluster.masterUrl,
      { name: 'bystander' },
      { suppressedRoles: ['*'] },
    );
    target = await RawScheduler.connect(cluster.masterUrl, { name: 'target' });
  });

  after(async () => {
    bystander?.close();
    target?.close();
    await cluster?.stop();
  });

  it('malformed bodies, media types and stream ids: 4xx, never 500, no hang', async () => {
    const statuses = new Map<number, number>();
    await fuzzLoop(SEED, { cases: 80, ms: 8000 }, async (ctx) => {
      const requests: RawRequest[] = Array.from({ length: 4 }, () => {
        const ex = ctx.rnd.pick(examples);
        let json: unknown = ex.json;
        for (let k = ctx.rnd.int(1, 3); k > 0; k--) json = mutateJson(ctx, json);
        const type = ctx.rnd.pick(CONTENT_TYPES);
        let body: Buffer;
        const style = ctx.rnd.int(0, 4);
        if (style === 0) body = ctx.rnd.bytes(ctx.rnd.int(0, 300));
        else if (style === 1) body = mutateBytes(ctx.rnd, Buffer.from(JSON.stringify(ex.json))).bytes;
        else if (style === 2) {
          // Valid protobuf of a valid call, then damaged on the byte level.
          const value = decodeMessage('mesos.v1.scheduler.Call', exampleBytes(ex.file), 'json');
          body = mutateBytes(ctx.rnd, encodeMessage('mesos.v1.scheduler.Call', value, 'protobuf')).bytes;
        } else body = Buffer.from(JSON.stringify(defuse(json)) ?? 'null');
        const headers: Array<[string, string]> = [];
        if (type || ctx.rnd.chance(0.5)) headers.push(['Content-Type', type]);
        const sid = ctx.rnd.int(0, 3);
        if (sid === 1) headers.push(['Mesos-Stream-Id', target.streamId]);
        else if (sid === 2)
          headers.push([
            'Mesos-Stream-Id',
            ctx.rnd.pick(['', 'x', bystander.streamId, '\u00e9'.replace(/[^\x20-\x7e]/g, '?')]),
          ]);
        if (ctx.rnd.chance(0.2))
          headers.push([
            'Accept',
            ctx.rnd.pick(['text/html', '*/*', 'application/x-protobuf;q=0', 'application/json;q=0, */*;q=0']),
          ]);
        const method = ctx.rnd.chance(0.9) ? 'POST' : ctx.rnd.pick(['GET', 'PUT', 'DELETE', 'PATCH']);
        const path = ctx.rnd.chance(0.9)
          ? SCHEDULER_PATH
          : ctx.rnd.pick([
              '/master/api/v1/scheduler',
              '/api/v1/scheduler/',
              '/api/v1//scheduler',
              '/api/v1/scheduler?x=%zz',
            ]);
        return { method, path, headers, body };
      });
      ctx.label = requests
        .map(
          (r) =>
            `${r.method} ${r.path} ${r.headers?.map((h) => h.join(': ')).join(', ')} ${r.body?.length} B`,
        )
        .join(' | ');
      const answers = await Promise.all(requests.map((r) => rawExchange(port, r)));
      answers.forEach((a, i) => {
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        expectMasterAnswer(requests[i]!, a);
      });
    });
    const seen = JSON.stringify([...statuses]);
    for (const s of [400, 405, 415]) expect(statuses.get(s) ?? 0, `${s} in ${seen}`).to.be.above(0);
    await expectBystanderServed();
  });

  it('well-formed calls with hostile contents for a subscribed framework: 4xx or accepted, never 500', async () => {
    const TYPES = [
      'DECLINE',
      'KILL',
      'SHUTDOWN',
      'ACKNOWLEDGE',
      'RECONCILE',
      'MESSAGE',
      'REQUEST',
      'REVIVE',
      'SUPPRESS',
      'ACCEPT',
      'ACCEPT_INVERSE_OFFERS',
      'DECLINE_INVERSE_OFFERS',
      'ACKNOWLEDGE_OPERATION_STATUS',
      'RECONCILE_OPERATIONS',
      'UNKNOWN',
    ] as const;
    await fuzzLoop(SEED + 1, { cases: 40, ms: 8000 }, async (ctx) => {
      const calls = Array.from({ length: 4 }, () => {
        const type = ctx.rnd.pick(TYPES);
        const id = () => ({
          value: ctx.rnd.pick(['', 'nope', 'x'.repeat(5000), `${cluster.masterId}-S0`, '../..', '\u0000']),
        });
        const body: Record<string, unknown> = {
          DECLINE: {
            decline: {
              offer_ids: [id(), id()],
              filters: { refuse_seconds: ctx.rnd.pick([-1, 0, 1e308, 'Infinity', 'NaN', 0.001]) },
            },
          },
          KILL: {
            kill: {
              task_id: id(),
              agent_id: id(),
              kill_policy: { grace_period: { nanoseconds: ctx.rnd.pick([-1, 2 ** 62]) } },
            },
          },
          SHUTDOWN: { shutdown: { executor_id: id(), agent_id: id() } },
          ACKNOWLEDGE: {
            acknowledge: {
              agent_id: id(),
              task_id: id(),
              uuid: ctx.rnd.bytes(ctx.rnd.pick([16, 16, 0, 15, 17])).toString('base64'),
            },
          },
          RECONCILE: {
            reconcile: {
              tasks: Array.from({ length: ctx.rnd.int(0, 50) }, () => ({
                task_id: id(),
                ...(ctx.rnd.chance(0.5) ? { agent_id: id() } : {}),
              })),
            },
          },
          MESSAGE: {
            message: {
              agent_id: id(),
              executor_id: id(),
              data: ctx.rnd.bytes(ctx.rnd.int(0, 2000)).toString('base64'),
            },
          },
          REQUEST: {
            request: {
              requests: [
                { agent_id: id(), resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] },
              ],
            },
          },
          REVIVE: { revive: { roles: [ctx.rnd.pick(['*', '', 'nope', '..', 'a/b'])] } },
          SUPPRESS: ctx.rnd.chance(0.5) ? {} : { suppress: { roles: ['no-such-role'] } },
          ACCEPT: {
            accept: {
              offer_ids: [id()],
              operations: [
                { type: ctx.rnd.pick(['LAUNCH', 'RESERVE', 'UNKNOWN', 'LAUNCH_GROUP', 'DESTROY']) },
              ],
              filters: { refuse_seconds: 0 },
            },
          },
          ACCEPT_INVERSE_OFFERS: { accept_inverse_offers: { inverse_offer_ids: [id()] } },
          DECLINE_INVERSE_OFFERS: { decline_inverse_offers: { inverse_offer_ids: [id()] } },
          ACKNOWLEDGE_OPERATION_STATUS: {
            acknowledge_operation_status: { uuid: 'AAAAAAAAAAAAAAAAAAAAAA==', operation_id: id() },
          },
          RECONCILE_OPERATIONS: { reconcile_operations: { operations: [{ operation_id: id() }] } },
          UNKNOWN: {},
        }[type] as Record<string, unknown>;
        return { type, json: { type, framework_id: { value: target.frameworkId }, ...body } };
      });
      ctx.label = calls.map((c) => JSON.stringify(c.json).slice(0, 120)).join(' | ');
      const answers = await Promise.all(
        calls.map((c) =>
          rawExchange(port, {
            method: 'POST',
            path: SCHEDULER_PATH,
            headers: [
              ['Content-Type', 'application/json'],
              ['Mesos-Stream-Id', target.streamId],
            ],
            body: Buffer.from(JSON.stringify(c.json)),
          }),
        ),
      );
      answers.forEach((a, i) =>
        expectMasterAnswer({ method: 'POST', path: SCHEDULER_PATH }, a, calls[i]!.type),
      );
    });
    await expectBystanderServed();
  });

  it('hostile ACCEPTs of real offers (mutated launches of harmless commands): never 500, offers keep coming', async () => {
    const accepts = examples.filter((e) => /accept-launch/.test(e.file));
    expect(accepts.length).to.be.above(0);
    await target.send({ type: 'REVIVE', revive: {} });
    await fuzzLoop(SEED + 2, { cases: 25, ms: 12_000 }, async (ctx) => {
      const offer = (await target.offers(5000))[0]!;
      const ex = ctx.rnd.pick(accepts);
      let operations: unknown = (ex.json as { accept: { operations: unknown } }).accept.operations;
      for (let k = ctx.rnd.int(1, 3); k > 0; k--) operations = mutateJson(ctx, operations);
      // Keep the offer real (so the launch path runs) and every command harmless.
      const text = JSON.stringify({
        type: 'ACCEPT',
        framework_id: { value: target.frameworkId },
        accept: { offer_ids: [offer.id], operations: defuse(operations), filters: { refuse_seconds: 0 } },
      });
      ctx.label = `${ex.file}: ${text.slice(0, 300)}`;
      const a = await rawExchange(port, {
        method: 'POST',
        path: SCHEDULER_PATH,
        headers: [
          ['Content-Type', 'application/json'],
          ['Mesos-Stream-Id', target.streamId],
        ],
        body: Buffer.from(text),
      });
      expectMasterAnswer({ method: 'POST', path: SCHEDULER_PATH }, a, 'ACCEPT');
      if (a.status !== 202) {
        // A refused call leaves the offer outstanding: give it back so the next case gets a fresh one.
        await target.send({
          type: 'DECLINE',
          decline: { offer_ids: [offer.id], filters: { refuse_seconds: 0 } },
        });
      }
    });
    await expectBystanderServed();
  });
});
