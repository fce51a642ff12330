// Changing directory entries (EXT2.md 4.2-4.4): the kernel's ext2_add_link,
// ext2_delete_entry and ext2_set_link over a directory's page cache.
//
//   block b cached (the index build read it through the dir's AddressSpace)
//   -> edited in place in its folio, marked dirty (dir-block-cache.ts;
//      dir-block-edit.ts: one pass over the entry headers; the block was
//      validated when the index was built)
//   -> the index (dir-index.ts) updated in place, synchronously
//   Not cached: read through the page cache, then edited there; if the cache
//   cannot keep it, the edit is made on a copy written back with bufferedWrite.
//
// Growing writes one whole block at offset i_size; the filesystem's
// iomapBegin allocates it at once (directories never use delayed
// allocation) and raises i_size and i_blocks. Directories never shrink.
// Timestamps, INDEX_FL and link counts are the caller's (namespace/) job.
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { bufferedRead, bufferedWrite } from '@iomap/buffered';
import { minRecLen, newDirBlock, FILE_TYPE } from '../format/dir-entry.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { dataMapping, type MountContext } from '../mount/mount-context.js';
import { editCachedBlock, editCachedBlockNow, type CachedEdit } from './dir-block-cache.js';
import { blockSlackOf, insertEntryInPlace, removeEntryInPlace, retargetEntryInPlace, singleEntryDirBlock } from './dir-block-edit.js';
import { cachedDirIndex, directoryIndex, nameKey, DOT_KEY, DOTDOT_KEY, type DirIndex, type DirSlot } from './dir-index.js';

/** What an entry points at. */
export interface EntryTarget {
  readonly ino: number;
  /** The dirent file_type (FILE_TYPE; ignored without the filetype feature). */
  readonly fileType: number;
}

/**
 * Block `b` of `dir` read into the index's scratch block (bufferedWrite
 * copies it out again, so one buffer per directory serves every edit).
 * Precondition: caller holds dir.lock exclusive.
 */
async function readBlockAt(ctx: MountContext, dir: Ext2Inode, index: DirIndex, b: number): Promise<Uint8Array> {
  const bs = ctx.vol.geometry.blockSize;
  const out = (index.scratch ??= new Uint8Array(bs));
  const n = await bufferedRead(dataMapping(ctx, dir), b * bs, out);
  if (n !== bs) throw new CorruptFilesystemError({ structure: `directory inode ${dir.ino}` }, `block ${b} read ${n} of ${bs} bytes (i_size ${dir.size})`);
  return out;
}

async function writeBlockAt(ctx: MountContext, dir: Ext2Inode, b: number, bytes: Uint8Array): Promise<void> {
  const bs = ctx.vol.geometry.blockSize;
  const n = await bufferedWrite(dataMapping(ctx, dir), b * bs, bytes);
  if (n !== bs) throw new FsError('EIO', `directory inode ${dir.ino}: wrote ${n} of ${bs} bytes of block ${b}`, { syscall: 'write' });
}

/**
 * Runs `edit` on block `b` of `dir`: in place in the page cache when the
 * block is cached (always, after the read this does when it is not), else
 * on a copy written back whole. `edit` changes nothing when it throws.
 * Precondition: caller holds dir.lock exclusive; b < the directory's blocks.
 */
async function editBlockAt<T>(ctx: MountContext, dir: Ext2Inode, index: DirIndex, b: number, edit: (block: Uint8Array) => T): Promise<T> {
  const bs = ctx.vol.geometry.blockSize;
  const mapping = dataMapping(ctx, dir);
  const inPlace = await editCachedBlock(mapping, b * bs, bs, edit);
  if (inPlace.done) return inPlace.value;
  const block = await readBlockAt(ctx, dir, index, b);
  const again = await editCachedBlock(mapping, b * bs, bs, edit);
  if (again.done) return again.value;
  const value = edit(block);
  await writeBlockAt(ctx, dir, b, block);
  return value;
}

/** Runs a block edit of `dir`; if it fails part-way the index is rebuilt on next use rather than trusted. */
async function editing<T>(dir: Ext2Inode, index: DirIndex, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (index.names === dir.names) dir.names = undefined;
    throw err;
  }
}

/** The index of `dir` and the slot of `name`; ENOENT (worded for `syscall`) when absent. */
async function existingSlot(ctx: MountContext, dir: Ext2Inode, key: string, syscall: string): Promise<{ index: DirIndex; slot: DirSlot }> {
  const index = await directoryIndex(ctx, dir);
  const slot = index.names.get(key);
  if (slot === undefined) throw new FsError('ENOENT', `directory inode ${dir.ino} has no entry of that name`, { syscall });
  return { index, slot };
}

/** The entry `name` of `dir`, or undefined. Precondition: caller holds dir.lock. */
export async function findDirEntry(ctx: MountContext, dir: Ext2Inode, name: Uint8Array): Promise<DirSlot | undefined> {
  return (await directoryIndex(ctx, dir)).names.get(nameKey(name));
}

/**
 * Adds entry `name` -> target to `dir` (ext2_add_link): the first block with
 * room (first-fit inside it, as format/dir-entry.ts insertDirEntry does),
 * else a new block appended at i_size (ENOSPC from the allocator).
 * Precondition: caller holds dir.lock exclusive; `name` is not in `dir`.
 */
export async function addDirEntry(ctx: MountContext, dir: Ext2Inode, name: Uint8Array, target: EntryTarget): Promise<void> {
  const bs = ctx.vol.geometry.blockSize;
  const entry = { inode: target.ino, name, fileType: target.fileType };
  const key = nameKey(name);
  const index = await directoryIndex(ctx, dir);
  if (index.names.has(key)) throw new FsError('EEXIST', `directory inode ${dir.ino} already has an entry of that name`, { syscall: 'link' });
  await editing(dir, index, async () => {
    const needed = minRecLen(name.length);
    const filetype = ctx.vol.filetype;
    for (let b = 0; b < index.slack.length; b++) {
      if ((index.slack[b] ?? 0) < needed) continue;
      const site = { dirIno: dir.ino, blockIndex: b };
      const placed = await editBlockAt(ctx, dir, index, b, (block) => {
        const offset = insertEntryInPlace(block, entry, filetype, site);
        if (offset === undefined) throw new CorruptFilesystemError({ structure: `directory inode ${dir.ino}` }, `index said block ${b} had ${index.slack[b]} bytes free, but no entry fits ${needed}`);
        return { offset, slack: blockSlackOf(block, site) };
      });
      index.slack[b] = placed.slack;
      index.names.set(key, { ino: target.ino, fileType: filetype ? target.fileType : 0, block: b, offset: placed.offset });
      return;
    }
    const b = index.slack.length;
    if (dir.size !== b * bs) throw new CorruptFilesystemError({ structure: `directory inode ${dir.ino}` }, `i_size ${dir.size} is not the ${b} blocks its index holds`);
    await writeBlockAt(ctx, dir, b, singleEntryDirBlock(entry, bs, filetype));
    if (dir.size < (b + 1) * bs) throw new FsError('EIO', `directory inode ${dir.ino} did not grow to ${(b + 1) * bs} bytes when block ${b} was written`, { syscall: 'write' });
    index.slack[b] = bs - needed;
    index.names.set(key, { ino: target.ino, fileType: filetype ? target.fileType : 0, block: b, offset: 0 });
  });
}

/**
 * Removes entry `name` from `dir` (ext2_delete_entry: merged into the
 * previous entry, or inode 0 at the start of a block) and returns what it
 * named; ENOENT when absent.
 * Precondition: caller holds dir.lock exclusive.
 */
export async function removeDirEntry(ctx: MountContext, dir: Ext2Inode, name: Uint8Array): Promise<DirSlot> {
  const key = nameKey(name);
  const cached = cachedDirIndex(dir);
  const cachedSlot = cached?.names.get(key);
  const { index, slot } = cached !== undefined && cachedSlot !== undefined ? { index: cached, slot: cachedSlot } : await existingSlot(ctx, dir, key, 'unlink');
  const site = { dirIno: dir.ino, blockIndex: slot.block };
  const edit = (block: Uint8Array): number => removeEntryInPlace(block, slot.offset, site);
  const bs = ctx.vol.geometry.blockSize;
  // The common case (block cached, nobody waiting) edits without an await.
  let now: CachedEdit<number>;
  try {
    now = editCachedBlockNow(dataMapping(ctx, dir), slot.block * bs, bs, edit);
  } catch (err) {
    if (index.names === dir.names) dir.names = undefined;
    throw err;
  }
  // Removal only ever grows one entry's room (the one that absorbs the
  // victim, or the victim's slot itself): the block's slack is the larger
  // of its old value and that room, with no second pass over the block.
  const room = now.done ? now.value : await editing(dir, index, () => editBlockAt(ctx, dir, index, slot.block, edit));
  index.slack[slot.block] = Math.max(index.slack[slot.block] ?? 0, room);
  index.names.delete(key);
  return slot;
}

/**
 * removeDirEntry of the entry `key` at `slot` of `dir`, whose index is
 * `index`, without an await: true when done (block cached and editable at
 * once, index current); false, having changed nothing, otherwise (the
 * caller then uses removeDirEntry). Throws EUCLEAN, having changed nothing,
 * when the block does not hold a valid entry at the slot.
 * Precondition: caller holds dir.lock exclusive.
 */
export function removeDirSlotNow(ctx: MountContext, dir: Ext2Inode, index: DirIndex, key: string, slot: DirSlot): boolean {
  if (dir.names !== index.names || index.names.get(key) !== slot) return false;
  const bs = ctx.vol.geometry.blockSize;
  let now: CachedEdit<number>;
  try {
    now = editCachedBlockNow(dataMapping(ctx, dir), slot.block * bs, bs, (block) => removeEntryInPlace(block, slot.offset, { dirIno: dir.ino, blockIndex: slot.block }));
  } catch (err) {
    dir.names = undefined;
    throw err;
  }
  if (!now.done) return false;
  index.slack[slot.block] = Math.max(index.slack[slot.block] ?? 0, now.value);
  index.names.delete(key);
  return true;
}

/**
 * Re-points the existing entry `name` of `dir` at `target` in place
 * (ext2_set_link): rename over an existing name, exchange, and '..' of a
 * moved directory. ENOENT when absent.
 * Precondition: caller holds dir.lock exclusive.
 */
export async function retargetDirEntry(ctx: MountContext, dir: Ext2Inode, name: Uint8Array, target: EntryTarget): Promise<DirSlot> {
  const key = nameKey(name);
  const { index, slot } = await existingSlot(ctx, dir, key, 'rename');
  return editing(dir, index, async () => {
    await editBlockAt(ctx, dir, index, slot.block, (block) =>
      retargetEntryInPlace(block, slot.offset, { inode: target.ino, fileType: target.fileType }, ctx.vol.filetype, { dirIno: dir.ino, blockIndex: slot.block }),
    );
    index.names.set(key, { ...slot, ino: target.ino, fileType: ctx.vol.filetype ? target.fileType : 0 });
    return slot;
  });
}

const DOTDOT = new Uint8Array([0x2e, 0x2e]);

/** Points '..' of directory `dir` at `parent` (a directory moved to another parent). Precondition: caller holds dir.lock exclusive. */
export async function setParentEntry(ctx: MountContext, dir: Ext2Inode, parent: number): Promise<void> {
  await retargetDirEntry(ctx, dir, DOTDOT, { ino: parent, fileType: FILE_TYPE.DIR });
}

/** The inode '..' of `dir` names. Precondition: caller holds dir.lock (shared is enough). */
export async function parentInodeNumber(ctx: MountContext, dir: Ext2Inode): Promise<number> {
  const slot = (await directoryIndex(ctx, dir)).names.get(DOTDOT_KEY);
  if (slot === undefined) throw new CorruptFilesystemError({ structure: `directory inode ${dir.ino}` }, "has no '..' entry");
  return slot.ino;
}

/**
 * Writes the first block of the new, empty directory `dir` ('.' -> itself,
 * '..' -> parent) at offset 0, which allocates it, and starts its index.
 * Precondition: caller holds dir.lock exclusive; dir has size 0.
 */
export async function writeFirstDirBlock(ctx: MountContext, dir: Ext2Inode, parent: number): Promise<void> {
  const bs = ctx.vol.geometry.blockSize;
  if (dir.size !== 0) throw new FsError('EINVAL', `directory inode ${dir.ino} already has ${dir.size} bytes`, { syscall: 'mkdir' });
  dir.names = undefined;
  await writeBlockAt(ctx, dir, 0, newDirBlock(dir.ino, parent, bs, ctx.vol.filetype));
  if (dir.size !== bs) throw new FsError('EIO', `new directory inode ${dir.ino} has size ${dir.size} after its first block was written, expected ${bs}`, { syscall: 'mkdir' });
}

/**
 * ext2_empty_dir: true when every live entry is '.' naming `dir` itself or '..'.
 * Precondition: caller holds dir.lock.
 */
export async function isDirectoryEmpty(ctx: MountContext, dir: Ext2Inode): Promise<boolean> {
  const { names } = await directoryIndex(ctx, dir);
  for (const [key, slot] of names) {
    if (key === DOTDOT_KEY) continue;
    if (key === DOT_KEY && slot.ino === dir.ino) continue;
    return false;
  }
  return true;
}
