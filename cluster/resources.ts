// Resource arithmetic of the embedded master, on a normalised bag keyed by resource name. Scalars are kept
// in fixed point with three decimals, as Mesos compares them (`llround(v * 1000)`), so 0.1 + 0.2 fits 0.3.
// Only unreserved, non-revocable, non-shared resources exist on our agents; anything else is "not offered".
import { NodalError } from '../config/errors.js';
import type { Resource } from '../protos/mesos/v1/types.js';

type ScalarEntry = { kind: 'SCALAR'; milli: number };
type RangesEntry = { kind: 'RANGES'; ranges: Array<[number, number]> };
type SetEntry = { kind: 'SET'; items: Set<string> };
type Entry = ScalarEntry | RangesEntry | SetEntry;

/** An immutable-by-convention multiset of named resources. */
export type ResourceBag = ReadonlyMap<string, Entry>;

export const EMPTY_BAG: ResourceBag = new Map();

const toMilli = (v: number): number => Math.round(v * 1000);

/** Sorts and merges adjacent/overlapping intervals (used after additions). */
function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [b, e] of sorted) {
    const last = out[out.length - 1];
    if (last && b <= last[1] + 1) last[1] = Math.max(last[1], e);
    else out.push([b, e]);
  }
  return out;
}

function rangesOverlap(ranges: Array<[number, number]>): boolean {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < sorted.length; i++) if (sorted[i]![0] <= sorted[i - 1]![1]) return true;
  return false;
}

/** Why a wire Resource cannot be used on this cluster, or undefined when it is a plain unreserved resource. */
export function resourceProblem(r: Resource, expectedRole?: string): string | undefined {
  if (!r.name) return 'Resource without a name';
  if (r.reservations?.length || r.reservation || (r.role !== undefined && r.role !== '*'))
    return `Resource '${r.name}' is reserved, but this cluster only offers unreserved resources`;
  if (r.disk || r.revocable || r.shared || r.provider_id)
    return `Resource '${r.name}' uses disk/revocable/shared/provider features this cluster does not offer`;
  if (
    expectedRole !== undefined &&
    r.allocation_info?.role !== undefined &&
    r.allocation_info.role !== expectedRole
  )
    return `Resource '${r.name}' is allocated to role '${r.allocation_info.role}', not to the offer's role '${expectedRole}'`;
  switch (r.type) {
    case 'SCALAR': {
      const v = r.scalar?.value;
      if (typeof v !== 'number' || !Number.isFinite(v) || toMilli(v) <= 0)
        return `Scalar resource '${r.name}' must have a positive value`;
      if (r.name === 'gpus' && !Number.isInteger(v)) return "The 'gpus' resource must be an unsigned integer";
      return undefined;
    }
    case 'RANGES': {
      const rs = r.ranges?.range ?? [];
      for (const x of rs)
        if (!Number.isInteger(x.begin) || !Number.isInteger(x.end) || x.begin < 0 || x.begin > x.end)
          return `Invalid range [${x.begin}-${x.end}] in resource '${r.name}'`;
      if (rangesOverlap(rs.map((x) => [x.begin, x.end]))) return `Overlapping ranges in resource '${r.name}'`;
      return undefined;
    }
    case 'SET': {
      const items = r.set?.item ?? [];
      if (new Set(items).size !== items.length) return `Duplicate items in set resource '${r.name}'`;
      return undefined;
    }
    default:
      return `Resource '${r.name}' has unsupported type ${String(r.type)}`;
  }
}

/** Builds a bag from wire resources; throws NodalError VALIDATION on an unusable resource. */
export function bagOf(resources: readonly Resource[] | undefined, expectedRole?: string): ResourceBag {
  let bag: ResourceBag = EMPTY_BAG;
  for (const r of resources ?? []) {
    const problem = resourceProblem(r, expectedRole);
    if (problem) throw new NodalError('VALIDATION', problem, { resource: r.name });
    const one = new Map<string, Entry>();
    if (r.type === 'SCALAR') one.set(r.name, { kind: 'SCALAR', milli: toMilli(r.scalar!.value) });
    else if (r.type === 'RANGES')
      one.set(r.name, { kind: 'RANGES', ranges: (r.ranges?.range ?? []).map((x) => [x.begin, x.end]) });
    else one.set(r.name, { kind: 'SET', items: new Set(r.set?.item ?? []) });
    if (bag.get(r.name) && bag.get(r.name)!.kind !== one.get(r.name)!.kind)
      throw new NodalError('VALIDATION', `Resource '${r.name}' appears with different types`, {
        resource: r.name,
      });
    if (overlaps(bag, one))
      throw new NodalError('VALIDATION', `Resource '${r.name}' repeats ranges or set items`);
    bag = addBags(bag, one);
  }
  return bag;
}

/** True when the two bags share a port (range value) or set item: such resources cannot be summed. */
export function overlaps(a: ResourceBag, b: ResourceBag): boolean {
  for (const [name, eb] of b) {
    const ea = a.get(name);
    if (!ea) continue;
    if (ea.kind === 'RANGES' && eb.kind === 'RANGES' && rangesOverlap([...ea.ranges, ...eb.ranges]))
      return true;
    if (ea.kind === 'SET' && eb.kind === 'SET' && [...eb.items].some((i) => ea.items.has(i))) return true;
  }
  return false;
}

export function addBags(a: ResourceBag, b: ResourceBag): ResourceBag {
  const out = new Map<string, Entry>(a);
  for (const [name, eb] of b) {
    const ea = out.get(name);
    if (!ea) out.set(name, cloneEntry(eb));
    else if (ea.kind === 'SCALAR' && eb.kind === 'SCALAR')
      out.set(name, { kind: 'SCALAR', milli: ea.milli + eb.milli });
    else if (ea.kind === 'RANGES' && eb.kind === 'RANGES')
      out.set(name, { kind: 'RANGES', ranges: mergeRanges([...ea.ranges, ...eb.ranges]) });
    else if (ea.kind === 'SET' && eb.kind === 'SET')
      out.set(name, { kind: 'SET', items: new Set([...ea.items, ...eb.items]) });
  }
  return out;
}

function cloneEntry(e: Entry): Entry {
  if (e.kind === 'RANGES') return { kind: 'RANGES', ranges: mergeRanges(e.ranges) };
  if (e.kind === 'SET') return { kind: 'SET', items: new Set(e.items) };
  return { ...e };
}

function subtractRanges(
  from: Array<[number, number]>,
  minus: Array<[number, number]>,
): Array<[number, number]> {
  let cur = mergeRanges(from);
  for (const [mb, me] of minus) {
    const next: Array<[number, number]> = [];
    for (const [b, e] of cur) {
      if (me < b || mb > e) next.push([b, e]);
      else {
        if (b < mb) next.push([b, mb - 1]);
        if (e > me) next.push([me + 1, e]);
      }
    }
    cur = next;
  }
  return cur;
}

/** `a - b`, dropping what becomes empty; callers check `contains(a, b)` first when it must fit. */
export function subtractBags(a: ResourceBag, b: ResourceBag): ResourceBag {
  const out = new Map<string, Entry>(a);
  for (const [name, eb] of b) {
    const ea = out.get(name);
    if (!ea) continue;
    if (ea.kind === 'SCALAR' && eb.kind === 'SCALAR') {
      const milli = ea.milli - eb.milli;
      if (milli > 0) out.set(name, { kind: 'SCALAR', milli });
      else out.delete(name);
    } else if (ea.kind === 'RANGES' && eb.kind === 'RANGES') {
      const ranges = subtractRanges(ea.ranges, eb.ranges);
      if (ranges.length) out.set(name, { kind: 'RANGES', ranges });
      else out.delete(name);
    } else if (ea.kind === 'SET' && eb.kind === 'SET') {
      const items = new Set([...ea.items].filter((i) => !eb.items.has(i)));
      if (items.size) out.set(name, { kind: 'SET', items });
      else out.delete(name);
    }
  }
  return out;
}

/** True when every resource of `b` is inside `a` (scalars no larger, every port/item present). */
export function contains(a: ResourceBag, b: ResourceBag): boolean {
  for (const [name, eb] of b) {
    const ea = a.get(name);
    if (!ea || ea.kind !== eb.kind) return false;
    if (ea.kind === 'SCALAR' && eb.kind === 'SCALAR' && eb.milli > ea.milli) return false;
    if (ea.kind === 'RANGES' && eb.kind === 'RANGES') {
      for (const [b0, e0] of eb.ranges) if (!ea.ranges.some(([b1, e1]) => b1 <= b0 && e0 <= e1)) return false;
    }
    if (ea.kind === 'SET' && eb.kind === 'SET' && [...eb.items].some((i) => !ea.items.has(i))) return false;
  }
  return true;
}

export const isEmptyBag = (a: ResourceBag): boolean => a.size === 0;

/** The scalar value of `name` (0 when absent). */
export function scalarOf(a: ResourceBag, name: string): number {
  const e = a.get(name);
  return e?.kind === 'SCALAR' ? e.milli / 1000 : 0;
}

/** Every port of the bag's `ports` resource, ascending. */
export function portsOf(a: ResourceBag): number[] {
  const e = a.get('ports');
  if (e?.kind !== 'RANGES') return [];
  const out: number[] = [];
  for (const [b, en] of e.ranges) for (let p = b; p <= en; p++) out.push(p);
  return out;
}

export interface WireFormatOptions {
  /** MULTI_ROLE frameworks: every resource carries `allocation_info.role`. */
  allocationRole?: string;
  /** Frameworks without RESERVATION_REFINEMENT see unreserved resources as `role: "*"`. */
  legacyRole?: boolean;
}

const RESOURCE_ORDER = ['cpus', 'mem', 'disk', 'gpus', 'ports'];
const orderOf = (name: string): number => {
  const i = RESOURCE_ORDER.indexOf(name);
  return i < 0 ? RESOURCE_ORDER.length : i;
};

/** The bag as wire Resources in the offer format the framework's capabilities ask for. */
export function toResources(a: ResourceBag, opts: WireFormatOptions = {}): Resource[] {
  const names = [...a.keys()].sort((x, y) => orderOf(x) - orderOf(y) || x.localeCompare(y));
  return names.map((name) => {
    const e = a.get(name)!;
    const r: Resource =
      e.kind === 'SCALAR'
        ? { name, type: 'SCALAR', scalar: { value: e.milli / 1000 } }
        : e.kind === 'RANGES'
          ? { name, type: 'RANGES', ranges: { range: e.ranges.map(([begin, end]) => ({ begin, end })) } }
          : { name, type: 'SET', set: { item: [...e.items].sort() } };
    if (opts.legacyRole) r.role = '*';
    if (opts.allocationRole !== undefined) r.allocation_info = { role: opts.allocationRole };
    return r;
  });
}

/** The `/master/state` summary form: `{cpus: 2, mem: 1024, ports: "[31000-31009]"}`. */
export function summaryOf(a: ResourceBag): Record<string, number | string> {
  const out: Record<string, number | string> = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  for (const [name, e] of a) {
    if (e.kind === 'SCALAR') out[name] = e.milli / 1000;
    else if (e.kind === 'RANGES') out[name] = `[${e.ranges.map(([b, en]) => `${b}-${en}`).join(', ')}]`;
    else out[name] = `{${[...e.items].sort().join(', ')}}`;
  }
  return out;
}

/** Human-readable form for messages and logs: `cpus:1; mem:128; ports:[31000-31001]`. */
export function describeBag(a: ResourceBag): string {
  const s = summaryOf(a);
  return Object.entries(s)
    .filter(([name, v]) => v !== 0 || a.has(name))
    .map(([k, v]) => `${k}:${v}`)
    .join('; ');
}
