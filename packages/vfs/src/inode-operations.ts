// The operations on inodes and names (the kernel's `inode_operations`):
// looking names up, attributes, listing directories, reading symlinks, and
// the namespace changes a writable filesystem adds.
//
// The caller (path resolution and the adapter) has already resolved `dir`,
// checked that it is a directory and that the caller may search it, and never
// passes `.` or `..` as a name: those are handled above the filesystem.
// Names are bytes (see name-bytes.ts); `I` is the filesystem's own inode
// handle, opaque to the VFS.
import type { DirentType } from './file-mode.js';
import type { InodeAttributes } from './inode-attributes.js';

/**
 * One directory entry as {@link InodeOperations.readdir} yields it.
 *
 * @example
 * ```ts
 * const entry: DirEntry = { name: encodeName('hosts'), ino: 14, type: DirentType.Regular };
 * ```
 */
export interface DirEntry {
  /** The entry's name: 1 to 255 bytes, no `/` or NUL. */
  name: Uint8Array;
  /** The inode number it points to. */
  ino: number;
  /** Its type, or `DirentType.Unknown` when the directory does not record types. */
  type: DirentType;
}

/**
 * Attributes of an inode being created. The adapter fills them from the
 * caller's credentials, umask and clock; the filesystem stores them.
 *
 * @example
 * ```ts
 * const init: NewInodeAttributes = { mode: S_IFREG | 0o644, uid: 1000, gid: 1000, timeNs: timeNs(1_700_000_000) };
 * ```
 */
export interface NewInodeAttributes {
  /** Type bits and permissions of the new inode. */
  mode: number;
  uid: number;
  gid: number;
  /** Device number, for device inodes made by {@link InodeOperations.mknod}. */
  rdev?: number;
  /** Creation time for atime, mtime, ctime (and birthtime), ns since the epoch. */
  timeNs: bigint;
}

/**
 * Metadata changes for {@link InodeOperations.setattr} (chmod, chown,
 * utimes); absent fields stay as they are. Size changes go through
 * {@link FileOperations.truncate}, which also owns the data path.
 *
 * @example
 * ```ts
 * const change: AttributeChanges = { mode: 0o600, ctimeNs: timeNs(1_700_000_000) };
 * ```
 */
export interface AttributeChanges {
  /** New permission bits (the type bits are kept). */
  mode?: number;
  uid?: number;
  gid?: number;
  atimeNs?: bigint;
  mtimeNs?: bigint;
  /** The inode-change time to record; the adapter always sets it with any change. */
  ctimeNs?: bigint;
}

/**
 * How {@link InodeOperations.rename} treats an existing target
 * (`renameat2` flags).
 *
 * @example
 * ```ts
 * await fs.rename!(dirA, encodeName('x'), dirB, encodeName('y'), { noReplace: true });
 * ```
 */
export interface RenameOptions {
  /** Fail with `EEXIST` instead of replacing an existing target (`RENAME_NOREPLACE`). */
  noReplace?: boolean;
  /** Swap the two entries atomically (`RENAME_EXCHANGE`). */
  exchange?: boolean;
}

/**
 * Whether {@link InodeOperations.setxattr} may create or replace
 * (`XATTR_CREATE` / `XATTR_REPLACE`); by default it does either.
 *
 * @example
 * ```ts
 * await fs.setxattr!(inode, 'user.origin', value, { create: true });
 * ```
 */
export interface XattrSetOptions {
  /** Fail with `EEXIST` when the attribute exists (`XATTR_CREATE`). */
  create?: boolean;
  /** Fail with `ENODATA` when the attribute does not exist (`XATTR_REPLACE`). */
  replace?: boolean;
}

/**
 * What {@link InodeOperations.removeContents} may remove: the caller's
 * permission checks, made once per directory instead of once per entry.
 *
 * @example
 * ```ts
 * const policy: ContentRemovalPolicy = { pathLength: 5, maxPathLength: 4096, mayEmpty: (a) => a.uid === 1000 };
 * ```
 */
export interface ContentRemovalPolicy {
  /** Bytes of the emptied directory's path (an entry's path is this + 1 + its name's length). */
  readonly pathLength: number;
  /** An entry whose path would be this many bytes or more is left (and the call answers false). */
  readonly maxPathLength: number;
  /**
   * True when the caller may remove every entry of the directory with these
   * attributes (list, search and change it; no sticky-bit refusal for any
   * entry). Asked for the emptied directory's subdirectories before any of
   * their entries go; a false answer stops the whole call.
   */
  mayEmpty(attributes: InodeAttributes): boolean;
}

/**
 * Operations on inodes and directory names. The read side is required; the
 * write side is optional, so a read-only filesystem leaves it out and the
 * adapter answers `EROFS` (or `EPERM`/`EOPNOTSUPP` for what a writable
 * filesystem does not support, as Linux does).
 *
 * Errors are `FsError`s; `EUCLEAN` (`CorruptFilesystemError`) for corrupt
 * metadata. The filesystem checks what only it can know (`ENOTEMPTY`,
 * `ENOSPC`, `EMLINK`); the adapter checks types, existence and permissions
 * before calling, for Node's error order and wording, but does not hold the
 * filesystem's locks: between its checks and the call another call may have
 * added or removed the name, so the write side re-checks under its own locks
 * and answers `EEXIST`/`ENOENT`/`ENOTEMPTY` (the adapter adds the path).
 *
 * Times: the write side updates what Linux updates — mtime and ctime of a
 * directory whose entries change, ctime of an inode whose link count
 * changes or that is renamed — with the time of `init.timeNs` when it has
 * one, else its own clock.
 *
 * @example
 * ```ts
 * const child = await fs.lookup(fs.root, encodeName('etc'));
 * if (child !== undefined) console.log((await fs.getattr(child)).mode.toString(8));
 * ```
 */
export interface InodeOperations<I> {
  /**
   * The inode named `name` in directory `dir`, or `undefined` when there is
   * none (a missing name is not an error here; the caller words the ENOENT).
   */
  lookup(dir: I, name: Uint8Array): Promise<I | undefined>;
  /** The inode's attributes. Called for every path component: keep it cheap for cached inodes. */
  getattr(inode: I): Promise<InodeAttributes>;
  /**
   * The entries of directory `dir`, in the directory's own order. It may
   * include `.` and `..`; the adapter skips them.
   */
  readdir(dir: I): AsyncIterable<DirEntry>;
  /** The target of symlink `inode`, as stored (bytes, not NUL-terminated). */
  readlink(inode: I): Promise<Uint8Array>;

  /** Creates a regular file `name` in `dir` (`EEXIST` already checked). */
  create?(dir: I, name: Uint8Array, init: NewInodeAttributes): Promise<I>;
  /** Creates directory `name` in `dir`, with `.` and `..`. */
  mkdir?(dir: I, name: Uint8Array, init: NewInodeAttributes): Promise<I>;
  /** Creates a device, FIFO or socket inode (`init.mode` says which; `init.rdev` for devices). */
  mknod?(dir: I, name: Uint8Array, init: NewInodeAttributes): Promise<I>;
  /** Creates symlink `name` in `dir` pointing at `target` (1 to 4095 bytes). */
  symlink?(dir: I, name: Uint8Array, target: Uint8Array, init: NewInodeAttributes): Promise<I>;
  /** Adds hard link `name` in `dir` to the non-directory `inode`. */
  link?(inode: I, dir: I, name: Uint8Array): Promise<void>;
  /** Removes the non-directory entry `name` from `dir`; the inode lives on while open. */
  unlink?(dir: I, name: Uint8Array): Promise<void>;
  /** Removes the empty directory `name` from `dir` (`ENOTEMPTY` otherwise). */
  rmdir?(dir: I, name: Uint8Array): Promise<void>;
  /**
   * Removes every entry of directory `dir` (`rm -r`'s inner loop in one
   * call): each non-directory as {@link unlink} would, each subdirectory
   * emptied the same way (once `policy.mayEmpty` allows it) and then as
   * {@link rmdir} would, in the directory's own order. Each removal is a
   * complete change of its own, so a sync or crash part-way leaves a
   * consistent filesystem with some entries gone. Answers true when `dir`
   * is empty; false when it stopped at an entry the policy leaves to the
   * caller (everything before it in order removed, nothing after), and the
   * caller then removes the rest entry by entry, with its own checks and
   * error messages. Errors (EIO, EUCLEAN) leave the same consistent state.
   * Optional: without it, the caller removes entry by entry.
   */
  removeContents?(dir: I, policy: ContentRemovalPolicy): Promise<boolean>;
  /**
   * Moves an entry, replacing the target with POSIX rules and updating `..`
   * of a moved directory. The adapter has checked the types of both
   * entries, that a directory is not moved into itself, and that source and
   * target are not the same inode; the filesystem answers ENOTEMPTY for a
   * non-empty target directory.
   */
  rename?(oldDir: I, oldName: Uint8Array, newDir: I, newName: Uint8Array, options?: RenameOptions): Promise<void>;
  /** Changes permissions, owner or times (chmod, chown, utimes). */
  setattr?(inode: I, changes: AttributeChanges): Promise<void>;
  /** Reads extended attribute `name` (e.g. `'user.origin'`); `ENODATA` when absent. */
  getxattr?(inode: I, name: string): Promise<Uint8Array>;
  /** Names of the inode's extended attributes. */
  listxattr?(inode: I): Promise<string[]>;
  /** Sets extended attribute `name`. */
  setxattr?(inode: I, name: string, value: Uint8Array, options?: XattrSetOptions): Promise<void>;
  /** Removes extended attribute `name`; `ENODATA` when absent. */
  removexattr?(inode: I, name: string): Promise<void>;
}
