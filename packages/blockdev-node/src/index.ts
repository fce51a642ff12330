// @iomap/blockdev-node — the public API. Every export is listed here explicitly.

export { FileDevice } from './file-device.js';
export { DEFAULT_QUEUE_DEPTH, DEFAULT_SYNC_MAX_BYTES, DEFAULT_MAX_MERGE_BYTES } from './file-device-options.js';
export type { FileDeviceOptions } from './file-device-options.js';
export type { FileDeviceStats } from './file-device-stats.js';
export type { FileDeviceKind } from './open-target.js';
