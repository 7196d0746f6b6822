// The checkpoint file of one PS shard, self-describing: an 8-byte magic, a 4-byte little-endian header
// length, a JSON header (names, shapes, byte offsets of every variable and optimizer slot, step, optimizer,
// coordinator state, SHA-256 of the payload), then the raw little-endian float32 payload. Encoding returns
// chunks that view the state's own arrays, so writing a large model copies nothing in memory.
import { createHash } from 'node:crypto';
import { NodalError } from '../../config/errors.js';
import type { OptimizerConfig, Slots } from './optimizers.js';
import { makeSpec, validateSpecs, type VariableSpec } from './specs.js';

export const CHECKPOINT_MAGIC = Buffer.from('NODALCK1', 'ascii');
const MAX_HEADER_BYTES = 64 * 1024 * 1024;
export const CHECKPOINT_FORMAT_VERSION = 1;

/** Everything a shard needs to resume exactly where it was. */
export interface ShardSnapshot {
  shardIndex: number;
  shardCount: number;
  step: number;
  optimizer: OptimizerConfig;
  specs: readonly VariableSpec[];
  values: ReadonlyMap<string, Float32Array>;
  slots: ReadonlyMap<string, Slots>;
  /** ps-0 only: the coordinator's lease book (JSON-serializable). */
  coordinator?: unknown;
  createdAtMs: number;
}

interface Extent {
  offset: number;
  length: number;
}

interface Header {
  format: number;
  shardIndex: number;
  shardCount: number;
  step: number;
  optimizer: OptimizerConfig;
  variables: Array<{
    name: string;
    shape: number[];
    dtype: 'float32';
    data: Extent;
    slots: Record<string, Extent>;
  }>;
  coordinator?: unknown;
  createdAtMs: number;
  payloadBytes: number;
  sha256: string;
}

const asBuffer = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The file's bytes as a list of chunks (header first). The chunks view the snapshot's arrays. */
export function encodeCheckpoint(s: ShardSnapshot): Buffer[] {
  const payload: Buffer[] = [];
  const hash = createHash('sha256');
  let offset = 0;
  const add = (a: Float32Array): Extent => {
    const b = asBuffer(a);
    payload.push(b);
    hash.update(b);
    const e = { offset, length: b.byteLength };
    offset += b.byteLength;
    return e;
  };
  const variables = s.specs.map((spec) => {
    const data = add(s.values.get(spec.name)!);
    const slotsOf = s.slots.get(spec.name) ?? {};
    const slots: Record<string, Extent> = {};
    for (const name of Object.keys(slotsOf).sort()) slots[name] = add(slotsOf[name]);
    return { name: spec.name, shape: spec.shape, dtype: spec.dtype, data, slots };
  });
  const header: Header = {
    format: CHECKPOINT_FORMAT_VERSION,
    shardIndex: s.shardIndex,
    shardCount: s.shardCount,
    step: s.step,
    optimizer: s.optimizer,
    variables,
    ...(s.coordinator !== undefined ? { coordinator: s.coordinator } : {}),
    createdAtMs: s.createdAtMs,
    payloadBytes: offset,
    sha256: hash.digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.byteLength, 0);
  return [CHECKPOINT_MAGIC, len, json, ...payload];
}

const corrupt = (why: string): NodalError => new NodalError('DATA_INVALID', `checkpoint ${why}`);

function extentOf(bytes: Buffer, base: number, e: Extent, payloadBytes: number, what: string): Float32Array {
  if (!Number.isInteger(e?.offset) || !Number.isInteger(e?.length) || e.offset < 0 || e.length % 4 !== 0) {
    throw corrupt(`has a bad extent for ${what}`);
  }
  if (e.offset + e.length > payloadBytes) throw corrupt(`extent of ${what} runs past the payload`);
  // A fresh, aligned copy: the file buffer may be unaligned and must not be shared with the live state.
  const out = new Float32Array(e.length / 4);
  asBuffer(out).set(bytes.subarray(base + e.offset, base + e.offset + e.length));
  return out;
}

/** Parses and verifies (magic, lengths, SHA-256) a checkpoint file; throws DATA_INVALID when it is damaged. */
export function decodeCheckpoint(bytes: Buffer): ShardSnapshot {
  if (bytes.byteLength < 12 || !bytes.subarray(0, 8).equals(CHECKPOINT_MAGIC))
    throw corrupt('has no NODALCK1 magic');
  const headerLen = bytes.readUInt32LE(8);
  if (headerLen > MAX_HEADER_BYTES || 12 + headerLen > bytes.byteLength) throw corrupt('header is truncated');
  let h: Header;
  try {
    h = JSON.parse(bytes.subarray(12, 12 + headerLen).toString('utf8')) as Header;
  } catch {
    throw corrupt('header is not JSON');
  }
  if (h.format !== CHECKPOINT_FORMAT_VERSION) throw corrupt(`format ${String(h.format)} is not supported`);
  const base = 12 + headerLen;
  if (!Number.isInteger(h.payloadBytes) || base + h.payloadBytes !== bytes.byteLength) {
    throw corrupt(`payload is ${bytes.byteLength - base} bytes, header says ${String(h.payloadBytes)}`);
  }
  const digest = createHash('sha256').update(bytes.subarray(base)).digest('hex');
  if (digest !== h.sha256) throw corrupt('checksum mismatch');
  if (!Array.isArray(h.variables)) throw corrupt('header lists no variables');
  const specs = h.variables.map((v) => makeSpec(v.name, v.shape));
  validateSpecs(specs);
  const values = new Map<string, Float32Array>();
  const slots = new Map<string, Slots>();
  h.variables.forEach((v, i) => {
    const data = extentOf(bytes, base, v.data, h.payloadBytes, v.name);
    if (data.length * 4 !== specs[i].bytes) throw corrupt(`variable ${v.name} has the wrong length`);
    values.set(v.name, data);
    const s: Record<string, Float32Array> = {};
    for (const [name, e] of Object.entries(v.slots ?? {})) {
      s[name] = extentOf(bytes, base, e, h.payloadBytes, `${v.name}/${name}`);
      if (s[name].length !== data.length) throw corrupt(`slot ${v.name}/${name} has the wrong length`);
    }
    slots.set(v.name, s);
  });
  return {
    shardIndex: h.shardIndex,
    shardCount: h.shardCount,
    step: h.step,
    optimizer: h.optimizer,
    specs,
    values,
    slots,
    ...(h.coordinator !== undefined ? { coordinator: h.coordinator } : {}),
    createdAtMs: h.createdAtMs,
  };
}
