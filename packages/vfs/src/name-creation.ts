// Making a new name (Linux's filename_create + may_create), shared by mkdir,
// symlink, mknod, link, mkdtemp and open with O_CREAT. The checks come in
// Linux's order, because that order decides which error a caller sees when
// several apply: the walk to the parent (ENOENT, ENOTDIR, EACCES, ELOOP,
// ENAMETOOLONG), then a last component that can never be created (`.`, `..`,
// `/`: EEXIST), then an existing name (EEXIST, even a dangling symlink), then a
// trailing slash on a call that does not make directories (ENOENT), then a
// read-only filesystem (EROFS), then write and search permission on the
// parent (EACCES).
import type { Filesystem } from './filesystem.js';
import type { InodeAttributes } from './inode-attributes.js';
import type { CallErrors } from './node-error.js';
import type { PathLike } from './path-argument.js';
import type { PathStep } from './path-resolver.js';
import type { VfsContext } from './vfs-context.js';
import { mayChangeEntries } from './write-permission.js';

/**
 * An inode found by name, with its attributes.
 *
 * @example
 * ```ts
 * const child = await lookupChild(fs, dir, encodeName('notes.txt'));
 * if (child !== undefined) console.log(child.attributes.size);
 * ```
 */
export interface FoundInode<I> {
  inode: I;
  attributes: InodeAttributes;
}

/**
 * The inode named `name` in `dir`, with its attributes, or undefined.
 *
 * @example
 * ```ts
 * const existing = await lookupChild(context.fs, parent.inode, name);
 * ```
 */
export async function lookupChild<I>(fs: Filesystem<I>, dir: I, name: Uint8Array): Promise<FoundInode<I> | undefined> {
  const inode = await fs.lookup(dir, name);
  if (inode === undefined) return undefined;
  return { inode, attributes: await fs.getattr(inode) };
}

/**
 * Where a new name goes: the parent directory and the name.
 *
 * @example
 * ```ts
 * const { parent, name } = await prepareCreate(context, '/tmp/new', errors, { makesDirectory: true });
 * ```
 */
export interface CreateSite<I> {
  parent: PathStep<I>;
  name: Uint8Array;
}

/**
 * Checks, in Linux's order, that `path` names nothing yet and the caller may
 * create it; returns its parent and name. `makesDirectory` lets a trailing
 * slash through (mkdir); every error is `errors`' wording.
 *
 * @example
 * ```ts
 * const site = await prepareCreate(context, '/a/b', new CallErrors('symlink', 'target', '/a/b'), { makesDirectory: false });
 * ```
 */
export async function prepareCreate<I>(
  context: VfsContext<I>,
  path: PathLike,
  errors: CallErrors,
  options: { makesDirectory: boolean; checkPermission?: boolean },
): Promise<CreateSite<I>> {
  const site = await errors.guard(() => context.resolveParent(path, errors.syscall));
  if (site.kind !== 'normal') throw errors.fail('EEXIST');
  const existing = await errors.guard(() => context.fs.lookup(site.parent.inode, site.name));
  if (existing !== undefined) throw errors.fail('EEXIST');
  if (site.trailingSlash && !options.makesDirectory) throw errors.fail('ENOENT');
  if (context.fs.readOnly) throw errors.fail('EROFS');
  if (options.checkPermission !== false) checkMayCreate(context, site.parent, errors);
  return { parent: site.parent, name: site.name };
}

/**
 * `may_create`: write and search permission on the parent (EACCES).
 *
 * @example
 * ```ts
 * checkMayCreate(context, parent, errors);
 * ```
 */
export function checkMayCreate<I>(context: VfsContext<I>, parent: PathStep<I>, errors: CallErrors): void {
  if (!mayChangeEntries(parent.attributes, context.credentials)) throw errors.fail('EACCES');
}

/**
 * The filesystem operation `op`, or EPERM (what Linux answers when a
 * filesystem lacks an inode operation such as symlink or mknod).
 *
 * @example
 * ```ts
 * const symlink = requireOperation(context.fs, 'symlink', errors);
 * ```
 */
export function requireOperation<I, K extends keyof Filesystem<I>>(
  fs: Filesystem<I>,
  op: K,
  errors: CallErrors,
): NonNullable<Filesystem<I>[K]> {
  const method = fs[op];
  if (method === undefined) throw errors.fail('EPERM');
  return (method as (...args: unknown[]) => unknown).bind(fs) as NonNullable<Filesystem<I>[K]>;
}
