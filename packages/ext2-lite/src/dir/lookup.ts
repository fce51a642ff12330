// Name lookup (the kernel's ext2_inode_by_name). The first lookup in a
// directory reads it once, linearly, and keeps a name index beside the
// in-core inode; the directory cannot change under a read-only mount, so the
// index stays valid for the life of the mount. Duplicate names: the first wins,
// as a linear search would find it.
import type { Ext2Inode, IndexedName } from '../inode/ext2-inode.js';
import type { MountContext } from '../mount/mount-context.js';
import { directoryEntries } from './dir-read.js';

/** A byte string as a Map key: one char per byte (latin1), so any bytes work. */
export function nameKey(name: Uint8Array): string {
  if (name.length <= 255) return String.fromCharCode.apply(null, name as unknown as number[]);
  let key = '';
  for (let i = 0; i < name.length; i += 4096) key += String.fromCharCode(...name.subarray(i, i + 4096));
  return key;
}

/** Builds (once) and returns the name index of `dir`. Caller holds dir.lock shared. */
async function nameIndex(ctx: MountContext, dir: Ext2Inode): Promise<Map<string, IndexedName>> {
  if (dir.names !== undefined) return dir.names;
  const names = new Map<string, IndexedName>();
  for await (const entry of directoryEntries(ctx, dir)) {
    const key = nameKey(entry.name);
    if (!names.has(key)) names.set(key, { ino: entry.inode, fileType: entry.fileType });
  }
  dir.names = names;
  return names;
}

/**
 * The inode named `name` in directory `dir`, or undefined.
 * Precondition: dir is a directory; name is not '.' or '..' (the VFS handles those).
 */
export async function lookupName(ctx: MountContext, dir: Ext2Inode, name: Uint8Array): Promise<Ext2Inode | undefined> {
  let found: IndexedName | undefined;
  if (dir.names !== undefined) {
    // Built and immutable (read-only mount): no lock, no await.
    found = dir.names.get(nameKey(name));
  } else {
    const release = await dir.lock.acquireShared();
    try {
      found = (await nameIndex(ctx, dir)).get(nameKey(name));
    } finally {
      release();
    }
  }
  if (found === undefined) return undefined;
  return ctx.inodes.peek(found.ino) ?? ctx.inodes.get(found.ino, `directory inode ${dir.ino}`);
}
