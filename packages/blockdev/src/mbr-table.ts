// Reads a DOS/MBR partition table: the four primary entries and, for each
// extended partition, the chain of EBRs that describe its logical partitions.
//
// EBR chain (as Linux's block/partitions/msdos.c walks it): the first EBR is
// the first sector of the extended partition. In each EBR, a non-extended
// entry is a logical partition whose first sector is relative to that EBR,
// and the first extended-type entry links to the next EBR, relative to the
// start of the extended partition. Worked example, extended at LBA 100:
//   EBR @100: [83 start 2 count 50] [05 start 60 count 40]  → sda5 at 102..151, next EBR @160
//   EBR @160: [83 start 2 count 38] [empty]                  → sda6 at 162..199, end
// Logical partitions are numbered from 5 whatever the number of primaries.
// The walk is bounded and remembers every EBR it visited, so a corrupt link
// that points back into the chain is reported instead of looping.
import { CorruptFilesystemError, type BlockDevice } from '@iomap/core';
import { MBR_SIZE, decodeMbrRecord, isEmptyEntry, isExtendedType, type MbrEntry, type MbrRecord } from './mbr.js';
import { findOverlap, type MbrPartition, type MbrPartitionTable } from './partition-table.js';
import { hex32, readStructure } from './table-io.js';

/** Most EBRs followed in one extended partition (Linux allows 256 partitions per disk). */
export const MAX_EBR_CHAIN = 256;

/** First index Linux gives a logical partition (`/dev/sda5`). */
const FIRST_LOGICAL_INDEX = 5;

/** A run of sectors. */
interface SectorExtent {
  startLba: number;
  sectorCount: number;
}

/** Reads the MBR table whose sector 0 decoded to `mbr`. Caller checked the boot signature. */
export async function readMbrTable(dev: BlockDevice, mbr: MbrRecord, sectorSize: number): Promise<MbrPartitionTable> {
  const deviceSectors = Math.floor(dev.size / sectorSize);
  const partitions: MbrPartition[] = [];
  const extended: SectorExtent[] = [];
  for (const entry of mbr.entries) {
    if (isEmptyEntry(entry)) continue;
    const structure = `MBR partition entry ${entry.slot + 1}`;
    checkExtent(entry, 0, deviceSectors, structure, entry.offset, 'the device end');
    const role = isExtendedType(entry.type) ? 'extended' : 'primary';
    partitions.push(toPartition(entry, entry.slot + 1, entry.startLba, sectorSize, role, entry.offset));
    if (role === 'extended') extended.push(entry);
  }
  let nextIndex = FIRST_LOGICAL_INDEX;
  for (const container of extended) {
    const logicals = await walkEbrChain(dev, container, sectorSize, nextIndex);
    partitions.push(...logicals);
    nextIndex += logicals.length;
  }
  const overlap = findOverlap(partitions);
  if (overlap !== undefined) {
    throw new CorruptFilesystemError({ structure: 'MBR partition table', location: 'byte 0' }, `${overlap} (repair with fdisk)`);
  }
  return { kind: 'mbr', diskId: hex32(mbr.diskSignature), sectorSize, partitions };
}

/** Follows the EBR chain of one extended partition; returns its logical partitions. */
async function walkEbrChain(
  dev: BlockDevice,
  container: SectorExtent,
  sectorSize: number,
  firstIndex: number,
): Promise<MbrPartition[]> {
  const logicals: MbrPartition[] = [];
  const visited = new Set<number>();
  let ebrLba: number | undefined = container.startLba;
  let linkedFrom: number | undefined;
  while (ebrLba !== undefined) {
    const ebrByte = ebrLba * sectorSize;
    if (linkedFrom !== undefined && visited.has(ebrLba)) {
      throw new CorruptFilesystemError(
        { structure: 'EBR chain', location: `byte ${linkedFrom * sectorSize}` },
        `the EBR at byte ${linkedFrom * sectorSize} links back to the EBR at byte ${ebrByte}, so the chain loops`,
      );
    }
    if (visited.size >= MAX_EBR_CHAIN) {
      throw new CorruptFilesystemError(
        { structure: 'EBR chain', location: `byte ${ebrByte}` },
        `more than ${MAX_EBR_CHAIN} EBRs in the extended partition at byte ${container.startLba * sectorSize}`,
      );
    }
    visited.add(ebrLba);
    const ebr = decodeMbrRecord(await readStructure(dev, ebrByte, MBR_SIZE, 'EBR'));
    if (!ebr.hasBootSignature) {
      // An extended partition with no logical partitions may hold a blank first EBR.
      if (linkedFrom === undefined) break;
      throw new CorruptFilesystemError(
        { structure: 'EBR', location: `byte ${ebrByte}` },
        `no boot signature 0x55AA, but the EBR at byte ${linkedFrom * sectorSize} links to it`,
      );
    }
    const step = decodeEbr(ebr, ebrLba, container, sectorSize, firstIndex + logicals.length);
    logicals.push(...step.logicals);
    linkedFrom = ebrLba;
    ebrLba = step.nextLba;
  }
  return logicals;
}

/**
 * The logical partitions one EBR describes (numbered from `firstIndex`) and
 * the LBA of the next EBR, both checked to lie in the extended partition.
 */
function decodeEbr(
  ebr: MbrRecord,
  ebrLba: number,
  container: SectorExtent,
  sectorSize: number,
  firstIndex: number,
): { logicals: MbrPartition[]; nextLba: number | undefined } {
  const ebrByte = ebrLba * sectorSize;
  const containerEnd = container.startLba + container.sectorCount;
  const logicals: MbrPartition[] = [];
  let link: MbrEntry | undefined;
  for (const entry of ebr.entries) {
    if (isEmptyEntry(entry)) continue;
    if (isExtendedType(entry.type)) {
      link ??= entry;
      continue;
    }
    const startLba = ebrLba + entry.startLba;
    const where = ebrByte + entry.offset;
    const structure = `EBR at byte ${ebrByte}, entry ${entry.slot + 1}`;
    checkExtent({ startLba, sectorCount: entry.sectorCount }, ebrLba + 1, containerEnd, structure, where, 'the extended partition');
    logicals.push(toPartition(entry, firstIndex + logicals.length, startLba, sectorSize, 'logical', where));
  }
  if (link === undefined) return { logicals, nextLba: undefined };
  const nextLba = container.startLba + link.startLba;
  const structure = `EBR at byte ${ebrByte}, link entry ${link.slot + 1}`;
  checkExtent({ startLba: nextLba, sectorCount: 1 }, container.startLba, containerEnd, structure, ebrByte + link.offset, 'the extended partition');
  return { logicals, nextLba };
}

/** Throws `EUCLEAN` unless the extent lies within sectors `[lo, hi)`. */
function checkExtent(extent: SectorExtent, lo: number, hi: number, structure: string, at: number, limitName: string): void {
  const end = extent.startLba + extent.sectorCount;
  if (extent.startLba < lo || end > hi) {
    throw new CorruptFilesystemError(
      { structure, location: `byte ${at}` },
      `sectors ${extent.startLba}-${end - 1} do not lie within sectors ${lo}-${hi - 1} (${limitName}); ` +
        'the table does not match this device (repair with fdisk or sfdisk)',
    );
  }
}

function toPartition(
  entry: MbrEntry,
  index: number,
  startLba: number,
  sectorSize: number,
  role: MbrPartition['role'],
  entryOffset: number,
): MbrPartition {
  return {
    scheme: 'mbr',
    index,
    start: startLba * sectorSize,
    size: entry.sectorCount * sectorSize,
    type: entry.type,
    bootable: entry.bootIndicator === 0x80,
    role,
    entryOffset,
  };
}
