// The training wire: nodal's own .proto files (PS, coordinator, cluster spec, tensors), loaded with
// protobufjs at run time with `keepCase: true` so field names match the .proto text. Encoding and
// decoding stop here; callers get plain objects, with `bytes` fields as Buffer views (no copy).
import protobuf from 'protobufjs';
import { NodalError } from '../../config/errors.js';

/** Files under protos/nodal/ loaded together (imports resolve relative to each file). */
export const NODAL_PROTO_FILES = ['tensor.proto', 'cluster.proto', 'ps.proto', 'coordinator.proto'] as const;

/** The message types the training roles exchange, by fully qualified name. */
export const NODAL_MESSAGES = [
  'nodal.Tensor',
  'nodal.VariableSpec',
  'nodal.ClusterSpec',
  'nodal.ps.InitRequest',
  'nodal.ps.InitResponse',
  'nodal.ps.PullRequest',
  'nodal.ps.PullResponse',
  'nodal.ps.PushRequest',
  'nodal.ps.PushResponse',
  'nodal.ps.CheckpointRequest',
  'nodal.ps.CheckpointResponse',
  'nodal.ps.StatusRequest',
  'nodal.ps.StatusResponse',
  'nodal.coordinator.LeaseRequest',
  'nodal.coordinator.LeaseResponse',
  'nodal.coordinator.CompleteRequest',
  'nodal.coordinator.CompleteResponse',
  'nodal.coordinator.ReleaseRequest',
  'nodal.coordinator.ReleaseResponse',
  'nodal.coordinator.ProgressRequest',
  'nodal.coordinator.ProgressResponse',
  'nodal.coordinator.ReportRequest',
  'nodal.coordinator.ReportResponse',
] as const;
export type NodalMessageName = (typeof NODAL_MESSAGES)[number];

/** The gRPC services, by fully qualified name. */
export const NODAL_SERVICES = ['nodal.ps.ParameterServer', 'nodal.coordinator.Coordinator'] as const;
export type NodalServiceName = (typeof NODAL_SERVICES)[number];

/** One message type's codec over plain objects. */
export interface MessageCodec<T = Record<string, unknown>> {
  readonly name: string;
  /** Encodes a plain object (enums by name or number, 64-bit ints as numbers); throws WIRE_ENCODE. */
  encode(value: T): Buffer;
  /** Decodes bytes into a plain object with defaults filled, enums as names, 64-bit ints as numbers;
   * throws WIRE_DECODE on malformed input. */
  decode(bytes: Uint8Array): T;
}

/** A method of a service: its name and the codecs of its request and response. */
export interface MethodInfo {
  name: string;
  requestType: string;
  responseType: string;
}

export interface NodalProtos {
  root: protobuf.Root;
  codec<T = Record<string, unknown>>(name: NodalMessageName): MessageCodec<T>;
  /** The methods of a service in declaration order. */
  methods(service: NodalServiceName): MethodInfo[];
}

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
};

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function makeCodec<T>(type: protobuf.Type): MessageCodec<T> {
  return {
    name: type.fullName.replace(/^\./, ''),
    encode(value: T): Buffer {
      try {
        return toBuffer(type.encode(type.fromObject(value as Record<string, unknown>)).finish());
      } catch (e) {
        throw new NodalError(
          'WIRE_ENCODE',
          `cannot encode ${type.name}: ${(e as Error).message}`,
          undefined,
          {
            cause: e,
          },
        );
      }
    },
    decode(bytes: Uint8Array): T {
      try {
        return type.toObject(type.decode(bytes), TO_OBJECT) as T;
      } catch (e) {
        throw new NodalError(
          'WIRE_DECODE',
          `cannot decode ${type.name}: ${(e as Error).message}`,
          undefined,
          {
            cause: e,
          },
        );
      }
    },
  };
}

let loaded: NodalProtos | undefined;

/** Loads protos/nodal/*.proto once per process (relative to this module, so any dist folder works). */
export function nodalProtos(): NodalProtos {
  if (loaded) return loaded;
  const dir = new URL('../../../protos/nodal/', import.meta.url);
  const root = new protobuf.Root();
  try {
    root.loadSync(
      NODAL_PROTO_FILES.map((f) => new URL(f, dir).pathname),
      { keepCase: true },
    );
    root.resolveAll();
  } catch (e) {
    throw new NodalError('INTERNAL', `cannot load protos/nodal: ${(e as Error).message}`, undefined, {
      cause: e,
    });
  }
  const codecs = new Map<string, MessageCodec<unknown>>();
  loaded = {
    root,
    codec<T>(name: NodalMessageName): MessageCodec<T> {
      let c = codecs.get(name);
      if (!c) {
        c = makeCodec<unknown>(root.lookupType(name));
        codecs.set(name, c);
      }
      return c as MessageCodec<T>;
    },
    methods(service: NodalServiceName): MethodInfo[] {
      const svc = root.lookupService(service);
      return svc.methodsArray.map((m) => ({
        name: m.name,
        requestType: m.resolvedRequestType!.fullName.replace(/^\./, ''),
        responseType: m.resolvedResponseType!.fullName.replace(/^\./, ''),
      }));
    },
  };
  return loaded;
}
