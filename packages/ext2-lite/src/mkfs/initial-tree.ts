// What a new filesystem holds besides empty groups, built the way mke2fs
// builds it (EXT2.md 3.9, 4.4, 2.4), in mke2fs's order so blocks land in the
// same places:
//   1. root directory (inode 2): one block with '.', '..' and lost+found
//   2. /lost+found (inode 11, mode 0700): one block from mkdir, grown with
//      empty blocks until it has 16 KiB and at least 2 blocks, at most 12
//      (12 KiB with 1 KiB blocks, 16 KiB otherwise) - e2fsck reconnects
//      orphans into these blocks without allocating
//   3. inodes 3-10 reserved (bitmap only), inode 1 (bad blocks, empty) gets times
//   4. the resize inode (7), when resize_inode is on (resize-inode.ts)
import { FsError } from '@iomap/core';
import { INCOMPAT } from '../format/features.js';
import { FILE_TYPE, emptyDirBlock, insertDirEntry, newDirBlock } from '../format/dir-entry.js';
import { encodeUtf8 } from '../format/fields.js';
import { BAD_INO, NDIR_BLOCKS, ROOT_INO, S_IF, decodeInode, encodeInode, type Inode } from '../format/inode.js';
import type { BlockClaims } from './block-claims.js';
import { FIRST_INO, type Layout } from './layout.js';

/** Inode number mke2fs gives /lost+found: the first non-reserved one. */
export const LOST_AND_FOUND_INO = FIRST_INO;
/** i_extra_isize mke2fs writes into 256-byte inodes (sizeof ext2_inode_large - 128). */
export const MKFS_EXTRA_ISIZE = 32;
/** lost+found grows to this many bytes (and at least two blocks). */
const LOST_AND_FOUND_BYTES = 16 * 1024;

/** Everything the initial tree writes: inode bytes by number and block contents by block number. */
export interface InitialContent {
  readonly inodes: Map<number, Uint8Array>;
  readonly blocks: Map<number, Uint8Array>;
  /** Directory inodes (for bg_used_dirs_count). */
  readonly directories: readonly number[];
}

/** What an initial inode needs; everything else is zero. */
export interface NewInodeFields {
  readonly ino: number;
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly size?: number;
  readonly linksCount?: number;
  /** i_blocks in 512-byte sectors. */
  readonly blocks?: number;
  readonly block?: readonly number[];
  /** atime = ctime = mtime (and crtime on large inodes). */
  readonly time: number;
  /** Write i_extra_isize and crtime (ext2fs_write_new_inode); false for inode 1, which mke2fs writes as a 128-byte inode. */
  readonly large: boolean;
}

/** Encodes a fresh inode (all inode-size bytes) from zero. */
export function newInodeBytes(layout: Layout, f: NewInodeFields): Uint8Array {
  const blank = decodeInode(new Uint8Array(layout.inodeSize), { ino: f.ino, inodeSize: layout.inodeSize, blockSize: layout.blockSize });
  const block = [...(f.block ?? [])];
  while (block.length < blank.block.length) block.push(0);
  const inode: Inode = {
    ...blank,
    mode: f.mode,
    uid: f.uid ?? 0,
    gid: f.gid ?? 0,
    size: f.size ?? 0,
    linksCount: f.linksCount ?? 0,
    blocks: f.blocks ?? 0,
    block,
    atime: f.time,
    ctime: f.time,
    mtime: f.time,
    ...(f.large && layout.inodeSize > 128 ? { extraIsize: MKFS_EXTRA_ISIZE, crtime: f.time } : {}),
  };
  return encodeInode(inode);
}

/** Blocks /lost+found gets: mke2fs's expand loop (at most the 12 direct blocks). */
export function lostAndFoundBlocks(blockSize: number): number {
  let blocks = 1;
  let bytes = 0;
  for (let i = 1; i < NDIR_BLOCKS; i++) {
    bytes += blockSize;
    if (bytes >= LOST_AND_FOUND_BYTES && bytes >= 2 * blockSize) break;
    blocks++;
  }
  return blocks;
}

/** First block of the group holding `ino`: libext2fs's goal for an inode without blocks. */
function inodeGoal(layout: Layout, ino: number): number {
  const group = layout.groups[Math.floor((ino - 1) / layout.inodesPerGroup)];
  return group?.first ?? layout.firstDataBlock;
}

export interface InitialTreeOptions {
  readonly rootUid: number;
  readonly rootGid: number;
  readonly time: number;
}

/**
 * Allocates and encodes the root directory, /lost+found and inode 1.
 * Precondition: `claims` holds only the metadata runs (called before the resize inode).
 */
export function buildInitialTree(layout: Layout, claims: BlockClaims, opts: InitialTreeOptions): InitialContent {
  if (layout.inodesCount < LOST_AND_FOUND_INO) {
    throw new FsError(
      'EINVAL',
      `the layout has only ${layout.inodesCount} inodes, but inodes 1-10 are reserved and 11 is lost+found; ask for more inodes (inodeCount) or fewer bytes per inode`,
      { syscall: 'mkfs' },
    );
  }
  const bs = layout.blockSize;
  const filetype = (layout.features.incompat & INCOMPAT.filetype) !== 0;
  const blocks = new Map<number, Uint8Array>();
  const inodes = new Map<number, Uint8Array>();

  const rootBlock = claims.allocate(inodeGoal(layout, ROOT_INO), 'the root directory');
  const lostFound: number[] = [claims.allocate(inodeGoal(layout, LOST_AND_FOUND_INO), 'lost+found')];
  const lfCount = lostAndFoundBlocks(bs);
  while (lostFound.length < lfCount) lostFound.push(claims.allocate(lostFound[lostFound.length - 1] as number, 'lost+found'));

  const dirOpts = { filetype, inodesCount: layout.inodesCount, dirIno: ROOT_INO };
  const inserted = insertDirEntry(newDirBlock(ROOT_INO, ROOT_INO, bs, filetype), { inode: LOST_AND_FOUND_INO, name: encodeUtf8('lost+found'), fileType: FILE_TYPE.DIR }, dirOpts);
  if (inserted === undefined) throw new Error('mkfs: lost+found does not fit an empty root block'); // cannot happen: bs >= 1024
  blocks.set(rootBlock, inserted.block);
  lostFound.forEach((b, i) => blocks.set(b, i === 0 ? newDirBlock(LOST_AND_FOUND_INO, ROOT_INO, bs, filetype) : emptyDirBlock(bs)));

  const sectors = bs / 512;
  const t = opts.time;
  inodes.set(BAD_INO, newInodeBytes(layout, { ino: BAD_INO, mode: 0, time: t, large: false }));
  inodes.set(
    ROOT_INO,
    newInodeBytes(layout, { ino: ROOT_INO, mode: S_IF.DIR | 0o755, uid: opts.rootUid, gid: opts.rootGid, size: bs, linksCount: 3, blocks: sectors, block: [rootBlock], time: t, large: true }),
  );
  inodes.set(
    LOST_AND_FOUND_INO,
    newInodeBytes(layout, {
      ino: LOST_AND_FOUND_INO,
      mode: S_IF.DIR | 0o700,
      size: lfCount * bs,
      linksCount: 2,
      blocks: lfCount * sectors,
      block: lostFound,
      time: t,
      large: true,
    }),
  );
  return { inodes, blocks, directories: [ROOT_INO, LOST_AND_FOUND_INO] };
}
