// A flat, cached view of the protobufjs reflection that the JSON/plain-object walkers need, so each walker
// is a small loop over FieldSpecs instead of re-deriving labels, kinds and defaults from protobufjs.
import protobuf from 'protobufjs';
import { NodalError } from '../../config/errors.js';
import { loadMesosRoot } from '../index.js';

export type ScalarType =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

/** What a single value of a field is (the element type for repeated fields, the value type for maps). */
export type ValueSpec =
  | { kind: 'scalar'; scalar: ScalarType }
  | { kind: 'enum'; enumType: protobuf.Enum }
  | { kind: 'message'; messageType: protobuf.Type };

export interface FieldSpec {
  name: string;
  /** How the field holds values: one, a list, or a string/integer-keyed map. */
  label: 'required' | 'optional' | 'repeated' | 'map';
  value: ValueSpec;
  /** The map key's scalar type (maps only). */
  keyType?: ScalarType;
  /** The explicit `[default = ...]`, as protobufjs parsed it (enum defaults are value names). */
  explicitDefault?: unknown;
  deprecated: boolean;
}

export interface MessageSpec {
  fullName: string;
  fields: FieldSpec[];
  byName: Map<string, FieldSpec>;
}

const SCALARS = new Set<string>([
  'double',
  'float',
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

const specs = new WeakMap<protobuf.Type, MessageSpec>();

/** The fully qualified name without protobufjs' leading dot ('mesos.v1.TaskInfo'). */
export const nameOf = (t: protobuf.ReflectionObject): string => t.fullName.replace(/^\./, '');

/** The message type with this fully qualified name; throws NodalError('INTERNAL') for an unknown name. */
export function lookupMessage(fullName: string): protobuf.Type {
  const found = loadMesosRoot().lookup(fullName);
  if (!(found instanceof protobuf.Type)) {
    throw new NodalError('INTERNAL', `unknown Mesos message type '${fullName}'`, { type: fullName });
  }
  return found;
}

function valueSpec(field: protobuf.Field): ValueSpec {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return { kind: 'enum', enumType: resolved };
  if (resolved instanceof protobuf.Type) return { kind: 'message', messageType: resolved };
  if (!SCALARS.has(field.type)) throw new NodalError('INTERNAL', `unresolved field type '${field.type}'`);
  return { kind: 'scalar', scalar: field.type as ScalarType };
}

/** The cached FieldSpecs of a message type, in field-number order. */
export function specOf(type: protobuf.Type): MessageSpec {
  let spec = specs.get(type);
  if (spec) return spec;
  const fields = [...type.fieldsArray]
    .sort((a, b) => a.id - b.id)
    .map((f): FieldSpec => {
      f.resolve();
      const options = f.options ?? {};
      const isMap = f instanceof protobuf.MapField;
      return {
        name: f.name,
        label: isMap ? 'map' : f.repeated ? 'repeated' : f.required ? 'required' : 'optional',
        value: valueSpec(f),
        ...(isMap ? { keyType: (f as protobuf.MapField).keyType as ScalarType } : {}),
        ...('default' in options ? { explicitDefault: options.default as unknown } : {}),
        deprecated: options.deprecated === true,
      };
    });
  spec = { fullName: nameOf(type), fields, byName: new Map(fields.map((f) => [f.name, f])) };
  specs.set(type, spec);
  return spec;
}

/** `parent.child`, or `child` at the top. */
export const childPath = (parent: string, name: string): string => (parent ? `${parent}.${name}` : name);
