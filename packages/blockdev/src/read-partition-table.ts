// readPartitionTable: decides which scheme a device uses and reads it.
//   sector 0 has 0x55AA and an entry of type 0xEE (protective or hybrid MBR) → GPT
//   sector 0 has 0x55AA and valid boot indicators                          → MBR
//   no 0x55AA but a GPT header signature at LBA 1 or the last LBA          → GPT (problem noted)
//   anything else                                                           → ENXIO: no partition table
import { FsError, type BlockDevice } from '@iomap/core';
import { GPT_SECTOR_SIZES, findGptSectorSize, readGptTable } from './gpt-table.js';
import { MBR_SIZE, MBR_TYPE_GPT_PROTECTIVE, decodeMbrRecord } from './mbr.js';
import { readMbrTable } from './mbr-table.js';
import type { PartitionTable } from './partition-table.js';
import { readStructure } from './table-io.js';

/**
 * Options for {@link readPartitionTable}.
 *
 * @example
 * ```ts
 * const table = await readPartitionTable(disk, { sectorSize: 4096 }); // a 4Kn disk image
 * ```
 */
export interface ReadPartitionTableOptions {
  /**
   * Sector size to interpret LBAs with (a power of two, 512 to 65536).
   * Default: for MBR the device's `logicalBlockSize` (at least 512); for GPT
   * the device's, then 512, then 4096, whichever holds a GPT header.
   */
  sectorSize?: number;
}

/**
 * Reads the partition table of `dev`. Throws `EUCLEAN`
 * ({@link CorruptFilesystemError}) naming the structure and its location when
 * the table is corrupt, and `ENXIO` when the device has no partition table.
 * A GPT whose primary copy is corrupt is read from its backup; the result's
 * `header` is then `'backup'` and `problems` says what was wrong.
 *
 * @example
 * ```ts
 * const table = await readPartitionTable(disk);
 * for (const p of table.partitions) console.log(p.index, p.start, p.size, p.type);
 * if (table.kind === 'gpt' && table.problems.length > 0) console.warn(table.problems.join('\n'));
 * ```
 */
export async function readPartitionTable(
  dev: BlockDevice,
  options: ReadPartitionTableOptions = {},
): Promise<PartitionTable> {
  const { sectorSize } = options;
  if (sectorSize !== undefined && !isSectorSize(sectorSize)) {
    throw new FsError('EINVAL', `sectorSize must be a power of two from 512 to 65536, got ${String(sectorSize)}`, {
      syscall: 'readPartitionTable',
    });
  }
  if (dev.size < MBR_SIZE) throw noTable(`the device is smaller than one sector (${dev.size} bytes)`);
  const gptSizes = sectorSize === undefined ? gptSectorSizes(dev) : [sectorSize];
  const mbr = decodeMbrRecord(await readStructure(dev, 0, MBR_SIZE, 'MBR'));
  if (!mbr.hasBootSignature) {
    const gptSectorSize = await findGptSectorSize(dev, gptSizes);
    if (gptSectorSize !== undefined) {
      return readGptTable(dev, gptSectorSize, ['the protective MBR is missing (no boot signature 0x55AA at byte 510)']);
    }
    throw noTable('sector 0 has no boot signature 0x55AA and there is no GPT header');
  }
  if (mbr.entries.some((e) => e.type === MBR_TYPE_GPT_PROTECTIVE)) {
    // Without any header signature this reports both headers missing (EUCLEAN).
    const gptSectorSize = await findGptSectorSize(dev, gptSizes);
    return readGptTable(dev, gptSectorSize ?? gptSizes[0]!);
  }
  const bad = mbr.entries.find((e) => e.bootIndicator !== 0 && e.bootIndicator !== 0x80);
  if (bad !== undefined) {
    throw noTable(
      `sector 0 has a boot signature but is not an MBR: entry ${bad.slot + 1} has boot indicator ` +
        `0x${bad.bootIndicator.toString(16)} (a filesystem boot sector looks like this)`,
    );
  }
  return readMbrTable(dev, mbr, sectorSize ?? Math.max(MBR_SIZE, dev.logicalBlockSize));
}

/** The device's logical block size (when 512 or 4096) first, then the others. */
function gptSectorSizes(dev: BlockDevice): number[] {
  return [...new Set([dev.logicalBlockSize, ...GPT_SECTOR_SIZES])].filter((s) => GPT_SECTOR_SIZES.includes(s));
}

function isSectorSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

function noTable(why: string): FsError {
  return new FsError(
    'ENXIO',
    `no partition table: ${why}. If the device holds a filesystem directly, use the device itself instead of a partition`,
    { syscall: 'readPartitionTable' },
  );
}
