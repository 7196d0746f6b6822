// A small seeded PRNG for data synthesis and augmentation. Math.random cannot be seeded, and the same
// seed must give the same bytes on every machine and Node version, so this is plain 32-bit integer math.

/** A deterministic random source; every method advances the same stream. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

/** Mixes any number of integers into one 32-bit seed (splitmix-style), so derived streams do not overlap. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    // Values above 2^32 (seeds from time or large counters) keep their high bits.
    const high = Math.floor(p / 0x100000000);
    if (high !== 0) h = Math.imul(h ^ (high >>> 0), 0x27d4eb2f);
  }
  return h >>> 0;
}

/** A mulberry32 stream seeded with `seed` (any finite number; mixed first so 0, 1, 2… are unrelated). */
export function createRng(seed: number): Rng {
  let state = mixSeed(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal: () => {
      const u = 1 - next(); // (0, 1]: log never sees 0
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}
