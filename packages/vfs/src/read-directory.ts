// Listing directories for readdir and opendir. Entries `.` and `..` are
// skipped (Node never shows them). An entry whose directory does not record
// its type (ext2 without `filetype`) is typed from its inode, as Node lstat's
// such entries. Recursive listings visit directories in Node 20's order: a
// directory's entries, then the subdirectories last-found-first (Node keeps
// them on a stack). Symlinks to directories are listed, not entered: Node
// 20's string-mode recursion enters them (and never ends on a symlink loop),
// its withFileTypes mode does not; both modes here behave like the latter.
import { DirentType, direntTypeOfMode, isDirectoryMode } from './file-mode.js';
import type { Filesystem } from './filesystem.js';
import type { DirEntry } from './inode-operations.js';
import { decodeName, isDotOrDotDot } from './name-bytes.js';
import { nodeError } from './node-error.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import { Access, mayAccess } from './permission.js';
import { joinPath } from './posix-path.js';
import type { VfsContext } from './vfs-context.js';

/**
 * One listed entry: its name, its type, the directory path it was read from
 * (as the caller named it), and its path relative to the listed directory.
 */
export interface ListedEntry {
  name: Uint8Array;
  type: DirentType;
  parentPath: string;
  relativePath: Uint8Array;
}

/**
 * The entries of a directory, without `.` and `..`, typed.
 *
 * @example
 * ```ts
 * for await (const entry of typedEntries(fs, dir)) console.log(decodeName(entry.name), entry.type);
 * ```
 */
export async function* typedEntries<I>(fs: Filesystem<I>, dir: I): AsyncGenerator<DirEntry> {
  for await (const entry of fs.readdir(dir)) {
    if (isDotOrDotDot(entry.name)) continue;
    if (entry.type !== DirentType.Unknown) {
      yield entry;
      continue;
    }
    const inode = await fs.lookup(dir, entry.name);
    const type = inode === undefined ? DirentType.Unknown : direntTypeOfMode((await fs.getattr(inode)).mode);
    yield { ...entry, type };
  }
}

function withPrefix(prefix: Uint8Array, name: Uint8Array): Uint8Array {
  if (prefix.length === 0) return name;
  const out = new Uint8Array(prefix.length + 1 + name.length);
  out.set(prefix);
  out[prefix.length] = 0x2f;
  out.set(name, prefix.length + 1);
  return out;
}

interface PendingDirectory<I> {
  inode: I;
  parentPath: string;
  prefix: Uint8Array;
}

/**
 * Lists a directory (and, when `recursive`, everything below it) in Node's
 * order.
 *
 * @example
 * ```ts
 * for await (const entry of listDirectory(fs, dir, '/etc', true)) console.log(decodeName(entry.relativePath));
 * ```
 */
export async function* listDirectory<I>(
  fs: Filesystem<I>,
  dir: I,
  parentPath: string,
  recursive: boolean,
): AsyncGenerator<ListedEntry> {
  const stack: PendingDirectory<I>[] = [{ inode: dir, parentPath, prefix: new Uint8Array(0) }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const found: PendingDirectory<I>[] = [];
    for await (const entry of typedEntries(fs, next.inode)) {
      const relativePath = withPrefix(next.prefix, entry.name);
      yield { name: entry.name, type: entry.type, parentPath: next.parentPath, relativePath };
      if (!recursive || entry.type !== DirentType.Directory) continue;
      const child = await fs.lookup(next.inode, entry.name);
      if (child === undefined) continue;
      found.push({ inode: child, parentPath: joinPath(next.parentPath, decodeName(entry.name)), prefix: relativePath });
    }
    stack.push(...found);
  }
}

/**
 * Resolves `path` to a directory the caller may list (`ENOTDIR`, `EACCES`
 * otherwise); `syscall` names the call in errors: `'scandir'` for readdir,
 * `'opendir'` for opendir.
 *
 * @example
 * ```ts
 * const dir = await openDirectory(context, '/etc', 'scandir');
 * ```
 */
export async function openDirectory<I>(context: VfsContext<I>, path: PathLike, syscall: string): Promise<I> {
  const resolved = await context.resolve(path, syscall);
  const { display } = toPathArgument(path);
  if (!isDirectoryMode(resolved.attributes.mode)) throw nodeError('ENOTDIR', syscall, display);
  if (!mayAccess(resolved.attributes, context.credentials, Access.Read)) throw nodeError('EACCES', syscall, display);
  return resolved.inode;
}
