import { expect } from 'chai';
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { loadMesosRoot, MESOS_PROTO_FILES, PROTOS_DIR } from '../../protos/index.js';
import { referenceTypes, type ReferenceField } from './shared-docs.js';

// Deliberately left out of our protos (no nodal task uses CSI volumes); see the header of mesos.proto.
const OMITTED = new Set(['Volume.Source.csi_volume']);

const relName = (t: protobuf.ReflectionObject): string => t.fullName.replace(/^\.mesos\.v1\./, '');

function labelOf(f: protobuf.Field): ReferenceField['label'] {
  if (f instanceof protobuf.MapField) return 'map';
  if (f.repeated) return 'repeated';
  return f.required ? 'required' : 'optional';
}

function typeOf(f: protobuf.Field): string {
  const value = f.resolvedType ? relName(f.resolvedType) : f.type;
  return f instanceof protobuf.MapField ? `map<${f.keyType},${value}>` : value;
}

// The reference writes `[default 5]`, `[default "HOST"]`, `[default "*"; deprecated]`.
function notesOf(f: protobuf.Field): string | undefined {
  const notes: string[] = [];
  const options = f.options ?? {};
  if ('default' in options) {
    const d: unknown = options.default;
    notes.push(`default ${typeof d === 'string' ? JSON.stringify(d) : String(d)}`);
  }
  if (options.deprecated === true) notes.push('deprecated');
  if (f.partOf) notes.push(`oneof ${f.partOf.name}`);
  return notes.length ? notes.join('; ') : undefined;
}

describe('protos/index (Mesos schema)', () => {
  it('PROTOS_DIR is the absolute protos/ folder holding the three Mesos files', () => {
    expect(path.isAbsolute(PROTOS_DIR)).to.equal(true);
    for (const file of MESOS_PROTO_FILES)
      expect(existsSync(path.join(PROTOS_DIR, file)), file).to.equal(true);
  });

  it('loads once per process, with snake_case names kept', () => {
    const root = loadMesosRoot();
    expect(loadMesosRoot()).to.equal(root);
    const info = root.lookupType('mesos.v1.FrameworkInfo');
    expect(info.fields).to.have.property('failover_timeout');
    expect(info.fields).not.to.have.property('failoverTimeout');
  });

  it('has the three Mesos packages with their envelope types', () => {
    const root = loadMesosRoot();
    for (const name of [
      'mesos.v1.scheduler.Call',
      'mesos.v1.scheduler.Event',
      'mesos.v1.executor.Call',
      'mesos.v1.executor.Event',
    ]) {
      expect(root.lookupType(name).fullName).to.equal(`.${name}`);
    }
  });

  it('matches every field table of REFERENCE.md §2–§4 (numbers, labels, types, defaults, enum values)', () => {
    const root = loadMesosRoot();
    const reference = referenceTypes();
    expect(reference.size, 'listings parsed from REFERENCE.md').to.be.greaterThan(150);
    const mismatches: string[] = [];
    let checked = 0;
    for (const [name, ref] of reference) {
      if (ref.kind === 'enum') {
        const values = Object.entries(root.lookupEnum(`mesos.v1.${name}`).values);
        if (JSON.stringify(values) !== JSON.stringify(ref.values))
          mismatches.push(`enum ${name}: ${JSON.stringify(values)}`);
        checked++;
        continue;
      }
      const type = root.lookupType(`mesos.v1.${name}`);
      for (const want of ref.fields) {
        if (OMITTED.has(`${name}.${want.name}`)) continue;
        checked++;
        const got = type.fields[want.name];
        if (!got) {
          mismatches.push(`${name}.${want.name}: missing`);
          continue;
        }
        got.resolve();
        const actual = { num: got.id, label: labelOf(got), type: typeOf(got), notes: notesOf(got) };
        const expected = { num: want.num, label: want.label, type: want.type, notes: want.notes };
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          mismatches.push(`${name}.${want.name}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
        }
      }
    }
    expect(mismatches).to.deep.equal([]);
    expect(checked).to.be.greaterThan(500);
  });

  it('defines the identifiers the reference gives in prose (value = 1 required string)', () => {
    const root = loadMesosRoot();
    for (const id of [
      'FrameworkID',
      'OfferID',
      'AgentID',
      'TaskID',
      'ExecutorID',
      'OperationID',
      'ResourceProviderID',
    ]) {
      const f = root.lookupType(`mesos.v1.${id}`).fields.value!;
      expect([f.id, f.type, f.required], id).to.deep.equal([1, 'string', true]);
    }
    const container = root.lookupType('mesos.v1.ContainerID');
    expect(container.fields.parent!.resolvedType).to.equal(container);
    expect(root.lookupType('mesos.v1.UUID').fields.value!.type).to.equal('bytes');
  });
});
