// Name lookup (the kernel's ext2_inode_by_name). The first lookup in a
// directory reads it once, linearly, and builds the directory's index
// (dir-index.ts) beside the in-core inode; writers keep that index current
// in place, synchronously after each directory block they write, so a lookup
// of a built index needs no lock and no await: it sees the directory before
// or after a change, never half of one.
import type { Ext2Inode, IndexedName } from '../inode/ext2-inode.js';
import type { MountContext } from '../mount/mount-context.js';
import { directoryIndex, nameKey } from './dir-index.js';

export { nameKey } from './dir-index.js';

/**
 * The inode named `name` in directory `dir`, or undefined.
 * Precondition: dir is a directory; name is not '.' or '..' (the VFS handles those).
 */
export async function lookupName(ctx: MountContext, dir: Ext2Inode, name: Uint8Array): Promise<Ext2Inode | undefined> {
  let found: IndexedName | undefined;
  if (dir.names !== undefined) {
    found = dir.names.get(nameKey(name));
  } else {
    const release = await dir.lock.acquireShared();
    try {
      found = (await directoryIndex(ctx, dir)).names.get(nameKey(name));
    } finally {
      release();
    }
  }
  if (found === undefined) return undefined;
  return ctx.inodes.peek(found.ino) ?? ctx.inodes.get(found.ino, `directory inode ${dir.ino}`);
}
