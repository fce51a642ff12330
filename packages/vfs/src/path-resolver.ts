// Path resolution shared by every filesystem (Linux's fs/namei.c, in small):
// walk a path component by component from the root or the working directory,
// asking the filesystem only `lookup`, `getattr` and `readlink`.
//
// The walk keeps the chain of directories from the root to where it stands
// (the "stack"). `..` pops it — the root's `..` is the root — so `..` is
// physical: `a/link/..` is the parent of where `link` points, as in Linux,
// and the filesystem never sees `.` or `..`. A symlink met in the middle of a
// path, or at its end unless the caller asked not to follow (lstat,
// O_NOFOLLOW), is replaced by its target's components: an absolute target
// restarts at the root, a relative one continues from the link's directory.
// After 40 links (MAXSYMLINKS) the 41st is ELOOP. A slash after the last
// component means "must be a directory": it is followed even by lstat, and a
// non-directory there is ENOTDIR — also when the slash ends a symlink's
// target. Every error is worded like Node's, with the caller's path.
import type { FsError } from '@iomap/core';
import { isDirectoryMode, isSymlinkMode } from './file-mode.js';
import type { Filesystem } from './filesystem.js';
import type { InodeAttributes } from './inode-attributes.js';
import { NAME_MAX, PATH_MAX } from './name-bytes.js';
import { nodeError } from './node-error.js';
import { toPathArgument, type PathArgument, type PathLike } from './path-argument.js';
import { parsePath, type ParsedPath } from './path-components.js';
import { Access, ROOT_CREDENTIALS, mayAccess, type Credentials } from './permission.js';

/**
 * Symlinks one resolution may follow (Linux `MAXSYMLINKS`); the next one is `ELOOP`.
 *
 * @example
 * ```ts
 * // a chain of MAX_SYMLINK_HOPS links resolves; one more link is ELOOP
 * ```
 */
export const MAX_SYMLINK_HOPS = 40;

const DOT = 0x2e;
const EMPTY = new Uint8Array(0);

/**
 * One inode on the way from the root to a resolved path.
 *
 * @example
 * ```ts
 * const { steps } = await resolvePath(fs, '/usr/bin');
 * steps.map((s) => decodeName(s.name)); // ['', 'usr', 'bin']
 * ```
 */
export interface PathStep<I> {
  readonly inode: I;
  readonly attributes: InodeAttributes;
  /** Its name in its parent directory; empty for the root. */
  readonly name: Uint8Array;
}

/**
 * How to resolve a path.
 *
 * @example
 * ```ts
 * await resolvePath(fs, 'link', { cwd: '/home', followFinal: false, syscall: 'lstat' });
 * ```
 */
export interface ResolveOptions {
  /** Follow a symlink in the last component (stat, open). False for lstat and `O_NOFOLLOW`. Default true. */
  followFinal?: boolean;
  /** Absolute path relative paths start from. Default `/`. */
  cwd?: string;
  /** Whose search permission on directories is checked. Default root (no checks but types). */
  credentials?: Credentials;
  /** The operation errors name, as Node names it (`'open'`, `'stat'`, `'scandir'`…). Default `'stat'`. */
  syscall?: string;
  /**
   * Refuse paths of 4096 bytes or more with `ENAMETOOLONG`, as the kernel
   * does. Default true. Node's realpath runs glibc's realpath(3), which walks
   * longer paths component by component; the adapter's realpath turns this off.
   */
  checkPathLength?: boolean;
  /**
   * resolveParent only: leave the last component's length unchecked, for a
   * caller that must look something else up first (rename looks up its
   * source before the kernel's lookup of the target says `ENAMETOOLONG`).
   * The caller then compares it with `NAME_MAX` itself. Default false.
   */
  deferNameLength?: boolean;
}

/**
 * A resolved path.
 *
 * @example
 * ```ts
 * const { inode, attributes } = await resolvePath(fs, '/etc/hosts');
 * ```
 */
export interface ResolvedPath<I> {
  inode: I;
  attributes: InodeAttributes;
  /** The directories from the root down to the inode (last): its canonical path, with no symlinks. */
  steps: readonly PathStep<I>[];
}

/**
 * What the last component of a path is (Linux's `LAST_NORM`, `LAST_DOT`,
 * `LAST_DOTDOT`, `LAST_ROOT`); operations that create or remove names reject
 * all but `'normal'` in their own ways.
 *
 * @example
 * ```ts
 * (await resolveParent(fs, '/tmp/..')).kind; // 'dotdot'
 * ```
 */
export type LastComponentKind = 'normal' | 'dot' | 'dotdot' | 'root';

/**
 * A path resolved up to its last component, which is not looked up: what
 * operations that create, remove or rename a name need.
 *
 * @example
 * ```ts
 * const { parent, name, kind } = await resolveParent(fs, '/tmp/new-file', { syscall: 'open' });
 * ```
 */
export interface ResolvedParent<I> {
  /** The directory that holds (or would hold) the last component. */
  parent: PathStep<I>;
  /** The directories from the root down to `parent` (last). */
  steps: readonly PathStep<I>[];
  /** The last component's bytes; empty when `kind` is `'root'`. */
  name: Uint8Array;
  kind: LastComponentKind;
  /** The path ended with `/` after the last component. */
  trailingSlash: boolean;
}

interface Frame {
  parts: Uint8Array[];
  index: number;
  trailingSlash: boolean;
}

interface Component {
  name: Uint8Array;
  /** Nothing follows it, in the path or in any symlink being expanded. */
  final: boolean;
  trailingSlash: boolean;
}

function isDot(name: Uint8Array): boolean {
  return name.length === 1 && name[0] === DOT;
}

function isDotDot(name: Uint8Array): boolean {
  return name.length === 2 && name[0] === DOT && name[1] === DOT;
}

/** One resolution in progress. */
class PathWalk<I> {
  stack: PathStep<I>[] = [];
  private readonly frames: Frame[] = [];
  private hops = 0;
  private mustBeDirectory = false;

  constructor(
    private readonly fs: Filesystem<I>,
    private readonly credentials: Credentials,
    private readonly syscall: string,
    private readonly display: string,
    private readonly followFinal: boolean,
  ) {}

  fail(code: 'ENOENT' | 'ENOTDIR' | 'EACCES' | 'ELOOP' | 'ENAMETOOLONG'): FsError {
    return nodeError(code, this.syscall, this.display);
  }

  get top(): PathStep<I> {
    return this.stack[this.stack.length - 1]!;
  }

  async startAtRoot(): Promise<void> {
    const root = this.fs.root;
    this.stack = [{ inode: root, attributes: await this.fs.getattr(root), name: EMPTY }];
  }

  enter(parsed: ParsedPath): void {
    this.frames.push({ parts: parsed.components, index: 0, trailingSlash: parsed.trailingSlash });
  }

  /** The next component to walk, or undefined when the path is done. */
  next(): Component | undefined {
    for (;;) {
      const frame = this.frames[this.frames.length - 1];
      if (frame === undefined) return undefined;
      if (frame.index < frame.parts.length) {
        const name = frame.parts[frame.index++]!;
        const final = this.frames.every((f) => f.index === f.parts.length);
        return { name, final, trailingSlash: final && frame.trailingSlash };
      }
      this.frames.pop();
    }
  }

  /** Linux's d_can_lookup + may_lookup: the walk stands on a directory it may search. */
  checkSearchable(): void {
    const { attributes } = this.top;
    if (!isDirectoryMode(attributes.mode)) throw this.fail('ENOTDIR');
    if (!mayAccess(attributes, this.credentials, Access.Execute)) throw this.fail('EACCES');
  }

  /** Walks one component: `.`, `..`, a name, or a symlink to expand. */
  async step(component: Component): Promise<void> {
    this.checkSearchable();
    if (component.trailingSlash) this.mustBeDirectory = true;
    const { name } = component;
    if (isDot(name)) return;
    if (isDotDot(name)) {
      if (this.stack.length > 1) this.stack.pop();
      return;
    }
    if (name.length > NAME_MAX) throw this.fail('ENAMETOOLONG');
    const inode = await this.fs.lookup(this.top.inode, name);
    if (inode === undefined) throw this.fail('ENOENT');
    const attributes = await this.fs.getattr(inode);
    const follow = !component.final || this.followFinal || this.mustBeDirectory;
    if (isSymlinkMode(attributes.mode) && follow) {
      await this.expandSymlink(inode);
      return;
    }
    this.stack.push({ inode, attributes, name });
  }

  private async expandSymlink(link: I): Promise<void> {
    if (++this.hops > MAX_SYMLINK_HOPS) throw this.fail('ELOOP');
    const target = await this.fs.readlink(link);
    if (target.length === 0) throw this.fail('ENOENT');
    const parsed = parsePath(target);
    if (parsed.absolute) this.stack = [this.stack[0]!];
    this.enter(parsed);
  }

  /** Walks every remaining component, then applies the trailing-slash rule. */
  async finish(): Promise<void> {
    for (let component = this.next(); component !== undefined; component = this.next()) {
      await this.step(component);
    }
    if (this.mustBeDirectory && !isDirectoryMode(this.top.attributes.mode)) throw this.fail('ENOTDIR');
  }
}

/** Sets up a walk of `arg`: length checks, then the root or the working directory. */
async function startWalk<I>(
  fs: Filesystem<I>,
  arg: PathArgument,
  options: ResolveOptions,
  followFinal: boolean,
): Promise<{ walk: PathWalk<I>; parsed: ParsedPath }> {
  const credentials = options.credentials ?? ROOT_CREDENTIALS;
  const syscall = options.syscall ?? 'stat';
  const walk = new PathWalk(fs, credentials, syscall, arg.display, followFinal);
  if (arg.bytes.length === 0) throw walk.fail('ENOENT');
  if (arg.bytes.length >= PATH_MAX && options.checkPathLength !== false) throw walk.fail('ENAMETOOLONG');
  const parsed = parsePath(arg.bytes);
  await walk.startAtRoot();
  if (!parsed.absolute && options.cwd !== undefined && options.cwd !== '/') {
    // The working directory is walked like any path, with the caller's path in errors.
    const cwdWalk = new PathWalk(fs, credentials, syscall, arg.display, true);
    cwdWalk.stack = walk.stack;
    cwdWalk.enter(parsePath(toPathArgument(options.cwd, 'cwd').bytes));
    await cwdWalk.finish();
    walk.stack = cwdWalk.stack;
  }
  return { walk, parsed };
}

/**
 * Resolves a path to an inode, following symlinks in the middle and (unless
 * `followFinal` is false) at the end. Throws FsErrors worded like Node's:
 * `ENOENT`, `ENOTDIR` (a non-directory in the middle, or before a trailing
 * slash), `ELOOP` (more than 40 symlinks), `ENAMETOOLONG` (a component over
 * 255 bytes, or a path of 4096 bytes or more), `EACCES` (a directory the
 * credentials may not search).
 *
 * @example
 * ```ts
 * const { inode, attributes } = await resolvePath(fs, '/usr/bin/env', { syscall: 'open' });
 * const link = await resolvePath(fs, '/bin', { followFinal: false, syscall: 'lstat' });
 * ```
 */
export async function resolvePath<I>(
  fs: Filesystem<I>,
  path: PathLike,
  options: ResolveOptions = {},
): Promise<ResolvedPath<I>> {
  const { walk, parsed } = await startWalk(fs, toPathArgument(path), options, options.followFinal ?? true);
  walk.enter(parsed);
  await walk.finish();
  const top = walk.top;
  return { inode: top.inode, attributes: top.attributes, steps: walk.stack };
}

/**
 * Resolves every component of a path but the last, which it returns
 * unresolved (Linux's `filename_parentat`): for create, remove and rename.
 * Symlinks in the middle are followed; the parent must be a directory the
 * credentials may search; a last component over 255 bytes is `ENAMETOOLONG`.
 *
 * @example
 * ```ts
 * const { parent, name, kind } = await resolveParent(fs, '/home/me/notes.txt', { syscall: 'open' });
 * if (kind === 'normal') await fs.create!(parent.inode, name, init);
 * ```
 */
export async function resolveParent<I>(
  fs: Filesystem<I>,
  path: PathLike,
  options: ResolveOptions = {},
): Promise<ResolvedParent<I>> {
  const { walk, parsed } = await startWalk(fs, toPathArgument(path), options, false);
  walk.enter(parsed);
  for (let component = walk.next(); component !== undefined; component = walk.next()) {
    if (!component.final) {
      await walk.step(component);
      continue;
    }
    walk.checkSearchable();
    const { name } = component;
    const kind = isDot(name) ? 'dot' : isDotDot(name) ? 'dotdot' : 'normal';
    if (kind === 'normal' && options.deferNameLength !== true && name.length > NAME_MAX) throw walk.fail('ENAMETOOLONG');
    return { parent: walk.top, steps: walk.stack, name, kind, trailingSlash: parsed.trailingSlash };
  }
  return { parent: walk.top, steps: walk.stack, name: EMPTY, kind: 'root', trailingSlash: false };
}

/**
 * The canonical path of resolved steps, as bytes: `/` for the root, else
 * `/name/name…` (what realpath returns).
 *
 * @example
 * ```ts
 * decodeName(pathOfSteps((await resolvePath(fs, '/a/./b/..')).steps)); // '/a'
 * ```
 */
export function pathOfSteps(steps: readonly PathStep<unknown>[]): Uint8Array {
  if (steps.length <= 1) return new Uint8Array([0x2f]);
  let length = 0;
  for (let i = 1; i < steps.length; i++) length += 1 + steps[i]!.name.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (let i = 1; i < steps.length; i++) {
    out[at++] = 0x2f;
    out.set(steps[i]!.name, at);
    at += steps[i]!.name.length;
  }
  return out;
}
