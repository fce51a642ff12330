// What readPartitionTable returns: one shape for MBR and GPT disks, with the
// scheme-specific fields on a discriminated union. Offsets and sizes are in
// bytes so a partition can be opened as a SliceDevice without knowing the
// sector size.
/**
 * Whether an MBR partition is a primary, the extended container, or a logical one inside it.
 *
 * @example
 * ```ts
 * const logicals = table.partitions.filter((p) => p.scheme === 'mbr' && p.role === 'logical');
 * ```
 */
export type MbrPartitionRole = 'primary' | 'extended' | 'logical';

/**
 * A partition described by an MBR entry (primary/extended) or an EBR (logical).
 *
 * @example
 * ```ts
 * // { scheme: 'mbr', index: 5, start: 17825792, size: 8388608, type: 0x83, bootable: false, role: 'logical', … }
 * ```
 */
export interface MbrPartition {
  scheme: 'mbr';
  /** 1-based number as Linux names it: 1–4 primary/extended, 5 and up logical (`/dev/sda5`). */
  index: number;
  /** First byte of the partition on the device. */
  start: number;
  /** Size in bytes. */
  size: number;
  /** The MBR partition type byte, e.g. `0x83` (Linux), `0x0c` (FAT32 LBA), `0x05` (extended). */
  type: number;
  /** The boot indicator (0x80) is set. */
  bootable: boolean;
  role: MbrPartitionRole;
  /** Byte offset of the 16-byte entry that describes the partition (in the MBR or its EBR). */
  entryOffset: number;
}

/**
 * A partition described by a GPT partition entry.
 *
 * @example
 * ```ts
 * // { scheme: 'gpt', index: 1, start: 1048576, size: 8388608, name: 'boot',
 * //   type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', guid: '…', attributes: 0n, bootable: false }
 * ```
 */
export interface GptPartition {
  scheme: 'gpt';
  /** 1-based slot in the partition entry array, as Linux numbers it. */
  index: number;
  /** First byte of the partition on the device. */
  start: number;
  /** Size in bytes. */
  size: number;
  /** Partition type GUID, upper case, e.g. `C12A7328-F81F-11D2-BA4B-00A0C93EC93B` (EFI system). */
  type: string;
  /** Unique partition GUID (PARTUUID), upper case. */
  guid: string;
  /** Partition name (PARTLABEL), decoded from UTF-16LE. */
  name: string;
  /** The 64 attribute bits. */
  attributes: bigint;
  /** Attribute bit 2, "legacy BIOS bootable". */
  bootable: boolean;
}

/**
 * A partition of either scheme; `scheme` tells which.
 *
 * @example
 * ```ts
 * const label = (p: Partition) => (p.scheme === 'gpt' ? p.name : `type 0x${p.type.toString(16)}`);
 * ```
 */
export type Partition = MbrPartition | GptPartition;

/**
 * A DOS/MBR partition table, with logical partitions from the EBR chain.
 *
 * @example
 * ```ts
 * if (table.kind === 'mbr') console.log(table.diskId); // '0x1234abcd', as sfdisk prints it
 * ```
 */
export interface MbrPartitionTable {
  kind: 'mbr';
  /** Disk signature at byte 440, as sfdisk prints it (`0x1234abcd`). */
  diskId: string;
  /** Sector size the LBAs were interpreted with. */
  sectorSize: number;
  /** Partitions in index order; the extended container is listed too (`role: 'extended'`). */
  partitions: MbrPartition[];
}

/**
 * A GUID partition table.
 *
 * @example
 * ```ts
 * if (table.kind === 'gpt' && table.header === 'backup') console.warn('primary GPT corrupt:', table.problems);
 * ```
 */
export interface GptPartitionTable {
  kind: 'gpt';
  /** Disk GUID, upper case. */
  diskId: string;
  /** Sector (LBA) size the table was found with: 512 or 4096. */
  sectorSize: number;
  firstUsableLba: number;
  lastUsableLba: number;
  /** Which header the table was read from; `'backup'` when the primary was corrupt. */
  header: 'primary' | 'backup';
  /** LBA of that header. */
  headerLba: number;
  /**
   * What was wrong but survivable: a corrupt primary (when the backup was
   * used), a missing or bad backup, a missing protective MBR. Empty on a
   * healthy disk. Repair with `sgdisk -e`/`gdisk` when not empty.
   */
  problems: string[];
  /** Used entries in index order. */
  partitions: GptPartition[];
}

/**
 * The partition table of a device; `kind` tells which scheme.
 *
 * @example
 * ```ts
 * const table: PartitionTable = await readPartitionTable(disk);
 * ```
 */
export type PartitionTable = MbrPartitionTable | GptPartitionTable;

/**
 * Describes the first pair of data partitions that share bytes, or returns
 * undefined. The MBR extended container is skipped: it holds the logical
 * partitions by design.
 */
export function findOverlap(partitions: readonly Partition[]): string | undefined {
  const data = partitions
    .filter((p) => !(p.scheme === 'mbr' && p.role === 'extended'))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < data.length; i++) {
    const prev = data[i - 1]!;
    const cur = data[i]!;
    if (cur.start < prev.start + prev.size) {
      return (
        `partition ${cur.index} (bytes ${cur.start}-${cur.start + cur.size - 1}) overlaps partition ` +
        `${prev.index} (bytes ${prev.start}-${prev.start + prev.size - 1})`
      );
    }
  }
  return undefined;
}
