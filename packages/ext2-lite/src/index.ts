// @iomap/ext2-lite — the public API. Every export is listed here explicitly.
//
// mkfs() makes an ext2 filesystem as `mke2fs -t ext2` does; mount() opens a
// real ext2 (or clean ext3) image, writable or read-only, and returns an
// Ext2Filesystem: Node's fs/promises as `.promises`, the @iomap/vfs
// Filesystem contract on inode handles, statfs, sync, unmount and
// `await using`; check() is a read-only consistency check. The on-disk
// decoders in format/ stay internal except the superblock's (for tools that
// report on an image) and the feature vocabulary.

export { mount } from './mount/mount.js';
export type { MountOptions } from './mount/mount.js';
export { Ext2Filesystem } from './mount/ext2-filesystem.js';
export type { Ext2MountInfo } from './mount/ext2-filesystem.js';
export type { Ext2Inode } from './inode/ext2-inode.js';
export { COMPAT, INCOMPAT, RO_COMPAT, describeFeatures } from './format/features.js';
// POSIX ACL values as getxattr/setxattr of system.posix_acl_access/_default speak them.
// (@iomap/vfs's, re-exported so code written against ext2-lite keeps working).
export { ACL_TAG, ACL_UNDEFINED_ID, ACL_ACCESS_NAME, ACL_DEFAULT_NAME, decodeAclXattr, encodeAclXattr } from '@iomap/vfs';
export type { AclEntry } from '@iomap/vfs';
export type { FeatureWords } from './format/features.js';
// The superblock decoder, for tools that report on an image without mounting it (ext2-lite info, like dumpe2fs -h).
export { decodeSuperblock, formatUuid, volumeLabel, lastMountedPath, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, FS_STATE, FS_ERRORS, CREATOR_OS } from './format/superblock.js';
export type { Superblock } from './format/superblock.js';
// mkfs: make a filesystem the way `mke2fs -t ext2` does.
export { mkfs } from './mkfs/mkfs.js';
export type { MkfsResult } from './mkfs/mkfs.js';
export type { MkfsOptions } from './mkfs/mkfs-options.js';
export type { RandomFill } from './mkfs/uuid.js';
// ImageBuilder: a new filesystem filled in one pass without mounting (what `mke2fs -d` does).
export { ImageBuilder } from './build/image-builder.js';
export type { BuildResult } from './build/image-builder.js';
export type { BuildAttributes, BuildFileData, SpecialFileKind } from './build/build-attributes.js';
// check: a read-only consistency check that agrees with `e2fsck -fn` on clean vs not clean.
export { check } from './check/check.js';
export type { CheckOptions, CheckProblem, CheckReport, CheckSummary } from './check/check-report.js';
export { CHECK_PROBLEMS } from './check/problem-codes.js';
export type { CheckPass, CheckProblemCode, CheckSeverity } from './check/problem-codes.js';
