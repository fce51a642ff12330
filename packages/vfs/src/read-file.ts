// Reading an open file from its position to the end, for readFile and
// FileHandle.readFile. Like Node, the size from getattr sizes the buffer, so
// a regular file is read with as few filesystem calls as it takes to fill
// it (usually one: the filesystem maps and reads whole runs); a file that
// reports size 0 is read in chunks until a read returns nothing.
import { ArgumentRangeError, throwIfAborted } from './argument-errors.js';
import { isDirectoryMode } from './file-mode.js';
import { nodeError } from './node-error.js';
import type { OpenFile } from './open-file-table.js';
import { opensForReading } from './open-flags.js';
import type { VfsContext } from './vfs-context.js';

/** Node's kIoMaxLength: the largest file readFile returns (2 GiB − 1). */
const MAX_READ_FILE_LENGTH = 2 ** 31 - 1;
/** Chunk size for files whose size is unknown (Node's kReadFileUnknownBufferLength). */
const UNKNOWN_SIZE_CHUNK = 64 * 1024;

/**
 * Checks that `file` may be read (`EBADF` if opened write-only, `EISDIR` for
 * a directory: Node reports both from `read`, without a path).
 *
 * @example
 * ```ts
 * await checkReadable(context, file);
 * ```
 */
export async function checkReadable<I>(context: VfsContext<I>, file: OpenFile<I>): Promise<number> {
  if (!opensForReading(file.flags)) throw nodeError('EBADF', 'read');
  const attributes = await context.fs.getattr(file.inode);
  if (isDirectoryMode(attributes.mode)) throw nodeError('EISDIR', 'read');
  return attributes.size;
}

/** Reads until `buffer` is full or the file ends; returns the bytes read. */
async function fill<I>(context: VfsContext<I>, file: OpenFile<I>, buffer: Uint8Array, signal?: AbortSignal): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    throwIfAborted(signal);
    const n = await context.fs.read(file.inode, file.position, buffer.subarray(done));
    if (n === 0) break;
    done += n;
    file.position += n;
  }
  return done;
}

async function readUnknownSize<I>(context: VfsContext<I>, file: OpenFile<I>, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array(UNKNOWN_SIZE_CHUNK);
    const n = await fill(context, file, chunk, signal);
    if (n > 0) chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > MAX_READ_FILE_LENGTH) throw tooLarge(total);
    if (n < chunk.length) break;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function tooLarge(size: number): ArgumentRangeError {
  return new ArgumentRangeError(
    'ERR_FS_FILE_TOO_LARGE',
    `File size (${size}) is greater than 2 GiB`,
  );
}

/**
 * Reads an open file from its position to its end, advancing the position.
 *
 * @example
 * ```ts
 * const bytes = await readToEnd(context, file);
 * ```
 */
export async function readToEnd<I>(context: VfsContext<I>, file: OpenFile<I>, signal?: AbortSignal): Promise<Uint8Array> {
  throwIfAborted(signal);
  const size = await checkReadable(context, file);
  if (size > MAX_READ_FILE_LENGTH) throw tooLarge(size);
  return file.positionLock.runExclusive(async () => {
    if (size === 0) return readUnknownSize(context, file, signal);
    const buffer = new Uint8Array(Math.max(0, size - file.position));
    const n = await fill(context, file, buffer, signal);
    return n === buffer.length ? buffer : buffer.subarray(0, n);
  });
}
