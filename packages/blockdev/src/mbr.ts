// The DOS master boot record and the extended boot records (EBRs) of logical
// partitions share one 512-byte layout, always in the first 512 bytes of
// their sector whatever the sector size:
//
//   byte 0    boot code (446 bytes; in an EBR unused)
//   byte 440  disk signature, u32 little-endian (MBR only)
//   byte 446  four 16-byte partition entries
//   byte 510  boot signature 0x55 0xAA
//
// A partition entry:
//   +0  boot indicator (0x80 bootable, 0x00 not; anything else: not an MBR)
//   +1  CHS of first sector (ignored: LBA is authoritative)
//   +4  partition type
//   +5  CHS of last sector (ignored)
//   +8  first sector, u32 LE (MBR: from the start of the disk; EBR: see mbr-table.ts)
//   +12 number of sectors, u32 LE
import { viewOf } from './table-io.js';

/** Size of the MBR/EBR structure. */
export const MBR_SIZE = 512;
/** Offset of the 32-bit disk signature (the MBR's "disk identifier"). */
export const MBR_DISK_SIGNATURE = 440;
/** Offset of the first of the four partition entries. */
export const MBR_PARTITION_ENTRIES = 446;
export const MBR_ENTRY_SIZE = 16;
export const MBR_ENTRY_COUNT = 4;
/** Offset of the two boot-signature bytes 0x55 0xAA. */
export const MBR_BOOT_SIGNATURE = 510;

const ENTRY_BOOT_INDICATOR = 0;
const ENTRY_TYPE = 4;
const ENTRY_START_LBA = 8;
const ENTRY_SECTOR_COUNT = 12;

/** Partition type of the protective MBR entry of a GPT disk. */
export const MBR_TYPE_GPT_PROTECTIVE = 0xee;
/** Partition types of an extended partition (CHS, LBA, Linux extended). */
export const MBR_EXTENDED_TYPES: ReadonlySet<number> = new Set([0x05, 0x0f, 0x85]);

/** One decoded 16-byte partition entry. */
export interface MbrEntry {
  /** 0-based slot in the record. */
  slot: number;
  /** Byte offset of the entry within the record. */
  offset: number;
  bootIndicator: number;
  type: number;
  startLba: number;
  sectorCount: number;
}

/** A decoded MBR or EBR. */
export interface MbrRecord {
  /** Bytes 510–511 are 0x55 0xAA. */
  hasBootSignature: boolean;
  diskSignature: number;
  entries: MbrEntry[];
}

/** Decodes the first 512 bytes of `bytes` as an MBR/EBR. */
export function decodeMbrRecord(bytes: Uint8Array): MbrRecord {
  const view = viewOf(bytes.subarray(0, MBR_SIZE));
  const entries: MbrEntry[] = [];
  for (let slot = 0; slot < MBR_ENTRY_COUNT; slot++) {
    const offset = MBR_PARTITION_ENTRIES + slot * MBR_ENTRY_SIZE;
    entries.push({
      slot,
      offset,
      bootIndicator: view.getUint8(offset + ENTRY_BOOT_INDICATOR),
      type: view.getUint8(offset + ENTRY_TYPE),
      startLba: view.getUint32(offset + ENTRY_START_LBA, true),
      sectorCount: view.getUint32(offset + ENTRY_SECTOR_COUNT, true),
    });
  }
  return {
    hasBootSignature: view.getUint8(MBR_BOOT_SIGNATURE) === 0x55 && view.getUint8(MBR_BOOT_SIGNATURE + 1) === 0xaa,
    diskSignature: view.getUint32(MBR_DISK_SIGNATURE, true),
    entries,
  };
}

/** An entry describes nothing when its type is 0 ("empty") or it has no sectors. */
export function isEmptyEntry(entry: MbrEntry): boolean {
  return entry.type === 0 || entry.sectorCount === 0;
}

/** True when `type` marks an extended partition (a container of logical partitions). */
export function isExtendedType(type: number): boolean {
  return MBR_EXTENDED_TYPES.has(type);
}
