// Reads of on-disk partition structures. Callers range-check the numbers they
// read from disk first; this check is the last line that keeps a read of a
// table structure inside the device whatever the table says.
import { CorruptFilesystemError, type BlockDevice } from '@iomap/core';

/** Reads `length` bytes at `pos`; `EUCLEAN` naming `structure` if they are not all on the device. */
export async function readStructure(
  dev: BlockDevice,
  pos: number,
  length: number,
  structure: string,
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(pos) || pos < 0 || pos + length > dev.size) {
    throw new CorruptFilesystemError(
      { structure, location: `byte ${pos}` },
      `${length} bytes at byte ${pos} lie past the end of the device (size ${dev.size})`,
    );
  }
  const buf = new Uint8Array(length);
  await dev.read(pos, buf);
  return buf;
}

/** A `DataView` over exactly the bytes of `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `n` as 8 lower-case hex digits with `0x`, as sfdisk prints ids and types. */
export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
