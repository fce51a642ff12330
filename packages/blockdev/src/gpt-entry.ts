// A GPT partition entry (UEFI spec 2.10 §5.3.3), SizeOfPartitionEntry bytes
// each (128 × 2^n), little-endian:
//
//   +0   PartitionTypeGUID     16 bytes; all zero = unused entry
//   +16  UniquePartitionGUID   16 bytes
//   +32  StartingLBA           u64
//   +40  EndingLBA             u64, inclusive
//   +48  Attributes            u64 (bit 0 required, bit 1 no block I/O protocol,
//                                   bit 2 legacy BIOS bootable, 48-63 type-specific)
//   +56  PartitionName         72 bytes, UTF-16LE, NUL-padded
import { ZERO_GUID, formatGuid } from './guid.js';
import type { GptHeader } from './gpt-header.js';
import type { GptPartition } from './partition-table.js';
import { viewOf } from './table-io.js';

export const GPT_ENTRY_TYPE_GUID = 0;
export const GPT_ENTRY_UNIQUE_GUID = 16;
export const GPT_ENTRY_STARTING_LBA = 32;
export const GPT_ENTRY_ENDING_LBA = 40;
export const GPT_ENTRY_ATTRIBUTES = 48;
export const GPT_ENTRY_PARTITION_NAME = 56;
/** Length of PartitionName in bytes (36 UTF-16 code units). */
export const GPT_ENTRY_NAME_BYTES = 72;
/** Attribute bit 2: legacy BIOS bootable. */
export const GPT_ATTRIBUTE_LEGACY_BIOS_BOOTABLE = 1n << 2n;

/** The used entries of an array, or why one of them is invalid (a sentence naming the entry). */
export type GptEntriesResult = { partitions: GptPartition[]; problem?: undefined } | { partitions?: undefined; problem: string };

/**
 * Decodes the used entries of `array` (the whole entry array of `header`,
 * CRC already checked). An entry whose LBAs are reversed or leave the
 * header's usable range makes the array invalid.
 */
export function decodeGptEntries(array: Uint8Array, header: GptHeader, sectorSize: number): GptEntriesResult {
  const partitions: GptPartition[] = [];
  const arrayByte = header.entriesLba * sectorSize;
  for (let i = 0; i < header.entryCount; i++) {
    const entry = array.subarray(i * header.entrySize, (i + 1) * header.entrySize);
    const type = formatGuid(entry, GPT_ENTRY_TYPE_GUID);
    if (type === ZERO_GUID) continue;
    const view = viewOf(entry);
    const first = view.getBigUint64(GPT_ENTRY_STARTING_LBA, true);
    const last = view.getBigUint64(GPT_ENTRY_ENDING_LBA, true);
    if (first > last || first < BigInt(header.firstUsableLba) || last > BigInt(header.lastUsableLba)) {
      return {
        problem:
          `GPT partition entry ${i + 1} at byte ${arrayByte + i * header.entrySize}: LBAs ${first}-${last} ` +
          `do not lie within the usable LBAs ${header.firstUsableLba}-${header.lastUsableLba} of the header at LBA ${header.lba}`,
      };
    }
    const attributes = view.getBigUint64(GPT_ENTRY_ATTRIBUTES, true);
    partitions.push({
      scheme: 'gpt',
      index: i + 1,
      start: Number(first) * sectorSize,
      size: (Number(last) - Number(first) + 1) * sectorSize,
      type,
      guid: formatGuid(entry, GPT_ENTRY_UNIQUE_GUID),
      name: decodeName(entry),
      attributes,
      bootable: (attributes & GPT_ATTRIBUTE_LEGACY_BIOS_BOOTABLE) !== 0n,
    });
  }
  return { partitions };
}

/** PartitionName: UTF-16LE code units up to the first NUL. */
function decodeName(entry: Uint8Array): string {
  const view = viewOf(entry);
  const units: number[] = [];
  for (let i = 0; i < GPT_ENTRY_NAME_BYTES; i += 2) {
    const unit = view.getUint16(GPT_ENTRY_PARTITION_NAME + i, true);
    if (unit === 0) break;
    units.push(unit);
  }
  return String.fromCharCode(...units);
}
