// open(2) on top of path resolution: which flags may open which inode, with
// Linux's checks in Linux's order (do_open, may_open): symlink under
// O_NOFOLLOW → ELOOP, O_DIRECTORY on a non-directory → ENOTDIR, a directory
// opened for change → EISDIR, a change on a read-only filesystem → EROFS,
// then permission bits → EACCES. Device, FIFO and socket inodes of an image
// have no driver behind them here, so opening one is ENXIO (what Linux says
// for a device whose driver is missing). Opening for writing arrives with the
// write side of the adapter; until then it is EROFS on a read-only
// filesystem and EOPNOTSUPP otherwise.
import { FsError } from '@iomap/core';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from './file-mode.js';
import { constants } from './fs-constants.js';
import type { InodeAttributes } from './inode-attributes.js';
import { nodeError } from './node-error.js';
import type { OpenFile } from './open-file-table.js';
import { opensForChange, opensForReading } from './open-flags.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import { Access, mayAccess } from './permission.js';
import type { VfsContext } from './vfs-context.js';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_TRUNC, O_WRONLY, O_RDWR } = constants;

interface OpenTarget<I> {
  inode: I;
  attributes: InodeAttributes;
}

/** The error for a change this adapter cannot make yet, or the filesystem never can. */
function cannotChange(readOnly: boolean, path: string): FsError {
  if (readOnly) return nodeError('EROFS', 'open', path);
  return new FsError('EOPNOTSUPP', 'opening files for writing is not supported by @iomap/vfs yet', {
    syscall: 'open',
    path,
  });
}

/** O_CREAT: the name may be missing (creation) or must be (O_EXCL). */
async function findForCreate<I>(context: VfsContext<I>, path: PathLike, flags: number): Promise<OpenTarget<I>> {
  const display = toPathArgument(path).display;
  const parent = await context.resolveParent(path, 'open');
  // O_CREAT makes files: a last component that can only be a directory (`.`,
  // `..`, `/`, or a name followed by a slash) is EISDIR before any lookup.
  if (parent.kind !== 'normal' || parent.trailingSlash) throw nodeError('EISDIR', 'open', display);
  const existing = await context.fs.lookup(parent.parent.inode, parent.name);
  if (existing === undefined) throw cannotChange(context.fs.readOnly, display);
  if ((flags & O_EXCL) !== 0) throw nodeError('EEXIST', 'open', display);
  // An existing name opens as without O_CREAT (a dangling symlink is ENOENT here;
  // Linux would create its target, which needs the write side).
  return context.resolve(path, 'open', (flags & O_NOFOLLOW) === 0);
}

/** True when `flags` change the file's data: write access or O_TRUNC (Linux adds MAY_WRITE for both). */
function writesData(flags: number): boolean {
  return (flags & (O_WRONLY | O_RDWR)) !== 0 || (flags & O_TRUNC) !== 0;
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
  if (type !== S_IFREG && type !== S_IFDIR) throw nodeError('ENXIO', 'open', path);
}

/**
 * Opens `path` with O_* `flags` and registers it in the context's open-file
 * table. Errors are worded like Node's `open`.
 *
 * @example
 * ```ts
 * const file = await openFile(context, '/etc/hosts', constants.O_RDONLY);
 * ```
 */
export async function openFile<I>(context: VfsContext<I>, path: PathLike, flags: number): Promise<OpenFile<I>> {
  const display = toPathArgument(path).display;
  const target =
    (flags & O_CREAT) !== 0
      ? await findForCreate(context, path, flags)
      : await context.resolve(path, 'open', (flags & O_NOFOLLOW) === 0);
  checkOpen(context, target.attributes, flags, display);
  if (opensForChange(flags & ~O_CREAT)) throw cannotChange(context.fs.readOnly, display);
  const file = context.files.open(target.inode, flags, display);
  try {
    await context.fs.open?.(target.inode, flags);
  } catch (err) {
    context.files.close(file.fd);
    throw err;
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
