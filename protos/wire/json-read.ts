// Mesos JSON → in-memory plain object, strictly: snake_case proto names only, enums by name, bytes as
// padded base64, numbers or numeric strings, null = unset. Where a real master silently drops a
// misspelled key we fail loudly, so a camelCase bug shows up in our tests instead of as lost fields.
import type protobuf from 'protobufjs';
import { NodalError } from '../../config/errors.js';
import { asBuffer, decodeBase64, describeJson, isNumeric, isPlainObject, readJsonNumber } from './scalars.js';
import { childPath, specOf, type FieldSpec, type ValueSpec } from './schema.js';

/** Marks an enum name this schema does not know (dropped in optional/repeated fields, as Mesos does). */
const UNKNOWN_ENUM = Symbol('unknown enum');

const fail = (message: string, path: string): NodalError =>
  new NodalError('WIRE_DECODE', path ? `${message} (at ${path})` : message, { path });

/** Converts parsed JSON into the in-memory shape of `type`; throws NodalError('WIRE_DECODE') naming the
 * field path. Required fields are not checked here (see checkRequired). */
export function readJsonMessage(type: protobuf.Type, json: unknown, path = ''): Record<string, unknown> {
  const spec = specOf(type);
  if (!isPlainObject(json))
    throw fail(`${spec.fullName} must be a JSON object, got ${describeJson(json)}`, path);
  for (const key of Object.keys(json)) {
    if (!spec.byName.has(key))
      throw fail(`unknown field '${key}' in ${spec.fullName}`, path ? childPath(path, key) : '');
  }
  const out: Record<string, unknown> = {};
  for (const field of spec.fields) {
    const raw = json[field.name];
    if (raw === undefined || raw === null) continue;
    const value = readField(field, raw, childPath(path, field.name), spec.fullName);
    if (value !== undefined) out[field.name] = value;
  }
  return out;
}

function readField(field: FieldSpec, raw: unknown, path: string, owner: string): unknown {
  switch (field.label) {
    case 'repeated': {
      if (!Array.isArray(raw))
        throw fail(`repeated field '${field.name}' in ${owner} must be an array`, path);
      const items = raw
        .map((item, i) => {
          if (item === null) throw fail(`null element in repeated field '${field.name}'`, `${path}[${i}]`);
          return readValue(field, item, `${path}[${i}]`, owner);
        })
        .filter((v) => v !== UNKNOWN_ENUM);
      return items.length ? items : undefined;
    }
    case 'map': {
      if (!isPlainObject(raw))
        throw fail(`map field '${field.name}' in ${owner} must be a JSON object`, path);
      const entries = Object.entries(raw).map(([key, item]) => {
        checkMapKey(field, key, `${path}[${key}]`);
        if (item === null) throw fail(`null value in map field '${field.name}'`, `${path}[${key}]`);
        return [key, readValue(field, item, `${path}[${key}]`, owner)] as const;
      });
      const kept = entries.filter(([, v]) => v !== UNKNOWN_ENUM);
      return kept.length ? Object.fromEntries(kept) : undefined;
    }
    default: {
      const value = readValue(field, raw, path, owner);
      if (value !== UNKNOWN_ENUM) return value;
      if (field.label === 'required') {
        const enumName = (field.value as Extract<ValueSpec, { kind: 'enum' }>).enumType.fullName.replace(
          /^\./,
          '',
        );
        throw fail(
          `unknown value '${String(raw)}' of enum ${enumName} in required field '${field.name}'`,
          path,
        );
      }
      return undefined;
    }
  }
}

function checkMapKey(field: FieldSpec, key: string, path: string): void {
  if (field.keyType === 'string' || field.keyType === undefined) return;
  const n = readJsonNumber(field.keyType, key);
  if (typeof n === 'string') throw fail(`map key of '${field.name}': ${n}`, path);
}

function readValue(field: FieldSpec, raw: unknown, path: string, owner: string): unknown {
  const v = field.value;
  if (v.kind === 'message') return readJsonMessage(v.messageType, raw, path);
  if (v.kind === 'enum') {
    if (typeof raw === 'number') {
      throw fail(`enum field '${field.name}' in ${owner} takes a value name, not the number ${raw}`, path);
    }
    if (typeof raw !== 'string')
      throw fail(`enum field '${field.name}' needs a name string, got ${describeJson(raw)}`, path);
    return Object.prototype.hasOwnProperty.call(v.enumType.values, raw) ? raw : UNKNOWN_ENUM;
  }
  const t = v.scalar;
  if (isNumeric(t)) {
    const n = readJsonNumber(t, raw);
    if (typeof n === 'string') throw fail(`field '${field.name}' in ${owner}: ${n}`, path);
    return n;
  }
  if (t === 'bool') {
    if (typeof raw !== 'boolean')
      throw fail(`bool field '${field.name}' needs true or false, got ${describeJson(raw)}`, path);
    return raw;
  }
  if (typeof raw !== 'string')
    throw fail(`${t} field '${field.name}' needs a string, got ${describeJson(raw)}`, path);
  if (t === 'string') return raw;
  const bytes = decodeBase64(raw);
  if (!bytes) throw fail(`bytes field '${field.name}' is not padded standard base64`, path);
  return asBuffer(bytes);
}
