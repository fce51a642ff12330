// The whole contract a filesystem implements to be used through @iomap/vfs:
// the three operation groups of the kernel (super, inode, file) on one
// object, plus its root inode and whether it is read-only. ext2-lite's mount
// returns one; so can an in-memory test filesystem.
import type { FileOperations } from './file-operations.js';
import type { InodeOperations } from './inode-operations.js';
import type { SuperOperations } from './superblock-operations.js';

/**
 * A mounted filesystem. `I` is its inode handle, opaque to the VFS: an object
 * for the in-core inode, or just an inode number.
 *
 * Optional methods are the write side: leave them out and the adapter
 * answers `EROFS` when `readOnly` is true, else what Linux answers for an
 * operation the filesystem lacks (`EPERM` for link/symlink/mknod,
 * `EOPNOTSUPP` otherwise).
 *
 * @example
 * ```ts
 * class TinyFs implements Filesystem<TinyInode> {
 *   readonly readOnly = true;
 *   readonly root = rootInode;
 *   async statfs() { ... }  async sync() {}  async unmount() {}
 *   async lookup(dir, name) { ... }  async getattr(inode) { ... }
 *   async *readdir(dir) { ... }  async readlink(inode) { ... }
 *   async read(inode, pos, buffer) { ... }
 * }
 * const fsp = createFsPromises(new TinyFs());
 * ```
 */
export interface Filesystem<I = unknown> extends SuperOperations, InodeOperations<I>, FileOperations<I> {
  /** The root directory. */
  readonly root: I;
  /** True when the filesystem refuses every change (mounted read-only). */
  readonly readOnly: boolean;
}
