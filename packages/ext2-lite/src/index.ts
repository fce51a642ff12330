// @iomap/ext2-lite — the public API. Every export is listed here explicitly.
//
// mount() reads a real ext2 (or clean ext3) image read-only and returns an
// Ext2Filesystem: Node's fs/promises as `.promises`, the @iomap/vfs
// Filesystem contract on inode handles, statfs, unmount and `await using`.
// The on-disk decoders in format/ stay internal; the feature vocabulary is
// public so tools can name what an image uses.

export { mount } from './mount/mount.js';
export type { MountOptions } from './mount/mount.js';
export { Ext2Filesystem } from './mount/ext2-filesystem.js';
export type { Ext2MountInfo } from './mount/ext2-filesystem.js';
export type { Ext2Inode } from './inode/ext2-inode.js';
export { COMPAT, INCOMPAT, RO_COMPAT, describeFeatures } from './format/features.js';
export type { FeatureWords } from './format/features.js';
