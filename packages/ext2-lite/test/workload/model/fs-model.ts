// An in-memory model of a POSIX filesystem as Linux presents it to Node
// (running as root): directories, regular files with bytes, symlinks, hard
// links, permission bits, owners, explicit mtimes and extended attributes.
// Every call either returns what Node's fs/promises returns on a local
// Linux filesystem or throws a ModelError with the code Node would give —
// including which error wins when several apply (the order of the kernel's
// checks in do_renameat2, do_linkat, open, ...). The model is validated
// against the real kernel by host-conformance.test.ts.
//
// Paths are absolute ('/a/b'); symlink targets are resolved relative to the
// link's directory, and '..' at the root stays at the root (as at the root
// of a mounted filesystem).
import { SparseBytes } from './sparse-bytes.js';
import { fail } from './model-error.js';

export type NodeKind = 'file' | 'dir' | 'symlink';

/** Linux's MAXSYMLINKS: more nested links than this is ELOOP. */
const MAX_SYMLINKS = 40;
/** NAME_MAX: longer components are ENAMETOOLONG (checked as the walk reaches them). */
const NAME_MAX = 255;

/** One inode of the model. */
export class ModelNode {
  /** Permission bits (0o7777). */
  perm: number;
  uid = 0;
  gid = 0;
  /** Names pointing at a non-directory (directories count links from their shape). */
  links = 0;
  /** mtime in seconds, while it is the value utimes() set (any later change forgets it). */
  mtimeSec: number | undefined;
  readonly xattrs = new Map<string, Uint8Array>();
  data = new SparseBytes();
  readonly entries = new Map<string, ModelNode>();
  /** Directories: the directory holding this one (the root holds itself). */
  parent: ModelNode | undefined;
  /** A removed directory: nothing can be created in it any more (the kernel's IS_DEADDIR: ENOENT). */
  dead = false;
  target = '';

  constructor(
    readonly id: number,
    readonly kind: NodeKind,
    perm: number,
  ) {
    this.perm = perm;
  }

  /** Link count as stat() shows it. */
  get nlink(): number {
    if (this.kind !== 'dir') return this.links;
    let subdirs = 0;
    for (const child of this.entries.values()) if (child.kind === 'dir') subdirs++;
    return 2 + subdirs;
  }

  get size(): number {
    if (this.kind === 'file') return this.data.size;
    if (this.kind === 'symlink') return new TextEncoder().encode(this.target).length;
    return 0;
  }

  /** Whether `this` is `other` or one of its ancestors (directories only). */
  isAncestorOf(other: ModelNode): boolean {
    for (let at: ModelNode | undefined = other; at !== undefined; at = at.parent === at ? undefined : at.parent) {
      if (at === this) return true;
    }
    return false;
  }
}

/** Where a path leads: the directory holding the last component, its name, and the node if it exists. */
export interface Lookup {
  dir: ModelNode;
  name: string;
  node: ModelNode | undefined;
  /** The last component is longer than NAME_MAX (ENAMETOOLONG once the call looks it up: see named()). */
  tooLong?: boolean;
}

/** What stat() shows, for comparison. */
export interface ModelStat {
  kind: NodeKind;
  perm: number;
  size: number;
  nlink: number;
  uid: number;
  gid: number;
}

export type OpenFlag = 'r' | 'r+' | 'w' | 'wx' | 'a';

/** An open file of the model (a FileHandle). */
export interface ModelHandle {
  node: ModelNode;
  append: boolean;
  writable: boolean;
  readable: boolean;
}

export interface FsModelOptions {
  /** The creating process's umask. Default 0o022. */
  umask?: number;
  /** Start with /lost+found (mode 0700), as mke2fs and mkfs make it. */
  lostFound?: boolean;
}

/** The directory e2fsck reconnects orphans to; workloads leave it alone. */
export const LOST_AND_FOUND = '/lost+found';

export function splitPath(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

export function parentPath(path: string): string {
  const parts = splitPath(path);
  parts.pop();
  return `/${parts.join('/')}`;
}

export class FsModel {
  readonly umask: number;
  readonly root: ModelNode;
  private nextId = 1;

  constructor(options: FsModelOptions = {}) {
    this.umask = options.umask ?? 0o022;
    this.root = new ModelNode(this.nextId++, 'dir', 0o755);
    this.root.parent = this.root;
    if (options.lostFound === true) this.mkdir(LOST_AND_FOUND, 0o700);
  }

  /**
   * A deep copy (node ids kept), and the map from this model's nodes to the
   * copy's, for carrying handles over.
   */
  clone(): { model: FsModel; nodes: Map<ModelNode, ModelNode> } {
    const nodes = new Map<ModelNode, ModelNode>();
    const copyOf = (node: ModelNode): ModelNode => {
      let copy = nodes.get(node);
      if (copy !== undefined) return copy;
      copy = new ModelNode(node.id, node.kind, node.perm);
      nodes.set(node, copy);
      copy.uid = node.uid;
      copy.gid = node.gid;
      copy.links = node.links;
      copy.mtimeSec = node.mtimeSec;
      copy.target = node.target;
      copy.dead = node.dead;
      for (const [k, v] of node.xattrs) copy.xattrs.set(k, v);
      copy.data = node.data.clone();
      for (const [name, child] of node.entries) copy.entries.set(name, copyOf(child));
      if (node.parent !== undefined) copy.parent = copyOf(node.parent);
      return copy;
    };
    const model = Object.create(FsModel.prototype) as FsModel;
    Object.assign(model, { umask: this.umask, root: copyOf(this.root), nextId: this.nextId });
    return { model, nodes };
  }

  /** Copies a node that is not in the tree (an open, unlinked file) into a clone's node map. */
  static cloneDetached(node: ModelNode, nodes: Map<ModelNode, ModelNode>): ModelNode {
    let copy = nodes.get(node);
    if (copy === undefined) {
      copy = new ModelNode(node.id, node.kind, node.perm);
      copy.links = node.links;
      copy.data = node.data.clone();
      nodes.set(node, copy);
    }
    return copy;
  }

  // ---- path resolution -------------------------------------------------

  /** Resolves `path`; the last component is followed when it is a symlink and `follow` is set. */
  resolve(path: string, follow: boolean): Lookup {
    return this.walk(this.root, splitPath(path), follow, { hops: 0 });
  }

  private walk(start: ModelNode, parts: string[], follow: boolean, count: { hops: number }): Lookup {
    if (parts.length === 0) return { dir: start.parent ?? start, name: '', node: start };
    let dir = start;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i] as string;
      const last = i === parts.length - 1;
      const tooLong = new TextEncoder().encode(name).length > NAME_MAX;
      // The kernel finds a name too long when the filesystem looks it up: at once
      // for a directory on the way, when the call gets to it for the last one.
      if (tooLong && !last) fail('ENAMETOOLONG', `a path component is longer than ${NAME_MAX} bytes`);
      let node = name === '..' ? dir.parent : dir.entries.get(name);
      if (last) {
        if (tooLong) return { dir, name, node: undefined, tooLong };
        if (node !== undefined && node.kind === 'symlink' && follow) return this.followLink(dir, node, true, count);
        return { dir, name, node };
      }
      if (node === undefined) fail('ENOENT', `no ${name} in the path`);
      if (node.kind === 'symlink') {
        const target = this.followLink(dir, node, true, count);
        if (target.node === undefined) fail('ENOENT', `dangling symlink ${name} in the path`);
        node = target.node;
      }
      if (node.kind !== 'dir') fail('ENOTDIR', `${name} in the path is not a directory`);
      dir = node;
    }
    throw new Error('unreachable');
  }

  private followLink(dir: ModelNode, link: ModelNode, follow: boolean, count: { hops: number }): Lookup {
    if (++count.hops > MAX_SYMLINKS) fail('ELOOP', 'too many levels of symbolic links');
    const start = link.target.startsWith('/') ? this.root : dir;
    return this.walk(start, splitPath(link.target), follow, count);
  }

  /** `found`, after the lookup of its last component (ENAMETOOLONG for a name the filesystem cannot hold). */
  private named(found: Lookup): Lookup {
    if (found.tooLong === true) fail('ENAMETOOLONG', `${found.name.slice(0, 20)}... is longer than ${NAME_MAX} bytes`);
    return found;
  }

  /** Resolves `path` and looks its last component up. */
  private lookup(path: string, follow: boolean): Lookup {
    return this.named(this.resolve(path, follow));
  }

  /** The node at `path` (ENOENT when there is none). */
  nodeAt(path: string, follow: boolean): ModelNode {
    return this.existing(path, follow).node;
  }

  /** The node at `path` or ENOENT. */
  private existing(path: string, follow: boolean): Lookup & { node: ModelNode } {
    const found = this.lookup(path, follow);
    if (found.node === undefined) fail('ENOENT', `${path} does not exist`);
    return found as Lookup & { node: ModelNode };
  }

  private newNode(kind: NodeKind, perm: number): ModelNode {
    return new ModelNode(this.nextId++, kind, perm);
  }

  private attach(dir: ModelNode, name: string, node: ModelNode): void {
    dir.entries.set(name, node);
    dir.mtimeSec = undefined;
    if (node.kind === 'dir') node.parent = dir;
    else node.links++;
  }

  private detach(dir: ModelNode, name: string): ModelNode {
    const node = dir.entries.get(name) as ModelNode;
    dir.entries.delete(name);
    dir.mtimeSec = undefined;
    if (node.kind !== 'dir') node.links--;
    return node;
  }

  /** Removes a directory's name for good (rmdir, replaced by rename, rm -r). */
  private removeDir(dir: ModelNode, name: string): void {
    this.detach(dir, name).dead = true;
  }

  /** A new name may go into `dir` only while it exists (may_create). */
  private creatable(dir: ModelNode): void {
    if (dir.dead) fail('ENOENT', 'the directory was removed');
  }

  /**
   * Resolves every component but the last (the path walk before a call
   * locks anything): ENOENT, ENOTDIR, ELOOP or ENAMETOOLONG on the way. The
   * concurrency oracle runs this and the *At call as separate steps.
   */
  resolveParent(path: string): Lookup {
    return this.resolve(path, false);
  }

  // ---- files -------------------------------------------------------------

  /** open(2) as Node's `open(path, flag, mode)` does it. */
  open(path: string, flag: OpenFlag, mode = 0o666): ModelHandle {
    const found = this.lookup(path, flag !== 'wx');
    if (found.name === '') return this.handleOf(found.node as ModelNode, flag);
    return this.openAt(found.dir, found.name, flag, mode);
  }

  /** open's lookup-or-create of `name` in `dir` (already resolved; a final symlink was followed by the caller). */
  openAt(dir: ModelNode, name: string, flag: OpenFlag, mode = 0o666): ModelHandle {
    const create = flag === 'w' || flag === 'wx' || flag === 'a';
    let node = dir.entries.get(name);
    if (node !== undefined && flag === 'wx') fail('EEXIST', `${name} exists (O_EXCL)`);
    if (node === undefined) {
      if (!create) fail('ENOENT', `${name} does not exist`);
      this.creatable(dir);
      node = this.newNode('file', mode & ~this.umask & 0o7777);
      this.attach(dir, name, node);
    }
    return this.handleOf(node, flag);
  }

  private handleOf(node: ModelNode, flag: OpenFlag): ModelHandle {
    const writable = flag !== 'r';
    if (node.kind === 'dir' && writable) fail('EISDIR', 'is a directory');
    if (node.kind === 'symlink') throw new Error('model: openAt reached a symlink (the caller follows links)');
    if (flag === 'w' && node.kind === 'file') {
      node.data.truncate(0);
      node.mtimeSec = undefined;
    }
    return { node, append: flag === 'a', writable, readable: flag === 'r' || flag === 'r+' };
  }

  /** The whole file through a handle (FileHandle.read from 0); EBADF when not open for reading. */
  readHandle(handle: ModelHandle): Uint8Array {
    if (!handle.readable) fail('EBADF', 'the handle is not open for reading');
    return handle.node.data.all();
  }

  /** FileHandle.write(data, 0, length, pos): O_APPEND writes at the end whatever `pos` says (Linux pwrite). */
  write(handle: ModelHandle, pos: number | null, data: Uint8Array): number {
    if (!handle.writable) fail('EBADF', 'the handle is not open for writing');
    const node = handle.node;
    const at = handle.append || pos === null ? node.data.size : pos;
    if (data.length > 0) {
      node.data.write(at, data);
      node.mtimeSec = undefined;
    }
    return data.length;
  }

  /** FileHandle.truncate(size). */
  ftruncate(handle: ModelHandle, size: number): void {
    if (!handle.writable) fail('EINVAL', 'the handle is not open for writing');
    handle.node.data.truncate(size);
    handle.node.mtimeSec = undefined;
  }

  writeFile(path: string, data: Uint8Array, mode = 0o666): void {
    this.write(this.open(path, 'w', mode), 0, data);
  }

  appendFile(path: string, data: Uint8Array): void {
    this.write(this.open(path, 'a'), null, data);
  }

  truncate(path: string, size: number): void {
    this.ftruncate(this.open(path, 'r+'), size);
  }

  readFile(path: string): Uint8Array {
    const { node } = this.open(path, 'r');
    if (node.kind === 'dir') fail('EISDIR', `${path} is a directory`);
    return node.data.all();
  }

  // ---- directories -------------------------------------------------------

  mkdir(path: string, mode = 0o777): void {
    const found = this.lookup(path, false);
    if (found.name === '') fail('EEXIST', 'the root exists');
    this.mkdirAt(found.dir, found.name, mode);
  }

  mkdirAt(dir: ModelNode, name: string, mode = 0o777): void {
    if (dir.entries.has(name)) fail('EEXIST', `${name} exists`);
    this.creatable(dir);
    this.attach(dir, name, this.newNode('dir', mode & ~this.umask & 0o777));
  }

  /**
   * mkdir(path, { recursive: true }) as Node implements it (MKDirpAsync):
   * mkdir; on ENOENT make the parent first; on another error stat the path
   * (following links). An ancestor that exists must stat as a directory
   * (else ENOTDIR); the path itself must be a directory (else EEXIST, or the
   * stat error, e.g. ENOENT for a dangling symlink). Returns the first
   * directory created.
   */
  mkdirRecursive(path: string, mode = 0o777): string | undefined {
    const stack = [path];
    let first: string | undefined;
    while (stack.length > 0) {
      const at = stack[stack.length - 1] as string;
      let code: string | undefined;
      try {
        this.mkdir(at, mode);
        stack.pop();
        first ??= at;
        continue;
      } catch (err) {
        code = (err as { code?: string }).code;
        if (code === 'EACCES' || code === 'ENOTDIR' || code === 'EPERM') throw err;
        if (code === 'ENOENT') {
          stack.push(parentPath(at));
          continue;
        }
      }
      const ancestor = code === 'EEXIST' && stack.length > 1;
      let existing: ModelNode;
      try {
        existing = this.existing(at, true).node;
      } catch (err) {
        if (ancestor) fail('ENOTDIR', `${at} is not a directory`);
        throw err;
      }
      if (existing.kind !== 'dir') fail(ancestor ? 'ENOTDIR' : 'EEXIST', `${at} exists and is not a directory`);
      stack.pop();
    }
    return first;
  }

  rmdir(path: string): void {
    const found = this.lookup(path, false);
    if (found.name === '') fail('EBUSY', 'cannot remove the root');
    this.rmdirAt(found.dir, found.name);
  }

  rmdirAt(dir: ModelNode, name: string): void {
    const node = dir.entries.get(name);
    if (node === undefined) fail('ENOENT', `${name} does not exist`);
    if (node.kind !== 'dir') fail('ENOTDIR', `${name} is not a directory`);
    if (node.entries.size > 0) fail('ENOTEMPTY', `${name} is not empty`);
    this.removeDir(dir, name);
  }

  unlink(path: string): void {
    const found = this.lookup(path, false);
    this.unlinkAt(found.dir, found.name);
  }

  unlinkAt(dir: ModelNode, name: string): void {
    const node = dir.entries.get(name);
    if (node === undefined) fail('ENOENT', `${name} does not exist`);
    if (node.kind === 'dir') fail('EISDIR', `${name} is a directory`);
    this.detach(dir, name);
  }

  /** Node's fs.promises.rm: lstat first, ERR_FS_EISDIR for a directory without `recursive`. */
  rm(path: string, options: { recursive?: boolean; force?: boolean } = {}): void {
    let found: Lookup;
    try {
      found = this.existing(path, false);
    } catch (err) {
      if (options.force === true && (err as { code?: string }).code === 'ENOENT') return;
      throw err;
    }
    const node = found.node as ModelNode;
    if (node.kind === 'dir' && options.recursive !== true) fail('ERR_FS_EISDIR', `${path} is a directory (rm without recursive)`);
    if (found.name === '') fail('EBUSY', 'cannot remove the root');
    this.removeTree(node);
    if (node.kind === 'dir') this.removeDir(found.dir, found.name);
    else this.detach(found.dir, found.name);
  }

  private removeTree(node: ModelNode): void {
    if (node.kind !== 'dir') return;
    for (const name of [...node.entries.keys()]) {
      const child = node.entries.get(name) as ModelNode;
      this.removeTree(child);
      if (child.kind === 'dir') this.removeDir(node, name);
      else this.detach(node, name);
    }
  }

  readdir(path: string): string[] {
    const { node } = this.existing(path, true);
    if (node.kind !== 'dir') fail('ENOTDIR', `${path} is not a directory`);
    return [...node.entries.keys()].sort();
  }

  // ---- names -------------------------------------------------------------

  /** rename(2), with the kernel's order of checks (do_renameat2, vfs_rename, ext2/ext4 rename). */
  rename(from: string, to: string): void {
    const oldParent = this.resolve(from, false);
    const newParent = this.resolve(to, false);
    if (oldParent.name === '' || newParent.name === '') fail('EBUSY', 'cannot rename the root');
    this.named(oldParent);
    this.renameAt(oldParent.dir, oldParent.name, newParent.dir, newParent.name, newParent.tooLong === true);
  }

  /** rename once both parents are resolved: the lookups and checks the kernel makes under lock_rename. */
  renameAt(oldDir: ModelNode, oldName: string, newDir: ModelNode, newName: string, newTooLong = false): void {
    const old = oldDir.entries.get(oldName);
    if (old === undefined) fail('ENOENT', `${oldName} does not exist`);
    if (newTooLong) fail('ENAMETOOLONG', `${newName.slice(0, 20)}... is longer than ${NAME_MAX} bytes`);
    const target = newDir.entries.get(newName);
    if (oldDir !== newDir) {
      // lock_rename's trap: the source may not become its own descendant,
      // and the target may not be an ancestor of the source.
      if (old.kind === 'dir' && old.isAncestorOf(newDir)) fail('EINVAL', `cannot move ${oldName} into itself`);
      if (target !== undefined && target.kind === 'dir' && target.isAncestorOf(oldDir)) fail('ENOTEMPTY', `${newName} is an ancestor of ${oldName}`);
    }
    if (old === target) return;
    if (target !== undefined) {
      if (old.kind === 'dir' && target.kind !== 'dir') fail('ENOTDIR', `${newName} is not a directory`);
      if (old.kind !== 'dir' && target.kind === 'dir') fail('EISDIR', `${newName} is a directory`);
      if (target.kind === 'dir' && target.entries.size > 0) fail('ENOTEMPTY', `${newName} is not empty`);
      if (target.kind === 'dir') this.removeDir(newDir, newName);
      else this.detach(newDir, newName);
    } else {
      this.creatable(newDir);
    }
    this.detach(oldDir, oldName);
    this.attach(newDir, newName, old);
  }

  /** link(2): the source is not followed (Linux), directories are EPERM after the target checks. */
  link(from: string, to: string): void {
    const { node } = this.existing(from, false);
    const target = this.lookup(to, false);
    this.linkAt(node, target.dir, target.name);
  }

  /** link once the source inode and the new name's directory are resolved. */
  linkAt(node: ModelNode, dir: ModelNode, name: string): void {
    if (dir.entries.has(name)) fail('EEXIST', `${name} exists`);
    this.creatable(dir);
    if (node.kind === 'dir') fail('EPERM', 'cannot link a directory');
    // An inode whose last name went away meanwhile cannot get a new one (vfs_link).
    if (node.links === 0) fail('ENOENT', 'the file was removed');
    this.attach(dir, name, node);
  }

  symlink(target: string, path: string): void {
    const found = this.lookup(path, false);
    if (found.node !== undefined) fail('EEXIST', `${path} exists`);
    const link = this.newNode('symlink', 0o777);
    link.target = target;
    this.attach(found.dir, found.name, link);
  }

  readlink(path: string): string {
    const { node } = this.existing(path, false);
    if (node.kind !== 'symlink') fail('EINVAL', `${path} is not a symlink`);
    return node.target;
  }

  // ---- attributes ----------------------------------------------------------

  stat(path: string, follow = true): ModelStat {
    const { node } = this.existing(path, follow);
    return { kind: node.kind, perm: node.perm, size: node.size, nlink: node.nlink, uid: node.uid, gid: node.gid };
  }

  chmod(path: string, mode: number): void {
    this.existing(path, true).node.perm = mode & 0o7777;
  }

  chown(path: string, uid: number, gid: number): void {
    const { node } = this.existing(path, true);
    node.uid = uid;
    node.gid = gid;
  }

  utimes(path: string, _atimeSec: number, mtimeSec: number): void {
    this.existing(path, true).node.mtimeSec = mtimeSec;
  }

  setxattr(path: string, name: string, value: Uint8Array): void {
    this.existing(path, true).node.xattrs.set(name, value.slice());
  }

  removexattr(path: string, name: string): void {
    const { node } = this.existing(path, true);
    if (!node.xattrs.delete(name)) fail('ENODATA', `${path} has no attribute ${name}`);
  }

  getxattr(path: string, name: string): Uint8Array {
    const value = this.existing(path, true).node.xattrs.get(name);
    if (value === undefined) fail('ENODATA', `${path} has no attribute ${name}`);
    return value;
  }

  // ---- walking -----------------------------------------------------------

  /** Every path in the tree (depth first, names sorted), with its node; the root is '/'. */
  *walkTree(dir: ModelNode = this.root, path = '/'): Generator<[string, ModelNode]> {
    yield [path, dir];
    for (const name of [...dir.entries.keys()].sort()) {
      const node = dir.entries.get(name) as ModelNode;
      const child = joinPath(path, name);
      if (node.kind === 'dir') yield* this.walkTree(node, child);
      else yield [child, node];
    }
  }

  /** Bytes the files' data may occupy (an upper bound, for staying clear of ENOSPC). */
  footprint(): number {
    const seen = new Set<ModelNode>();
    let bytes = 0;
    for (const [, node] of this.walkTree()) {
      if (seen.has(node)) continue;
      seen.add(node);
      bytes += node.kind === 'file' ? node.data.footprint : 4096;
    }
    return bytes;
  }
}
