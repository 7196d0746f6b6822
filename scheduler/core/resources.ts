// Resource arithmetic for placement. Mesos compares scalars in fixed point with three decimals
// (llround(v * 1000)); doing the same here keeps 0.1 + 0.2 from failing to fit into 0.3 and keeps
// what we ask for exactly equal to what the master will check.

/** An inclusive range of port numbers, as Mesos' Value.Range. */
export interface PortRange {
  readonly begin: number;
  readonly end: number;
}

/** The scalar resources nodal uses: cpus (cores), mem and disk (MB), gpus (whole devices). */
export interface ScalarResources {
  readonly cpus: number;
  readonly mem: number;
  readonly disk: number;
  readonly gpus: number;
}

/** Scalars plus the `ports` ranges, as offered by an agent. */
export interface OfferResources extends ScalarResources {
  readonly ports: readonly PortRange[];
}

export const SCALAR_NAMES = ['cpus', 'mem', 'disk', 'gpus'] as const;
export type ScalarName = (typeof SCALAR_NAMES)[number];

export const NO_SCALARS: ScalarResources = Object.freeze({ cpus: 0, mem: 0, disk: 0, gpus: 0 });

/** `v` in Mesos' fixed-point unit (thousandths). */
export const toMilli = (v: number): number => Math.round(v * 1000);
/** A fixed-point quantity back to a plain number. */
export const fromMilli = (m: number): number => m / 1000;

/** `a + b` per scalar, rounded as Mesos does. */
export function addScalars(a: ScalarResources, b: ScalarResources): ScalarResources {
  return {
    cpus: fromMilli(toMilli(a.cpus) + toMilli(b.cpus)),
    mem: fromMilli(toMilli(a.mem) + toMilli(b.mem)),
    disk: fromMilli(toMilli(a.disk) + toMilli(b.disk)),
    gpus: fromMilli(toMilli(a.gpus) + toMilli(b.gpus)),
  };
}

/** Number of ports in `ranges`. */
export function countPorts(ranges: readonly PortRange[]): number {
  let n = 0;
  for (const r of ranges) n += r.end - r.begin + 1;
  return n;
}

/** Sorted, merged ranges covering exactly `ports` (duplicates ignored). */
export function portsToRanges(ports: readonly number[]): PortRange[] {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const out: PortRange[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && last.end + 1 === p) out[out.length - 1] = { begin: last.begin, end: p };
    else out.push({ begin: p, end: p });
  }
  return out;
}

/** `ranges` with every port of `remove` taken out; the result is sorted and merged. */
export function subtractRanges(ranges: readonly PortRange[], remove: readonly PortRange[]): PortRange[] {
  const sortedRemove = [...remove].sort((a, b) => a.begin - b.begin);
  const out: PortRange[] = [];
  for (const r of [...ranges].sort((a, b) => a.begin - b.begin)) {
    let begin = r.begin;
    for (const x of sortedRemove) {
      if (x.end < begin || x.begin > r.end) continue;
      if (x.begin > begin) out.push({ begin, end: x.begin - 1 });
      begin = Math.max(begin, x.end + 1);
      if (begin > r.end) break;
    }
    if (begin <= r.end) out.push({ begin, end: r.end });
  }
  return mergeRanges(out);
}

/** Sorted ranges with touching or overlapping neighbours merged. */
export function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.begin - b.begin);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.begin <= last.end + 1)
      out[out.length - 1] = { begin: last.begin, end: Math.max(last.end, r.end) };
    else out.push({ begin: r.begin, end: r.end });
  }
  return out;
}

/** True when `port` lies in one of `ranges`. */
export function rangesContain(ranges: readonly PortRange[], port: number): boolean {
  for (const r of ranges) if (port >= r.begin && port <= r.end) return true;
  return false;
}
