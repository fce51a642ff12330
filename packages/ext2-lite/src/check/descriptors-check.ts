// Pass 0, group descriptors (EXT2.md 2.2): read the table without trusting
// it, and check that every group's bitmaps and inode table lie inside the
// group without overlapping each other or a superblock/descriptor copy
// (e2fsprogs ext2fs_check_desc).
//
// Like e2fsck, when the primary table fails that check and the filesystem has
// more than one group, the check goes on with the backup table in group 1
// (reported as a warning: e2fsck -fn then exits 0 if the backup is sound, and
// a repairing e2fsck copies the backup over the primary). Without a usable
// backup, the bad locations are errors and the affected bitmaps/tables are
// skipped by the later passes.
import { readFields, type FieldValues } from '../format/fields.js';
import { INCOMPAT } from '../format/features.js';
import { GROUP_DESCRIPTOR_SIZE, descriptorBlockLocation, groupFirstBlock, groupLastBlock, type Geometry } from '../format/geometry.js';
import { BG_FLAGS, GROUP_DESCRIPTOR_FIELDS } from '../format/group-descriptor.js';
import { BitSet } from './bitset.js';
import type { ProblemLog } from './check-report.js';
import { superAndDescriptorRuns } from './group-layout.js';
import type { ImageReader } from './image-reader.js';

/** A group descriptor's fields as stored, unvalidated. */
export type RawDescriptor = FieldValues<typeof GROUP_DESCRIPTOR_FIELDS>;

/** Which of a group's structures lie where they can be read. */
export interface GroupUsability {
  readonly blockBitmap: boolean;
  readonly inodeBitmap: boolean;
  readonly inodeTable: boolean;
}

/** The descriptor table the passes work from. */
export interface CheckedDescriptors {
  readonly descriptors: readonly RawDescriptor[];
  readonly usable: readonly GroupUsability[];
}

function decodeTable(bytes: Uint8Array, g: Geometry): RawDescriptor[] {
  const out: RawDescriptor[] = [];
  for (let i = 0; i < g.groupCount; i++) out.push(readFields(GROUP_DESCRIPTOR_FIELDS, bytes, i * GROUP_DESCRIPTOR_SIZE));
  return out;
}

/** The primary table, block by block (meta_bg scatters it); blocks past the filesystem read as zeros. */
async function readPrimary(reader: ImageReader, g: Geometry): Promise<RawDescriptor[]> {
  const bytes = new Uint8Array(g.descriptorBlocks * g.blockSize);
  const metaBg = (g.featureIncompat & INCOMPAT.meta_bg) !== 0;
  if (!metaBg && g.firstDataBlock + 1 + g.descriptorBlocks <= g.blocksCount) {
    bytes.set(await reader.readBlocks(g.firstDataBlock + 1, g.descriptorBlocks));
  } else {
    for (let i = 0; i < g.descriptorBlocks; i++) {
      const at = descriptorBlockLocation(g, i);
      if (at < g.blocksCount) bytes.set(await reader.readBlock(at), i * g.blockSize);
    }
  }
  return decodeTable(bytes, g);
}

/**
 * The first reason the table fails e2fsprogs' descriptor check, or undefined:
 * each bitmap and every inode-table block inside its group and not already
 * claimed by a superblock/descriptor copy or an earlier group's metadata.
 */
export function firstLayoutProblem(descriptors: readonly RawDescriptor[], g: Geometry): { group: number; detail: string } | undefined {
  const claimed = new BitSet(g.blocksCount);
  for (let group = 0; group < g.groupCount; group++) for (const run of superAndDescriptorRuns(g, group)) claimed.addRange(run.first, run.count);
  for (let group = 0; group < g.groupCount; group++) {
    const d = descriptors[group] as RawDescriptor;
    const first = groupFirstBlock(g, group);
    const last = groupLastBlock(g, group);
    const place = (what: string, b: number): string | undefined => {
      if (b < first || b > last) return `${what} ${b} is outside the group's blocks ${first}..${last}`;
      if (claimed.add(b)) return `${what} ${b} overlaps other filesystem metadata`;
      return undefined;
    };
    let bad = place('block bitmap', d.blockBitmap) ?? place('inode bitmap', d.inodeBitmap);
    for (let i = 0; bad === undefined && i < g.inodeTableBlocks; i++) bad = place('inode table block', d.inodeTable + i);
    if (bad !== undefined) return { group, detail: bad };
  }
  return undefined;
}

function usabilityOf(descriptors: readonly RawDescriptor[], g: Geometry): GroupUsability[] {
  return descriptors.map((d, group) => {
    const first = groupFirstBlock(g, group);
    const last = groupLastBlock(g, group);
    const inside = (b: number): boolean => b >= first && b <= last;
    return {
      blockBitmap: inside(d.blockBitmap),
      inodeBitmap: inside(d.inodeBitmap),
      inodeTable: inside(d.inodeTable) && inside(d.inodeTable + g.inodeTableBlocks - 1),
    };
  });
}

/** The backup table in group 1 (no meta_bg), when it is readable. */
async function readBackup(reader: ImageReader, g: Geometry): Promise<RawDescriptor[] | undefined> {
  if (g.groupCount < 2 || (g.featureIncompat & INCOMPAT.meta_bg) !== 0) return undefined;
  const first = groupFirstBlock(g, 1) + 1;
  if (first + g.descriptorBlocks > g.blocksCount) return undefined;
  return decodeTable(await reader.readBlocks(first, g.descriptorBlocks), g);
}

/**
 * Reads and checks the descriptor table, falling back to the backup as e2fsck
 * does. `fromBackupSuperblock`: the check already runs on group 1's backup
 * superblock, so the table is group 1's copy and there is nothing further to
 * fall back to (e2fsck's behaviour when started from a backup).
 */
export async function readCheckedDescriptors(reader: ImageReader, g: Geometry, log: ProblemLog, fromBackupSuperblock = false): Promise<CheckedDescriptors> {
  const backupTable = fromBackupSuperblock ? await readBackup(reader, g) : undefined;
  let descriptors = backupTable ?? (await readPrimary(reader, g));
  const bad = firstLayoutProblem(descriptors, g);
  if (bad !== undefined) {
    const backup = fromBackupSuperblock ? undefined : await readBackup(reader, g);
    if (backup !== undefined && firstLayoutProblem(backup, g) === undefined) {
      log.add(
        'PRIMARY_DESCRIPTORS_INVALID',
        `group descriptor ${bad.group}: ${bad.detail}; the check used the backup descriptor table of group 1 (e2fsck -fy restores the primary from it; the kernel will not mount until then)`,
        { group: bad.group },
      );
      descriptors = backup;
    } else {
      log.add('GROUP_DESCRIPTOR_INVALID', `group descriptor ${bad.group}: ${bad.detail} (no usable backup descriptor table)`, { group: bad.group });
    }
  }
  checkGroupFields(descriptors, g, log);
  return { descriptors, usable: usabilityOf(descriptors, g) };
}

/** Counts a descriptor cannot hold and flags without checksum features (e2fsck check_super_block). */
function checkGroupFields(descriptors: readonly RawDescriptor[], g: Geometry, log: ProblemLog): void {
  descriptors.forEach((d, group) => {
    if (d.freeBlocksCount > g.blocksPerGroup || d.freeInodesCount > g.inodesPerGroup || d.usedDirsCount > g.inodesPerGroup) {
      log.add(
        'GROUP_FIELD_INVALID',
        `group ${group}: counts out of range (bg_free_blocks_count ${d.freeBlocksCount}, bg_free_inodes_count ${d.freeInodesCount}, bg_used_dirs_count ${d.usedDirsCount})`,
        { group },
      );
    }
    if ((d.flags & (BG_FLAGS.INODE_UNINIT | BG_FLAGS.BLOCK_UNINIT)) !== 0 || d.itableUnused !== 0) {
      log.add('GROUP_FIELD_INVALID', `group ${group}: marked uninitialized (bg_flags 0x${d.flags.toString(16)}, bg_itable_unused ${d.itableUnused}) without gdt_csum/metadata_csum`, { group });
    }
  });
}
