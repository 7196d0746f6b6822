// The Mesos v1 message codec: in-memory plain objects ⇄ JSON or protobuf bytes, plus the media-type rules
// of the scheduler/executor endpoints. In memory every message is a plain object with snake_case proto
// names, enums as name strings, bytes as Buffer, 64-bit integers as numbers, unset fields absent (no
// defaults filled in), repeated fields as non-empty arrays and maps as plain objects.
import protobuf from 'protobufjs';
import { NodalError } from '../../config/errors.js';
import { createMesosRoot } from '../index.js';
import { readJsonMessage } from './json-read.js';
import { writePlainMessage } from './plain-write.js';
import { readDecodedMessage } from './proto-read.js';
import { missingRequiredFields } from './required.js';
import { asBuffer } from './scalars.js';
import { lookupMessage } from './schema.js';

export type WireFormat = 'json' | 'protobuf';

/** The only two Content-Type values the Mesos endpoints accept (compared as whole strings). */
export const MEDIA_TYPES = { json: 'application/json', protobuf: 'application/x-protobuf' } as const;

/** A fully qualified Mesos message name. */
export type MesosType =
  | 'mesos.v1.scheduler.Call'
  | 'mesos.v1.scheduler.Event'
  | 'mesos.v1.executor.Call'
  | 'mesos.v1.executor.Event'
  | `mesos.v1.${string}`;

/** The format of a request body by its Content-Type, matched exactly as the master does: any parameter
 * (`; charset=utf-8`) or other media type gives undefined (answer 415). */
export function formatOfMediaType(contentType: string | undefined): WireFormat | undefined {
  if (contentType === MEDIA_TYPES.json) return 'json';
  if (contentType === MEDIA_TYPES.protobuf) return 'protobuf';
  return undefined;
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const [range = '', ...params] = part.split(';').map((s) => s.trim());
      const [type = '', subtype = ''] = range.toLowerCase().split('/');
      const qParam = params.find((p) => /^q\s*=/i.test(p));
      const q = qParam === undefined ? 1 : Number(qParam.split('=')[1]);
      return { type, subtype, q: Number.isFinite(q) ? q : 0 };
    });
}

function accepts(ranges: MediaRange[], mediaType: string): boolean {
  const [type, subtype] = mediaType.split('/');
  return ranges.some(
    (r) => r.q > 0 && (r.type === '*' || (r.type === type && (r.subtype === '*' || r.subtype === subtype))),
  );
}

/** The event-stream format for a SUBSCRIBE's Accept header, by the master's rule: JSON whenever
 * application/json is acceptable (an absent header or a wildcard counts), else protobuf if
 * application/x-protobuf is, else undefined (answer 406). q=0 excludes a type. */
export function acceptedFormat(accept: string | undefined): WireFormat | undefined {
  if (accept === undefined || accept.trim() === '') return 'json';
  const ranges = parseAccept(accept);
  if (accepts(ranges, MEDIA_TYPES.json)) return 'json';
  if (accepts(ranges, MEDIA_TYPES.protobuf)) return 'protobuf';
  return undefined;
}

/** Options of encodeMessage. */
export interface EncodeOptions {
  /** JSON only: also write unset optional fields that have an explicit proto default (`"shell": true`),
   * as a real master's event output does. Default false. */
  emitDefaults?: boolean;
}

/** Encodes an in-memory message; throws NodalError('WIRE_ENCODE') naming the field path for an unknown
 * key, an enum number or unknown name, or a value of the wrong type. Required fields are not checked (see
 * checkRequired). */
export function encodeMessage<T>(
  type: MesosType,
  value: T,
  format: WireFormat,
  options: EncodeOptions = {},
): Buffer {
  const t = lookupMessage(type);
  if (format === 'json') {
    const plain = writePlainMessage(t, value, {
      target: 'json',
      emitDefaults: options.emitDefaults ?? false,
    });
    return Buffer.from(JSON.stringify(plain), 'utf8');
  }
  const plain = writePlainMessage(t, value, { target: 'protobufjs' });
  const wire = lenientType(type);
  try {
    return asBuffer(wire.encode(wire.fromObject(plain)).finish());
  } catch (e) {
    throw new NodalError(
      'WIRE_ENCODE',
      `cannot encode ${type} as protobuf: ${(e as Error).message}`,
      undefined,
      {
        cause: e,
      },
    );
  }
}

/** Decodes a message body into its in-memory shape; throws NodalError('WIRE_DECODE') with a message naming
 * the field path (bad JSON or protobuf, unknown JSON key, enum number in JSON, unknown enum name in a
 * required field, bad base64, wrong value type). Unknown enum names in optional/repeated fields are
 * dropped, as Mesos does. Required fields are not checked here, in either format (see checkRequired). */
export function decodeMessage<T>(type: MesosType, bytes: Uint8Array, format: WireFormat): T {
  const t = lookupMessage(type);
  if (format === 'json') {
    let json: unknown;
    try {
      json = JSON.parse(asBuffer(bytes).toString('utf8'));
    } catch (e) {
      throw new NodalError('WIRE_DECODE', `invalid JSON for ${type}: ${(e as Error).message}`, undefined, {
        cause: e,
      });
    }
    return readJsonMessage(t, json) as T;
  }
  let decoded: protobuf.Message;
  try {
    decoded = lenientType(type).decode(bytes);
  } catch (e) {
    throw new NodalError('WIRE_DECODE', `invalid protobuf for ${type}: ${(e as Error).message}`, undefined, {
      cause: e,
    });
  }
  return readDecodedMessage(t, decoded) as T;
}

/** Throws NodalError('VALIDATION', 'Missing required fields: a.b, c') — the master's 400 text — when
 * required fields are missing anywhere inside the in-memory `value`; details.fields lists the paths. */
export function checkRequired(type: MesosType, value: unknown): void {
  const missing = missingRequiredFields(lookupMessage(type), value);
  if (missing.length) {
    throw new NodalError('VALIDATION', `Missing required fields: ${missing.join(', ')}`, {
      type,
      fields: missing,
    });
  }
}

// protobufjs' generated code treats required fields specially: decoders throw on a missing one (without
// its path) and encoders write the type's zero value for it (`user: ""`). Encoding and decoding with a copy
// of the schema whose fields are all optional keeps an unset field unset on the wire, and lets checkRequired
// report missing fields the same way for JSON and protobuf bodies.
let lenientRoot: protobuf.Root | undefined;

function lenientType(type: MesosType): protobuf.Type {
  if (!lenientRoot) {
    const root = createMesosRoot();
    relaxRequired(root);
    lenientRoot = root;
  }
  return lenientRoot.lookupType(type);
}

function relaxRequired(ns: protobuf.NamespaceBase): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) {
      // `required` is a prototype getter (derived from editions features): shadow it per field.
      for (const field of nested.fieldsArray) Object.defineProperty(field, 'required', { value: false });
    }
    if (nested instanceof protobuf.Namespace) relaxRequired(nested);
  }
}
