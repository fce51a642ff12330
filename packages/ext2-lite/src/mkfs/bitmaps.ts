// Block and inode bitmaps of a new filesystem (EXT2.md 2.5): one block each
// per group, bit i = byte i>>3, mask 1 << (i & 7), 1 = in use.
//   block bitmap: the group's metadata run + blocks mkfs allocated, and the
//                 padding past the group's last block up to 8*bs
//   inode bitmap: inodes 1..11 (reserved + lost+found) where they fall, and
//                 the padding from s_inodes_per_group up to 8*bs
// Most groups have identical bitmaps, so identical blocks share one buffer
// (writes only read them).
import type { BlockClaims } from './block-claims.js';
import type { Layout } from './layout.js';

/** Sets bits [from, to) of `bitmap`. */
export function setBits(bitmap: Uint8Array, from: number, to: number): void {
  let bit = from;
  while (bit < to && (bit & 7) !== 0) {
    bitmap[bit >> 3] = (bitmap[bit >> 3] ?? 0) | (1 << (bit & 7));
    bit++;
  }
  const wholeEnd = to & ~7;
  if (bit < wholeEnd) {
    bitmap.fill(0xff, bit >> 3, wholeEnd >> 3);
    bit = wholeEnd;
  }
  for (; bit < to; bit++) bitmap[bit >> 3] = (bitmap[bit >> 3] ?? 0) | (1 << (bit & 7));
}

/** Builds (and shares) the bitmap blocks of each group. */
export class BitmapBuilder {
  private readonly shared = new Map<string, Uint8Array>();
  private readonly usedByGroup = new Map<number, number[]>();

  /**
   * @param usedInodes inode numbers in use (1..11): marked in their groups' inode bitmaps
   */
  constructor(
    private readonly layout: Layout,
    private readonly claims: BlockClaims,
    usedInodes: readonly number[],
  ) {
    for (const ino of usedInodes) {
      const group = Math.floor((ino - 1) / layout.inodesPerGroup);
      this.usedByGroup.set(group, [...(this.usedByGroup.get(group) ?? []), ino]);
    }
  }

  /** The block bitmap of `group`. */
  blockBitmap(group: number): Uint8Array {
    const g = this.layout.groups[group];
    if (g === undefined) throw new RangeError(`group ${group} is outside the layout`);
    const extra = this.claims.allocatedIn(group);
    const key = `b:${g.metadataBlocks}:${g.blocks}`;
    const cached = extra.length === 0 ? this.shared.get(key) : undefined;
    if (cached !== undefined) return cached;
    const bs = this.layout.blockSize;
    const bitmap = new Uint8Array(bs);
    setBits(bitmap, 0, g.metadataBlocks);
    for (const block of extra) setBits(bitmap, block - g.first, block - g.first + 1);
    setBits(bitmap, g.blocks, bs * 8);
    if (extra.length === 0) this.shared.set(key, bitmap);
    return bitmap;
  }

  /** Inode numbers in use inside `group`. */
  usedInodesIn(group: number): readonly number[] {
    return this.usedByGroup.get(group) ?? [];
  }

  /** The inode bitmap of `group`. */
  inodeBitmap(group: number): Uint8Array {
    const used = this.usedInodesIn(group);
    const cached = used.length === 0 ? this.shared.get('i') : undefined;
    if (cached !== undefined) return cached;
    const bs = this.layout.blockSize;
    const ipg = this.layout.inodesPerGroup;
    const bitmap = new Uint8Array(bs);
    for (const ino of used) setBits(bitmap, (ino - 1) % ipg, ((ino - 1) % ipg) + 1);
    setBits(bitmap, ipg, bs * 8);
    if (used.length === 0) this.shared.set('i', bitmap);
    return bitmap;
  }
}
