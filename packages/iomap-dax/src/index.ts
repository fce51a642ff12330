// @iomap/dax — the public API. Every export is listed here explicitly.
// DAX: reads, writes, zeroing, unshare and mapped views straight to and from
// byte-addressable device memory, with no page cache (IOMAP-SPEC DAX-1 … DAX-12).

export { DaxFile, checkDaxGeometry } from './dax-file.js';
export type { DaxFileOptions, DaxFlushRange } from './dax-file.js';
export { daxRw } from './dax-rw.js';
export type { DaxIocb, DaxRwResult } from './dax-rw.js';
export { daxZeroRange, daxTruncatePage } from './dax-zero.js';
export { daxUnshare } from './dax-unshare.js';
export { daxDedupeFileRangeCompare } from './dax-dedupe.js';
export { daxMap } from './dax-fault.js';
export type { DaxMapOptions } from './dax-fault.js';
export type { DaxMapping, DaxSegment } from './dax-mapping.js';
export { daxSync } from './dax-sync.js';
export type { DaxSyncResult } from './dax-sync.js';
export { awaitLayoutIdle, daxLayoutBusy } from './layout.js';
