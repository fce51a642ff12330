// What one group of a new filesystem puts on the device, in block order:
//   [superblock copy | GDT copy | reserved GDT]   groups with a backup
//   [block bitmap | inode bitmap | inode table]   every group
//   [blocks mkfs allocated in the group]          root, lost+found, resize DIND
// as pieces that either carry bytes or stand for zero blocks (the inode
// table past the initial inodes, backup reserved GDT blocks). Group 0's
// superblock block is not a piece: image-writer.ts writes it last.
import type { ImagePlan } from './mkfs.js';
import { encodeBackupSuperblock } from './superblock-record.js';

/** Blocks with content, or a run of zero blocks. */
export type Piece = { readonly block: number; readonly data: Uint8Array } | { readonly block: number; readonly zeroBlocks: number };

/** The inode-table blocks of `group` that hold initial inodes, or undefined when it holds none. */
function inodeTableHead(plan: ImagePlan, group: number): Uint8Array | undefined {
  const { inodesPerGroup, inodeSize, blockSize } = plan.layout;
  const here = [...plan.inodes].filter(([ino]) => Math.floor((ino - 1) / inodesPerGroup) === group);
  if (here.length === 0) return undefined;
  const lastIndex = Math.max(...here.map(([ino]) => (ino - 1) % inodesPerGroup));
  const head = new Uint8Array(Math.ceil(((lastIndex + 1) * inodeSize) / blockSize) * blockSize);
  for (const [ino, bytes] of here) head.set(bytes, ((ino - 1) % inodesPerGroup) * inodeSize);
  return head;
}

/** Blocks of `plan.blocks` past each group's metadata run (what mkfs allocated), ascending, by group. */
export function allocatedByGroup(plan: ImagePlan): Map<number, number[]> {
  const { layout } = plan;
  const out = new Map<number, number[]>();
  for (const block of [...plan.blocks.keys()].sort((a, b) => a - b)) {
    const group = Math.floor((block - layout.firstDataBlock) / layout.blocksPerGroup);
    const g = layout.groups[group];
    if (g === undefined || block < g.first + g.metadataBlocks) continue;
    const list = out.get(group);
    if (list === undefined) out.set(group, [block]);
    else list.push(block);
  }
  return out;
}

/** The reserved GDT blocks after a GDT copy: group 0's carry the resize inode's lists, backups are zero. */
function reservedGdtPieces(plan: ImagePlan, group: number, start: number): Piece[] {
  const pieces: Piece[] = [];
  const end = start + plan.layout.reservedGdtBlocks;
  let zeroFrom = start;
  for (let block = start; group === 0 && block < end; block++) {
    const data = plan.blocks.get(block);
    if (data === undefined) continue;
    if (block > zeroFrom) pieces.push({ block: zeroFrom, zeroBlocks: block - zeroFrom });
    pieces.push({ block, data });
    zeroFrom = block + 1;
  }
  if (end > zeroFrom) pieces.push({ block: zeroFrom, zeroBlocks: end - zeroFrom });
  return pieces;
}

/** The pieces of `group`, ascending. `allocated`: its blocks from allocatedByGroup. */
export function groupPieces(plan: ImagePlan, group: number, allocated: readonly number[]): Piece[] {
  const { layout } = plan;
  const g = layout.groups[group];
  if (g === undefined) return [];
  const pieces: Piece[] = [];
  if (g.hasBackup) {
    if (group !== 0) {
      const sbBlock = new Uint8Array(layout.blockSize);
      sbBlock.set(encodeBackupSuperblock(plan.superblock, group));
      pieces.push({ block: g.first, data: sbBlock });
    }
    pieces.push({ block: g.first + 1, data: plan.descriptorTable });
    pieces.push(...reservedGdtPieces(plan, group, g.first + 1 + layout.descriptorBlocks));
  }
  pieces.push({ block: g.blockBitmap, data: plan.bitmaps.blockBitmap(group) });
  pieces.push({ block: g.inodeBitmap, data: plan.bitmaps.inodeBitmap(group) });
  const head = plan.inodeTableHead !== undefined ? plan.inodeTableHead(group) : inodeTableHead(plan, group);
  const headBlocks = head === undefined ? 0 : head.length / layout.blockSize;
  if (head !== undefined) pieces.push({ block: g.inodeTable, data: head });
  if (layout.inodeTableBlocks > headBlocks) pieces.push({ block: g.inodeTable + headBlocks, zeroBlocks: layout.inodeTableBlocks - headBlocks });
  for (const block of allocated) pieces.push({ block, data: plan.blocks.get(block) as Uint8Array });
  return pieces;
}
