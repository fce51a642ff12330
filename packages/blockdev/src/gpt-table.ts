// Reads a GUID partition table. A copy (header + entry array) is valid when
// the header passes decodeGptHeader and the entry array matches its
// PartitionEntryArrayCRC32. The primary copy (LBA 1) is used when valid;
// otherwise the backup (the last LBA, or where a CRC-valid primary's
// AlternateLBA points) — the way the kernel and gdisk recover a disk whose
// start was overwritten. Both invalid: EUCLEAN naming both problems.
// The sector size is not stored anywhere: it is the one (of 512 and 4096)
// at which a header signature is found.
import { CorruptFilesystemError, type BlockDevice } from '@iomap/core';
import { crc32 } from './crc32.js';
import { decodeGptEntries } from './gpt-entry.js';
import { decodeGptHeader, hasGptSignature, type GptHeader } from './gpt-header.js';
import { findOverlap, type GptPartition, type GptPartitionTable } from './partition-table.js';
import { readStructure } from './table-io.js';

/** Sector sizes a GPT is looked for at, in this order after the device's own. */
export const GPT_SECTOR_SIZES: readonly number[] = [512, 4096];

/** One valid copy of the table. */
interface GptCopy {
  header: GptHeader;
  partitions: GptPartition[];
}

type GptCopyResult = { copy: GptCopy; header?: undefined; problem?: undefined } | { copy?: undefined; header?: GptHeader; problem: string };

/**
 * Finds the sector size of a GPT on `dev`: the first of `sizes` with the
 * signature at LBA 1, else the first with it at the last LBA; undefined when
 * there is none.
 */
export async function findGptSectorSize(dev: BlockDevice, sizes: readonly number[]): Promise<number | undefined> {
  for (const lbaOf of [() => 1, (sectors: number) => sectors - 1]) {
    for (const sectorSize of sizes) {
      const sectors = Math.floor(dev.size / sectorSize);
      if (sectors < 3) continue;
      const lba = lbaOf(sectors);
      const sector = await readStructure(dev, lba * sectorSize, sectorSize, 'GPT header');
      if (hasGptSignature(sector)) return sectorSize;
    }
  }
  return undefined;
}

/**
 * Reads the GPT of `dev` with sectors of `sectorSize` bytes. `problems` are
 * survivable defects found so far (e.g. a missing protective MBR); the
 * result's `problems` adds those found here.
 */
export async function readGptTable(
  dev: BlockDevice,
  sectorSize: number,
  problems: readonly string[] = [],
): Promise<GptPartitionTable> {
  const deviceSectors = Math.floor(dev.size / sectorSize);
  const lastLba = deviceSectors - 1;
  const found = [...problems];
  const primary = await readGptCopy(dev, sectorSize, 1, 'primary GPT header');
  if (primary.copy !== undefined) {
    const backupLba = primary.copy.header.alternateLba;
    if (backupLba === undefined || backupLba === 1) {
      found.push(`the primary GPT header's AlternateLBA does not point at a backup header on the device`);
    } else {
      const backup = await readGptCopy(dev, sectorSize, backupLba, 'backup GPT header');
      if (backup.problem !== undefined) found.push(backup.problem);
    }
    return toTable(primary.copy, sectorSize, 'primary', found);
  }
  found.push(primary.problem);
  const backupLbas = new Set([lastLba]);
  if (primary.header?.alternateLba !== undefined && primary.header.alternateLba !== 1) {
    backupLbas.add(primary.header.alternateLba);
  }
  const backupProblems: string[] = [];
  for (const lba of backupLbas) {
    const backup = await readGptCopy(dev, sectorSize, lba, 'backup GPT header');
    if (backup.copy !== undefined) return toTable(backup.copy, sectorSize, 'backup', found);
    backupProblems.push(backup.problem);
  }
  throw new CorruptFilesystemError(
    { structure: 'GPT (primary and backup)', location: `LBA 1 and LBA ${[...backupLbas].join('/')}` },
    `no valid copy of the partition table: ${[primary.problem, ...backupProblems].join('; ')}. ` +
      'Restore the table from a saved copy (sgdisk --load-backup) or recreate it with the same layout',
  );
}

/** Reads and checks one copy: the header at `lba` and its entry array. */
async function readGptCopy(dev: BlockDevice, sectorSize: number, lba: number, what: string): Promise<GptCopyResult> {
  const deviceSectors = Math.floor(dev.size / sectorSize);
  const sector = await readStructure(dev, lba * sectorSize, sectorSize, what);
  const decoded = decodeGptHeader(sector, lba, sectorSize, deviceSectors, what);
  if (decoded.header === undefined) return { problem: decoded.problem };
  const header = decoded.header;
  const arrayBytes = header.entryCount * header.entrySize;
  const array = await readStructure(dev, header.entriesLba * sectorSize, arrayBytes, 'GPT partition entry array');
  const computed = crc32(array);
  if (computed !== header.entryArrayCrc32) {
    return {
      header,
      problem:
        `the partition entry array of the ${what} at LBA ${header.entriesLba} (byte ${header.entriesLba * sectorSize}): ` +
        `PartitionEntryArrayCRC32 is 0x${hex(header.entryArrayCrc32)} but the array checksums to 0x${hex(computed)}`,
    };
  }
  const entries = decodeGptEntries(array, header, sectorSize);
  if (entries.partitions === undefined) return { header, problem: entries.problem };
  const overlap = findOverlap(entries.partitions);
  if (overlap !== undefined) return { header, problem: `the entry array of the ${what} at LBA ${lba}: ${overlap}` };
  return { copy: { header, partitions: entries.partitions } };
}

function toTable(
  copy: GptCopy,
  sectorSize: number,
  which: GptPartitionTable['header'],
  problems: string[],
): GptPartitionTable {
  return {
    kind: 'gpt',
    diskId: copy.header.diskGuid,
    sectorSize,
    firstUsableLba: copy.header.firstUsableLba,
    lastUsableLba: copy.header.lastUsableLba,
    header: which,
    headerLba: copy.header.lba,
    problems,
    partitions: copy.partitions,
  };
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
