// Marathon-style placement constraints over agent attributes and the hostname, evaluated per
// (job, role): UNIQUE, CLUSTER, LIKE, UNLIKE, MAX_PER, GROUP_BY. LIKE/UNLIKE values are regular
// expressions matched against the whole value, as in Marathon.

export const CONSTRAINT_OPERATORS = ['UNIQUE', 'CLUSTER', 'LIKE', 'UNLIKE', 'MAX_PER', 'GROUP_BY'] as const;
export type ConstraintOperator = (typeof CONSTRAINT_OPERATORS)[number];

/** One constraint: `field` is `hostname` or an agent attribute name. */
export interface Constraint {
  readonly field: string;
  readonly operator: ConstraintOperator;
  /** LIKE/UNLIKE: a regex; CLUSTER: the required value (optional); MAX_PER: the limit; GROUP_BY: number of groups (optional). */
  readonly value?: string;
}

/** Where a task is or would be: the agent's hostname and attributes. */
export interface Site {
  readonly hostname: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** The value of `field` at `site`, undefined when the agent lacks that attribute. */
export function fieldValue(field: string, site: Site): string | undefined {
  return field === 'hostname' ? site.hostname : site.attributes[field];
}

/**
 * Counts, per constraint field, how many tasks of one (job, role) sit on each value. Built from the
 * tasks already placed and updated as placement adds tasks, so each check is O(1) per constraint.
 */
export class SiteCounts {
  private readonly byField = new Map<string, Map<string, number>>();
  // GROUP_BY values known to exist (from offers) though no task sits there yet: they count as empty groups.
  private readonly known = new Map<string, Set<string>>();

  constructor(
    private readonly constraints: readonly Constraint[],
    placed: Iterable<Site> = [],
  ) {
    for (const c of constraints) if (!this.byField.has(c.field)) this.byField.set(c.field, new Map());
    for (const site of placed) this.add(site);
  }

  /** Records one more task at `site`. */
  add(site: Site): void {
    for (const [field, counts] of this.byField) {
      const v = fieldValue(field, site);
      if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
  }

  /** Registers the values `site` offers, so GROUP_BY sees groups that hold no task yet. */
  observe(site: Site): void {
    for (const c of this.constraints) {
      if (c.operator !== 'GROUP_BY') continue;
      const v = fieldValue(c.field, site);
      if (v === undefined) continue;
      const set = this.known.get(c.field) ?? new Set<string>();
      set.add(v);
      this.known.set(c.field, set);
    }
  }

  /** True when a task may go to `site` given the tasks counted so far. */
  allows(site: Site): boolean {
    for (const c of this.constraints) if (!this.check(c, site)) return false;
    return true;
  }

  private check(c: Constraint, site: Site): boolean {
    const v = fieldValue(c.field, site);
    const counts = this.byField.get(c.field)!;
    switch (c.operator) {
      case 'LIKE':
        return v !== undefined && fullMatch(c.value ?? '', v);
      case 'UNLIKE':
        // Marathon: an agent without the attribute is "unlike" anything.
        return v === undefined || !fullMatch(c.value ?? '', v);
      case 'UNIQUE':
        return v !== undefined && !counts.has(v);
      case 'CLUSTER': {
        if (v === undefined) return false;
        if (c.value) return v === c.value;
        // Without a value, every task goes where the first one went.
        return counts.size === 0 || counts.has(v);
      }
      case 'MAX_PER':
        return v !== undefined && (counts.get(v) ?? 0) < Number(c.value);
      case 'GROUP_BY': {
        if (v === undefined) return false;
        const groups = c.value ? Number(c.value) : 0;
        // Until every expected group has a task, only new groups are accepted; after that, a value
        // is accepted while it holds no more tasks than the emptiest group.
        if (groups > counts.size) return !counts.has(v);
        let min = Infinity;
        for (const n of counts.values()) min = Math.min(min, n);
        for (const k of this.known.get(c.field) ?? []) if (!counts.has(k)) min = 0;
        return (counts.get(v) ?? 0) <= min;
      }
    }
  }
}

/** True when the constraints' verdict on an agent can only get stricter as tasks are added. */
export const monotone = (constraints: readonly Constraint[]): boolean =>
  constraints.every((c) => c.operator !== 'GROUP_BY');

const regexCache = new Map<string, RegExp>();
function fullMatch(pattern: string, value: string): boolean {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    regexCache.set(pattern, re);
  }
  return re.test(value);
}
