// A small seeded pseudo-random generator (xoshiro128**, seeded through
// splitmix32). Every random choice in the testkit goes through it, so a run
// replays exactly from its seed on every platform: no Math.random, no clocks.
import { FsError } from '@iomap/core';

function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A deterministic random number generator: the same seed gives the same
 * sequence everywhere. Seeds are integers (taken modulo 2^32).
 *
 * @example
 * ```ts
 * const rng = new SeededRandom(42);
 * const size = rng.int(0, 65536); // 0 <= size < 65536
 * const pick = rng.weighted({ read: 3, write: 1 }); // 'read' three times as often
 * ```
 */
export class SeededRandom {
  /** The seed this generator started from. */
  readonly seed: number;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new FsError('EINVAL', `a seed must be an integer, got ${String(seed)}`, { syscall: 'seed' });
    }
    this.seed = seed;
    const state = { x: (seed % 0x1_0000_0000) | 0 };
    this.s0 = splitmix32(state);
    this.s1 = splitmix32(state);
    this.s2 = splitmix32(state);
    this.s3 = splitmix32(state);
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** An integer in [min, maxExclusive); `min` when the range is empty. */
  int(min: number, maxExclusive: number): number {
    if (maxExclusive <= min) return min;
    return min + Math.floor(this.float() * (maxExclusive - min));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length)];
    if (item === undefined) throw new FsError('EINVAL', 'pick() needs a non-empty array', { syscall: 'pick' });
    return item;
  }

  /** A key of `weights` chosen with probability proportional to its weight (weights ≤ 0 never chosen). */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = (Object.entries(weights) as [K, number][]).filter(([, w]) => w > 0);
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let x = this.float() * total;
    for (const [key, w] of entries) {
      x -= w;
      if (x < 0) return key;
    }
    const last = entries[entries.length - 1];
    if (last === undefined) throw new FsError('EINVAL', 'weighted() needs a positive weight', { syscall: 'pick' });
    return last[0];
  }

  /** Fills `buffer` with random bytes and returns it. */
  fill(buffer: Uint8Array): Uint8Array {
    for (let i = 0; i < buffer.length; i += 4) {
      let v = this.nextUint32();
      for (let j = i; j < Math.min(i + 4, buffer.length); j++) {
        buffer[j] = v & 0xff;
        v >>>= 8;
      }
    }
    return buffer;
  }

  /** An independent generator derived from this one's next output. */
  fork(): SeededRandom {
    return new SeededRandom(this.nextUint32());
  }
}
