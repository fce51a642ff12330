// In-memory bit sets for the checker's maps (e2fsck's block_found_map,
// inode_used_map, ...), and bit tests on on-disk bitmap blocks.
// Bits are LSB first within each byte, as ext2 bitmaps are (EXT2.md 2.5).

/** A fixed-size set of small non-negative integers. */
export class BitSet {
  private readonly bytes: Uint8Array;

  /** A set able to hold 0 .. size-1. */
  constructor(readonly size: number) {
    this.bytes = new Uint8Array(Math.ceil(size / 8));
  }

  has(i: number): boolean {
    return i >= 0 && i < this.size && ((this.bytes[i >>> 3] as number) & (1 << (i & 7))) !== 0;
  }

  /** Adds `i`; returns true when it was already present. Out-of-range numbers are ignored (returns false). */
  add(i: number): boolean {
    if (i < 0 || i >= this.size) return false;
    const at = i >>> 3;
    const mask = 1 << (i & 7);
    const was = ((this.bytes[at] as number) & mask) !== 0;
    this.bytes[at] = (this.bytes[at] as number) | mask;
    return was;
  }

  delete(i: number): void {
    if (i < 0 || i >= this.size) return;
    this.bytes[i >>> 3] = (this.bytes[i >>> 3] as number) & ~(1 << (i & 7));
  }

  /** How many integers the set holds. */
  count(): number {
    let n = 0;
    for (const byte of this.bytes) n += POPCOUNT[byte] as number;
    return n;
  }

  /** Adds every integer of [first, first + count). */
  addRange(first: number, count: number): void {
    const end = Math.min(this.size, first + count);
    for (let i = Math.max(0, first); i < end; i++) this.add(i);
  }
}

/** Bit `i` of an on-disk bitmap block (false beyond the block). */
export function bitmapBit(bitmap: Uint8Array, i: number): boolean {
  const byte = bitmap[i >>> 3];
  return byte !== undefined && (byte & (1 << (i & 7))) !== 0;
}

/**
 * Number of clear bits among the first `count` bits of `bitmap`.
 * Whole bytes are counted with a table; a 32768-bit group costs 4096 steps.
 */
export function countClearBits(bitmap: Uint8Array, count: number): number {
  let set = 0;
  const whole = count >>> 3;
  for (let i = 0; i < whole; i++) set += POPCOUNT[bitmap[i] as number] as number;
  for (let i = whole * 8; i < count; i++) if (bitmapBit(bitmap, i)) set++;
  return count - set;
}

/** The first clear bit of `bitmap` in [from, to), or -1. */
export function firstClearBit(bitmap: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    if ((i & 7) === 0 && i + 8 <= to && bitmap[i >>> 3] === 0xff) {
      i += 7;
      continue;
    }
    if (!bitmapBit(bitmap, i)) return i;
  }
  return -1;
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x !== 0; x &= x - 1) n++;
  return n;
});
