// The write side of a mounted image, as the command uses it: Node's
// fs/promises names on `fs.promises` (writeFile, mkdir, rm, rename, link,
// symlink, chmod, chown, utimes, truncate, ... and the extension
// mknod(path, mode, dev)), and the @iomap/vfs inode operations setattr and
// setxattr for exact (nanosecond) metadata. A method the linked ext2-lite
// does not provide fails with EOPNOTSUPP (exit code 3) naming it.
import { FsError } from '@iomap/core';
import type { Ext2Filesystem, Ext2Inode } from '@iomap/ext2-lite';
import { createFsPromises, type AttributeChanges, type FsPromises, type PathLike, type XattrSetOptions } from '@iomap/vfs';

/** A FileHandle opened for writing. */
export interface WritableFileHandle {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  truncate(length?: number): Promise<void>;
  close(): Promise<void>;
}

type TimeLike = number | Date;

/** The node:fs/promises write methods the command calls. */
export interface ImageWriteMethods {
  open(path: PathLike, flags: string, mode?: number): Promise<WritableFileHandle>;
  writeFile(path: PathLike, data: Uint8Array, options?: { mode?: number; flag?: string }): Promise<void>;
  mkdir(path: PathLike, options?: { mode?: number; recursive?: boolean }): Promise<string | undefined>;
  rm(path: PathLike, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  rmdir(path: PathLike): Promise<void>;
  unlink(path: PathLike): Promise<void>;
  rename(oldPath: PathLike, newPath: PathLike): Promise<void>;
  link(existingPath: PathLike, newPath: PathLike): Promise<void>;
  symlink(target: PathLike, path: PathLike): Promise<void>;
  chmod(path: PathLike, mode: number): Promise<void>;
  chown(path: PathLike, uid: number, gid: number): Promise<void>;
  lchown(path: PathLike, uid: number, gid: number): Promise<void>;
  utimes(path: PathLike, atime: TimeLike, mtime: TimeLike): Promise<void>;
  lutimes(path: PathLike, atime: TimeLike, mtime: TimeLike): Promise<void>;
  truncate(path: PathLike, len?: number): Promise<void>;
  /** Extension: creates a device, FIFO or socket (mode has the type bits; dev in Linux's encoding). */
  mknod(path: PathLike, mode: number, dev: number): Promise<void>;
}

export type WriteMethod = keyof ImageWriteMethods;

/** The inode operations used for exact metadata. */
interface InodeWriteMethods {
  setattr(inode: Ext2Inode, changes: AttributeChanges): Promise<void>;
  setxattr(inode: Ext2Inode, name: string, value: Uint8Array, options?: XattrSetOptions): Promise<void>;
  removexattr(inode: Ext2Inode, name: string): Promise<void>;
}

function missing(what: string): FsError {
  return new FsError('EOPNOTSUPP', `this ext2-lite cannot ${what} yet (the linked @iomap/ext2-lite / @iomap/vfs lacks it)`, { syscall: what });
}

/**
 * `target.<name>`, bound, for the optional operations of the adapter and the
 * filesystem (TypeScript declares what the command calls in `M`); EOPNOTSUPP
 * naming it when the linked ext2-lite / vfs does not offer it.
 */
export function optionalMethod<M, K extends keyof M & string>(target: object, name: K): M[K] {
  const method = (target as Partial<Record<K, unknown>>)[name];
  if (typeof method !== 'function') throw missing(name);
  return method.bind(target) as M[K];
}

/** `fsp.<name>` (an fs/promises adapter over the image), or EOPNOTSUPP when it does not offer it. */
export function writeMethod<K extends WriteMethod>(fsp: FsPromises, name: K): ImageWriteMethods[K] {
  return optionalMethod<ImageWriteMethods, K>(fsp, name);
}

/**
 * An fs/promises adapter over a mounted image whose new inodes and changed
 * times take their time from `now` (the mount's own \`.promises\` uses the
 * platform clock, which a reproducible image must not).
 */
export function imagePromises(fs: Ext2Filesystem, now?: () => bigint): FsPromises {
  return createFsPromises(fs, now === undefined ? {} : { now });
}

/** The filesystem's inode-level `name` operation, bound, or EOPNOTSUPP. */
export function inodeMethod<K extends keyof InodeWriteMethods>(fs: Ext2Filesystem, name: K): InodeWriteMethods[K] {
  return optionalMethod<InodeWriteMethods, K>(fs, name);
}
