// The catalogue of what the checker can find (EXT2.md 6.2), one stable code
// per kind of problem, with the pass that finds it and its severity.
//
// Severity follows `e2fsck -fn`'s exit status, which is the acceptance rule
// of this checker (clean <=> e2fsck exits 0):
//   error    e2fsck answers "no" to a fix and ends "still has errors" (exit 4),
//            or aborts (exit 8)
//   warning  e2fsck prints it but the answer "no" is acceptable (its PR_NO_OK
//            problems: superblock free totals, future superblock times, a
//            missing dirent file type, immutable special files, ...) or it
//            says nothing at all with -n (a missing /lost+found)

/** The e2fsck-style pass that finds a problem: 0 superblock and descriptors, 1 inodes and blocks, 2 directories, 3 connectivity, 4 reference counts, 5 group summaries. */
export type CheckPass = 0 | 1 | 2 | 3 | 4 | 5;

/** How serious a problem is: only errors make a filesystem not clean. */
export type CheckSeverity = 'error' | 'warning';

interface ProblemKind {
  readonly pass: CheckPass;
  readonly severity: CheckSeverity;
}

const error = (pass: CheckPass): ProblemKind => ({ pass, severity: 'error' });
const warning = (pass: CheckPass): ProblemKind => ({ pass, severity: 'warning' });

/** Every problem code, its pass and severity. Codes are stable; messages are not. */
export const CHECK_PROBLEMS = {
  // Pass 0: superblock, group descriptors, resize inode, journal. e2fsck
  // marks the filesystem valid again after these checks, so they never change
  // its exit status by themselves; what they break shows up in later passes.
  // The exceptions are errors: descriptors with no usable copy, and a journal
  // e2fsck cannot load (it stops: "Cannot proceed with file system check").
  PRIMARY_SUPERBLOCK_INVALID: warning(0),
  DEVICE_TOO_SMALL: warning(0),
  SUPERBLOCK_FIELD_INVALID: warning(0),
  SUPERBLOCK_TIME_IN_FUTURE: warning(0),
  PRIMARY_DESCRIPTORS_INVALID: warning(0),
  GROUP_DESCRIPTOR_INVALID: error(0),
  GROUP_FIELD_INVALID: warning(0),
  RESIZE_INODE_INVALID: warning(0),
  JOURNAL_NEEDS_RECOVERY: warning(0),
  JOURNAL_FLAGS_INCONSISTENT: warning(0),
  JOURNAL_INVALID: error(0),
  // Pass 1: every inode, its blocks, sizes and attributes.
  ORPHAN_LIST_INODE: error(1),
  DELETED_INODE_ZERO_DTIME: error(1),
  INODE_IN_USE_HAS_DTIME: error(1),
  ROOT_NOT_DIRECTORY: error(1),
  RESERVED_INODE_BAD_MODE: error(1),
  RESERVED_INODE_NOT_CLEAR: error(1),
  BAD_BLOCKS_INODE_INVALID: error(1),
  INODE_FLAGS_INVALID: error(1),
  INODE_EXTRA_ISIZE_INVALID: error(1),
  INODE_XATTR_INVALID: error(1),
  INODE_TIME_EPOCH_SUSPICIOUS: warning(1),
  INODE_LOOKS_LIKE_DIRECTORY: error(1),
  INODE_BAD_MODE: error(1),
  INODE_FIELD_NOT_ZERO: error(1),
  SPECIAL_FILE_INVALID: error(1),
  SPECIAL_FILE_FLAGS: warning(1),
  SPECIAL_FILE_NONZERO_SIZE: error(1),
  SYMLINK_INVALID: error(1),
  ILLEGAL_BLOCK: error(1),
  FILE_TOO_BIG: error(1),
  MULTIPLY_CLAIMED_BLOCKS: error(1),
  ZERO_LENGTH_DIRECTORY: error(1),
  INODE_SIZE_WRONG: error(1),
  INODE_I_BLOCKS_WRONG: error(1),
  XATTR_BLOCK_INVALID: error(1),
  XATTR_REFCOUNT_WRONG: error(1),
  HTREE_ROOT_INVALID: error(1),
  // Pass 2: directory contents.
  DIRECTORY_HOLE: error(2),
  DIRECTORY_CORRUPTED: error(2),
  DOT_ENTRY_INVALID: error(2),
  DOT_ENTRY_TOO_BIG: warning(2),
  DOTDOT_ENTRY_INVALID: error(2),
  ENTRY_INODE_INVALID: error(2),
  ENTRY_UNUSED_INODE: error(2),
  ENTRY_NAME_INVALID: error(2),
  ENTRY_FILE_TYPE_WRONG: error(2),
  ENTRY_FILE_TYPE_MISSING: warning(2),
  ENTRY_DUPLICATE_NAME: error(2),
  DIRECTORY_HARD_LINK: error(2),
  HTREE_INVALID: error(2),
  LARGE_FILE_WITHOUT_FEATURE: error(2),
  // Pass 3: connectivity.
  ROOT_NOT_ALLOCATED: error(3),
  DIRECTORY_UNCONNECTED: error(3),
  DOTDOT_WRONG: error(3),
  LOST_FOUND_MISSING: warning(3),
  // Pass 4: reference counts.
  INODE_UNATTACHED: error(4),
  LINK_COUNT_WRONG: error(4),
  // Pass 5: bitmaps and counters.
  BLOCK_BITMAP_DIFFERENCE: error(5),
  INODE_BITMAP_DIFFERENCE: error(5),
  BLOCK_BITMAP_PADDING: error(5),
  INODE_BITMAP_PADDING: error(5),
  GROUP_FREE_BLOCKS_WRONG: error(5),
  GROUP_FREE_INODES_WRONG: error(5),
  GROUP_DIRECTORIES_WRONG: error(5),
  FREE_BLOCKS_COUNT_WRONG: warning(5),
  FREE_INODES_COUNT_WRONG: warning(5),
} as const satisfies Record<string, ProblemKind>;

/** A stable problem identifier, e.g. `'BLOCK_BITMAP_DIFFERENCE'`. */
export type CheckProblemCode = keyof typeof CHECK_PROBLEMS;
