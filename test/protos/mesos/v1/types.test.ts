// types.ts is hand-maintained; this keeps it in step with the .proto files by reading its source and
// comparing every interface and enum union with the protobufjs reflection.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { loadMesosRoot } from '../../../../protos/index.js';

const SOURCE = new URL('../../../../../protos/mesos/v1/types.ts', import.meta.url);

const SCALAR_TS: Record<string, string> = {
  double: 'number',
  float: 'number',
  int32: 'number',
  uint32: 'number',
  sint32: 'number',
  fixed32: 'number',
  sfixed32: 'number',
  int64: 'number',
  uint64: 'number',
  sint64: 'number',
  fixed64: 'number',
  sfixed64: 'number',
  bool: 'boolean',
  string: 'string',
  bytes: 'Uint8Array',
};

/** mesos.v1.Offer.Operation → OfferOperation; mesos.v1.scheduler.Call → SchedulerCall. */
const tsName = (fullName: string): string =>
  fullName
    .replace(/^\.?mesos\.v1\./, '')
    .split('.')
    .map((s) => s[0]!.toUpperCase() + s.slice(1))
    .join('');

function allTypes(
  ns: protobuf.NamespaceBase,
  out: protobuf.ReflectionObject[] = [],
): protobuf.ReflectionObject[] {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum) out.push(nested);
    if (nested instanceof protobuf.Namespace) allTypes(nested, out);
  }
  return out;
}

function expectedFields(type: protobuf.Type): string[] {
  return [...type.fieldsArray]
    .sort((a, b) => a.id - b.id)
    .map((f) => {
      f.resolve();
      const value = f.resolvedType ? tsName(f.resolvedType.fullName) : SCALAR_TS[f.type]!;
      const ts =
        f instanceof protobuf.MapField ? `Record<string, ${value}>` : f.repeated ? `${value}[]` : value;
      return `${f.name}${f.required ? '' : '?'}: ${ts}`;
    });
}

interface Declared {
  fields?: string[];
  members?: string[];
  empty?: boolean;
}

function declaredTypes(): Map<string, Declared> {
  const text = readFileSync(SOURCE, 'utf8');
  const declared = new Map<string, Declared>();
  for (const m of text.matchAll(/^export interface (\w+) \{\n([\s\S]*?)\n\}/gm)) {
    const fields = m[2]!.split('\n').map((line) => line.replace(/;.*$/, '').trim());
    declared.set(m[1]!, { fields });
  }
  for (const m of text.matchAll(/^export type (\w+) =\s*\|?\s*('[^']+'(?:\s*\|\s*'[^']+')*);/gm)) {
    declared.set(m[1]!, { members: [...m[2]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!) });
  }
  for (const m of text.matchAll(/^export type (\w+) = Record<string, never>;/gm))
    declared.set(m[1]!, { empty: true });
  return declared;
}

describe('protos/mesos/v1/types.ts', () => {
  const declared = declaredTypes();
  const types = allTypes(loadMesosRoot());

  it('declares every message and enum of the Mesos protos', () => {
    const missing = types.map((t) => tsName(t.fullName)).filter((name) => !declared.has(name));
    expect(missing).to.deep.equal([]);
    expect(types.length).to.be.greaterThan(190);
  });

  it('gives every message its fields with the proto names, optionality and value types', () => {
    const mismatches: string[] = [];
    for (const t of types) {
      if (!(t instanceof protobuf.Type)) continue;
      const name = tsName(t.fullName);
      const want = expectedFields(t);
      const got = declared.get(name);
      const fields = got?.empty ? [] : got?.fields;
      if (JSON.stringify(fields) !== JSON.stringify(want)) {
        mismatches.push(`${name}: ${JSON.stringify(fields)} != ${JSON.stringify(want)}`);
      }
    }
    expect(mismatches).to.deep.equal([]);
  });

  it('spells every enum as the union of its value names', () => {
    const mismatches: string[] = [];
    for (const t of types) {
      if (!(t instanceof protobuf.Enum)) continue;
      const name = tsName(t.fullName);
      const members = declared.get(name)?.members;
      if (JSON.stringify(members) !== JSON.stringify(Object.keys(t.values))) mismatches.push(name);
    }
    expect(mismatches).to.deep.equal([]);
  });
});
