// protobufjs decoded message → in-memory plain object: only fields present on the wire, enums as names,
// 64-bit integers as numbers, bytes as Buffers. proto2 enums are closed: an enum number this schema does
// not know is an unknown field, so it is dropped (protobufjs 8 already skips it while decoding; the check
// here keeps that true for decoders that keep the raw number).
import type protobuf from 'protobufjs';
import { NodalError } from '../../config/errors.js';
import { asBuffer } from './scalars.js';
import { childPath, specOf, type FieldSpec } from './schema.js';

const DROP = Symbol('drop');

interface LongLike {
  toNumber(): number;
}

/** Converts a decoded message of `type` (which may come from another root with the same schema) into the
 * in-memory shape; throws NodalError('WIRE_DECODE') for an unknown enum number in a required field. */
export function readDecodedMessage(type: protobuf.Type, message: object, path = ''): Record<string, unknown> {
  const spec = specOf(type);
  const src = message as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of spec.fields) {
    const v = src[field.name];
    const fieldPath = childPath(path, field.name);
    if (field.label === 'repeated') {
      if (!Array.isArray(v) || v.length === 0) continue;
      const items = v
        .map((item, i) => readValue(field, item, `${fieldPath}[${i}]`))
        .filter((x) => x !== DROP);
      if (items.length) out[field.name] = items;
    } else if (field.label === 'map') {
      if (v === null || typeof v !== 'object') continue;
      const entries = Object.entries(v as Record<string, unknown>)
        .map(([key, item]) => [key, readValue(field, item, `${fieldPath}[${key}]`)] as const)
        .filter(([, x]) => x !== DROP);
      if (entries.length) out[field.name] = Object.fromEntries(entries);
    } else {
      // Unset proto2 fields live on the prototype (as defaults); only own properties were on the wire.
      if (v === null || v === undefined || !Object.prototype.hasOwnProperty.call(src, field.name)) continue;
      const value = readValue(field, v, fieldPath);
      if (value !== DROP) out[field.name] = value;
      else if (field.label === 'required') {
        throw new NodalError(
          'WIRE_DECODE',
          `unknown enum number ${String(v)} in required field '${field.name}' (at ${fieldPath})`,
          {
            path: fieldPath,
          },
        );
      }
    }
  }
  return out;
}

function readValue(field: FieldSpec, v: unknown, path: string): unknown {
  const spec = field.value;
  if (spec.kind === 'message') return readDecodedMessage(spec.messageType, v as object, path);
  if (spec.kind === 'enum') return spec.enumType.valuesById[v as number] ?? DROP;
  if (spec.scalar === 'bytes') return asBuffer(v as Uint8Array);
  if (typeof v === 'object' && v !== null) return (v as LongLike).toNumber();
  return v;
}
