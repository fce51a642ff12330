// Writing a tree into a filesystem being built (mkfs -d): every entry goes
// straight to @iomap/ext2-lite's ImageBuilder — no mount, no per-file
// metadata round trips — with the metadata ImageSink would give it: mode,
// owner, nanosecond times and xattrs of the source, the build's clock as
// ctime. Parents an archive leaves implicit are made like `mkdir -p` (0755,
// root). A path listed twice (archives can): a directory gets the later
// metadata, a non-directory is replaced by the later entry (as tar extracts
// it); a directory and a non-directory at one path is an error.
import { FsError } from '@iomap/core';
import type { BuildAttributes, ImageBuilder } from '@iomap/ext2-lite';
import type { Subject } from '../cli/error-report.js';
import type { Progress } from '../cli/progress.js';
import { displayBytes } from '../show/display-name.js';
import type { TreeSink } from './tree-sink.js';
import { componentKey, joinPath, pathKey, WHOLE_FILE_BYTES, type TreeEntry } from './tree-entry.js';

const SPECIAL_KINDS = new Set(['char', 'block', 'fifo', 'socket']);
const NO_ROOT = new Uint8Array(0);

/** Options of {@link BuilderSink}. */
export interface BuilderSinkOptions {
  /** The image file, for messages. */
  image: string;
  /** The inode-change time to record (ns since the epoch). */
  now: () => bigint;
  /**
   * The source lists every path once (a host directory walk): entries are
   * created without looking for an earlier one to replace, which spares a
   * key and a few map operations per entry. A path listed twice anyway
   * fails with EEXIST.
   */
  uniquePaths?: boolean;
}

interface LastParent {
  components: readonly Uint8Array[];
  key: string;
  ino: number;
}

export class BuilderSink implements TreeSink {
  /** Directories made so far (pathKey -> inode). */
  private readonly dirs = new Map<string, number>();
  /** Non-directories made so far (pathKey -> inode). */
  private readonly made = new Map<string, number>();
  /** Names each non-directory inode has (for replacing an entry listed twice). */
  private readonly names = new Map<number, number>();
  /** Hard-link groups: the first entry's inode. */
  private readonly links = new Map<string, number>();
  private readonly scratch = new Uint8Array(WHOLE_FILE_BYTES);
  /** The latest entry's parent directory (directories are never removed, so its inode stays valid). */
  private lastParent: LastParent | undefined;

  constructor(
    private readonly builder: ImageBuilder,
    private readonly options: BuilderSinkOptions,
    private readonly progress?: Progress,
  ) {
    this.dirs.set(pathKey([]), builder.rootIno);
  }

  describe(path: readonly Uint8Array[]): string {
    return displayBytes(joinPath(NO_ROOT, path)) || '/';
  }

  subject(path: readonly Uint8Array[]): Subject {
    return { image: this.options.image, path: this.describe(path) };
  }

  private attributes(entry: TreeEntry): BuildAttributes {
    const attrs: BuildAttributes = { perm: entry.perm, uid: entry.uid, gid: entry.gid, atimeNs: entry.atimeNs, mtimeNs: entry.mtimeNs, ctimeNs: this.options.now() };
    return entry.xattrs === undefined || entry.xattrs.length === 0 ? attrs : { ...attrs, xattrs: entry.xattrs };
  }

  add(entry: TreeEntry): Promise<void> | undefined {
    const b = this.builder;
    if (entry.path.length === 0) {
      if (entry.kind !== 'dir') throw new FsError('EISDIR', `the root of the filesystem cannot be replaced by a ${entry.kind}`, { syscall: 'open', path: '/' });
      b.setAttributes(b.rootIno, this.attributes(entry));
      return undefined;
    }
    const name = entry.path.at(-1) as Uint8Array;
    if (!this.sameParent(entry.path)) {
      const components = entry.path.slice(0, -1);
      const parentKey = pathKey(components);
      this.lastParent = { components, key: parentKey, ino: this.parentOf(components, parentKey) };
    }
    const { key: parentKey, ino: parent } = this.lastParent as LastParent;
    if (this.options.uniquePaths === true) return this.create(entry, parent, name, entry.kind === 'dir' ? parentKey + componentKey(name) : undefined);
    const key = parentKey + componentKey(name);
    const existingDir = this.dirs.get(key);
    if (existingDir !== undefined) {
      if (entry.kind !== 'dir') throw new FsError('EISDIR', `cannot replace a directory with a ${entry.kind}`, { syscall: 'open', path: this.describe(entry.path) });
      const { xattrs: _setOnce, ...rest } = this.attributes(entry);
      b.setAttributes(existingDir, rest);
      return undefined;
    }
    const replaced = this.made.get(key);
    if (replaced !== undefined) {
      if (entry.kind === 'dir') throw new FsError('ENOTDIR', 'exists and is not a directory', { syscall: 'mkdir', path: this.describe(entry.path) });
      return this.replace(parent, name, key, replaced).then(() => this.create(entry, parent, name, key));
    }
    return this.create(entry, parent, name, key);
  }

  /** Removes the non-directory an archive listed before at `key`, for the later entry to replace it. */
  private async replace(parent: number, name: Uint8Array, key: string, ino: number): Promise<void> {
    await this.builder.unlink(parent, name);
    this.made.delete(key);
    this.forgetName(ino);
  }

  /**
   * Makes `entry` as `name` in `parent`; a promise only when the builder must
   * wait (a streamed file, a full write queue). `key` (the path's) is needed
   * for a directory; without it a non-directory is not remembered for replacing.
   */
  private create(entry: TreeEntry, parent: number, name: Uint8Array, key: string | undefined): Promise<void> | undefined {
    const b = this.builder;
    const first = entry.linkId === undefined ? undefined : this.links.get(entry.linkId);
    if (first !== undefined) {
      b.link(parent, name, first);
      if (key !== undefined) this.remember(key, first);
      return undefined;
    }
    if (entry.kind === 'dir') {
      const ino = b.mkdir(parent, name, this.attributes(entry));
      if (key !== undefined) this.dirs.set(key, ino);
      return undefined;
    }
    if (entry.kind === 'file') {
      const whole = entry.readWhole?.(this.scratch);
      if (whole === undefined) return b.addFile(parent, name, this.attributes(entry), this.streamedData(entry)).then((ino) => this.record(entry, key, ino));
      this.progress?.bytes(whole.length);
      this.record(entry, key, b.addFileSync(parent, name, this.attributes(entry), whole));
      return b.writesBacklogged ? b.throttle() : undefined;
    }
    if (entry.kind === 'symlink') {
      const { perm: _symlinksHaveNoMode, ...attrs } = this.attributes(entry);
      return b.symlink(parent, name, entry.target ?? new Uint8Array(), attrs).then((ino) => this.record(entry, key, ino));
    }
    if (!SPECIAL_KINDS.has(entry.kind)) throw new FsError('EINVAL', `cannot make a ${String(entry.kind)}`, { syscall: 'mknod' });
    this.record(entry, key, b.mknod(parent, name, entry.kind as 'char' | 'block' | 'fifo' | 'socket', this.attributes(entry), entry.rdev));
    return undefined;
  }

  /** Records non-directory `ino`, made for `entry` at `key`. */
  private record(entry: TreeEntry, key: string | undefined, ino: number): void {
    if (key !== undefined) this.remember(key, ino);
    if (entry.linkId !== undefined) this.links.set(entry.linkId, ino);
  }

  private remember(key: string, ino: number): void {
    this.made.set(key, ino);
    this.names.set(ino, (this.names.get(ino) ?? 0) + 1);
  }

  /** One name of `ino` is gone; with its last one, hard links can no longer join it (the inode is freed). */
  private forgetName(ino: number): void {
    const left = (this.names.get(ino) ?? 1) - 1;
    if (left > 0) {
      this.names.set(ino, left);
      return;
    }
    this.names.delete(ino);
    for (const [id, linked] of this.links) if (linked === ino) this.links.delete(id);
  }

  /**
   * Whether `path`'s parent is the latest entry's parent, by component
   * identity (sources give siblings the same component objects): then its
   * key and inode are known without making a key.
   */
  private sameParent(path: readonly Uint8Array[]): boolean {
    const last = this.lastParent?.components;
    if (last?.length !== path.length - 1) return false;
    for (let i = 0; i < last.length; i++) if (last[i] !== path[i]) return false;
    return true;
  }

  /** The inode of directory `components` (key `parentKey`), made like `mkdir -p` when the input did not list it. */
  private parentOf(components: readonly Uint8Array[], parentKey: string): number {
    const known = this.dirs.get(parentKey);
    if (known !== undefined) return known;
    let ino = this.builder.rootIno;
    for (let depth = 1; depth <= components.length; depth++) {
      const key = pathKey(components.slice(0, depth));
      const dir = this.dirs.get(key);
      if (dir !== undefined) {
        ino = dir;
        continue;
      }
      if (this.made.has(key)) throw new FsError('ENOTDIR', 'a parent in the input is not a directory', { syscall: 'mkdir', path: this.describe(components.slice(0, depth)) });
      const now = this.options.now();
      ino = this.builder.mkdir(ino, components[depth - 1] as Uint8Array, { perm: 0o755, atimeNs: now, mtimeNs: now, ctimeNs: now });
      this.dirs.set(key, ino);
    }
    return ino;
  }

  /** The bytes of a file not read whole: its chunks, counted for the progress bar. */
  private streamedData(entry: TreeEntry): AsyncIterable<Uint8Array> | undefined {
    if (entry.data === undefined) return undefined;
    return this.progress === undefined ? entry.data() : this.counted(entry.data());
  }

  /** The file's chunks, counted for the progress bar. */
  private async *counted(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      this.progress?.bytes(chunk.length);
      yield chunk;
    }
  }

  async finish(): Promise<void> {
    // The builder writes directories when the command finishes it.
  }
}
