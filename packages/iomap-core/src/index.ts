// @iomap/core — the public API. Every export is listed here explicitly.

export { PAGE_SIZE, SECTOR_SIZE } from './constants.js';
export {
  ERRNO,
  FsError,
  CorruptFilesystemError,
  UnsupportedFeatureError,
  IomapContractError,
  isFsError,
} from './errors.js';
export type { ErrnoCode, FsErrorContext, CorruptionSite } from './errors.js';
export { checkOffset, checkRange } from './range-checks.js';
export {
  IomapType,
  IomapFlags,
  IomapOp,
  NULL_ADDR,
  IOMAP_FLAGS_MASK,
  IOMAP_FLAGS_SET_BY_IOMAP,
  iomapTypeName,
  describeIomap,
} from './iomap.js';
export type { Iomap } from './iomap.js';
export type { IomapOps, IomapMapping, IomapWriteOps } from './iomap-ops.js';
export { validateIomap, validateMappingAt } from './iomap-validate.js';
export { IomapIter, iomapIter, iomapLoop, iomapProcess } from './iter.js';
export type { IomapIterInit, IomapBody } from './iter.js';
export {
  iomapSector,
  iomapAddress,
  iomapInlineData,
  iomapInlineDataValid,
  iomapLastWrittenBlock,
  iomapWantUnshare,
} from './iomap-helpers.js';
export { checkDeviceAccess, totalLength } from './block-device.js';
export type { BlockDevice, DaxDevice, DeviceAccess } from './block-device.js';
export { MemoryBlockDevice } from './memory-block-device.js';
export type { MemoryBlockDeviceOptions } from './memory-block-device.js';
export type { CacheCoherency, PageCacheSeek, SeekWhence } from './cache-coherency.js';
export { RwSemaphore } from './rw-semaphore.js';
export type { Release } from './rw-semaphore.js';
export { Mutex } from './mutex.js';
export { fiemap, FiemapFlag, FiemapExtentFlag, FiemapFlagsError } from './fiemap.js';
export type { FiemapExtent, FiemapRequest, FiemapContext, FiemapResult } from './fiemap.js';
export { seekHole, seekData } from './seek.js';
export type { SeekContext } from './seek.js';
export { bmap } from './bmap.js';
export type { BmapContext } from './bmap.js';
export { swapfileActivate } from './swapfile.js';
export type { SwapExtent, SwapfileContext, SwapfileActivation } from './swapfile.js';
export { IoendFlags } from './writeback-ops.js';
export type { Ioend, WritebackOps } from './writeback-ops.js';
export { DioEndIoFlags, DioRequestFlags } from './direct-io-ops.js';
export type { DioRequest, DirectIoOps, DirectIoDeviceCapabilities, CacheRangeProbe } from './direct-io-ops.js';
