// cp as Node 20 does it (lib/internal/fs/cp): a composition of stat, lstat,
// mkdir, copyFile, chmod, utimes, readlink, symlink and unlink, with its
// checks and its SystemErrors (ERR_FS_CP_EINVAL for copying onto itself or
// into its own subdirectory, ERR_FS_CP_DIR_TO_NON_DIR, ERR_FS_CP_NON_DIR_TO_DIR,
// ERR_FS_EISDIR for a directory without `recursive`, ERR_FS_CP_EEXIST with
// `errorOnExist` and no `force`, sockets, FIFOs). Options: recursive,
// force (default true), errorOnExist, dereference, filter (sync or async,
// called as filter(src, dest) for every entry), preserveTimestamps,
// verbatimSymlinks, mode (copyFile's flags). Symlinks are copied as
// symlinks whose relative targets are made absolute (against the source's
// directory) unless verbatimSymlinks.
import { ArgumentTypeError } from './argument-errors.js';
import { chmodPath, utimesPath } from './attribute-changes.js';
import { copyFileAtPath } from './copy-file.js';
import { makeDirectory, makeDirectoryRecursive } from './make-directory.js';
import { decodeName } from './name-bytes.js';
import { unlinkPath } from './name-removal.js';
import { symlinkPath } from './link-calls.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import { readlinkPath, statPath } from './path-queries.js';
import { dirnamePath, joinPath, resolvePathText } from './posix-path.js';
import { openDirectory, typedEntries } from './read-directory.js';
import type { BigIntStats, Stats } from './stats.js';
import { SystemError } from './system-error.js';
import type { VfsContext } from './vfs-context.js';
import { checkBoolean, checkInteger, checkOptionsObject, invalidType, toUnixSeconds } from './write-arguments.js';

/**
 * Options of cp.
 *
 * @example
 * ```ts
 * await fsp.cp('/src', '/backup/src', { recursive: true, preserveTimestamps: true });
 * ```
 */
export interface CpOptions {
  /** Follow symlinks in the source. Default false. */
  dereference?: boolean;
  /** With force false, an existing destination file is an error. Default false. */
  errorOnExist?: boolean;
  /** Copy only what this returns true for. */
  filter?: (source: string, destination: string) => boolean | Promise<boolean>;
  /** Replace existing destination files. Default true. */
  force?: boolean;
  /** copyFile's flags (COPYFILE_EXCL, …). Default 0. */
  mode?: number;
  /** Keep the source's atime and mtime. Default false. */
  preserveTimestamps?: boolean;
  /** Copy directories. Default false. */
  recursive?: boolean;
  /** Copy symlink targets as they are instead of making relative ones absolute. Default false. */
  verbatimSymlinks?: boolean;
}

type Options = Required<Omit<CpOptions, 'filter'>> & Pick<CpOptions, 'filter'>;

/** Node's validateCpOptions. */
function cpOptions(options: unknown): Options {
  const given = checkOptionsObject(options, 'options');
  const merged = {
    dereference: false, errorOnExist: false, force: true, preserveTimestamps: false,
    recursive: false, verbatimSymlinks: false, mode: 0, ...given,
  } as Record<string, unknown>;
  for (const name of ['dereference', 'errorOnExist', 'force', 'preserveTimestamps', 'recursive', 'verbatimSymlinks']) {
    checkBoolean(merged[name], `options.${name}`);
  }
  merged['mode'] = merged['mode'] === undefined || merged['mode'] === null ? 0 : checkInteger(merged['mode'], 'mode', 0, 7);
  if (merged['dereference'] === true && merged['verbatimSymlinks'] === true) {
    throw new ArgumentTypeError('ERR_INCOMPATIBLE_OPTION_PAIR', 'Option "dereference" cannot be used in combination with option "verbatimSymlinks"');
  }
  if (merged['filter'] !== undefined && typeof merged['filter'] !== 'function') {
    throw invalidType('options.filter', 'of type function', merged['filter']);
  }
  return merged as unknown as Options;
}

/** One cp in progress: the context, the options and the helpers that need both. */
class TreeCopy<I> {
  constructor(
    private readonly context: VfsContext<I>,
    private readonly options: Options,
  ) {}

  private stat(path: string, follow: boolean): Promise<Stats> {
    return statPath(this.context, path, undefined, follow) as Promise<Stats>;
  }

  private bigStat(path: string, follow: boolean): Promise<BigIntStats> {
    return statPath(this.context, path, { bigint: true }, follow) as Promise<BigIntStats>;
  }

  private resolve(...parts: string[]): string {
    return resolvePathText(this.context.cwd, ...parts);
  }

  private isSubdirectory(src: string, dest: string): boolean {
    const srcParts = this.resolve(src).split('/').filter(Boolean);
    const destParts = this.resolve(dest).split('/').filter(Boolean);
    return srcParts.every((part, i) => destParts[i] === part);
  }

  private static identical(a: BigIntStats, b: BigIntStats): boolean {
    return b.ino !== 0n && b.dev !== 0n && a.ino === b.ino && a.dev === b.dev;
  }

  private static invalid(detail: string, path: string): SystemError {
    return new SystemError('ERR_FS_CP_EINVAL', 'EINVAL', detail, 'cp', path);
  }

  async run(src: string, dest: string): Promise<void> {
    const checked = await this.checkPaths(src, dest);
    if (checked === undefined) return;
    await this.checkParentPaths(src, checked.srcStat, dest);
    const destParent = dirnamePath(dest);
    try {
      await this.stat(destParent, true);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
      await makeDirectoryRecursive(this.context, destParent, 0o777);
    }
    await this.copyEntry(checked.destStat, src, dest);
  }

  /** The filter, then the source and destination stats and the checks on them; undefined when filtered out. */
  private async checkPaths(src: string, dest: string): Promise<{ srcStat: BigIntStats; destStat: BigIntStats | null } | undefined> {
    if (this.options.filter !== undefined && !(await this.options.filter(src, dest))) return undefined;
    const follow = this.options.dereference;
    const [srcStat, destStat] = await Promise.all([
      this.bigStat(src, follow),
      this.bigStat(dest, follow).catch((err: { code?: string }) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      }),
    ]);
    if (destStat !== null) {
      if (TreeCopy.identical(srcStat, destStat)) throw TreeCopy.invalid('src and dest cannot be the same', dest);
      if (srcStat.isDirectory() && !destStat.isDirectory()) {
        throw new SystemError('ERR_FS_CP_DIR_TO_NON_DIR', 'EISDIR', `cannot overwrite non-directory ${dest} with directory ${src}`, 'cp', dest);
      }
      if (!srcStat.isDirectory() && destStat.isDirectory()) {
        throw new SystemError('ERR_FS_CP_NON_DIR_TO_DIR', 'ENOTDIR', `cannot overwrite directory ${dest} with non-directory ${src}`, 'cp', dest);
      }
    }
    if (srcStat.isDirectory() && this.isSubdirectory(src, dest)) {
      throw TreeCopy.invalid(`cannot copy ${src} to a subdirectory of self ${dest}`, dest);
    }
    return { srcStat, destStat };
  }

  /** Refuses copying a directory into a directory below itself, found by walking up from dest. */
  private async checkParentPaths(src: string, srcStat: BigIntStats, dest: string): Promise<void> {
    const srcParent = this.resolve(dirnamePath(src));
    const destParent = this.resolve(dirnamePath(dest));
    if (destParent === srcParent || destParent === '/') return;
    let destStat: BigIntStats;
    try {
      destStat = await this.bigStat(destParent, true);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return;
      throw err;
    }
    if (TreeCopy.identical(srcStat, destStat)) throw TreeCopy.invalid(`cannot copy ${src} to a subdirectory of self ${dest}`, dest);
    await this.checkParentPaths(src, srcStat, destParent);
  }

  private async copyEntry(destStat: BigIntStats | null, src: string, dest: string): Promise<void> {
    const srcStat = await this.stat(src, this.options.dereference);
    if (srcStat.isDirectory()) {
      if (!this.options.recursive) throw new SystemError('ERR_FS_EISDIR', 'EISDIR', `${src} is a directory (not copied)`, 'cp', src);
      if (destStat === null) {
        await makeDirectory(this.context, dest, 0o777);
        await this.copyDirectory(src, dest);
        await chmodPath(this.context, dest, srcStat.mode & 0o7777);
      } else {
        await this.copyDirectory(src, dest);
      }
      return;
    }
    if (srcStat.isFile() || srcStat.isCharacterDevice() || srcStat.isBlockDevice()) return this.copyRegular(srcStat, destStat, src, dest);
    if (srcStat.isSymbolicLink()) return this.copySymlink(destStat, src, dest);
    if (srcStat.isSocket()) throw new SystemError('ERR_FS_CP_SOCKET', 'EINVAL', `cannot copy a socket file: ${dest}`, 'cp', dest);
    if (srcStat.isFIFO()) throw new SystemError('ERR_FS_CP_FIFO_PIPE', 'EINVAL', `cannot copy a FIFO pipe: ${dest}`, 'cp', dest);
    throw new SystemError('ERR_FS_CP_UNKNOWN', 'EINVAL', `cannot copy an unknown file type: ${dest}`, 'cp', dest);
  }

  private async copyDirectory(src: string, dest: string): Promise<void> {
    const dir = await openDirectory(this.context, src, 'opendir');
    for await (const entry of typedEntries(this.context.fs, dir)) {
      const name = decodeName(entry.name);
      const srcItem = joinPath(src, name);
      const destItem = joinPath(dest, name);
      const checked = await this.checkPaths(srcItem, destItem);
      if (checked !== undefined) await this.copyEntry(checked.destStat, srcItem, destItem);
    }
  }

  private async copyRegular(srcStat: Stats, destStat: BigIntStats | null, src: string, dest: string): Promise<void> {
    if (destStat !== null) {
      if (this.options.force) {
        await unlinkPath(this.context, dest);
      } else {
        if (this.options.errorOnExist) throw new SystemError('ERR_FS_CP_EEXIST', 'EEXIST', `${dest} already exists`, 'cp', dest);
        return;
      }
    }
    await copyFileAtPath(this.context, src, dest, this.options.mode);
    const mode = srcStat.mode & 0o7777;
    if (this.options.preserveTimestamps) {
      if ((mode & 0o200) === 0) await chmodPath(this.context, dest, mode | 0o200);
      const current = await this.stat(src, true);
      await utimesPath(this.context, dest, toUnixSeconds(current.atime, 'atime'), toUnixSeconds(current.mtime, 'mtime'), true);
    }
    await chmodPath(this.context, dest, mode);
  }

  private async copySymlink(destStat: BigIntStats | null, src: string, dest: string): Promise<void> {
    let resolvedSrc = (await readlinkPath(this.context, src, undefined)) as string;
    if (!this.options.verbatimSymlinks && !resolvedSrc.startsWith('/')) resolvedSrc = this.resolve(dirnamePath(src), resolvedSrc);
    if (destStat === null) return symlinkPath(this.context, resolvedSrc, dest);
    let resolvedDest: string;
    try {
      resolvedDest = (await readlinkPath(this.context, dest, undefined)) as string;
    } catch (err) {
      if ((err as { code?: string }).code === 'EINVAL') return symlinkPath(this.context, resolvedSrc, dest);
      throw err;
    }
    if (!resolvedDest.startsWith('/')) resolvedDest = this.resolve(dirnamePath(dest), resolvedDest);
    if (this.isSubdirectory(resolvedSrc, resolvedDest)) {
      throw TreeCopy.invalid(`cannot copy ${resolvedSrc} to a subdirectory of self ${resolvedDest}`, dest);
    }
    if ((await this.stat(src, true)).isDirectory() && this.isSubdirectory(resolvedDest, resolvedSrc)) {
      throw new SystemError('ERR_FS_CP_SYMLINK_TO_SUBDIRECTORY', 'EINVAL', `cannot overwrite ${resolvedDest} with ${resolvedSrc}`, 'cp', dest);
    }
    await unlinkPath(this.context, dest);
    await symlinkPath(this.context, resolvedSrc, dest);
  }
}

/**
 * cp(src, dest, options): copies a file, symlink or (recursive) directory tree.
 *
 * @example
 * ```ts
 * await copyTree(context, '/src', '/dst', { recursive: true });
 * ```
 */
export async function copyTree<I>(context: VfsContext<I>, src: PathLike, dest: PathLike, options: unknown): Promise<void> {
  const validated = cpOptions(options);
  const srcText = toPathArgument(src, 'src').display;
  const destText = toPathArgument(dest, 'dest').display;
  await new TreeCopy(context, validated).run(srcText, destText);
}
