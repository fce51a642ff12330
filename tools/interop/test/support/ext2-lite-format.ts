// ext2-lite keeps its on-disk decoders internal until its mount API exists, so
// the interop tests reach into its sources here, in this one place. Switch to
// '@iomap/ext2-lite' once the package exports what these tests need.
/* eslint-disable @nx/enforce-module-boundaries -- deliberate: internal modules, see above */
export * from '../../../../packages/ext2-lite/src/format/block-map.js';
export * from '../../../../packages/ext2-lite/src/format/dir-entry.js';
export * from '../../../../packages/ext2-lite/src/format/features.js';
export * from '../../../../packages/ext2-lite/src/format/geometry.js';
export * from '../../../../packages/ext2-lite/src/format/group-descriptor.js';
export * from '../../../../packages/ext2-lite/src/format/htree.js';
export * from '../../../../packages/ext2-lite/src/format/inode.js';
export * from '../../../../packages/ext2-lite/src/format/superblock.js';
export * from '../../../../packages/ext2-lite/src/format/symlink.js';
export * from '../../../../packages/ext2-lite/src/format/xattr.js';
