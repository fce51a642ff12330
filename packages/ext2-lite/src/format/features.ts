// Feature flags: the three u32 words of the superblock and what we do about
// each bit (EXT2.md 1.3).
//
//   0x05C s_feature_compat     a reader may ignore unknown bits; a writer must
//                              honour the meaning of every bit it preserves
//   0x060 s_feature_incompat   an unknown bit means "you cannot read this"
//   0x064 s_feature_ro_compat  an unknown bit means "you may only read this"
//
// Names are spelled as e2fsprogs 1.47 prints them (dumpe2fs "Filesystem
// features:", debugfs `feature`); bits without a name print as FEATURE_C7,
// FEATURE_I5, FEATURE_R2 like e2fsprogs does (checked against debugfs 1.47.0).
import { UnsupportedFeatureError } from '@iomap/core';

/** s_feature_compat bits. */
export const COMPAT = {
  dir_prealloc: 0x0001,
  imagic_inodes: 0x0002,
  has_journal: 0x0004,
  ext_attr: 0x0008,
  resize_inode: 0x0010,
  dir_index: 0x0020,
  lazy_bg: 0x0040,
  // 0x0080 exclude_inode has no e2fsprogs name (prints FEATURE_C7)
  snapshot_bitmap: 0x0100, // the kernel's EXCLUDE_BITMAP
  sparse_super2: 0x0200,
  fast_commit: 0x0400,
  stable_inodes: 0x0800,
  orphan_file: 0x1000,
} as const;

/** s_feature_incompat bits. */
export const INCOMPAT = {
  compression: 0x0001,
  filetype: 0x0002,
  needs_recovery: 0x0004,
  journal_dev: 0x0008,
  meta_bg: 0x0010,
  extent: 0x0040,
  '64bit': 0x0080,
  mmp: 0x0100,
  flex_bg: 0x0200,
  ea_inode: 0x0400,
  dirdata: 0x1000,
  metadata_csum_seed: 0x2000,
  large_dir: 0x4000,
  inline_data: 0x8000,
  encrypt: 0x10000,
  casefold: 0x20000,
} as const;

/** s_feature_ro_compat bits. */
export const RO_COMPAT = {
  sparse_super: 0x0001,
  large_file: 0x0002,
  // 0x0004 is the kernel's BTREE_DIR; e2fsprogs has no name for it (FEATURE_R2)
  huge_file: 0x0008,
  uninit_bg: 0x0010, // gdt_csum
  dir_nlink: 0x0020,
  extra_isize: 0x0040,
  // 0x0080 has_snapshot prints FEATURE_R7
  quota: 0x0100,
  bigalloc: 0x0200,
  metadata_csum: 0x0400,
  replica: 0x0800,
  'read-only': 0x1000,
  project: 0x2000,
  shared_blocks: 0x4000,
  verity: 0x8000,
  orphan_present: 0x10000,
} as const;

/** The three feature words of a superblock. */
export interface FeatureWords {
  /** s_feature_compat */
  readonly compat: number;
  /** s_feature_incompat */
  readonly incompat: number;
  /** s_feature_ro_compat */
  readonly roCompat: number;
}

export type FeatureKind = 'compat' | 'incompat' | 'roCompat';

const TABLES: Record<FeatureKind, { table: Readonly<Record<string, number>>; letter: string }> = {
  compat: { table: COMPAT, letter: 'C' },
  incompat: { table: INCOMPAT, letter: 'I' },
  roCompat: { table: RO_COMPAT, letter: 'R' },
};

/** The e2fsprogs name of one bit (`FEATURE_C7` style when it has none). */
export function featureName(kind: FeatureKind, bit: number): string {
  const { table, letter } = TABLES[kind];
  for (const [name, value] of Object.entries(table)) if (value === bit) return name;
  return `FEATURE_${letter}${Math.log2(bit)}`;
}

/** Names of the bits set in `word`, lowest bit first. */
export function featureNames(kind: FeatureKind, word: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < 32; i++) {
    const bit = 2 ** i;
    if (Math.floor(word / bit) % 2 === 1) names.push(featureName(kind, bit));
  }
  return names;
}

/**
 * Lists the features of a filesystem in the order and spelling of
 * dumpe2fs's "Filesystem features:" line: compat, then incompat, then
 * ro_compat bits, each lowest bit first.
 *
 * @example
 * ```ts
 * describeFeatures({ compat: 0x38, incompat: 0x2, roCompat: 0x3 }).join(' ');
 * // 'ext_attr resize_inode dir_index filetype sparse_super large_file'
 * ```
 */
export function describeFeatures(words: FeatureWords): string[] {
  return [
    ...featureNames('compat', words.compat),
    ...featureNames('incompat', words.incompat),
    ...featureNames('roCompat', words.roCompat),
  ];
}

/** Compat bits we may write with: their meaning is honoured (EXT2.md 1.3). */
export const COMPAT_READ_WRITE =
  COMPAT.dir_prealloc | COMPAT.imagic_inodes | COMPAT.has_journal | COMPAT.ext_attr | COMPAT.resize_inode | COMPAT.dir_index;

/** Incompat bits we read and write. meta_bg only moves group descriptor blocks (group-descriptor.ts). */
export const INCOMPAT_SUPPORTED = INCOMPAT.filetype | INCOMPAT.meta_bg;

/** Ro-compat bits we read and write. Everything else forces read-only. */
export const RO_COMPAT_READ_WRITE = RO_COMPAT.sparse_super | RO_COMPAT.large_file;

/** What the feature words allow. */
export interface FeatureVerdict {
  /** True when the image may only be opened read-only. */
  readonly readOnly: boolean;
  /** Why read-only was forced, one line per cause; empty when writable. */
  readonly reasons: readonly string[];
  /** has_journal is set: a writer must first check that the journal is empty (EXT2.md 1.6). */
  readonly checkJournal: boolean;
}

/** Bits of `word` outside `allowed` (unsigned arithmetic, all 32 bits). */
function bitsOutside(word: number, allowed: number): number {
  return (word & ~allowed) >>> 0;
}

/**
 * The mount policy of EXT2.md 1.3 for the feature words alone:
 * - any incompat bit besides filetype and meta_bg (including needs_recovery
 *   and unknown bits) refuses the mount with `UnsupportedFeatureError` naming
 *   every offending feature;
 * - any ro_compat bit besides sparse_super/large_file, and any compat bit
 *   besides the six whose meaning we honour, forces read-only.
 *
 * @example
 * ```ts
 * featurePolicy({ compat: 0x38, incompat: 0x2, roCompat: 0x23 });
 * // { readOnly: true, reasons: ['ro_compat feature dir_nlink is not supported for writing'], checkJournal: false }
 * ```
 */
export function featurePolicy(words: FeatureWords): FeatureVerdict {
  const refused = bitsOutside(words.incompat, INCOMPAT_SUPPORTED);
  if (refused !== 0) {
    const names = featureNames('incompat', refused);
    const recovery = (refused & INCOMPAT.needs_recovery) !== 0;
    throw new UnsupportedFeatureError(
      names,
      recovery
        ? 'the journal needs recovery; replay it first (e2fsck, or mount once with the kernel ext3/ext4 driver)'
        : 'this ext2 implementation cannot read filesystems with these incompatible features',
      { syscall: 'mount' },
    );
  }
  const reasons: string[] = [];
  for (const name of featureNames('roCompat', bitsOutside(words.roCompat, RO_COMPAT_READ_WRITE))) {
    reasons.push(`ro_compat feature ${name} is not supported for writing`);
  }
  for (const name of featureNames('compat', bitsOutside(words.compat, COMPAT_READ_WRITE))) {
    reasons.push(`compat feature ${name} changes on-disk rules this implementation does not follow`);
  }
  return { readOnly: reasons.length > 0, reasons, checkJournal: (words.compat & COMPAT.has_journal) !== 0 };
}

/** True when `bit` of `kind` is set in `words`. */
export function hasFeature(words: FeatureWords, kind: FeatureKind, bit: number): boolean {
  return (words[kind] & bit) !== 0;
}
