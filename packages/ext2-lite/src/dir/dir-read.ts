// Reading directories (EXT2.md 4) through the same iomap/page-cache path as
// file data: the directory's AddressSpace maps its blocks with ext2's
// IomapOps, bufferedRead fills folios (with readahead), and each block is
// then checked and split by format/dir-entry.ts.
//
//   block: | inode u32 | rec_len u16 | name_len u8 | file_type u8 | name ... | -> next
//
// htree directories read linearly (EXT2.md 4.6): the dx_root is '.' plus a
// '..' whose rec_len covers the index, interior dx nodes are one empty entry.
// A hole in a directory reads as zeros, which no valid block is: EUCLEAN.
import { CorruptFilesystemError } from '@iomap/core';
import { bufferedRead } from '@iomap/buffered';
import { DirentType, type DirEntry } from '@iomap/vfs';
import { FILE_TYPE, readDirBlock, type DirBlockOptions, type DirEntry as DiskDirEntry } from '../format/dir-entry.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { dataMapping, type MountContext } from '../mount/mount-context.js';

/** Directory bytes read per page-cache call. */
const CHUNK_BLOCKS = 16;

/** One directory block's entries, unused slots (inode 0) included. */
export interface DirectoryBlock {
  /** Logical block index inside the directory. */
  readonly blockIndex: number;
  readonly entries: readonly DiskDirEntry[];
}

/** What readDirBlock checks a block of `dir` against. */
export function dirBlockOptions(ctx: MountContext, dir: Ext2Inode, blockIndex?: number): DirBlockOptions {
  const g = ctx.vol.geometry;
  return { filetype: ctx.vol.filetype, inodesCount: g.inodesCount, firstIno: g.firstIno, dirIno: dir.ino, ...(blockIndex === undefined ? {} : { blockIndex }) };
}

/**
 * Every block of directory `dir` in order, each validated as a whole before
 * it is yielded. Precondition: dir is a directory inode; the caller holds
 * dir.lock (shared is enough) when it needs a consistent view of all blocks.
 */
export async function* directoryBlocks(ctx: MountContext, dir: Ext2Inode): AsyncGenerator<DirectoryBlock> {
  const bs = ctx.vol.geometry.blockSize;
  const mapping = dataMapping(ctx, dir);
  const size = dir.size;
  const opts = dirBlockOptions(ctx, dir);
  for (let off = 0; off < size; off += CHUNK_BLOCKS * bs) {
    const chunk = new Uint8Array(Math.min(CHUNK_BLOCKS * bs, size - off));
    const n = await bufferedRead(mapping, off, chunk);
    if (n !== chunk.length) {
      throw new CorruptFilesystemError({ structure: `directory inode ${dir.ino}` }, `read ${n} of ${chunk.length} bytes at ${off} inside its size ${size}`);
    }
    for (let b = 0; b * bs < chunk.length; b++) {
      const blockIndex = off / bs + b;
      yield { blockIndex, entries: readDirBlock(chunk.subarray(b * bs, (b + 1) * bs), { ...opts, blockIndex }) };
    }
  }
}

/**
 * The live entries (inode != 0) of directory `dir`, block by block, each
 * block validated as a whole before its entries are yielded.
 * Precondition: dir is a directory inode.
 */
export async function* directoryEntries(ctx: MountContext, dir: Ext2Inode): AsyncGenerator<DiskDirEntry> {
  for await (const block of directoryBlocks(ctx, dir)) {
    for (const entry of block.entries) if (entry.inode !== 0) yield entry;
  }
}

const DIRENT_TYPES: Readonly<Record<number, DirentType>> = {
  [FILE_TYPE.REG_FILE]: DirentType.Regular,
  [FILE_TYPE.DIR]: DirentType.Directory,
  [FILE_TYPE.CHRDEV]: DirentType.CharDevice,
  [FILE_TYPE.BLKDEV]: DirentType.BlockDevice,
  [FILE_TYPE.FIFO]: DirentType.Fifo,
  [FILE_TYPE.SOCK]: DirentType.Socket,
  [FILE_TYPE.SYMLINK]: DirentType.Symlink,
};

/** The VFS dirent type of an ext2 file_type byte (Unknown without the filetype feature). */
export function direntTypeOf(fileType: number): DirentType {
  return DIRENT_TYPES[fileType] ?? DirentType.Unknown;
}

/** readdir: the entries of `dir` as the VFS wants them ('.' and '..' included). Precondition: dir is a directory. */
export async function* readDirectory(ctx: MountContext, dir: Ext2Inode): AsyncGenerator<DirEntry> {
  // Block by block (not through directoryEntries): one async-generator step per entry fewer.
  for await (const block of directoryBlocks(ctx, dir)) {
    for (const entry of block.entries) if (entry.inode !== 0) yield { name: entry.name, ino: entry.inode, type: direntTypeOf(entry.fileType) };
  }
}
