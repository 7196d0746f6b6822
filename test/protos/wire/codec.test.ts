import { expect } from 'chai';
import { isNodalError, type ErrorCode } from '../../../config/errors.js';
import { loadMesosRoot } from '../../../protos/index.js';
import type {
  CommandInfo,
  FrameworkInfo,
  SchedulerCall,
  SchedulerEvent,
  TaskInfo,
  TaskStatus,
} from '../../../protos/mesos/v1/types.js';
import {
  acceptedFormat,
  checkRequired,
  decodeMessage,
  encodeMessage,
  formatOfMediaType,
  MEDIA_TYPES,
  type MesosType,
  type WireFormat,
} from '../../../protos/wire/codec.js';
import { RecordIODecoder, encodeRecord } from '../../../protos/wire/recordio.js';

const CALL = 'mesos.v1.scheduler.Call';
const EVENT = 'mesos.v1.scheduler.Event';
const FORMATS: WireFormat[] = ['json', 'protobuf'];

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
const decodeJson = <T>(type: MesosType, value: unknown): T => decodeMessage<T>(type, json(value), 'json');
const encodeJson = (type: MesosType, value: unknown): unknown =>
  JSON.parse(encodeMessage(type, value, 'json').toString('utf8'));

function expectError(fn: () => unknown, code: ErrorCode, fragment: string): void {
  try {
    fn();
  } catch (e) {
    expect(isNodalError(e, code), String(e)).to.equal(true);
    expect((e as Error).message).to.contain(fragment);
    return;
  }
  expect.fail(`expected NodalError ${code}`);
}

const framework: FrameworkInfo = {
  user: 'nodal',
  name: 'nodal',
  failover_timeout: 604800,
  capabilities: [{ type: 'MULTI_ROLE' }, { type: 'GPU_RESOURCES' }],
  roles: ['training'],
};

describe('protos/wire/codec', () => {
  describe('media types', () => {
    it('exports the two exact Content-Type values', () => {
      expect(MEDIA_TYPES).to.deep.equal({ json: 'application/json', protobuf: 'application/x-protobuf' });
    });

    const contentTypes: [string | undefined, WireFormat | undefined][] = [
      ['application/json', 'json'],
      ['application/x-protobuf', 'protobuf'],
      [undefined, undefined],
      ['', undefined],
      ['text/plain;charset=UTF-8', undefined],
      ['application/json ', undefined],
      ['Application/JSON', undefined],
      ['application/x-protobuf; proto=mesos.v1.scheduler.Call', undefined],
    ];
    for (const [header, want] of contentTypes) {
      it(`formatOfMediaType(${JSON.stringify(header)}) → ${String(want)}`, () => {
        expect(formatOfMediaType(header)).to.equal(want);
      });
    }

    const accepts: [string | undefined, WireFormat | undefined][] = [
      [undefined, 'json'],
      ['', 'json'],
      ['*/*', 'json'],
      ['application/*', 'json'],
      ['application/json', 'json'],
      ['application/x-protobuf', 'protobuf'],
      ['application/x-protobuf, application/json', 'json'],
      ['application/x-protobuf;q=1, application/json;q=0.1', 'json'],
      ['application/json;q=0, application/x-protobuf', 'protobuf'],
      ['application/json;q=0, */*', 'json'],
      ['text/html, application/x-protobuf;q=0.5', 'protobuf'],
      ['text/plain', undefined],
      ['application/recordio', undefined],
      ['application/json;q=0', undefined],
    ];
    for (const [header, want] of accepts) {
      it(`acceptedFormat(${JSON.stringify(header)}) → ${String(want)}`, () => {
        expect(acceptedFormat(header)).to.equal(want);
      });
    }
  });

  describe('REFERENCE §0 rule 2: snake_case keys, enum names, base64 bytes', () => {
    it('rejects a camelCase key, naming it and the message', () => {
      expectError(
        () => decodeJson(CALL, { frameworkId: { value: 'f' }, type: 'TEARDOWN' }),
        'WIRE_DECODE',
        "unknown field 'frameworkId' in mesos.v1.scheduler.Call",
      );
    });

    it('names the full path of a nested unknown key', () => {
      expectError(
        () =>
          decodeJson(CALL, {
            type: 'SUBSCRIBE',
            subscribe: { framework_info: { ...framework, failoverTimeout: 5 } },
          }),
        'WIRE_DECODE',
        "unknown field 'failoverTimeout' in mesos.v1.FrameworkInfo (at subscribe.framework_info.failoverTimeout)",
      );
    });

    it('rejects camelCase keys when encoding too, so they never reach a master that would drop them', () => {
      expectError(
        () => encodeMessage(CALL, { type: 'SUBSCRIBE', subscribe: { frameworkInfo: framework } }, 'json'),
        'WIRE_ENCODE',
        "unknown field 'frameworkInfo' in mesos.v1.scheduler.Call.Subscribe (at subscribe.frameworkInfo)",
      );
    });

    it('rejects an enum given as a number, in either direction', () => {
      expectError(
        () => decodeJson(CALL, { type: 1 }),
        'WIRE_DECODE',
        "enum field 'type' in mesos.v1.scheduler.Call takes a value name, not the number 1",
      );
      expectError(() => encodeMessage(CALL, { type: 1 }, 'protobuf'), 'WIRE_ENCODE', 'not the number 1');
    });

    it('rejects an unknown enum name in a required field', () => {
      const status = { task_id: { value: 't' }, state: 'TASK_EXPLODED' };
      expectError(
        () => decodeJson(EVENT, { type: 'UPDATE', update: { status } }),
        'WIRE_DECODE',
        "unknown value 'TASK_EXPLODED' of enum mesos.v1.TaskState in required field 'state' (at update.status.state)",
      );
    });

    it('drops an unknown enum name in optional and repeated fields, as the master does', () => {
      const call = decodeJson<SchedulerCall>(CALL, {
        type: 'FUTURE_CALL',
        subscribe: {
          framework_info: {
            user: 'u',
            name: 'n',
            capabilities: [{ type: 'FUTURE_CAPABILITY' }, { type: 'GPU_RESOURCES' }],
          },
        },
      });
      expect(call).to.deep.equal({
        subscribe: {
          framework_info: { user: 'u', name: 'n', capabilities: [{}, { type: 'GPU_RESOURCES' }] },
        },
      });
    });

    it('decodes bytes from padded base64 into a Buffer and encodes them back the same way', () => {
      const uuid = Buffer.from('5d2c8a1e4b7f4e3a9c610f8e2d7b3a94', 'hex');
      const body = {
        type: 'ACKNOWLEDGE',
        acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: uuid.toString('base64') },
      };
      const call = decodeJson<SchedulerCall>(CALL, body);
      expect(Buffer.isBuffer(call.acknowledge!.uuid)).to.equal(true);
      expect(Buffer.from(call.acknowledge!.uuid).equals(uuid)).to.equal(true);
      expect(encodeJson(CALL, call)).to.deep.equal(body);
      expect(
        (
          encodeJson(CALL, {
            ...call,
            acknowledge: { ...call.acknowledge!, uuid: new Uint8Array([1, 2]) },
          }) as typeof body
        ).acknowledge.uuid,
      ).to.equal('AQI=');
    });

    it('rejects bytes that are not padded standard base64, and bytes given as a string in memory', () => {
      for (const bad of ['AQI', 'AQ==x', 'AQ_-', '!!!!']) {
        expectError(
          () =>
            decodeJson(EVENT, {
              type: 'MESSAGE',
              message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: bad },
            }),
          'WIRE_DECODE',
          'base64 (at message.data)',
        );
      }
      expectError(
        () => encodeMessage(CALL, { type: 'MESSAGE', message: { data: 'aGk=' } }, 'json'),
        'WIRE_ENCODE',
        "bytes field 'data' needs a Uint8Array",
      );
    });
  });

  describe('REFERENCE §0 rule 3: exact Content-Type', () => {
    it('does not accept application/json; charset=utf-8 (the master answers 415)', () => {
      expect(formatOfMediaType('application/json; charset=utf-8')).to.equal(undefined);
      expect(formatOfMediaType('application/json;charset=utf-8')).to.equal(undefined);
    });
  });

  describe('REFERENCE §0 rule 5: RecordIO lengths are bytes', () => {
    it('frames a multi-byte UTF-8 event by its byte length and decodes it split inside a character', () => {
      const event: SchedulerEvent = { type: 'ERROR', error: { message: 'Rahmen kaputt: é 日本 🚀' } };
      const payload = encodeMessage(EVENT, event, 'json');
      expect(payload.length).to.be.greaterThan(payload.toString('utf8').length);
      const frame = encodeRecord(payload);
      expect(frame.subarray(0, frame.indexOf(0x0a)).toString('ascii')).to.equal(String(payload.length));
      const cut = frame.indexOf(Buffer.from('日', 'utf8')) + 1;
      const decoder = new RecordIODecoder();
      const records = [...decoder.push(frame.subarray(0, cut)), ...decoder.push(frame.subarray(cut))];
      decoder.end();
      expect(records).to.have.length(1);
      expect(decodeMessage(EVENT, records[0]!, 'json')).to.deep.equal(event);
    });

    it('reads protobuf records that contain 0x0A bytes by length, not by newline', () => {
      // A 10-character id is length-prefixed with 0x0A inside the record.
      const events: SchedulerEvent[] = [
        { type: 'RESCIND', rescind: { offer_id: { value: '0123456789' } } },
        {
          type: 'MESSAGE',
          message: { agent_id: { value: 'S0' }, executor_id: { value: 'e' }, data: Buffer.from('\n\n12\n') },
        },
        { type: 'HEARTBEAT' },
      ];
      const payloads = events.map((e) => encodeMessage(EVENT, e, 'protobuf'));
      expect(payloads[0]!.includes(0x0a)).to.equal(true);
      expect(payloads[1]!.includes(0x0a)).to.equal(true);
      const stream = Buffer.concat(payloads.map(encodeRecord));
      for (let size = 1; size <= stream.length; size += 3) {
        const decoder = new RecordIODecoder();
        const records: Buffer[] = [];
        for (let i = 0; i < stream.length; i += size)
          records.push(...decoder.push(stream.subarray(i, i + size)));
        decoder.end();
        expect(
          records.map((r) => decodeMessage(EVENT, r, 'protobuf')),
          `chunk size ${size}`,
        ).to.deep.equal(events);
      }
    });
  });

  describe('REFERENCE §0 rule 11: CommandInfo.shell defaults to true', () => {
    it('decoding a CommandInfo without shell leaves it absent, in both formats', () => {
      const command: CommandInfo = { value: '/usr/bin/trainer', arguments: ['trainer', '--role', 'worker'] };
      for (const format of FORMATS) {
        const decoded = decodeMessage<CommandInfo>(
          'mesos.v1.CommandInfo',
          encodeMessage('mesos.v1.CommandInfo', command, format),
          format,
        );
        expect(decoded, format).to.deep.equal(command);
        expect(decoded, format).not.to.have.property('shell');
      }
    });

    it('the proto default reads true', () => {
      const shell = loadMesosRoot().lookupType('mesos.v1.CommandInfo').fields.shell!;
      expect(shell.options).to.deep.include({ default: true });
      expect(shell.defaultValue).to.equal(true);
    });

    it('an explicit shell: false survives both formats', () => {
      for (const format of FORMATS) {
        const decoded = decodeMessage<CommandInfo>(
          'mesos.v1.CommandInfo',
          encodeMessage('mesos.v1.CommandInfo', { shell: false }, format),
          format,
        );
        expect(decoded, format).to.deep.equal({ shell: false });
      }
    });
  });

  describe('JSON values', () => {
    it('accepts numeric strings and "Infinity" on input, writes bare numbers and "Infinity" on output', () => {
      const body = {
        type: 'DECLINE',
        decline: { offer_ids: [{ value: 'o' }], filters: { refuse_seconds: '31536000' } },
      };
      const call = decodeJson<SchedulerCall>(CALL, body);
      expect(call.decline!.filters!.refuse_seconds).to.equal(31536000);
      const limits = decodeJson<TaskInfo>('mesos.v1.TaskInfo', {
        name: 'ps',
        task_id: { value: 't' },
        agent_id: { value: 'a' },
        limits: { cpus: { value: '4' }, mem: { value: 'Infinity' } },
      }).limits!;
      expect(limits).to.deep.equal({ cpus: { value: 4 }, mem: { value: Infinity } });
      expect(
        (
          encodeJson('mesos.v1.TaskInfo', {
            name: 'ps',
            task_id: { value: 't' },
            agent_id: { value: 'a' },
            limits,
          }) as { limits: unknown }
        ).limits,
      ).to.deep.equal({
        cpus: { value: 4 },
        mem: { value: 'Infinity' },
      });
    });

    it('rejects non-numeric strings, fractions in integer fields and out-of-range integers', () => {
      const failure = (status: unknown) => ({ type: 'FAILURE', failure: { status } });
      expectError(
        () => decodeJson(EVENT, failure('256x')),
        'WIRE_DECODE',
        "'256x' is not a numeric string for int32 (at failure.status)",
      );
      expectError(() => decodeJson(EVENT, failure(1.5)), 'WIRE_DECODE', 'int32 needs an integer');
      expectError(() => decodeJson(EVENT, failure(2 ** 31)), 'WIRE_DECODE', 'out of range for int32');
      expect(decodeJson<SchedulerEvent>(EVENT, failure('256')).failure!.status).to.equal(256);
    });

    it('treats null as unset and keeps present empty sub-messages (implicit reconciliation)', () => {
      const call = decodeJson<SchedulerCall>(CALL, {
        framework_id: { value: 'f' },
        type: 'RECONCILE',
        reconcile: {},
        kill: null,
      });
      expect(call).to.deep.equal({ framework_id: { value: 'f' }, type: 'RECONCILE', reconcile: {} });
      for (const format of FORMATS) {
        expect(decodeMessage(CALL, encodeMessage(CALL, call, format), format), format).to.deep.equal(call);
      }
    });

    it('drops empty repeated fields and maps; undefined members count as unset when encoding', () => {
      const call: SchedulerCall = { type: 'SUPPRESS', suppress: { roles: [] }, framework_id: undefined };
      expect(encodeJson(CALL, call)).to.deep.equal({ type: 'SUPPRESS', suppress: {} });
      expect(decodeJson(CALL, { type: 'SUPPRESS', suppress: { roles: [] } })).to.deep.equal({
        type: 'SUPPRESS',
        suppress: {},
      });
    });

    it('rejects values of the wrong JSON type with the field path', () => {
      expectError(
        () =>
          decodeJson(CALL, {
            type: 'SUBSCRIBE',
            subscribe: { framework_info: { ...framework, checkpoint: 'yes' } },
          }),
        'WIRE_DECODE',
        "bool field 'checkpoint' needs true or false, got string 'yes' (at subscribe.framework_info.checkpoint)",
      );
      expectError(
        () => decodeJson(CALL, { type: 'SUPPRESS', suppress: { roles: 'training' } }),
        'WIRE_DECODE',
        "repeated field 'roles' in mesos.v1.scheduler.Call.Suppress must be an array (at suppress.roles)",
      );
      expectError(
        () => decodeJson(CALL, [1]),
        'WIRE_DECODE',
        'mesos.v1.scheduler.Call must be a JSON object, got an array',
      );
      expectError(
        () => decodeJson(CALL, { type: 'KILL', kill: { task_id: 'x' } }),
        'WIRE_DECODE',
        "mesos.v1.TaskID must be a JSON object, got string 'x' (at kill.task_id)",
      );
    });

    it('reports malformed JSON and malformed protobuf as WIRE_DECODE', () => {
      expectError(
        () => decodeMessage(CALL, Buffer.from('{"type":'), 'json'),
        'WIRE_DECODE',
        'invalid JSON for mesos.v1.scheduler.Call',
      );
      expectError(
        () => decodeMessage(CALL, Buffer.from([0x12, 0x40, 0x01]), 'protobuf'),
        'WIRE_DECODE',
        'invalid protobuf for mesos.v1.scheduler.Call',
      );
    });

    it('emits explicit, non-deprecated proto defaults only when asked (as a master does)', () => {
      const info = {
        framework_info: framework,
        executor_info: { executor_id: { value: 'e' }, command: { value: 'x' } },
        agent_info: { hostname: 'h' },
      };
      const event = { type: 'SUBSCRIBED', subscribed: info };
      const plain = encodeJson('mesos.v1.executor.Event', event) as { subscribed: typeof info };
      expect(plain.subscribed.executor_info.command).to.deep.equal({ value: 'x' });
      const full = JSON.parse(
        encodeMessage('mesos.v1.executor.Event', event, 'json', { emitDefaults: true }).toString(),
      ) as {
        subscribed: {
          framework_info: Record<string, unknown>;
          executor_info: { command: unknown };
          agent_info: unknown;
        };
      };
      expect(full.subscribed.executor_info.command).to.deep.equal({ value: 'x', shell: true });
      expect(full.subscribed.agent_info).to.deep.equal({ hostname: 'h', port: 5051 });
      expect(full.subscribed.framework_info).to.include({ failover_timeout: 604800, checkpoint: false });
      expect(full.subscribed.framework_info).not.to.have.property('role');
      // Decoding such output keeps the defaults as explicit values.
      expect(
        decodeMessage('mesos.v1.executor.Event', Buffer.from(JSON.stringify(full)), 'json'),
      ).to.deep.equal(full);
    });
  });

  describe('protobuf values', () => {
    it('keeps 64-bit integers as numbers and map fields as objects', () => {
      const status: TaskStatus = {
        task_id: { value: 't' },
        state: 'TASK_UNREACHABLE',
        unreachable_time: { nanoseconds: 1_700_000_000_000_000_000 },
        timestamp: 1700000000.25,
      };
      const event: SchedulerEvent = { type: 'UPDATE', update: { status } };
      const back = decodeMessage<SchedulerEvent>(EVENT, encodeMessage(EVENT, event, 'protobuf'), 'protobuf');
      expect(back).to.deep.equal(event);
      expect(typeof back.update!.status.unreachable_time!.nanoseconds).to.equal('number');
    });

    it('treats unknown enum numbers as unknown fields (proto2 closed enums)', () => {
      // TaskStatus { task_id: 't', state: 999, reason: 999 } written by hand: our encoder refuses both.
      const bytes = Buffer.from('0a030a017410e70750e707', 'hex');
      const status = decodeMessage('mesos.v1.TaskStatus', bytes, 'protobuf');
      expect(status).to.deep.equal({ task_id: { value: 't' } });
      expectError(
        () => checkRequired('mesos.v1.TaskStatus', status),
        'VALIDATION',
        'Missing required fields: state',
      );
    });

    it('decodes a body with missing required fields so checkRequired can name them, as for JSON', () => {
      const incomplete = { type: 'SUBSCRIBE', subscribe: { framework_info: { name: 'n' } } };
      for (const format of FORMATS) {
        const call = decodeMessage(CALL, encodeMessage(CALL, incomplete, format), format);
        expect(call, format).to.deep.equal(incomplete);
        expectError(
          () => checkRequired(CALL, call),
          'VALIDATION',
          'Missing required fields: subscribe.framework_info.user',
        );
      }
    });
  });

  describe('checkRequired', () => {
    it('lists every missing required field with its path, like the master', () => {
      const call = {
        type: 'ACCEPT',
        accept: {
          offer_ids: [{}],
          operations: [
            {
              type: 'LAUNCH',
              launch: { task_infos: [{ name: 'ps', task_id: { value: 't' } }, { agent_id: { value: 'a' } }] },
            },
          ],
        },
      };
      try {
        checkRequired(CALL, call);
        expect.fail('expected VALIDATION');
      } catch (e) {
        expect(isNodalError(e, 'VALIDATION'), String(e)).to.equal(true);
        const fields = [
          'accept.offer_ids[0].value',
          'accept.operations[0].launch.task_infos[0].agent_id',
          'accept.operations[0].launch.task_infos[1].name',
          'accept.operations[0].launch.task_infos[1].task_id',
        ];
        expect((e as Error).message).to.equal(`Missing required fields: ${fields.join(', ')}`);
        expect((e as { details?: unknown }).details).to.deep.equal({ type: CALL, fields });
      }
    });

    it('checks inside map values and passes complete messages', () => {
      expectError(
        () =>
          checkRequired('mesos.v1.TaskInfo', {
            name: 'n',
            task_id: { value: 't' },
            agent_id: { value: 'a' },
            limits: { mem: {} },
          }),
        'VALIDATION',
        'Missing required fields: limits[mem].value',
      );
      expect(() =>
        checkRequired(CALL, { type: 'SUBSCRIBE', subscribe: { framework_info: framework } }),
      ).not.to.throw();
    });
  });

  it('reports an unknown message type as INTERNAL', () => {
    expectError(
      () => encodeMessage('mesos.v1.NoSuchThing', {}, 'json'),
      'INTERNAL',
      "unknown Mesos message type 'mesos.v1.NoSuchThing'",
    );
  });
});
