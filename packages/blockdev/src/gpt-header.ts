// The GPT header (UEFI spec 2.10 §5.3.2). The primary is at LBA 1, the backup
// normally at the last LBA; each points at its own copy of the partition
// entry array. All fields little-endian:
//
//   +0   Signature                  "EFI PART"
//   +8   Revision                   u32, 0x00010000
//   +12  HeaderSize                 u32, 92 .. sector size
//   +16  HeaderCRC32                u32, CRC32 of HeaderSize bytes with this field zeroed
//   +20  Reserved                   u32
//   +24  MyLBA                      u64, the LBA of this header
//   +32  AlternateLBA               u64, the LBA of the other header
//   +40  FirstUsableLBA             u64
//   +48  LastUsableLBA              u64 (inclusive)
//   +56  DiskGUID                   16 bytes
//   +72  PartitionEntryLBA          u64, first LBA of the entry array
//   +80  NumberOfPartitionEntries   u32
//   +84  SizeOfPartitionEntry       u32, 128 × 2^n
//   +88  PartitionEntryArrayCRC32   u32
import { crc32 } from './crc32.js';
import { formatGuid } from './guid.js';
import { viewOf } from './table-io.js';

export const GPT_SIGNATURE = 'EFI PART';
export const GPT_HEADER_SIGNATURE = 0;
export const GPT_HEADER_REVISION = 8;
export const GPT_HEADER_SIZE = 12;
export const GPT_HEADER_CRC32 = 16;
export const GPT_HEADER_MY_LBA = 24;
export const GPT_HEADER_ALTERNATE_LBA = 32;
export const GPT_HEADER_FIRST_USABLE_LBA = 40;
export const GPT_HEADER_LAST_USABLE_LBA = 48;
export const GPT_HEADER_DISK_GUID = 56;
export const GPT_HEADER_PARTITION_ENTRY_LBA = 72;
export const GPT_HEADER_NUMBER_OF_ENTRIES = 80;
export const GPT_HEADER_SIZE_OF_ENTRY = 84;
export const GPT_HEADER_ENTRY_ARRAY_CRC32 = 88;
/** Bytes of the header the UEFI 2.x revision defines; HeaderSize may be larger. */
export const GPT_HEADER_MIN_SIZE = 92;
/** Upper bound on the entry array read (UEFI's minimum is 16 KiB; 4 MiB allows 32768 entries). */
export const GPT_MAX_ENTRY_ARRAY_BYTES = 4 << 20;

/** A decoded GPT header whose CRC and numbers have been checked against the device. */
export interface GptHeader {
  lba: number;
  /** The other header's LBA, when it lies on the device. */
  alternateLba: number | undefined;
  firstUsableLba: number;
  lastUsableLba: number;
  diskGuid: string;
  entriesLba: number;
  entryCount: number;
  entrySize: number;
  entryArrayCrc32: number;
}

/** A header, or why the sector is not a valid one (a sentence naming the header and its LBA). */
export type GptHeaderResult = { header: GptHeader; problem?: undefined } | { header?: undefined; problem: string };

/** True when `sector` starts with the GPT signature "EFI PART". */
export function hasGptSignature(sector: Uint8Array): boolean {
  for (let i = 0; i < GPT_SIGNATURE.length; i++) {
    if (sector[GPT_HEADER_SIGNATURE + i] !== GPT_SIGNATURE.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Decodes and checks the header in `sector`, read from `lba` of a device of
 * `deviceSectors` sectors of `sectorSize` bytes. `what` names it in problems
 * (`'primary GPT header'`). Checks: signature, revision 1.x, size, CRC32,
 * MyLBA, the usable range and the entry array lie on the device and apart
 * from each other and from the header.
 */
export function decodeGptHeader(
  sector: Uint8Array,
  lba: number,
  sectorSize: number,
  deviceSectors: number,
  what: string,
): GptHeaderResult {
  const fail = (detail: string): GptHeaderResult => ({
    problem: `${what} at LBA ${lba} (byte ${lba * sectorSize}): ${detail}`,
  });
  if (!hasGptSignature(sector)) return fail(`no "${GPT_SIGNATURE}" signature`);
  const view = viewOf(sector);
  const revision = view.getUint32(GPT_HEADER_REVISION, true);
  if (revision >>> 16 !== 1) return fail(`unsupported revision 0x${revision.toString(16)} (expected 1.x)`);
  const headerSize = view.getUint32(GPT_HEADER_SIZE, true);
  if (headerSize < GPT_HEADER_MIN_SIZE || headerSize > sectorSize) {
    return fail(`HeaderSize ${headerSize} is not within ${GPT_HEADER_MIN_SIZE}..${sectorSize}`);
  }
  const stored = view.getUint32(GPT_HEADER_CRC32, true);
  const computed = headerCrc32(sector, headerSize);
  if (stored !== computed) {
    return fail(`HeaderCRC32 is 0x${hex(stored)} but the header checksums to 0x${hex(computed)}`);
  }
  const u64 = (offset: number): number | undefined => {
    const v = view.getBigUint64(offset, true);
    return v < BigInt(deviceSectors) ? Number(v) : undefined;
  };
  const myLba = u64(GPT_HEADER_MY_LBA);
  if (myLba !== lba) return fail(`MyLBA is ${view.getBigUint64(GPT_HEADER_MY_LBA, true)}, not ${lba}`);
  const firstUsableLba = u64(GPT_HEADER_FIRST_USABLE_LBA);
  const lastUsableLba = u64(GPT_HEADER_LAST_USABLE_LBA);
  if (firstUsableLba === undefined || lastUsableLba === undefined || firstUsableLba === 0) {
    return fail(
      `usable LBAs ${view.getBigUint64(GPT_HEADER_FIRST_USABLE_LBA, true)}-` +
        `${view.getBigUint64(GPT_HEADER_LAST_USABLE_LBA, true)} do not lie within LBAs 1-${deviceSectors - 1} of the device`,
    );
  }
  if (firstUsableLba > lastUsableLba + 1 || (lba >= firstUsableLba && lba <= lastUsableLba)) {
    return fail(`usable LBAs ${firstUsableLba}-${lastUsableLba} are reversed or include the header itself`);
  }
  const entryCount = view.getUint32(GPT_HEADER_NUMBER_OF_ENTRIES, true);
  const entrySize = view.getUint32(GPT_HEADER_SIZE_OF_ENTRY, true);
  if (entrySize < 128 || entrySize > 4096 || (entrySize & (entrySize - 1)) !== 0) {
    return fail(`SizeOfPartitionEntry ${entrySize} is not 128 × 2^n (at most 4096)`);
  }
  const arrayBytes = entryCount * entrySize;
  if (arrayBytes > GPT_MAX_ENTRY_ARRAY_BYTES) {
    return fail(`the entry array (${entryCount} × ${entrySize} bytes) is larger than ${GPT_MAX_ENTRY_ARRAY_BYTES} bytes`);
  }
  const entriesLba = u64(GPT_HEADER_PARTITION_ENTRY_LBA);
  const arraySectors = Math.ceil(arrayBytes / sectorSize);
  if (entriesLba === undefined || entriesLba === 0 || entriesLba + arraySectors > deviceSectors) {
    return fail(
      `the entry array at LBA ${view.getBigUint64(GPT_HEADER_PARTITION_ENTRY_LBA, true)} ` +
        `(${arraySectors} sectors) does not lie within LBAs 1-${deviceSectors - 1}`,
    );
  }
  const arrayEnd = entriesLba + arraySectors; // exclusive
  const overlapsUsable = arrayEnd > firstUsableLba && entriesLba <= lastUsableLba;
  if (arraySectors > 0 && ((lba >= entriesLba && lba < arrayEnd) || overlapsUsable)) {
    return fail(`the entry array at LBAs ${entriesLba}-${arrayEnd - 1} overlaps the header or the usable LBAs`);
  }
  const alternateLba = view.getBigUint64(GPT_HEADER_ALTERNATE_LBA, true);
  return {
    header: {
      lba,
      alternateLba: alternateLba < BigInt(deviceSectors) ? Number(alternateLba) : undefined,
      firstUsableLba,
      lastUsableLba,
      diskGuid: formatGuid(sector, GPT_HEADER_DISK_GUID),
      entriesLba,
      entryCount,
      entrySize,
      entryArrayCrc32: view.getUint32(GPT_HEADER_ENTRY_ARRAY_CRC32, true),
    },
  };
}

/** CRC32 of the first `headerSize` bytes of `sector` with the HeaderCRC32 field taken as zero. */
export function headerCrc32(sector: Uint8Array, headerSize: number): number {
  const copy = sector.slice(0, headerSize);
  copy.fill(0, GPT_HEADER_CRC32, GPT_HEADER_CRC32 + 4);
  return crc32(copy);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
