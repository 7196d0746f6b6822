import { expect } from 'chai';
import { checkRequired, decodeMessage, encodeMessage, type MesosType } from '../../../protos/wire/codec.js';
import { RecordIODecoder, readRecords } from '../../../protos/wire/recordio.js';
import type { SchedulerEvent } from '../../../protos/mesos/v1/types.js';
import { exampleBytes, exampleIndex, exampleJsonFiles } from '../shared-docs.js';

const EVENT = 'mesos.v1.scheduler.Event';

describe('protos/wire against shared/mesos/examples', () => {
  const index = exampleIndex();

  it('index.json gives a type for every example body', () => {
    expect(index.map((e) => e.file).sort()).to.deep.equal(exampleJsonFiles());
    expect(index.length).to.be.greaterThan(30);
  });

  for (const { file, proto_type } of index) {
    const type = proto_type as MesosType;
    describe(file, () => {
      const bytes = exampleBytes(file);
      const json: unknown = JSON.parse(bytes.toString('utf8'));

      it('decodes with every required field present and re-encodes to the same JSON', () => {
        const message = decodeMessage(type, bytes, 'json');
        checkRequired(type, message);
        expect(JSON.parse(encodeMessage(type, message, 'json').toString('utf8'))).to.deep.equal(json);
      });

      it('survives JSON → protobuf → JSON', () => {
        const binary = encodeMessage(type, decodeMessage(type, bytes, 'json'), 'protobuf');
        const back = decodeMessage(type, binary, 'protobuf');
        expect(JSON.parse(encodeMessage(type, back, 'json').toString('utf8'))).to.deep.equal(json);
      });
    });
  }

  const STREAM_EVENTS = [
    'scheduler/02-subscribed-event.json',
    'scheduler/04-heartbeat-event.json',
    'scheduler/05-offers-event.json',
  ];

  it('scheduler-stream-sample.recordio holds SUBSCRIBED, HEARTBEAT, OFFERS as JSON, byte lengths included', () => {
    const decoder = new RecordIODecoder();
    const records = decoder.push(exampleBytes('scheduler-stream-sample.recordio'));
    decoder.end();
    expect(records.map((r) => decodeMessage<SchedulerEvent>(EVENT, r, 'json').type)).to.deep.equal([
      'SUBSCRIBED',
      'HEARTBEAT',
      'OFFERS',
    ]);
    records.forEach((record, i) => {
      expect(JSON.parse(record.toString('utf8'))).to.deep.equal(
        JSON.parse(exampleBytes(STREAM_EVENTS[i]!).toString('utf8')),
      );
    });
  });

  it('scheduler-stream-sample.protobuf.recordio holds the same events, byte-identical to our protobuf encoding', async () => {
    const body = exampleBytes('scheduler-stream-sample.protobuf.recordio');
    // Feed it in 7-byte pieces to cross record and prefix boundaries.
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < body.length; i += 7) yield body.subarray(i, i + 7);
    }
    const records: Buffer[] = [];
    for await (const r of readRecords(chunks())) records.push(r);
    expect(records).to.have.length(3);
    records.forEach((record, i) => {
      const fromJson = decodeMessage(EVENT, exampleBytes(STREAM_EVENTS[i]!), 'json');
      expect(decodeMessage(EVENT, record, 'protobuf')).to.deep.equal(fromJson);
      expect(Buffer.compare(encodeMessage(EVENT, fromJson, 'protobuf'), record)).to.equal(0);
    });
  });
});
