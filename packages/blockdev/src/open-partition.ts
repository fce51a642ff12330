// Choosing a partition: by number (1-based, as /dev/sdaN), by GPT name
// (PARTLABEL; `label` is the same thing), or by type, and opening it as a
// SliceDevice of the disk.
import { FsError, type BlockDevice } from '@iomap/core';
import { isGuid } from './guid.js';
import type { Partition, PartitionTable } from './partition-table.js';
import { readPartitionTable, type ReadPartitionTableOptions } from './read-partition-table.js';
import { SliceDevice } from './slice-device.js';

/**
 * Which partition to open: its 1-based number, its GPT name (`name` and
 * `label` are synonyms), or its type — an MBR type byte (`0x83`) or a GPT
 * type GUID string (any case). Name and type pick the lowest-numbered match.
 *
 * @example
 * ```ts
 * const selectors: PartitionSelector[] = [2, { name: 'rootfs' }, { type: 0x83 }, { type: GPT_PARTITION_TYPES.efiSystem }];
 * ```
 */
export type PartitionSelector = number | { name: string } | { label: string } | { type: number | string };

/**
 * Options for {@link openPartition}: those of {@link readPartitionTable} and `readOnly`.
 *
 * @example
 * ```ts
 * const boot = await openPartition(disk, 1, { readOnly: true });
 * ```
 */
export interface OpenPartitionOptions extends ReadPartitionTableOptions {
  /** Open the partition read-only (writes fail with `EROFS`). */
  readOnly?: boolean;
}

/**
 * The partition of `table` chosen by `selector`. Throws `ENXIO` when there
 * is no partition with that number and `ENOENT` when none has that name or
 * type; the message lists what the table does hold.
 *
 * @example
 * ```ts
 * const table = await readPartitionTable(disk);
 * const root = findPartition(table, { label: 'rootfs' });
 * const dev = new SliceDevice(disk, root.start, root.size);
 * ```
 */
export function findPartition(table: PartitionTable, selector: PartitionSelector): Partition {
  const partitions: readonly Partition[] = table.partitions;
  if (typeof selector === 'number') {
    const found = partitions.find((p) => p.index === selector);
    if (found === undefined) {
      throw new FsError('ENXIO', `no partition ${selector} on this ${table.kind.toUpperCase()} disk; ${listing(table)}`, {
        syscall: 'openPartition',
      });
    }
    return found;
  }
  if (typeof selector !== 'object' || selector === null) {
    throw new FsError('EINVAL', 'select a partition by number, { name }, { label } or { type }', {
      syscall: 'openPartition',
    });
  }
  const [what, wanted, matches] = matcher(selector);
  const found = partitions.find(matches);
  if (found === undefined) {
    const hint = table.kind === 'mbr' && what === 'name' ? ' (MBR partitions have no names: select by number or type)' : '';
    throw new FsError('ENOENT', `no partition with ${what} ${wanted}${hint}; ${listing(table)}`, {
      syscall: 'openPartition',
    });
  }
  return found;
}

/**
 * Reads the partition table of `dev` and opens the chosen partition as a
 * {@link SliceDevice}. Errors as {@link readPartitionTable} and
 * {@link findPartition}. Writes to the slice go to the disk.
 *
 * @example
 * ```ts
 * const disk = MemoryBlockDevice.from(raspberryPiImage);
 * const rootfs = await openPartition(disk, 2); // like /dev/mmcblk0p2
 * const superblock = new Uint8Array(1024);
 * await rootfs.read(1024, superblock);
 * ```
 */
export async function openPartition(
  dev: BlockDevice,
  selector: PartitionSelector,
  options: OpenPartitionOptions = {},
): Promise<SliceDevice> {
  const table = await readPartitionTable(dev, options);
  const partition = findPartition(table, selector);
  return new SliceDevice(dev, partition.start, partition.size, { readOnly: options.readOnly ?? false });
}

function matcher(selector: Exclude<PartitionSelector, number>): [string, string, (p: Partition) => boolean] {
  if ('type' in selector) {
    const { type } = selector;
    if (typeof type === 'number') {
      return ['type', `0x${type.toString(16).padStart(2, '0')}`, (p) => p.scheme === 'mbr' && p.type === type];
    }
    if (typeof type !== 'string' || !isGuid(type)) {
      throw new FsError('EINVAL', `a partition type is an MBR type byte or a GPT type GUID, got ${JSON.stringify(type)}`, {
        syscall: 'openPartition',
      });
    }
    const upper = type.toUpperCase();
    return ['type', upper, (p) => p.scheme === 'gpt' && p.type === upper];
  }
  const name = 'name' in selector ? selector.name : selector.label;
  return ['name', JSON.stringify(name), (p) => p.scheme === 'gpt' && p.name === name];
}

/** "it has partitions 1 (…), 2 (…)" for error messages. */
function listing(table: PartitionTable): string {
  if (table.partitions.length === 0) return 'the table has no partitions';
  const parts = table.partitions.map((p) =>
    p.scheme === 'gpt' ? `${p.index} (${JSON.stringify(p.name)}, type ${p.type})` : `${p.index} (type 0x${p.type.toString(16).padStart(2, '0')})`,
  );
  return `it has partitions ${parts.join(', ')}`;
}
