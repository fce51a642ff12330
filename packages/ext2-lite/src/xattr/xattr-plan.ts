// Where each attribute of an inode goes after a set or remove, decided the
// way e2fsprogs (ext2fs_xattr_set) and the ext4 driver decide it:
//
//   set:    the attribute leaves wherever it was; it goes in-inode when the
//           in-inode area (256-byte inodes, after i_extra_isize) still has
//           room for it, else into the xattr block; neither -> ENOSPC.
//   remove: it leaves wherever it was.
//
// "Room" is tested by laying the area out for real (format/xattr.ts
// buildInodeXattrArea / buildXattrBlock), so the plan never promises what the
// encoders cannot store. Attributes that do not change stay where they are.
// Pure: the caller reads the current attributes and applies the plan.
import { FsError } from '@iomap/core';
import { buildInodeXattrArea, buildXattrBlock, type NewXattr } from '../format/xattr.js';
import type { XattrName } from './xattr-name.js';

/** The attributes of one inode, by where they are stored. */
export interface XattrPlacement {
  readonly inode: readonly NewXattr[];
  readonly block: readonly NewXattr[];
}

/** The result of planning: the new placement and which halves changed. */
export interface XattrPlan extends XattrPlacement {
  readonly inodeChanged: boolean;
  readonly blockChanged: boolean;
}

/** Room the plan may use. */
export interface XattrSpace {
  /** Bytes of the in-inode area (isz - 128 - i_extra_isize), 0 when the inode has none. */
  readonly inodeArea: number;
  readonly blockSize: number;
}

/** A set (with XATTR_CREATE / XATTR_REPLACE) or a remove. */
export type XattrChange =
  | { readonly kind: 'set'; readonly attr: XattrName; readonly value: Uint8Array; readonly create?: boolean; readonly replace?: boolean }
  | { readonly kind: 'remove'; readonly attr: XattrName };

function sameName(a: XattrName, b: XattrName): boolean {
  return a.nameIndex === b.nameIndex && a.name.length === b.name.length && a.name.every((c, i) => c === b.name[i]);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

/** True when `attrs` fit an in-inode area of `length` bytes. */
export function fitsInInode(attrs: readonly NewXattr[], length: number): boolean {
  if (attrs.length === 0) return true;
  return length > 0 && buildInodeXattrArea(attrs, length) !== undefined;
}

/** True when `attrs` fit one xattr block. */
export function fitsInBlock(attrs: readonly NewXattr[], blockSize: number): boolean {
  return attrs.length === 0 || buildXattrBlock(attrs, { blockSize }) !== undefined;
}

/**
 * The placement after `change`. EEXIST (create, exists), ENODATA (replace or
 * remove, absent), ENOSPC (fits neither the inode nor a block).
 */
export function planXattrChange(current: XattrPlacement, change: XattrChange, space: XattrSpace, syscall: string): XattrPlan {
  const inInode = current.inode.findIndex((a) => sameName(a, change.attr));
  const inBlock = current.block.findIndex((a) => sameName(a, change.attr));
  const exists = inInode !== -1 || inBlock !== -1;
  const inode = current.inode.filter((_, i) => i !== inInode);
  const block = current.block.filter((_, i) => i !== inBlock);
  if (change.kind === 'remove') {
    if (!exists) throw new FsError('ENODATA', 'no such extended attribute', { syscall });
    return { inode, block, inodeChanged: inInode !== -1, blockChanged: inBlock !== -1 };
  }
  if (change.create === true && exists) throw new FsError('EEXIST', 'the extended attribute already exists (XATTR_CREATE)', { syscall });
  if (change.replace === true && !exists) throw new FsError('ENODATA', 'no such extended attribute to replace (XATTR_REPLACE)', { syscall });
  const attr: NewXattr = { nameIndex: change.attr.nameIndex, name: change.attr.name, value: change.value };
  const old = inInode !== -1 ? current.inode[inInode] : inBlock !== -1 ? current.block[inBlock] : undefined;
  if (old !== undefined && sameBytes(old.value, attr.value)) {
    // Same value: nothing moves (e2fsprogs rewrites in place; so do we, by not writing at all).
    return { ...current, inodeChanged: false, blockChanged: false };
  }
  const intoInode = [...inode, attr];
  if (fitsInInode(intoInode, space.inodeArea)) {
    return { inode: intoInode, block, inodeChanged: true, blockChanged: inBlock !== -1 };
  }
  const intoBlock = [...block, attr];
  if (fitsInBlock(intoBlock, space.blockSize)) {
    return { inode, block: intoBlock, inodeChanged: inInode !== -1, blockChanged: true };
  }
  throw new FsError('ENOSPC', `no room for a ${attr.value.length}-byte extended attribute value in the inode or its ${space.blockSize}-byte xattr block`, { syscall });
}
