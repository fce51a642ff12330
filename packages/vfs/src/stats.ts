// Node's Stats and BigIntStats, built from InodeAttributes. The numbers are
// computed the way Node computes them from `struct statx`, so values compare
// equal to node:fs's for the same inode: `atimeMs` is `sec * 1e3 + nsec / 1e6`
// as a double, the Date is that rounded to a millisecond, and the bigint
// variant has exact `atimeNs` with `atimeMs` truncated.
import {
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
} from './file-mode.js';
import { splitTimeNs, type InodeAttributes } from './inode-attributes.js';

/** The type predicates both Stats classes share, over a number or bigint mode. */
abstract class StatsPredicates {
  abstract readonly mode: number | bigint;

  private typeBits(): number {
    return Number(this.mode) & S_IFMT;
  }

  isFile(): boolean {
    return this.typeBits() === S_IFREG;
  }

  isDirectory(): boolean {
    return this.typeBits() === S_IFDIR;
  }

  isSymbolicLink(): boolean {
    return this.typeBits() === S_IFLNK;
  }

  isBlockDevice(): boolean {
    return this.typeBits() === S_IFBLK;
  }

  isCharacterDevice(): boolean {
    return this.typeBits() === S_IFCHR;
  }

  isFIFO(): boolean {
    return this.typeBits() === S_IFIFO;
  }

  isSocket(): boolean {
    return this.typeBits() === S_IFSOCK;
  }
}

/** Milliseconds as Node computes them for non-bigint stats (msFromTimeSpec). */
function msFromNs(ns: bigint): number {
  const { seconds, nanoseconds } = splitTimeNs(ns);
  return Number(seconds) * 1000 + Number(nanoseconds) / 1_000_000;
}

/** Node's dateFromMs. */
function dateFromMs(ms: number | bigint): Date {
  return new Date(Math.round(Number(ms)));
}

/**
 * What `stat`, `lstat` and `FileHandle.stat` return: Node's `fs.Stats`
 * fields and predicates.
 *
 * @example
 * ```ts
 * const stats = await fsp.stat('/etc/hosts');
 * if (stats.isFile()) console.log(stats.size, stats.mtime.toISOString(), (stats.mode & 0o777).toString(8));
 * ```
 */
export class Stats extends StatsPredicates {
  dev: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  blksize: number;
  ino: number;
  size: number;
  blocks: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;
  atime: Date;
  mtime: Date;
  ctime: Date;
  birthtime: Date;

  constructor(attributes: InodeAttributes) {
    super();
    this.dev = attributes.dev;
    this.mode = attributes.mode;
    this.nlink = attributes.nlink;
    this.uid = attributes.uid;
    this.gid = attributes.gid;
    this.rdev = attributes.rdev;
    this.blksize = attributes.blksize;
    this.ino = attributes.ino;
    this.size = attributes.size;
    this.blocks = attributes.blocks;
    this.atimeMs = msFromNs(attributes.atimeNs);
    this.mtimeMs = msFromNs(attributes.mtimeNs);
    this.ctimeMs = msFromNs(attributes.ctimeNs);
    this.birthtimeMs = msFromNs(attributes.birthtimeNs ?? 0n);
    this.atime = dateFromMs(this.atimeMs);
    this.mtime = dateFromMs(this.mtimeMs);
    this.ctime = dateFromMs(this.ctimeMs);
    this.birthtime = dateFromMs(this.birthtimeMs);
  }
}

/** Milliseconds as Node computes them for bigint stats (truncated toward the floor second). */
function bigintMsFromNs(ns: bigint): bigint {
  const { seconds, nanoseconds } = splitTimeNs(ns);
  return seconds * 1000n + nanoseconds / 1_000_000n;
}

/**
 * What the stat calls return with `{ bigint: true }`: every number a bigint,
 * plus exact nanosecond times (`atimeNs`, `mtimeNs`, `ctimeNs`, `birthtimeNs`).
 *
 * @example
 * ```ts
 * const stats = await fsp.stat('/etc/hosts', { bigint: true });
 * console.log(stats.mtimeNs); // e.g. 1700000000123456789n
 * ```
 */
export class BigIntStats extends StatsPredicates {
  dev: bigint;
  mode: bigint;
  nlink: bigint;
  uid: bigint;
  gid: bigint;
  rdev: bigint;
  blksize: bigint;
  ino: bigint;
  size: bigint;
  blocks: bigint;
  atimeMs: bigint;
  mtimeMs: bigint;
  ctimeMs: bigint;
  birthtimeMs: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  birthtimeNs: bigint;
  atime: Date;
  mtime: Date;
  ctime: Date;
  birthtime: Date;

  constructor(attributes: InodeAttributes) {
    super();
    this.dev = BigInt(attributes.dev);
    this.mode = BigInt(attributes.mode);
    this.nlink = BigInt(attributes.nlink);
    this.uid = BigInt(attributes.uid);
    this.gid = BigInt(attributes.gid);
    this.rdev = BigInt(attributes.rdev);
    this.blksize = BigInt(attributes.blksize);
    this.ino = BigInt(attributes.ino);
    this.size = BigInt(attributes.size);
    this.blocks = BigInt(attributes.blocks);
    this.atimeNs = attributes.atimeNs;
    this.mtimeNs = attributes.mtimeNs;
    this.ctimeNs = attributes.ctimeNs;
    this.birthtimeNs = attributes.birthtimeNs ?? 0n;
    this.atimeMs = bigintMsFromNs(this.atimeNs);
    this.mtimeMs = bigintMsFromNs(this.mtimeNs);
    this.ctimeMs = bigintMsFromNs(this.ctimeNs);
    this.birthtimeMs = bigintMsFromNs(this.birthtimeNs);
    this.atime = dateFromMs(this.atimeMs);
    this.mtime = dateFromMs(this.mtimeMs);
    this.ctime = dateFromMs(this.ctimeMs);
    this.birthtime = dateFromMs(this.birthtimeMs);
  }
}

/**
 * Stats or BigIntStats for attributes, as the `bigint` option asks.
 *
 * @example
 * ```ts
 * const stats = statsOf(await fs.getattr(inode), false);
 * ```
 */
export function statsOf(attributes: InodeAttributes, bigint: boolean): Stats | BigIntStats {
  return bigint ? new BigIntStats(attributes) : new Stats(attributes);
}
