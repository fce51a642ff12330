// Extended attributes of built inodes (EXT2.md 5), with the encoders of
// format/xattr.ts: all of an inode's attributes go into its in-inode area
// (256-byte inodes: the bytes past i_extra_isize) when they fit, else into
// one xattr block. Inodes with the same attributes share a block, up to the
// kernel's refcount limit; blocks get their refcounts when written at the end.
import { FsError } from '@iomap/core';
import { XATTR_HEADER_FIELDS, XATTR_REFCOUNT_MAX, buildInodeXattrArea, buildXattrBlock, type NewXattr } from '../format/xattr.js';
import { decodeAclXattr } from '@iomap/vfs';
import { encodeAclDisk, isAclNameIndex } from '../format/posix-acl.js';
import { checkXattrValue, parseWritableXattrName } from '../xattr/xattr-name.js';
import type { MapBlock } from './block-map-build.js';

/** Where one inode's attributes went. */
export type XattrPlace = { readonly inodeArea: Uint8Array } | { readonly block: number };

interface SharedBlock {
  readonly block: number;
  readonly bytes: Uint8Array;
  refcount: number;
}

/**
 * Checks and converts (name, value) pairs; EOPNOTSUPP/ERANGE/EINVAL as
 * setxattr(2) would give. POSIX ACLs arrive in the xattr encoding and are
 * stored in ext2's (as mke2fs -d stores them); one without entries is left out.
 */
export function parseXattrs(attrs: readonly (readonly [string, Uint8Array])[], blockSize: number): NewXattr[] {
  // A name given twice: the last value wins, as repeated setxattr calls would leave it.
  const byName = new Map<string, NewXattr>();
  for (const [name, value] of attrs) {
    const parsed = parseWritableXattrName(name, 'setxattr');
    byName.delete(name);
    let stored: Uint8Array = value.slice();
    if (isAclNameIndex(parsed.nameIndex)) {
      const acl = decodeAclXattr(value, 'setxattr');
      if (acl === null) continue;
      stored = encodeAclDisk(acl);
    }
    checkXattrValue(stored, blockSize, 'setxattr');
    byName.set(name, { ...parsed, value: stored });
  }
  return [...byName.values()];
}

export class XattrPlacement {
  private readonly shared = new Map<string, SharedBlock>();
  private readonly blocks: SharedBlock[] = [];
  private readonly byBlock = new Map<number, { key: string; shared: SharedBlock }>();

  constructor(private readonly blockSize: number) {}

  /**
   * Places `attrs` (non-empty): in the inode's area of `inodeAreaLength`
   * bytes, else in a (shared) block from `allocate`. ENOSPC when they fit
   * neither.
   */
  place(attrs: readonly NewXattr[], inodeAreaLength: number, allocate: () => number): XattrPlace {
    if (inodeAreaLength >= 8) {
      const area = buildInodeXattrArea(attrs, inodeAreaLength);
      if (area !== undefined) return { inodeArea: area };
    }
    const bytes = buildXattrBlock(attrs, { blockSize: this.blockSize });
    if (bytes === undefined) throw new FsError('ENOSPC', `the extended attributes (${attrs.length}) do not fit one ${this.blockSize}-byte block`, { syscall: 'setxattr' });
    const key = String.fromCharCode.apply(null, bytes as unknown as number[]);
    const known = this.shared.get(key);
    if (known !== undefined && known.refcount < XATTR_REFCOUNT_MAX) {
      known.refcount++;
      return { block: known.block };
    }
    const block: SharedBlock = { block: allocate(), bytes, refcount: 1 };
    this.shared.set(key, block);
    this.blocks.push(block);
    this.byBlock.set(block.block, { key, shared: block });
    return { block: block.block };
  }

  /** Drops one reference to xattr block `block`; true when it is now unused (the caller frees it). */
  release(block: number): boolean {
    const found = this.byBlock.get(block);
    if (found === undefined) return false;
    found.shared.refcount--;
    if (found.shared.refcount > 0) return false;
    this.byBlock.delete(block);
    if (this.shared.get(found.key) === found.shared) this.shared.delete(found.key);
    this.blocks.splice(this.blocks.indexOf(found.shared), 1);
    return true;
  }

  /** Every xattr block with its final refcount, ascending. */
  finalBlocks(): MapBlock[] {
    return this.blocks.map((b) => {
      new DataView(b.bytes.buffer, b.bytes.byteOffset).setUint32(XATTR_HEADER_FIELDS.refcount.offset, b.refcount, true);
      return { block: b.block, bytes: b.bytes };
    });
  }
}
