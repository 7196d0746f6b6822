// A seeded PRNG for the fuzz tests, so every failing case can be replayed from the seed printed in the
// suite title. NODAL_FUZZ_SEED=<n> replays a run; NODAL_FUZZ_SEED=random explores a fresh one.

/** A source of random values; all methods draw from one seeded stream. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** n uniformly random bytes. */
  bytes(n: number): Buffer;
  /** A 32-bit seed for a child stream. */
  seed(): number;
}

/** mulberry32: tiny, fast and good enough to drive mutations. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[int(0, items.length - 1)]!,
    bytes: (n) => {
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) out[i] = int(0, 255);
      return out;
    },
    seed: () => int(0, 0xffffffff),
  };
}

/** FNV-1a of a string: a stable default seed per suite, so CI runs are reproducible by default. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The seed of a suite: NODAL_FUZZ_SEED when set (a number, or `random`), else a fixed one from `suite`. */
export function fuzzSeed(suite: string): number {
  const env = process.env.NODAL_FUZZ_SEED;
  if (env === 'random') return Math.floor(Math.random() * 0xffffffff) >>> 0;
  if (env !== undefined && env !== '' && Number.isFinite(Number(env))) return Number(env) >>> 0;
  return hash(suite);
}

/** NODAL_FUZZ_SCALE multiplies every iteration count and time budget (default 1; e.g. 20 for a long local run). */
export function fuzzScale(): number {
  const s = Number(process.env.NODAL_FUZZ_SCALE ?? '1');
  return Number.isFinite(s) && s > 0 ? s : 1;
}
