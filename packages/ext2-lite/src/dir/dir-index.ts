// The in-core index of one directory: every name with where its entry lives,
// and how much room each block has left for a new entry.
//
//   names: latin1(name) -> { ino, fileType, block, offset }   (Ext2Inode.names)
//   slack: slack[b] = the largest entry that fits in block b without a new block
//
// Built by one linear read of the directory under its lock, the first time
// anyone looks a name up or changes the directory. Insert and delete never
// move an existing entry (they split or merge rec_lens around it), so the
// locations stay valid and dir-edit.ts updates both parts in place after each
// block it writes. `Ext2Inode.names` IS `index.names`: lookups read the same
// Map that writers keep current, synchronously after each block write.
// Duplicate names (a corrupt directory): the first wins, as a linear search.
import { minRecLen, type DirEntry as DiskDirEntry } from '../format/dir-entry.js';
import type { Ext2Inode, IndexedName } from '../inode/ext2-inode.js';
import type { MountContext } from '../mount/mount-context.js';
import { directoryBlocks } from './dir-read.js';

/** A name of the index: the lookup answer plus the entry's location. */
export interface DirSlot extends IndexedName {
  /** Logical block of the directory holding the entry. */
  readonly block: number;
  /** Byte offset of the entry inside that block. */
  readonly offset: number;
}

/** The index of one directory. */
export interface DirIndex {
  readonly names: Map<string, DirSlot>;
  /** Per logical block: the largest minimal rec_len an insert could place there. */
  readonly slack: number[];
  /** One block of scratch space for edits (used only under the directory's exclusive lock). */
  scratch: Uint8Array | undefined;
}

const indexes = new WeakMap<Ext2Inode, DirIndex>();

/** A byte string as a Map key: one char per byte (latin1), so any bytes work. */
export function nameKey(name: Uint8Array): string {
  if (name.length <= 255) return String.fromCharCode.apply(null, name as unknown as number[]);
  let key = '';
  for (let i = 0; i < name.length; i += 4096) key += String.fromCharCode(...name.subarray(i, i + 4096));
  return key;
}

/** The name bytes of a key made by nameKey. */
export function keyName(key: string): Uint8Array {
  const name = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) name[i] = key.charCodeAt(i);
  return name;
}

/** The key of '.' and of '..'. */
export const DOT_KEY = '.';
export const DOTDOT_KEY = '..';

/**
 * The room an insert finds in a block with these entries (what
 * insertDirEntry would use): an unused slot's whole rec_len, or what a live
 * entry holds beyond its own minimal size.
 */
export function blockSlack(entries: readonly Pick<DiskDirEntry, 'inode' | 'recLen' | 'nameLen'>[]): number {
  let best = 0;
  for (const e of entries) {
    const room = e.inode === 0 ? e.recLen : e.recLen - minRecLen(e.nameLen);
    if (room > best) best = room;
  }
  return best;
}

/** The index of `dir` if one is built and still the one `dir.names` shows, else undefined. No await. */
export function cachedDirIndex(dir: Ext2Inode): DirIndex | undefined {
  const index = indexes.get(dir);
  return index !== undefined && dir.names === index.names ? index : undefined;
}

/**
 * Builds (once) and returns the index of `dir`.
 * Precondition: dir is a directory; caller holds dir.lock (shared or exclusive).
 */
export async function directoryIndex(ctx: MountContext, dir: Ext2Inode): Promise<DirIndex> {
  const cached = cachedDirIndex(dir);
  if (cached !== undefined) return cached;
  const names = new Map<string, DirSlot>();
  const slack: number[] = [];
  for await (const { blockIndex, entries } of directoryBlocks(ctx, dir)) {
    for (const e of entries) {
      if (e.inode === 0) continue;
      const key = nameKey(e.name);
      if (!names.has(key)) names.set(key, { ino: e.inode, fileType: e.fileType, block: blockIndex, offset: e.offset });
    }
    slack[blockIndex] = blockSlack(entries);
  }
  const index: DirIndex = { names, slack, scratch: undefined };
  indexes.set(dir, index);
  dir.names = names;
  return index;
}

/** Forgets the index of `dir` (its blocks were freed or rewritten wholesale). */
export function dropDirIndex(dir: Ext2Inode): void {
  indexes.delete(dir);
  dir.names = undefined;
}
