// Feature selection for mkfs, in mke2fs's -O vocabulary: a list of edits
// applied in order to the default set, "name" turns a feature on, "^name"
// turns it off, "none" (or "clear") turns everything off first.
//
// Only features whose on-disk rules ext2-lite creates AND maintains may be
// named (EXT2.md 1.3): ext_attr, resize_inode, dir_index (compat), filetype
// (incompat), sparse_super, large_file (ro_compat). The default is exactly
// what `mke2fs -t ext2` enables with e2fsprogs 1.47's mke2fs.conf.
import { FsError } from '@iomap/core';
import { COMPAT, INCOMPAT, RO_COMPAT, type FeatureKind, type FeatureWords } from '../format/features.js';

/** The features mkfs can create, with the word each lives in. */
export const MKFS_FEATURES: Readonly<Record<string, { kind: FeatureKind; bit: number }>> = {
  ext_attr: { kind: 'compat', bit: COMPAT.ext_attr },
  resize_inode: { kind: 'compat', bit: COMPAT.resize_inode },
  dir_index: { kind: 'compat', bit: COMPAT.dir_index },
  filetype: { kind: 'incompat', bit: INCOMPAT.filetype },
  sparse_super: { kind: 'roCompat', bit: RO_COMPAT.sparse_super },
  large_file: { kind: 'roCompat', bit: RO_COMPAT.large_file },
};

/** `mke2fs -t ext2` defaults (mke2fs.conf base_features). */
export const DEFAULT_MKFS_FEATURES: FeatureWords = {
  compat: COMPAT.ext_attr | COMPAT.resize_inode | COMPAT.dir_index,
  incompat: INCOMPAT.filetype,
  roCompat: RO_COMPAT.sparse_super | RO_COMPAT.large_file,
};

const KNOWN_ELSEWHERE = new Set<string>([...Object.keys(COMPAT), ...Object.keys(INCOMPAT), ...Object.keys(RO_COMPAT), 'extents', 'has_journal', 'journal']);

function refuse(detail: string): FsError {
  return new FsError('EINVAL', detail, { syscall: 'mkfs' });
}

/** Splits "a,^b" or ["a", "^b"] into trimmed, non-empty edit tokens. */
function tokensOf(edits: string | readonly string[]): string[] {
  const parts = typeof edits === 'string' ? edits.split(',') : edits.flatMap((e) => e.split(','));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * Applies feature edits to the defaults and returns the resulting words.
 *
 * @example
 * ```ts
 * applyFeatureEdits('^resize_inode,^dir_index'); // { compat: 0x8, incompat: 0x2, roCompat: 0x3 }
 * ```
 */
export function applyFeatureEdits(edits: string | readonly string[] | undefined): FeatureWords {
  const words: { -readonly [K in keyof FeatureWords]: number } = { ...DEFAULT_MKFS_FEATURES };
  if (edits === undefined) return words;
  for (const token of tokensOf(edits)) {
    const lower = token.toLowerCase();
    if (lower === 'none' || lower === 'clear') {
      words.compat = 0;
      words.incompat = 0;
      words.roCompat = 0;
      continue;
    }
    const off = lower.startsWith('^') || lower.startsWith('-');
    const name = off || lower.startsWith('+') ? lower.slice(1) : lower;
    const feature = MKFS_FEATURES[name];
    if (feature === undefined) {
      const supported = Object.keys(MKFS_FEATURES).join(', ');
      if (KNOWN_ELSEWHERE.has(name)) {
        throw refuse(`feature ${name} cannot be created by ext2-lite mkfs (it creates only ${supported}); remove it from features`);
      }
      throw refuse(`unknown feature '${token}'; mkfs features are ${supported} (prefix ^ to turn one off, or none)`);
    }
    words[feature.kind] = (off ? words[feature.kind] & ~feature.bit : words[feature.kind] | feature.bit) >>> 0;
  }
  if ((words.compat & COMPAT.resize_inode) !== 0 && (words.roCompat & RO_COMPAT.sparse_super) === 0) {
    throw refuse('resize_inode needs sparse_super (reserved GDT blocks are only placed in sparse backup groups); add sparse_super or ^resize_inode');
  }
  return words;
}
