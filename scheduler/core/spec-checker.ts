// A small path-aware validator for hand-written spec checks: each accessor reads one key, records an
// error under its full path when the value is wrong, and returns a usable placeholder so checking
// continues and every problem is reported at once. Keys nobody read are reported as unknown.

export interface SpecError {
  readonly path: string;
  readonly message: string;
}

interface NumberRule {
  min?: number;
  max?: number;
  default?: number;
}

const join = (base: string, key: string): string => (!key ? base : base ? `${base}.${key}` : key);
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the keys of one object; see the module comment. */
export class Checker {
  private readonly seen = new Set<string>();

  constructor(
    private readonly obj: Readonly<Record<string, unknown>>,
    readonly path: string,
    private readonly errors: SpecError[],
  ) {}

  /** Records an error at `key` (relative, may be dotted; '' for this object). */
  error(key: string, message: string): void {
    this.errors.push({ path: join(this.path, key), message });
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  /** Marks keys as read without reading them. */
  ignore(...keys: string[]): void {
    for (const k of keys) this.seen.add(k);
  }

  private read(key: string): unknown {
    this.seen.add(key);
    return this.obj[key];
  }

  optionalString(key: string, rule: { pattern?: RegExp; patternHint?: string } = {}): string | undefined {
    const v = this.read(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0) {
      this.error(key, 'must be a non-empty string');
      return undefined;
    }
    if (rule.pattern && !rule.pattern.test(v)) {
      this.error(key, `must match ${rule.patternHint ?? String(rule.pattern)}`);
      return undefined;
    }
    return v;
  }

  string(key: string, rule: { default?: string } = {}): string {
    if (!this.has(key) && rule.default !== undefined) {
      this.read(key);
      return rule.default;
    }
    if (!this.has(key)) {
      this.read(key);
      this.error(key, 'is required');
      return '';
    }
    return this.optionalString(key) ?? '';
  }

  optionalNumber(key: string, rule: NumberRule & { integer?: boolean } = {}): number | undefined {
    const v = this.read(key);
    if (v === undefined) return rule.default;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.error(key, rule.integer ? 'must be an integer' : 'must be a number');
      return rule.default;
    }
    if (rule.integer && !Number.isInteger(v)) {
      this.error(key, 'must be an integer');
      return rule.default;
    }
    if (rule.min !== undefined && v < rule.min) this.error(key, `must be >= ${rule.min}`);
    else if (rule.max !== undefined && v > rule.max) this.error(key, `must be <= ${rule.max}`);
    return v;
  }

  number(key: string, rule: NumberRule = {}): number {
    const v = this.optionalNumber(key, rule);
    if (v === undefined) {
      if (!this.has(key)) this.error(key, 'is required');
      return rule.min ?? 0;
    }
    return v;
  }

  optionalInt(key: string, rule: Omit<NumberRule, 'default'> = {}): number | undefined {
    return this.optionalNumber(key, { ...rule, integer: true });
  }

  int(key: string, rule: NumberRule = {}): number {
    const v = this.optionalNumber(key, { ...rule, integer: true });
    if (v === undefined) {
      if (!this.has(key)) this.error(key, 'is required');
      return rule.min ?? 0;
    }
    return v;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.read(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') {
      this.error(key, 'must be true or false');
      return fallback;
    }
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    const v = this.read(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      this.error(key, `must be one of ${values.map((x) => `'${x}'`).join(', ')}`);
      return fallback;
    }
    return v as T;
  }

  /** Checks a nested object; when absent (and not required) `fn` sees an empty object and applies its defaults. */
  object<T>(key: string, fn: (c: Checker) => T, opts: { required?: boolean } = {}): T {
    const v = this.read(key);
    if (v === undefined && opts.required) this.error(key, 'is required');
    const path = join(this.path, key);
    if (v !== undefined && !isPlainObject(v)) {
      this.error(key, 'must be an object');
      return runChecker({}, path, [], fn);
    }
    return runChecker(v ?? {}, path, this.errors, fn);
  }

  /** Checks each item of an optional array with `fn(item, itemPath)`; items yielding undefined are dropped. */
  array<T>(key: string, fn: (item: unknown, path: string) => T | undefined): T[] {
    const v = this.read(key);
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      this.error(key, 'must be an array');
      return [];
    }
    const out: T[] = [];
    v.forEach((item, i) => {
      const r = fn(item, `${key}[${i}]`);
      if (r !== undefined) out.push(r);
    });
    return out;
  }

  /** Records an error for every key nobody read. */
  finish(): void {
    for (const k of Object.keys(this.obj)) if (!this.seen.has(k)) this.error(k, 'is not a known key');
  }
}

function runChecker<T>(
  obj: Readonly<Record<string, unknown>>,
  path: string,
  errors: SpecError[],
  fn: (c: Checker) => T,
): T {
  const c = new Checker(obj, path, errors);
  const out = fn(c);
  c.finish();
  return out;
}

/** Runs `fn` over `raw`, which must be an object; undefined (with an error) otherwise. */
export function checkObject<T>(
  raw: unknown,
  path: string,
  errors: SpecError[],
  fn: (c: Checker) => T,
): T | undefined {
  if (!isPlainObject(raw)) {
    errors.push({ path, message: 'must be a JSON object' });
    return undefined;
  }
  return runChecker(raw, path, errors, fn);
}
