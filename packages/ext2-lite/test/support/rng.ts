// The seeded generator the ext2-lite suites share (mulberry32): small, fast,
// and the same sequence for the same seed on every run.

/** A function returning numbers in [0, 1) from a mulberry32 sequence seeded by `seed`. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
