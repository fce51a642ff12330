// @iomap/blockdev — platform-neutral block devices: byte-window slices,
// MBR/GPT partition tables, and a copy-on-write overlay. Every export is
// listed here explicitly; nothing else is importable.

export { SliceDevice } from './slice-device.js';
export type { SliceDeviceOptions } from './slice-device.js';
export { readPartitionTable } from './read-partition-table.js';
export type { ReadPartitionTableOptions } from './read-partition-table.js';
export { openPartition, findPartition } from './open-partition.js';
export type { PartitionSelector, OpenPartitionOptions } from './open-partition.js';
export type {
  PartitionTable,
  MbrPartitionTable,
  GptPartitionTable,
  Partition,
  MbrPartition,
  GptPartition,
  MbrPartitionRole,
} from './partition-table.js';
export { GPT_PARTITION_TYPES, MBR_PARTITION_TYPES } from './partition-types.js';
export { OverlayDevice } from './overlay-device.js';
export type { OverlayDeviceOptions, ByteRange, OverlayExportOptions, OverlayExportToOptions } from './overlay-device.js';
export { SparseMemoryDevice } from './sparse-memory-device.js';
export type { SparseMemoryDeviceOptions } from './sparse-memory-device.js';
