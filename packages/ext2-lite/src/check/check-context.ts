// The state one check carries from pass to pass: what pass 1 learns about
// every inode and block (e2fsck's inode_used_map, inode_dir_map,
// block_found_map, the link counts and the directory block list) and what
// pass 2 adds (references per inode, each directory's parent and '..').
import { COMPAT, INCOMPAT, RO_COMPAT } from '../format/features.js';
import type { Geometry } from '../format/geometry.js';
import { CREATOR_OS, type Superblock } from '../format/superblock.js';
import { BitSet } from './bitset.js';
import type { ProblemLog } from './check-report.js';
import type { GroupUsability, RawDescriptor } from './descriptors-check.js';
import type { ImageReader } from './image-reader.js';

/** A block of a directory: logical index and device block. */
export interface DirBlockRef {
  readonly ino: number;
  readonly lblk: number;
  readonly pblk: number;
}

/** A run of unmapped logical blocks inside a directory (below its last mapped block). */
export interface DirHole {
  readonly ino: number;
  readonly firstLblk: number;
  readonly count: number;
}

/** What pass 2 learns about one directory. */
export interface DirInfo {
  /** The directory whose entry first named this one (0 = none yet); root's is root. */
  parent: number;
  /** The inode its '..' entry names (0 = no valid '..'). */
  dotdot: number;
}

/** An htree directory that pass 1 found with INDEX_FL (checked in pass 2). */
export interface DxDirInfo {
  readonly ino: number;
  /** Logical blocks of the directory: last mapped block + 1. */
  readonly numBlocks: number;
}

/** What the summary line counts. */
export interface TypeCounts {
  directories: number;
  regularFiles: number;
  symlinks: number;
  fastSymlinks: number;
  characterDevices: number;
  blockDevices: number;
  fifos: number;
  sockets: number;
  fragmented: number;
}

/** Feature bits the passes test. */
export interface CheckFeatures {
  readonly filetype: boolean;
  readonly dirIndex: boolean;
  readonly extAttr: boolean;
  readonly largeFile: boolean;
  readonly dirNlink: boolean;
  readonly resizeInode: boolean;
  readonly hasJournal: boolean;
  readonly imagicInodes: boolean;
  /** s_creator_os is the Hurd: osd2 holds frag/fsize, i_blocks is not checked. */
  readonly hurd: boolean;
}

export function featuresOf(sb: Superblock): CheckFeatures {
  return {
    filetype: (sb.featureIncompat & INCOMPAT.filetype) !== 0,
    dirIndex: (sb.featureCompat & COMPAT.dir_index) !== 0,
    extAttr: (sb.featureCompat & COMPAT.ext_attr) !== 0,
    largeFile: (sb.featureRoCompat & RO_COMPAT.large_file) !== 0,
    dirNlink: (sb.featureRoCompat & RO_COMPAT.dir_nlink) !== 0,
    resizeInode: (sb.featureCompat & COMPAT.resize_inode) !== 0,
    hasJournal: (sb.featureCompat & COMPAT.has_journal) !== 0,
    imagicInodes: (sb.featureCompat & COMPAT.imagic_inodes) !== 0,
    hurd: sb.creatorOs === CREATOR_OS.hurd,
  };
}

/** Everything one check run shares between its passes. */
export class CheckContext {
  readonly features: CheckFeatures;
  /** Blocks in use: metadata plus every block claimed by an inode (e2fsck block_found_map). */
  readonly blockFound: BitSet;
  /** Superblock/descriptor copies, bitmaps and inode tables. */
  readonly blockMetadata: BitSet;
  /** Blocks claimed more than once, created on the first such claim. */
  blockDup: BitSet | undefined = undefined;
  /** Inodes in use (reserved inodes always). */
  readonly inodeUsed: BitSet;
  readonly inodeDir: BitSet;
  readonly inodeReg: BitSet;
  /** In-use inodes with fields e2fsck's pass 2 would offer to fix (already reported in pass 1). */
  readonly inodeBad: BitSet;
  /** AFS "imagic" inodes (imagic_inodes feature): allowed to have no directory entry. */
  readonly imagicInodes = new Set<number>();
  /** i_links_count of in-use inodes. */
  readonly linkCount = new Map<number, number>();
  /** i_mode of in-use inodes that are neither directories nor regular files (for dirent file types). */
  readonly otherModes = new Map<number, number>();
  /** Some directory block could not be parsed: pass 2 saw only part of the tree. */
  directoriesIncomplete = false;
  /** Directory entries naming each inode, counted in pass 2 ('.' and '..' included). */
  readonly referenced = new Map<number, number>();
  /** Inodes that claimed blocks in pass 1 (walked again to attribute multiply-claimed blocks). */
  readonly claimants: number[] = [];
  readonly dirBlocks: DirBlockRef[] = [];
  readonly dirHoles: DirHole[] = [];
  readonly dirInfo = new Map<number, DirInfo>();
  readonly dxDirs = new Map<number, DxDirInfo>();
  /** Regular files of 2 GiB or more (need large_file). */
  largeFiles = 0;
  readonly counts: TypeCounts = {
    directories: 0,
    regularFiles: 0,
    symlinks: 0,
    fastSymlinks: 0,
    characterDevices: 0,
    blockDevices: 0,
    fifos: 0,
    sockets: 0,
    fragmented: 0,
  };

  constructor(
    readonly sb: Superblock,
    readonly g: Geometry,
    readonly reader: ImageReader,
    readonly log: ProblemLog,
    readonly descriptors: readonly RawDescriptor[],
    readonly usable: readonly GroupUsability[],
  ) {
    this.features = featuresOf(sb);
    this.blockFound = new BitSet(g.blocksCount);
    this.blockMetadata = new BitSet(g.blocksCount);
    this.inodeUsed = new BitSet(g.inodesCount + 1);
    this.inodeDir = new BitSet(g.inodesCount + 1);
    this.inodeReg = new BitSet(g.inodesCount + 1);
    this.inodeBad = new BitSet(g.inodesCount + 1);
  }

  /**
   * Claims block `b` for an owner; a second claim marks it multiply claimed
   * (e2fsck mark_block_used). Returns true when it was already claimed.
   * Precondition: first_data_block <= b < blocks_count.
   */
  claimBlock(b: number): boolean {
    if (!this.blockFound.add(b)) return false;
    this.blockDup ??= new BitSet(this.g.blocksCount);
    this.blockDup.add(b);
    return true;
  }

  /** True when `b` is a block number inside the filesystem (a pointer e2fsck accepts). */
  inRange(b: number): boolean {
    return b >= this.g.firstDataBlock && b < this.g.blocksCount;
  }
}
