// Device access shared by every DAX path: turning a mapping into a view of
// DAX device memory (dax_iomap_direct_access), the checks the kernel makes
// with WARN_ON_ONCE before touching it, the pre-zeroed-allocation check
// (IOMAP-SPEC 2.2 rule 7), and dax_flush after stores.
//
// Caller holds whatever upper lock the operation needs (see DaxFile).
import {
  IomapContractError,
  IomapType,
  PAGE_SIZE,
  describeIomap,
  iomapAddress,
  type DaxDevice,
  type FsErrorContext,
  type Iomap,
} from '@iomap/core';
import type { DaxFile } from './dax-file.js';

/** Error context naming the operation and the file. */
export function context(file: DaxFile<unknown>, syscall: string): FsErrorContext {
  return file.name === undefined ? { syscall } : { syscall, path: file.name };
}

/** `pos` rounded down to a page. */
export function pageDown(pos: number): number {
  return Math.floor(pos / PAGE_SIZE) * PAGE_SIZE;
}

/** `pos` rounded up to a page. */
export function pageUp(pos: number): number {
  return Math.ceil(pos / PAGE_SIZE) * PAGE_SIZE;
}

/** Throws the contract error for a mapping type a DAX operation cannot use. */
export function rejectMapping(file: DaxFile<unknown>, map: Iomap, specId: string, rule: string, syscall: string): never {
  throw new IomapContractError(specId, rule, `iomapBegin returned ${describeIomap(map)}`, context(file, syscall));
}

/** The DAX device of a mapping; a missing one breaks IOMAP-SPEC 2.2 rule 7. */
export function daxDeviceOf(file: DaxFile<unknown>, map: Iomap, syscall: string): DaxDevice {
  if (map.daxDevice !== undefined) return map.daxDevice;
  throw new IomapContractError(
    'IOMAP-SPEC 2.2 rule 7',
    'with IomapOp.Dax, iomapBegin fills daxDevice (and a partition-adjusted addr)',
    `${describeIomap(map)} has no daxDevice`,
    context(file, syscall),
  );
}

/** A view of the device memory behind file bytes `[pos, pos + length)` of a MAPPED/UNWRITTEN mapping. */
export function deviceView(
  file: DaxFile<unknown>,
  map: Iomap,
  pos: number,
  length: number,
  write: boolean,
  syscall: string,
  device: DaxDevice = daxDeviceOf(file, map, syscall),
): Uint8Array {
  return device.directAccess(iomapAddress(map, pos), length, write);
}

/**
 * DAX works in whole pages (DAX-12): a mapping the engine copies around,
 * faults or unshares must start and end on page boundaries.
 */
export function checkPageAligned(file: DaxFile<unknown>, map: Iomap, syscall: string): void {
  if (map.offset % PAGE_SIZE === 0 && map.length % PAGE_SIZE === 0) return;
  throw new IomapContractError(
    'DAX-12',
    'DAX mappings cover whole pages (the block size equals the page size)',
    `${describeIomap(map)} is not page-aligned`,
    context(file, syscall),
  );
}

/**
 * IOMAP-SPEC 2.2 rule 7 and §3 item 23: DAX never zeroes for you, so blocks a
 * filesystem allocates for a DAX write or fault must already read as zeros.
 * `view` covers whole blocks of a NEW mapping; any non-zero byte is junk the
 * write would expose. Only with `verifyZeroedAllocations`.
 */
export function verifyZeroed(file: DaxFile<unknown>, map: Iomap, blockPos: number, view: Uint8Array, syscall: string): void {
  const at = view.findIndex((b) => b !== 0);
  if (at < 0) return;
  const addr = iomapAddress(map, blockPos) + at;
  throw new IomapContractError(
    'IOMAP-SPEC 2.2 rule 7',
    'blocks allocated for DAX must already be zeroed (spec §3 item 23: DAX never zeroes for you)',
    `NEW mapping ${describeIomap(map)}: file byte ${blockPos + at} (device byte ${addr}) holds ` +
      `0x${(view[at] ?? 0).toString(16).padStart(2, '0')}; zero new blocks in iomapBegin when op has IomapOp.Dax`,
    context(file, syscall),
  );
}

/** Whether a source map has data to copy (MAPPED) or reads as zeros (absent, HOLE, UNWRITTEN). */
export function sourceHasData(file: DaxFile<unknown>, src: Iomap | undefined, syscall: string): boolean {
  if (src === undefined || src.type === IomapType.Hole || src.type === IomapType.Unwritten) return false;
  if (src.type === IomapType.Mapped) return true;
  return rejectMapping(file, src, 'DAX-4', 'a DAX copy-on-write source is MAPPED, HOLE or UNWRITTEN', syscall);
}

/**
 * A view of the source data of `[pos, pos + length)`. A source map without
 * `daxDevice` is read through `fallback`, the destination's DAX device: a
 * single-device filesystem often fills only the main mapping's.
 */
export function sourceView(
  file: DaxFile<unknown>,
  src: Iomap,
  pos: number,
  length: number,
  fallback: DaxDevice,
  syscall: string,
): Uint8Array {
  return deviceView(file, src, pos, length, false, syscall, src.daxDevice ?? fallback);
}

/** dax_flush: writes back the caches of a stored range, when the file has a flush hook. */
export async function flushStored(file: DaxFile<unknown>, device: DaxDevice, addr: number, length: number): Promise<void> {
  if (file.flushRange !== undefined && length > 0) await file.flushRange(device, addr, length);
}
