// The resize inode (inode 7) and the reserved GDT blocks it owns (EXT2.md 2.4),
// laid out exactly as e2fsck checks it (e2fsprogs ext2fs_create_resize_inode):
//
//   inode 7: regular, 0600, links 1, only i_block[13] (DIND) set,
//            i_size = (apb^2 + apb + 12) * bs  (apb = bs/4; > 2^31 with 4 KiB
//            blocks, which forces large_file), i_blocks = DIND + every
//            reserved GDT block, primary and backups
//   DIND:    slot (desc_blocks + k) % apb = primary reserved GDT block k
//            (block first_data_block + 1 + desc_blocks + k)
//   primary reserved GDT block k, used as an indirect block: its u32 slots
//            list the same block in each backup group, in the order 1, 3, 5,
//            7, 9, 25, 27, 49, ... (primary + group * bpg)
//
// Worked example, 20000 1 KiB blocks (3 groups, desc 1, 78 reserved): DIND
// slot 1 = block 3, slot 2 = 4, ...; block 3 holds [8195, 0, ...] (group 1
// only; group 3 does not exist), and i_blocks = (1 + 78 * 2) * 2 = 314.
import { RO_COMPAT } from '../format/features.js';
import { viewOf } from '../format/fields.js';
import { DIND_BLOCK, NDIR_BLOCKS, RESIZE_INO, S_IF } from '../format/inode.js';
import type { BlockClaims } from './block-claims.js';
import { newInodeBytes } from './initial-tree.js';
import type { Layout } from './layout.js';

/** What the resize inode writes. */
export interface ResizeInodeContent {
  readonly inode: Uint8Array;
  /** DIND block and primary reserved GDT blocks, by block number. */
  readonly blocks: Map<number, Uint8Array>;
  /** i_size: sets large_file when above 2^31 - 1 (ext2fs_inode_size_set). */
  readonly size: number;
}

/** Backup groups in e2fsprogs' list_backups order (1, 3, 5, 7, 9, 25, 27, 49, ...) below `groupCount`. */
export function backupGroupsInOrder(groupCount: number, sparse: boolean): number[] {
  const out: number[] = [];
  if (!sparse) {
    for (let g = 1; g < groupCount; g++) out.push(g);
    return out;
  }
  const next = { three: 1, five: 5, seven: 7 };
  for (;;) {
    let key: keyof typeof next = 'three';
    if (next.five < next[key]) key = 'five';
    if (next.seven < next[key]) key = 'seven';
    const group = next[key];
    if (group >= groupCount) return out;
    out.push(group);
    next[key] = group * (key === 'three' ? 3 : key === 'five' ? 5 : 7);
  }
}

/**
 * Allocates the DIND block (goal: just past group 0's inode table) and encodes
 * inode 7, the DIND block and the primary reserved GDT blocks.
 * Precondition: resize_inode is on; called after the initial tree.
 */
export function buildResizeInode(layout: Layout, claims: BlockClaims, time: number): ResizeInodeContent {
  const bs = layout.blockSize;
  const apb = bs / 4;
  const sbBlock = layout.firstDataBlock;
  const goal = sbBlock + layout.descriptorBlocks + layout.reservedGdtBlocks + 2 + layout.inodeTableBlocks;
  const dind = claims.allocate(goal, 'the resize inode');
  const dindBytes = new Uint8Array(bs);
  const blocks = new Map<number, Uint8Array>([[dind, dindBytes]]);
  const backups = backupGroupsInOrder(layout.groupCount, (layout.features.roCompat & RO_COMPAT.sparse_super) !== 0);
  for (let k = 0; k < layout.reservedGdtBlocks; k++) {
    const primary = sbBlock + 1 + layout.descriptorBlocks + k;
    viewOf(dindBytes).setUint32(((layout.descriptorBlocks + k) % apb) * 4, primary, true);
    const list = new Uint8Array(bs);
    backups.forEach((group, i) => viewOf(list).setUint32(i * 4, primary + group * layout.blocksPerGroup, true));
    blocks.set(primary, list);
  }
  const ownedBlocks = 1 + layout.reservedGdtBlocks * (1 + backups.length);
  const size = (apb * apb + apb + NDIR_BLOCKS) * bs;
  const block = new Array<number>(DIND_BLOCK + 1).fill(0);
  block[DIND_BLOCK] = dind;
  const inode = newInodeBytes(layout, {
    ino: RESIZE_INO,
    mode: S_IF.REG | 0o600,
    size,
    linksCount: 1,
    blocks: ownedBlocks * (bs / 512),
    block,
    time,
    large: true,
  });
  return { inode, blocks, size };
}
