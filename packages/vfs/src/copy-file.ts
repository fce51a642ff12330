// copyFile as libuv does it (uv_fs_copyfile), since callers see its steps:
// open the source read-only; open the destination write-only, created with
// the source's permission bits (O_EXCL with COPYFILE_EXCL); unless
// exclusive, stop without error when both are the same file, else empty
// the destination; give it the source's permission bits (fchmod, so the
// umask does not apply and someone else's existing file is EPERM); copy
// the bytes. On any failure after the destination was opened, it is
// removed — even if it existed before, as libuv does. Errors read
// `copyfile 'src' -> 'dest'`. COPYFILE_FICLONE falls back to copying;
// COPYFILE_FICLONE_FORCE fails (no reflinks here): EOPNOTSUPP, which Node
// on Linux names ENOTSUP.
import { ArgumentRangeError } from './argument-errors.js';
import { changeMode } from './attribute-changes.js';
import { constants } from './fs-constants.js';
import { truncateFile, writeToFile } from './file-writes.js';
import { unlinkPath } from './name-removal.js';
import { CallErrors } from './node-error.js';
import type { OpenFile } from './open-file-table.js';
import { closeFile, openFile } from './open-file.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import { checkReadable } from './read-file.js';
import type { VfsContext } from './vfs-context.js';
import { checkInteger } from './write-arguments.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, COPYFILE_EXCL, COPYFILE_FICLONE_FORCE } = constants;
const CHUNK = 1024 * 1024;

/** Copies every byte of `source` to `destination` (both open), from offset 0. */
async function copyBytes<I>(context: VfsContext<I>, source: OpenFile<I>, destination: OpenFile<I>): Promise<void> {
  await checkReadable(context, source);
  const buffer = new Uint8Array(CHUNK);
  for (let at = 0; ; ) {
    const n = await context.fs.read(source.inode, at, buffer, source.flags);
    if (n === 0) return;
    let done = 0;
    while (done < n) done += await writeToFile(context, destination, buffer.subarray(done, n), at + done, 'write');
    at += n;
  }
}

/** The copy flags, checked as Node's binding checks them (its own wording). */
function copyFlags(mode: unknown): number {
  if (mode === undefined || mode === null) return 0;
  const flags = checkInteger(mode, 'mode');
  if (flags < 0 || flags > 7) throw new ArgumentRangeError('ERR_OUT_OF_RANGE', 'mode is out of range: >= 0 && <= 7');
  return flags;
}

/**
 * copyFile(src, dest, mode): copies a file's bytes and permission bits.
 *
 * @example
 * ```ts
 * await copyFileAtPath(context, '/a.txt', '/b.txt', constants.COPYFILE_EXCL);
 * ```
 */
export async function copyFileAtPath<I>(context: VfsContext<I>, src: PathLike, dest: PathLike, mode: unknown): Promise<void> {
  const errors = new CallErrors('copyfile', toPathArgument(src, 'src').display, toPathArgument(dest, 'dest').display);
  const flags = copyFlags(mode);
  const source = await errors.guard(() => openFile(context, src, O_RDONLY));
  let destination: OpenFile<I> | undefined;
  try {
    const sourceAttributes = await context.fs.getattr(source.inode);
    const exclusive = (flags & COPYFILE_EXCL) !== 0;
    destination = await errors.guard(() => openFile(context, dest, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : 0), sourceAttributes.mode & 0o7777));
    const destinationAttributes = await context.fs.getattr(destination.inode);
    if (!exclusive) {
      if (destinationAttributes.ino === sourceAttributes.ino && destinationAttributes.dev === sourceAttributes.dev) return;
      await errors.guard(() => truncateFile(context, destination!, 0, 'ftruncate'));
    }
    const found = { inode: destination.inode, attributes: destinationAttributes };
    await errors.guard(() => changeMode(context, found, sourceAttributes.mode & 0o7777, errors));
    if ((flags & COPYFILE_FICLONE_FORCE) !== 0) throw errors.fail('EOPNOTSUPP');
    await errors.guard(() => copyBytes(context, source, destination!));
  } catch (err) {
    if (destination !== undefined) {
      await closeFile(context, destination.fd);
      destination = undefined;
      await unlinkPath(context, dest).catch(() => undefined); // libuv ignores this unlink's result
    }
    throw err;
  } finally {
    await closeFile(context, source.fd);
    if (destination !== undefined) await closeFile(context, destination.fd);
  }
}
