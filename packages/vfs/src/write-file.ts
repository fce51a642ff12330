// writeFile and appendFile, on a path or an open file, as Node 20 does them:
// options are a string (the encoding) or { encoding = 'utf8', mode = 0o666,
// flag = 'w' ('a' for appendFile), flush = false, signal }; a path is
// opened with `flag` and `mode`, written from the file position (so 'a'
// appends and 'r+' overwrites from the start), optionally synced (flush),
// and closed even when writing failed. Iterables are written chunk by chunk.
import { throwIfAborted } from './argument-errors.js';
import { callOptions } from './call-options.js';
import { syncInode, writeToFile } from './file-writes.js';
import type { OpenFile } from './open-file-table.js';
import { closeFile, openFile } from './open-file.js';
import { parseOpenFlags, type OpenFlags } from './open-flags.js';
import type { PathLike } from './path-argument.js';
import type { BufferEncoding } from './text-encoding.js';
import type { VfsContext } from './vfs-context.js';
import { checkBoolean, parseModeArgument } from './write-arguments.js';
import { chunkBytes, writeFileContent, type WriteFileData } from './write-request.js';

/**
 * Options of writeFile and appendFile.
 *
 * @example
 * ```ts
 * await fsp.writeFile('/etc/motd', 'hello\n', { mode: 0o644, flag: 'wx', flush: true });
 * ```
 */
export interface WriteFileOptions {
  encoding?: BufferEncoding | null;
  /** Permission bits of a file the call creates (before the umask). Default 0o666. */
  mode?: number | string;
  /** How to open the file. Default 'w' (writeFile) or 'a' (appendFile). */
  flag?: OpenFlags;
  /** Sync the file before closing it. Default false. */
  flush?: boolean;
  signal?: AbortSignal;
}

/** The validated parts of writeFile's options. */
interface WriteFileCall {
  encoding: BufferEncoding | undefined;
  signal: AbortSignal | undefined;
  flags: number;
  mode: number;
  flush: boolean;
  content: Uint8Array | Iterable<unknown> | AsyncIterable<unknown>;
}

/** Validates writeFile's data and options in Node's order. */
function writeFileCall(data: unknown, options: unknown, defaultFlag: OpenFlags): WriteFileCall {
  const call = callOptions(options);
  const flush = call['flush'] ?? false;
  checkBoolean(flush, 'options.flush');
  const encoding = call.encoding === 'buffer' ? undefined : call.encoding;
  const content = writeFileContent(data, encoding);
  return {
    encoding,
    signal: call.signal,
    flags: parseOpenFlags(call['flag'] || defaultFlag, defaultFlag),
    mode: parseModeArgument(call['mode'], 'mode', 0o666),
    flush: flush as boolean,
    content,
  };
}

/** Writes all of `bytes` at the file position, as Node's loop of write calls does. */
async function writeAll<I>(context: VfsContext<I>, file: OpenFile<I>, bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    throwIfAborted(signal);
    const written = await writeToFile(context, file, bytes.subarray(done), undefined, 'write');
    if (written === 0) break;
    done += written;
  }
}

/** Writes writeFile's content to an open file from its position. */
async function writeContent<I>(context: VfsContext<I>, file: OpenFile<I>, call: WriteFileCall): Promise<void> {
  throwIfAborted(call.signal);
  const { content } = call;
  if (content instanceof Uint8Array) {
    await writeAll(context, file, content, call.signal);
    return;
  }
  for await (const chunk of content as AsyncIterable<unknown>) {
    throwIfAborted(call.signal);
    await writeAll(context, file, chunkBytes(chunk, call.encoding), call.signal);
  }
}

/**
 * FileHandle.writeFile/appendFile: writes `data` from the file position.
 *
 * @example
 * ```ts
 * await writeFileToOpenFile(context, file, 'text', 'utf8');
 * ```
 */
export async function writeFileToOpenFile<I>(context: VfsContext<I>, file: OpenFile<I>, data: WriteFileData, options: unknown): Promise<void> {
  await writeContent(context, file, writeFileCall(data, options, 'w'));
}

/**
 * writeFile (`defaultFlag` 'w') or appendFile ('a') of a path: open, write,
 * sync when `flush`, close.
 *
 * @example
 * ```ts
 * await writeFileAtPath(context, '/a.txt', 'hello', undefined, 'w');
 * ```
 */
export async function writeFileAtPath<I>(
  context: VfsContext<I>,
  path: PathLike,
  data: WriteFileData,
  options: unknown,
  defaultFlag: OpenFlags,
): Promise<void> {
  const call = writeFileCall(data, options, defaultFlag);
  throwIfAborted(call.signal);
  const file = await openFile(context, path, call.flags, call.mode);
  try {
    await writeContent(context, file, call);
    if (call.flush) await syncInode(context, file.inode, false, 'fsync');
  } finally {
    await closeFile(context, file.fd);
  }
}
