// open(2) on top of path resolution: which flags may open which inode, with
// Linux's checks in Linux's order (path_openat, lookup_open, do_open,
// may_open).
//
// O_CREAT: a last component that can only be a directory (`.`, `..`, `/`, a
// trailing slash) is EISDIR; an existing name with O_EXCL is EEXIST (even a
// dangling symlink); without O_EXCL a final symlink is followed — and when
// it dangles, its target is created, as Linux does. A missing name is
// created (EROFS, then EACCES on the parent), mode cleared by the umask,
// and a file this open created is not permission-checked again (so
// `open(p, 'w', 0o444)` writes). O_CREAT with O_DIRECTORY is EINVAL.
//
// Existing inodes: a symlink under O_NOFOLLOW is ELOOP, O_DIRECTORY on a
// non-directory ENOTDIR, a directory opened for change EISDIR, a change on
// a read-only filesystem EROFS, then permission bits EACCES, O_NOATIME on
// someone else's file EPERM. Device, FIFO and socket inodes of an image
// have no driver behind them here, so opening one is ENXIO (what Linux says
// for a device whose driver is missing). O_TRUNC empties an existing
// regular file after the open. A writable filesystem without `write` cannot
// open files for writing (EOPNOTSUPP).
import { FsError } from '@iomap/core';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, isSymlinkMode } from './file-mode.js';
import { truncateInode } from './file-writes.js';
import { constants } from './fs-constants.js';
import type { InodeAttributes } from './inode-attributes.js';
import { checkMayCreate, lookupChild } from './name-creation.js';
import { CallErrors, nodeError } from './node-error.js';
import type { OpenFile } from './open-file-table.js';
import { opensForReading } from './open-flags.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import { MAX_SYMLINK_HOPS, pathOfSteps } from './path-resolver.js';
import { Access, mayAccess } from './permission.js';
import type { VfsContext } from './vfs-context.js';
import { isOwnerOrPrivileged, newInodeOwnership } from './write-permission.js';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_TRUNC, O_WRONLY, O_RDWR, O_NOATIME } = constants;

interface OpenTarget<I> {
  inode: I;
  attributes: InodeAttributes;
  /** This open created the file. */
  created: boolean;
}

/** True when `flags` change the file's data: write access or O_TRUNC (Linux adds MAY_WRITE for both). */
function writesData(flags: number): boolean {
  return (flags & (O_WRONLY | O_RDWR)) !== 0 || (flags & O_TRUNC) !== 0;
}

/** The error for writing through a filesystem that has no `write`. */
function cannotWrite(path: string): FsError {
  return new FsError('EOPNOTSUPP', 'this filesystem does not implement writing (FileOperations.write)', { syscall: 'open', path });
}

/** A symlink's target as a path from the root: absolute targets as they are, relative ones after the link's directory. */
function targetPath(linkDirectory: Uint8Array, target: Uint8Array): Uint8Array {
  if (target[0] === 0x2f) return target;
  const out = new Uint8Array(linkDirectory.length + 1 + target.length);
  out.set(linkDirectory);
  out[linkDirectory.length] = 0x2f;
  out.set(target, linkDirectory.length + 1);
  return out;
}

/** O_CREAT: find the name, following a final symlink unless O_EXCL, or create it. */
async function openForCreate<I>(
  context: VfsContext<I>,
  path: PathLike,
  flags: number,
  mode: number,
  errors: CallErrors,
  hops: number,
): Promise<OpenTarget<I>> {
  const site = await errors.guard(() => context.resolveParent(path, 'open'));
  if (site.kind !== 'normal' || site.trailingSlash) throw errors.fail('EISDIR');
  const existing = await errors.guard(() => lookupChild(context.fs, site.parent.inode, site.name));
  if (existing !== undefined) {
    if ((flags & O_EXCL) !== 0) throw errors.fail('EEXIST');
    if (!isSymlinkMode(existing.attributes.mode) || (flags & O_NOFOLLOW) !== 0) return { ...existing, created: false };
    if (hops >= MAX_SYMLINK_HOPS) throw errors.fail('ELOOP');
    const target = await errors.guard(() => context.fs.readlink(existing.inode));
    if (target.length === 0) throw errors.fail('ENOENT');
    return openForCreate(context, targetPath(pathOfSteps(site.steps), target), flags, mode, errors, hops + 1);
  }
  if (context.fs.readOnly) throw errors.fail('EROFS');
  checkMayCreate(context, site.parent, errors);
  const create = context.fs.create;
  if (create === undefined || context.fs.write === undefined) throw cannotWrite(errors.path!);
  const owner = newInodeOwnership(site.parent.attributes, context.credentials, S_IFREG, mode, context.umask, 0o7777);
  let inode: I;
  try {
    inode = await create.call(context.fs, site.parent.inode, site.name, { ...owner, timeNs: context.now() });
  } catch (err) {
    // Another call created the name since the lookup: without O_EXCL, Linux opens what is there.
    if (err instanceof FsError && err.code === 'EEXIST' && (flags & O_EXCL) === 0 && hops < MAX_SYMLINK_HOPS) {
      return openForCreate(context, path, flags, mode, errors, hops + 1);
    }
    throw errors.reword(err);
  }
  return { inode, attributes: await context.fs.getattr(inode), created: true };
}

/** may_open, by type: can an inode of this type be opened with these flags at all? */
function checkOpenType(context: VfsContext<unknown>, type: number, flags: number, path: string): void {
  if (type === S_IFLNK) throw nodeError('ELOOP', 'open', path);
  if ((flags & O_DIRECTORY) !== 0 && type !== S_IFDIR) throw nodeError('ENOTDIR', 'open', path);
  if (type === S_IFDIR && (writesData(flags) || (flags & O_CREAT) !== 0)) throw nodeError('EISDIR', 'open', path);
  if (writesData(flags) && context.fs.readOnly && (type === S_IFREG || type === S_IFDIR)) {
    throw nodeError('EROFS', 'open', path);
  }
}

/** may_open: type rules, then permission bits, then whether there is anything to open. */
function checkOpen(context: VfsContext<unknown>, attributes: InodeAttributes, flags: number, path: string): void {
  const type = attributes.mode & S_IFMT;
  checkOpenType(context, type, flags, path);
  const mask = (opensForReading(flags) ? Access.Read : 0) | (writesData(flags) ? Access.Write : 0);
  if (!mayAccess(attributes, context.credentials, mask)) throw nodeError('EACCES', 'open', path);
  if ((flags & O_NOATIME) !== 0 && !isOwnerOrPrivileged(attributes, context.credentials)) throw nodeError('EPERM', 'open', path);
  if (type !== S_IFREG && type !== S_IFDIR) throw nodeError('ENXIO', 'open', path);
  if (writesData(flags) && (context.fs.write === undefined || ((flags & O_TRUNC) !== 0 && context.fs.truncate === undefined))) {
    throw cannotWrite(path);
  }
}

/**
 * Opens `path` with O_* `flags` (creating it with permission bits `mode`,
 * before the umask, under O_CREAT) and registers it in the context's
 * open-file table. Errors are worded like Node's `open`.
 *
 * @example
 * ```ts
 * const file = await openFile(context, '/etc/hosts', constants.O_RDONLY);
 * const log = await openFile(context, '/var/log/app.log', constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o640);
 * ```
 */
export async function openFile<I>(context: VfsContext<I>, path: PathLike, flags: number, mode = 0o666): Promise<OpenFile<I>> {
  const display = toPathArgument(path).display;
  const errors = new CallErrors('open', display);
  if ((flags & O_CREAT) !== 0 && (flags & O_DIRECTORY) !== 0) throw errors.fail('EINVAL');
  const target: OpenTarget<I> =
    (flags & O_CREAT) !== 0
      ? await openForCreate(context, path, flags, mode, errors, 0)
      : { ...(await context.resolve(path, 'open', (flags & O_NOFOLLOW) === 0)), created: false };
  if (!target.created) checkOpen(context as VfsContext<unknown>, target.attributes, flags, display);
  const file = context.files.open(target.inode, flags, display);
  try {
    await context.fs.open?.(target.inode, flags);
  } catch (err) {
    context.files.close(file.fd);
    throw err;
  }
  if ((flags & O_TRUNC) !== 0 && !target.created && (target.attributes.mode & S_IFMT) === S_IFREG) {
    try {
      await truncateInode(context, target.inode, 0, errors);
    } catch (err) {
      await closeFile(context, file.fd);
      throw err;
    }
  }
  return file;
}

/**
 * Closes an open file: frees its descriptor, then tells the filesystem.
 *
 * @example
 * ```ts
 * await closeFile(context, file.fd);
 * ```
 */
export async function closeFile<I>(context: VfsContext<I>, fd: number): Promise<void> {
  const file = context.files.close(fd);
  await context.fs.release?.(file.inode, file.flags);
}

