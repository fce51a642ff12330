// The seeded generator of workload operations. It looks at the model's
// current tree to pick mostly meaningful paths (existing files, dirs and
// links, new names in existing directories) and sometimes wrong ones (a
// missing parent, a file used as a directory), so both the successful
// paths and the error codes get exercised. Sizes and offsets cluster around
// block boundaries and the direct / indirect / double / triple-indirect
// limits of the block map.
import { SeededRandom } from '@iomap/testkit';
import { LOST_AND_FOUND, type FsModel, type ModelNode, joinPath } from './model/fs-model.js';
import type { WorkloadOp, WorkloadOpKind } from './ops.js';

export interface GeneratorSettings {
  /** Block size of the image (offsets cluster around its multiples). */
  blockSize: number;
  /** Generate setxattr/removexattr. */
  xattrs: boolean;
  /** Generate remounts. */
  remount: boolean;
  /** Upper bound of file data the model may hold (keeps the image clear of ENOSPC). */
  budgetBytes: number;
  /** Largest offset of a far sparse write (0: none). */
  farOffset: number;
  /** How many far writes (past 4 MiB: huge sparse files are slow to read back) a run may make. Default 1. */
  farWrites?: number;
  /** Relative weights; absent kinds use the defaults. */
  weights?: Partial<Record<WorkloadOpKind, number>>;
}

const DEFAULT_WEIGHTS: Record<WorkloadOpKind, number> = {
  writeFile: 10,
  appendFile: 5,
  write: 10,
  truncate: 5,
  read: 6,
  readdir: 2,
  stat: 3,
  mkdir: 6,
  rmdir: 3,
  rm: 2,
  unlink: 6,
  rename: 9,
  link: 4,
  symlink: 3,
  readlink: 1,
  chmod: 2,
  chown: 1,
  utimes: 1,
  setxattr: 4,
  removexattr: 2,
  hold: 2,
  handleWrite: 4,
  handleTruncate: 1,
  handleRead: 2,
  close: 2,
  fsync: 2,
  sync: 1,
  remount: 1,
};

/** How many handles the workload keeps open at most. */
export const HANDLE_SLOTS = 4;

const SHORT_NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const XATTR_NAMES = ['user.a', 'user.bb', 'user.origin', 'user.a-much-longer-attribute-name', 'trusted.t'];
const MODES = [0o644, 0o600, 0o755, 0o700, 0o444, 0o777, 0o640, 0o711, 0o000, 0o1777];

/**
 * A name: mostly short (collisions), some numbered (directories grow past
 * one block), a few long (up to 255 bytes, now and then 256: ENAMETOOLONG).
 */
function pickName(rng: SeededRandom, allowLong = true): string {
  const r = rng.float();
  if (r < 0.55 || (!allowLong && r >= 0.93)) return rng.pick(SHORT_NAMES);
  if (r < 0.93) return `n${rng.int(0, 120)}`;
  const length = rng.chance(0.1) ? 256 : rng.int(40, 256);
  const stem = `long-${rng.int(0, 4)}-`;
  return (stem + 'x'.repeat(length)).slice(0, length);
}

/** A size: many small, some around block boundaries, a few past the direct blocks. */
function pickSize(rng: SeededRandom, blockSize: number): number {
  const r = rng.float();
  if (r < 0.05) return 0;
  if (r < 0.25) return rng.int(1, 200);
  if (r < 0.55) return rng.int(200, 3 * blockSize);
  if (r < 0.75) return blockSize * rng.int(1, 8) + rng.int(-2, 3);
  if (r < 0.95) return rng.int(3 * blockSize, 16 * blockSize);
  return rng.int(12 * blockSize, 80 * blockSize);
}

/** Where the indirect regions of the block map begin (12 direct pointers, then IND, DIND, TIND). */
function mapBoundaries(blockSize: number): number[] {
  const per = blockSize / 4;
  const ind = 12 * blockSize;
  const dind = ind + per * blockSize;
  const tind = dind + per * per * blockSize;
  return [ind, dind, tind];
}

export class WorkloadGenerator {
  private readonly weights: Record<WorkloadOpKind, number>;
  private readonly held = new Map<number, ModelNode>();
  private farLeft: number;

  constructor(
    private readonly rng: SeededRandom,
    private readonly model: FsModel,
    private readonly settings: GeneratorSettings,
  ) {
    this.weights = { ...DEFAULT_WEIGHTS, ...settings.weights };
    this.farLeft = settings.farWrites ?? 1;
    if (!settings.xattrs) {
      this.weights.setxattr = 0;
      this.weights.removexattr = 0;
    }
    if (!settings.remount) this.weights.remount = 0;
  }

  /** Tells the generator which slots hold a handle (the runner updates it after each op). */
  setHeld(slot: number, node: ModelNode | undefined): void {
    if (node === undefined) this.held.delete(slot);
    else this.held.set(slot, node);
  }

  /** The next operation. */
  next(): WorkloadOp {
    const rng = this.rng;
    const weights = { ...this.weights };
    const full = this.model.footprint() > this.settings.budgetBytes;
    if (full) {
      // Over budget: only shrink until back under it.
      for (const kind of ['writeFile', 'appendFile', 'write', 'handleWrite', 'setxattr', 'link'] as const) weights[kind] = 0;
    }
    if (this.held.size === 0) {
      weights.handleWrite = 0;
      weights.handleTruncate = 0;
      weights.handleRead = 0;
      weights.close = 0;
    }
    if (this.held.size >= HANDLE_SLOTS) weights.hold = 0;
    const kind = rng.weighted(weights);
    return this.make(kind, full);
  }

  private make(kind: WorkloadOpKind, full: boolean): WorkloadOp {
    const rng = this.rng;
    const bs = this.settings.blockSize;
    switch (kind) {
      case 'writeFile':
        return { op: 'writeFile', path: this.filePath(), size: pickSize(rng, bs), seed: rng.int(1, 1 << 30), mode: rng.pick([0o644, 0o666, 0o600, 0o755]) };
      case 'appendFile':
        return { op: 'appendFile', path: this.filePath(), size: pickSize(rng, bs), seed: rng.int(1, 1 << 30) };
      case 'write': {
        const path = this.filePath();
        const flag = rng.weighted({ 'r+': 5, w: 2, wx: 1, a: 2 });
        return { op: 'write', path, flag, pos: this.offset(path), size: pickSize(rng, bs), seed: rng.int(1, 1 << 30), sync: rng.chance(0.1) };
      }
      case 'truncate': {
        const path = this.filePath();
        return { op: 'truncate', path, size: this.truncateSize(path, full), via: rng.chance(0.5) ? 'path' : 'handle' };
      }
      case 'read':
        return { op: 'read', path: this.anyPath() };
      case 'readdir':
        return { op: 'readdir', path: rng.chance(0.8) ? this.dirPath() : this.anyPath() };
      case 'stat':
        return { op: 'stat', path: this.anyPath(), follow: rng.chance(0.5) };
      case 'mkdir':
        return { op: 'mkdir', path: rng.chance(0.2) ? `${this.newPath()}/${pickName(rng)}` : this.newPath(), recursive: rng.chance(0.3), mode: rng.pick([0o755, 0o777, 0o700, 0o750]) };
      case 'rmdir':
        return { op: 'rmdir', path: rng.chance(0.8) ? this.dirPath(true) : this.anyPath() };
      case 'rm':
        return { op: 'rm', path: this.anyPath(), recursive: rng.chance(0.6), force: rng.chance(0.4) };
      case 'unlink':
        return { op: 'unlink', path: this.anyPath() };
      case 'rename': {
        const from = rng.chance(0.3) ? this.dirPath(true) : this.anyPath();
        const to = rng.chance(0.4) ? this.anyPath() : this.newPath();
        return { op: 'rename', from, to };
      }
      case 'link':
        return { op: 'link', from: this.anyPath(), to: rng.chance(0.85) ? this.newPath() : this.anyPath() };
      case 'symlink':
        return { op: 'symlink', target: this.linkTarget(), path: this.newPath() };
      case 'readlink':
        return { op: 'readlink', path: this.anyPath() };
      case 'chmod':
        return { op: 'chmod', path: this.anyPath(), mode: rng.pick(MODES) };
      case 'chown':
        return { op: 'chown', path: this.anyPath(), uid: rng.pick([0, 1, 1000, 65534, 123456]), gid: rng.pick([0, 2, 1000, 65534]) };
      case 'utimes':
        return { op: 'utimes', path: this.anyPath(), atime: rng.int(0, 2 ** 31 - 1), mtime: rng.int(1, 2 ** 31 - 1) };
      case 'setxattr':
        return { op: 'setxattr', path: this.anyPath(), name: rng.pick(XATTR_NAMES), size: rng.pick([0, 1, 5, 17, 40, 100]), seed: rng.int(1, 1 << 30) };
      case 'removexattr':
        return { op: 'removexattr', path: this.anyPath(), name: rng.pick(XATTR_NAMES) };
      case 'hold': {
        const free = [...Array(HANDLE_SLOTS).keys()].filter((s) => !this.held.has(s));
        return { op: 'hold', slot: rng.pick(free), path: this.filePath(), flag: rng.chance(0.7) ? 'r+' : 'a' };
      }
      case 'handleWrite': {
        const slot = rng.pick([...this.held.keys()]);
        const node = this.held.get(slot) as ModelNode;
        return { op: 'handleWrite', slot, pos: this.offsetFor(node.data.size), size: pickSize(rng, bs), seed: rng.int(1, 1 << 30) };
      }
      case 'handleTruncate': {
        const slot = rng.pick([...this.held.keys()]);
        const node = this.held.get(slot) as ModelNode;
        return { op: 'handleTruncate', slot, size: rng.int(0, node.data.size + 2 * bs) };
      }
      case 'handleRead':
        return { op: 'handleRead', slot: rng.pick([...this.held.keys()]) };
      case 'close':
        return { op: 'close', slot: rng.pick([...this.held.keys()]) };
      case 'fsync':
        return { op: 'fsync', path: this.filePath() };
      case 'sync':
        return { op: 'sync' };
      case 'remount':
        return { op: 'remount' };
    }
  }

  // ---- paths -------------------------------------------------------------

  private entries(filter: (node: ModelNode) => boolean): string[] {
    const out: string[] = [];
    for (const [path, node] of this.model.walkTree()) {
      if (path === '/' || path === LOST_AND_FOUND || path.startsWith(`${LOST_AND_FOUND}/`)) continue;
      if (filter(node)) out.push(path);
    }
    return out;
  }

  private dirs(): string[] {
    return ['/', ...this.entries((n) => n.kind === 'dir')];
  }

  /** A path that mostly exists (any kind), sometimes a new name, rarely a path through a non-directory. */
  private anyPath(): string {
    const r = this.rng.float();
    if (r < 0.75) {
      const existing = this.entries(() => true);
      if (existing.length > 0) return this.rng.pick(existing);
    }
    if (r < 0.95) return this.newPath();
    return this.wrongPath();
  }

  /** A path that is mostly a regular file (or a link to one), else any path. */
  private filePath(): string {
    const r = this.rng.float();
    if (r < 0.55) {
      const files = this.entries((n) => n.kind === 'file');
      if (files.length > 0) return this.rng.pick(files);
    }
    if (r < 0.6) {
      const links = this.entries((n) => n.kind === 'symlink');
      if (links.length > 0) return this.rng.pick(links);
    }
    if (r < 0.95) return this.newPath();
    return this.anyPath();
  }

  private dirPath(excludeRoot = false): string {
    const dirs = this.dirs().filter((d) => !excludeRoot || d !== '/');
    return dirs.length > 0 ? this.rng.pick(dirs) : this.newPath();
  }

  /** A name in an existing directory, which may or may not exist (short names only deep down: paths stay far below PATH_MAX). */
  private newPath(): string {
    const dir = this.rng.pick(this.dirs());
    return joinPath(dir, pickName(this.rng, dir.length < 1500));
  }

  /** A path whose parent is missing or is not a directory. */
  private wrongPath(): string {
    const files = this.entries((n) => n.kind !== 'dir');
    if (files.length > 0 && this.rng.chance(0.5)) return `${this.rng.pick(files)}/${pickName(this.rng, false)}`;
    return joinPath(this.rng.pick(this.dirs()), `missing-${this.rng.int(0, 9)}/${pickName(this.rng, false)}`);
  }

  /** A relative symlink target: a name, a path below, or a dangling one (never above the root). */
  private linkTarget(): string {
    const r = this.rng.float();
    if (r < 0.5) return pickName(this.rng);
    if (r < 0.8) return `${pickName(this.rng)}/${pickName(this.rng)}`;
    if (r < 0.9) return `missing-${this.rng.int(0, 9)}`;
    // A slow symlink: longer than the 60 bytes that fit in the inode.
    return `${'t'.repeat(this.rng.int(60, 200))}/${pickName(this.rng)}`;
  }

  // ---- sizes and offsets ---------------------------------------------------

  private sizeOf(path: string): number {
    try {
      const found = this.model.resolve(path, true);
      return found.node?.kind === 'file' ? found.node.data.size : 0;
    } catch {
      return 0;
    }
  }

  private offset(path: string): number {
    return this.offsetFor(this.sizeOf(path));
  }

  /** Inside the file, at its end, a little past it (sparse), around an indirect-region boundary, or far away (rarely). */
  private offsetFor(size: number): number {
    const rng = this.rng;
    const bs = this.settings.blockSize;
    const [ind, dind, tind] = mapBoundaries(bs) as [number, number, number];
    const r = rng.float();
    if (r < 0.4) return rng.int(0, size + 1);
    if (r < 0.55) return size;
    if (r < 0.8) return size + rng.int(1, 6 * bs);
    if (r < 0.93) return Math.max(0, ind + rng.int(-2 * bs, 2 * bs));
    const near = (boundary: number): number => Math.max(0, boundary + rng.int(-2 * bs, 2 * bs));
    if (r < 0.97) return this.far(dind) ? near(dind) : rng.int(0, 64 * bs);
    if (r < 0.985 && this.far(tind)) return near(tind);
    return this.far(this.settings.farOffset) ? rng.int(0, this.settings.farOffset) : rng.int(0, 64 * bs);
  }

  /** Whether an offset near `at` may be used: within farOffset, and beyond 4 MiB only while far writes are left. */
  private far(at: number): boolean {
    if (at > this.settings.farOffset) return false;
    if (at <= 4 << 20) return true;
    if (this.farLeft <= 0) return false;
    this.farLeft--;
    return true;
  }

  private truncateSize(path: string, full: boolean): number {
    const size = this.sizeOf(path);
    const bs = this.settings.blockSize;
    const rng = this.rng;
    if (full || rng.chance(0.5)) return rng.int(0, size + 1);
    if (rng.chance(0.2)) return rng.pick(mapBoundaries(bs).slice(0, 2)) + rng.int(-bs, bs);
    return size + rng.int(0, 20 * bs);
  }
}
