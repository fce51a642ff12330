// createFsPromises: any Filesystem as a subset of Node's `fs/promises`, with
// Node's names, argument shapes, result objects and error codes, so code
// written for node:fs/promises runs on it unchanged. This file wires the
// calls together; each lives in the module of its concept (path-queries,
// read-directory, open-file, read-file, file-handle, dir).
//
// The write side (writeFile, mkdir, rename, …, write-calls.ts) is added
// only when the filesystem implements the operations it needs, so
// `'mkdir' in fsp` tells a caller what it can do.
import { throwIfAborted } from './argument-errors.js';
import { callOptions } from './call-options.js';
import { Dir } from './dir.js';
import { Dirent } from './dirent.js';
import { FileHandle } from './file-handle.js';
import type { Filesystem } from './filesystem.js';
import { constants } from './fs-constants.js';
import { closeFile, openFile } from './open-file.js';
import { parseOpenFlags, type OpenFlags } from './open-flags.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import { accessPath, readlinkPath, realpathOf, statPath, statfsOf } from './path-queries.js';
import { listDirectory, openDirectory, type ListedEntry } from './read-directory.js';
import { readToEnd } from './read-file.js';
import type { StatFs } from './stat-fs.js';
import type { BigIntStats, Stats } from './stats.js';
import { decodeBytes, type BufferEncoding } from './text-encoding.js';
import { VfsContext, type FsPromisesOptions } from './vfs-context.js';
import { writeCallsFor, type FsWriteCalls, type WriteCallsOf } from './write-calls.js';
import { parseModeArgument } from './write-arguments.js';

/** An `encoding` option that returns strings. */
type StringEncoding = BufferEncoding | { encoding?: BufferEncoding | null } | null | undefined;
/** An `encoding` option that returns bytes. */
type BytesEncoding = 'buffer' | { encoding: 'buffer' };

/** Options of `readdir`. */
interface ReaddirOptions {
  encoding?: BufferEncoding | 'buffer' | null;
  withFileTypes?: boolean;
  recursive?: boolean;
}

/** Options of `opendir`. */
interface OpendirOptions {
  encoding?: BufferEncoding | 'buffer' | null;
  bufferSize?: number;
  recursive?: boolean;
}

/** Options of `readFile`. */
interface ReadFileOptions {
  encoding?: BufferEncoding | null;
  flag?: OpenFlags;
  signal?: AbortSignal;
}

/**
 * The part of Node's `fs/promises` that {@link createFsPromises} provides:
 * the read calls always, the write calls ({@link FsWriteCalls}) where the
 * filesystem supports them. Signatures follow `node:fs/promises`; byte
 * results are `Uint8Array` (a `Buffer` view where the platform has `Buffer`).
 *
 * @example
 * ```ts
 * const fsp: FsPromises = createFsPromises(fs);
 * const names = await fsp.readdir('/', { recursive: true });
 * ```
 */
export interface FsPromises extends Partial<FsWriteCalls> {
  readonly constants: typeof constants;
  access(path: PathLike, mode?: number): Promise<void>;
  stat(path: PathLike, options?: { bigint?: false }): Promise<Stats>;
  stat(path: PathLike, options: { bigint: true }): Promise<BigIntStats>;
  stat(path: PathLike, options?: { bigint?: boolean }): Promise<Stats | BigIntStats>;
  lstat(path: PathLike, options?: { bigint?: false }): Promise<Stats>;
  lstat(path: PathLike, options: { bigint: true }): Promise<BigIntStats>;
  lstat(path: PathLike, options?: { bigint?: boolean }): Promise<Stats | BigIntStats>;
  statfs(path: PathLike, options?: { bigint?: false }): Promise<StatFs<number>>;
  statfs(path: PathLike, options: { bigint: true }): Promise<StatFs<bigint>>;
  readlink(path: PathLike, options?: StringEncoding): Promise<string>;
  readlink(path: PathLike, options: BytesEncoding): Promise<Uint8Array>;
  realpath(path: PathLike, options?: StringEncoding): Promise<string>;
  realpath(path: PathLike, options: BytesEncoding): Promise<Uint8Array>;
  readdir(
    path: PathLike,
    options?: BufferEncoding | null | { encoding?: BufferEncoding | null; withFileTypes?: false; recursive?: boolean },
  ): Promise<string[]>;
  readdir(path: PathLike, options: 'buffer' | { encoding: 'buffer'; withFileTypes?: false; recursive?: boolean }): Promise<Uint8Array[]>;
  readdir(path: PathLike, options: { encoding?: BufferEncoding | null; withFileTypes: true; recursive?: boolean }): Promise<Dirent[]>;
  readdir(path: PathLike, options: { encoding: 'buffer'; withFileTypes: true; recursive?: boolean }): Promise<Dirent<Uint8Array>[]>;
  opendir(path: PathLike, options?: { encoding?: BufferEncoding | null; bufferSize?: number; recursive?: boolean }): Promise<Dir>;
  opendir(path: PathLike, options: { encoding: 'buffer'; bufferSize?: number; recursive?: boolean }): Promise<Dir<Uint8Array>>;
  open(path: PathLike, flags?: OpenFlags, mode?: number | string): Promise<FileHandle>;
  readFile(path: PathLike | FileHandle, options?: { encoding?: null; flag?: OpenFlags; signal?: AbortSignal } | null): Promise<Uint8Array>;
  readFile(
    path: PathLike | FileHandle,
    options: BufferEncoding | { encoding: BufferEncoding; flag?: OpenFlags; signal?: AbortSignal },
  ): Promise<string>;
  readFile(path: PathLike | FileHandle, options?: BufferEncoding | ReadFileOptions | null): Promise<string | Uint8Array>;
}

/**
 * An adapter with every write call, for filesystems known to be writable
 * (or code that checked with `'mkdir' in fsp`).
 *
 * @example
 * ```ts
 * const fsp = createFsPromises(memoryFs) as WritableFsPromises;
 * await fsp.writeFile('/a', 'x');
 * ```
 */
export type WritableFsPromises = FsPromises & FsWriteCalls;

/** What createFsPromises returns for a filesystem of type `F`: the read calls and the write calls `F` supports. */
export type FsPromisesFor<F> = FsPromises & WriteCallsOf<F>;

/** The inode handle type of a filesystem type. */
type InodeOf<F> = F extends { readonly root: infer I } ? I : never;

/** readdir: a whole listing, as names, relative paths or Dirents. */
async function readdirOf<I>(context: VfsContext<I>, path: PathLike, options: unknown): Promise<unknown[]> {
  const call = callOptions(options);
  const { withFileTypes = false, recursive = false } = call as ReaddirOptions;
  const dir = await openDirectory(context, path, 'scandir');
  const parentPath = toPathArgument(path).display;
  const out: unknown[] = [];
  for await (const entry of listDirectory(context.fs, dir, parentPath, recursive)) {
    out.push(withFileTypes ? direntOf(context, entry, call) : context.encodeResult(entry.relativePath, call));
  }
  return out;
}

function direntOf<I>(context: VfsContext<I>, entry: ListedEntry, call: ReturnType<typeof callOptions>): Dirent<string | Uint8Array> {
  return new Dirent(context.encodeResult(entry.name, call), entry.type, entry.parentPath);
}

/** opendir: a Dir reading the listing lazily. */
async function opendirOf<I>(context: VfsContext<I>, path: PathLike, options: unknown): Promise<Dir<string | Uint8Array>> {
  const call = callOptions(options);
  const { recursive = false } = call as OpendirOptions;
  const dir = await openDirectory(context, path, 'opendir');
  const display = toPathArgument(path).display;
  const entries = (async function* () {
    for await (const entry of listDirectory(context.fs, dir, display, recursive)) yield direntOf(context, entry, call);
  })();
  return new Dir(display, entries);
}

/** readFile of a path: open, read to the end, close. */
async function readFileOf<I>(context: VfsContext<I>, path: PathLike | FileHandle, options: unknown): Promise<string | Uint8Array> {
  if (path instanceof FileHandle) return path.readFile(options as ReadFileOptions);
  const call = callOptions(options);
  throwIfAborted(call.signal);
  const file = await openFile(context, path, parseOpenFlags(call['flag'], 'r'));
  try {
    const bytes = await readToEnd(context, file, call.signal);
    if (call.encoding === undefined || call.encoding === 'buffer') return context.wrapBytes(bytes);
    return decodeBytes(bytes, call.encoding);
  } finally {
    await closeFile(context, file.fd);
  }
}

/**
 * Exposes a filesystem as a subset of Node's `fs/promises`: `access`,
 * `stat`, `lstat`, `statfs`, `readlink`, `realpath`, `readdir` (with
 * `withFileTypes` and `recursive`), `opendir`, `open` (→ `FileHandle`),
 * `readFile` and `constants`, plus the write calls the filesystem
 * supports (`writeFile`, `mkdir`, `rename`, `rm`, `cp`, …; see
 * {@link FsWriteCalls}). Functions are plain closures, so
 * `const { readFile } = fsp` works as with the Node module.
 *
 * @example
 * ```ts
 * const fsp = createFsPromises(filesystem, { cwd: '/home/me' });
 * const text = await fsp.readFile('notes.txt', 'utf8');
 * for (const entry of await fsp.readdir('/', { withFileTypes: true })) console.log(entry.name, entry.isDirectory());
 * ```
 */
export function createFsPromises<F extends Filesystem<InodeOf<F>>>(filesystem: F, options: FsPromisesOptions = {}): FsPromisesFor<F> {
  const context = new VfsContext<InodeOf<F>>(filesystem, options);
  const readCalls: FsPromises = {
    constants,
    access: (path: PathLike, mode?: number) => accessPath(context, path, mode),
    stat: ((path: PathLike, opts?: { bigint?: boolean }) => statPath(context, path, opts, true)) as FsPromises['stat'],
    lstat: ((path: PathLike, opts?: { bigint?: boolean }) => statPath(context, path, opts, false)) as FsPromises['lstat'],
    statfs: ((path: PathLike, opts?: { bigint?: boolean }) => statfsOf(context, path, opts)) as FsPromises['statfs'],
    readlink: ((path: PathLike, opts?: unknown) => readlinkPath(context, path, opts)) as FsPromises['readlink'],
    realpath: ((path: PathLike, opts?: unknown) => realpathOf(context, path, opts)) as FsPromises['realpath'],
    readdir: ((path: PathLike, opts?: unknown) => readdirOf(context, path, opts)) as FsPromises['readdir'],
    opendir: ((path: PathLike, opts?: unknown) => opendirOf(context, path, opts)) as FsPromises['opendir'],
    open: async (path: PathLike, flags?: OpenFlags, mode?: number | string) => {
      toPathArgument(path);
      const bits = parseOpenFlags(flags, 'r');
      const permissions = parseModeArgument(mode, 'mode', 0o666);
      return new FileHandle(context as VfsContext<unknown>, await openFile(context, path, bits, permissions));
    },
    readFile: ((path: PathLike | FileHandle, opts?: unknown) => readFileOf(context, path, opts)) as FsPromises['readFile'],
  };
  return Object.assign(readCalls, writeCallsFor(context)) as FsPromisesFor<F>;
}
