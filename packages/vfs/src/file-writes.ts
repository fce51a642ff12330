// Writing, truncating and syncing an open file: what FileHandle's write,
// writev, writeFile, truncate, sync and datasync share with writeFile,
// appendFile, truncate and copyFile on paths. Linux's rules: a descriptor
// not open for writing is EBADF for write and EINVAL for ftruncate; an
// O_APPEND write lands at the end of file whatever position was asked for
// (the file position moves only for writes without one); a write or
// truncate by someone other than root clears set-user-ID (and executable
// set-group-ID) bits (file_remove_privs); O_SYNC/O_DSYNC writes are synced
// before they return. Writes and truncates of one inode are serialized
// (inode-locks.ts).
import { FsError } from '@iomap/core';
import { isRegularMode } from './file-mode.js';
import { constants } from './fs-constants.js';
import { CallErrors } from './node-error.js';
import type { OpenFile } from './open-file-table.js';
import { opensForWriting } from './open-flags.js';
import type { VfsContext } from './vfs-context.js';
import { ModeBits, isPrivileged } from './write-permission.js';

const { O_APPEND, O_DSYNC, O_SYNC } = constants;

/**
 * file_remove_privs: before someone other than root changes a regular
 * file's data, its set-user-ID bit and executable set-group-ID bit go.
 *
 * @example
 * ```ts
 * await removePrivileges(context, file.inode);
 * ```
 */
export async function removePrivileges<I>(context: VfsContext<I>, inode: I): Promise<void> {
  if (isPrivileged(context.credentials) || context.fs.setattr === undefined) return;
  const { mode } = await context.fs.getattr(inode);
  if (!isRegularMode(mode)) return;
  let kill = mode & ModeBits.SetUid;
  if ((mode & (ModeBits.SetGid | ModeBits.GroupExec)) === (ModeBits.SetGid | ModeBits.GroupExec)) kill |= ModeBits.SetGid;
  if (kill !== 0) await context.fs.setattr(inode, { mode: mode & 0o7777 & ~kill, ctimeNs: context.now() });
}

/**
 * fsync/fdatasync of an inode: the filesystem's fsync, or a whole sync when
 * it has none.
 *
 * @example
 * ```ts
 * await syncInode(context, file.inode, true, 'fdatasync');
 * ```
 */
export async function syncInode<I>(context: VfsContext<I>, inode: I, datasync: boolean, syscall: string): Promise<void> {
  const errors = new CallErrors(syscall);
  if (context.fs.fsync !== undefined) await errors.guard(() => context.fs.fsync!(inode, datasync));
  else if (!context.fs.readOnly) await errors.guard(() => context.fs.sync());
}

/**
 * Writes `data` to an open file at `position`, or at (and advancing) the
 * file position when it is undefined; returns the bytes written.
 *
 * @example
 * ```ts
 * const n = await writeToFile(context, file, bytes, undefined, 'write');
 * ```
 */
export async function writeToFile<I>(
  context: VfsContext<I>,
  file: OpenFile<I>,
  data: Uint8Array,
  position: number | undefined,
  syscall: string,
): Promise<number> {
  const errors = new CallErrors(syscall);
  if (!opensForWriting(file.flags) || context.fs.write === undefined) throw errors.fail('EBADF');
  if (data.length === 0) return 0;
  const write = context.fs.write.bind(context.fs);
  const append = (file.flags & O_APPEND) !== 0;
  const body = (): Promise<number> =>
    context.inodeLocks.run(file.inode, async () => {
      const at = append ? (await context.fs.getattr(file.inode)).size : (position ?? file.position);
      await removePrivileges(context, file.inode);
      const written = await errors.guard(() => write(file.inode, at, data, file.flags));
      if (position === undefined) file.position = at + written;
      return written;
    });
  const written = position === undefined ? await file.positionLock.runExclusive(body) : await body();
  if ((file.flags & O_DSYNC) !== 0) await syncInode(context, file.inode, (file.flags & O_SYNC) !== O_SYNC, syscall);
  return written;
}

/**
 * ftruncate(2) of an open file: EINVAL unless it is a regular file open for
 * writing.
 *
 * @example
 * ```ts
 * await truncateFile(context, file, 0, 'ftruncate');
 * ```
 */
export async function truncateFile<I>(context: VfsContext<I>, file: OpenFile<I>, length: number, syscall: string): Promise<void> {
  const errors = new CallErrors(syscall);
  if (!opensForWriting(file.flags)) throw errors.fail('EINVAL');
  await truncateInode(context, file.inode, length, errors);
}

/**
 * Truncates an inode (for ftruncate and O_TRUNC), serialized with its writes.
 *
 * @example
 * ```ts
 * await truncateInode(context, inode, 0, new CallErrors('open', '/a'));
 * ```
 */
export async function truncateInode<I>(context: VfsContext<I>, inode: I, length: number, errors: CallErrors): Promise<void> {
  const truncate = context.fs.truncate;
  if (truncate === undefined) {
    throw new FsError('EOPNOTSUPP', 'this filesystem cannot change file sizes (FileOperations.truncate)', {
      syscall: errors.syscall,
      ...(errors.path === undefined ? {} : { path: errors.path }),
    });
  }
  if (!isRegularMode((await context.fs.getattr(inode)).mode)) throw errors.fail('EINVAL');
  await context.inodeLocks.run(inode, async () => {
    await removePrivileges(context, inode);
    await errors.guard(() => truncate.call(context.fs, inode, length));
  });
}
