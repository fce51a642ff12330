// Reading back whether a device range is all zero. mke2fs skips wiping the
// inode tables when the device says discarded blocks read as zero; a
// BlockDevice does not say so, so mkfs reads each range that must be zero
// and writes zeros only where it is not (a hole in an image file reads fast
// and stays a hole; a used disk costs a read before the write).
import type { BlockDevice } from '@iomap/core';

/** True when every byte of `bytes` is 0 (eight 32-bit words per step). */
export function isAllZero(bytes: Uint8Array): boolean {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes.length - (bytes.length % 32) : 0;
  // An Int32Array cannot start at an unaligned offset even when empty: such a view is scanned byte by byte.
  const words = aligned === 0 ? new Int32Array(0) : new Int32Array(bytes.buffer, bytes.byteOffset, aligned / 4);
  for (let i = 0; i < words.length; i += 8) {
    if (((words[i] as number) | (words[i + 1] as number) | (words[i + 2] as number) | (words[i + 3] as number) | (words[i + 4] as number) | (words[i + 5] as number) | (words[i + 6] as number) | (words[i + 7] as number)) !== 0) return false;
  }
  for (let i = aligned; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Reads [pos, pos + length) through `scratch` and reports whether it is all zero. */
export async function readsAsZero(device: BlockDevice, pos: number, length: number, scratch: Uint8Array): Promise<boolean> {
  for (let at = pos; at < pos + length; at += scratch.length) {
    const chunk = scratch.subarray(0, Math.min(scratch.length, pos + length - at));
    await device.read(at, chunk);
    if (!isAllZero(chunk)) return false;
  }
  return true;
}
