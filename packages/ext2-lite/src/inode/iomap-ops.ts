// ext2's IomapOps for reads and reports (IOMAP-SPEC 4; the kernel's
// ext2_iomap_begin without `create`). One call maps the largest stretch it
// can: a whole physically contiguous run (MAPPED, MERGED when it spans more
// than one block map entry, as kernel ext2 marks it), or a whole hole,
// including every hole subtree under absent indirect blocks.
//
//   iomapBegin(inode, pos, length, op)
//     lblk = pos / bs, max = blocks up to pos + length
//     run  = mapBlockRun(lblk, max)        (block-map-walk.ts)
//     -> MAPPED { addr = run.physical * bs, device or daxDevice }  |  HOLE
//
// Writes are refused with EROFS (part 1 is read-only); there is no iomapEnd.
import {
  CorruptFilesystemError,
  FsError,
  IomapFlags,
  IomapOp,
  IomapType,
  NULL_ADDR,
  type DaxDevice,
  type IomapMapping,
  type IomapOps,
} from '@iomap/core';
import { INODE_FLAGS } from '../format/inode.js';
import { FAST_SYMLINK_AREA } from '../format/symlink.js';
import type { Volume } from '../mount/volume.js';
import { mapBlockRun } from './block-map-walk.js';
import type { Ext2Inode } from './ext2-inode.js';

const REFUSED = IomapOp.Write | IomapOp.Zero | IomapOp.Unshare | IomapOp.Fault;

/**
 * Builds the IomapOps of one mount. `daxDevice` is filled into mappings
 * asked for with IomapOp.Dax. Precondition: vol is mounted.
 */
export function ext2IomapOps(vol: Volume, daxDevice?: DaxDevice): IomapOps<Ext2Inode> {
  const bs = vol.geometry.blockSize;
  return {
    async iomapBegin(inode: Ext2Inode, pos: number, length: number, op: number): Promise<IomapMapping> {
      if ((op & REFUSED) !== 0) {
        throw new FsError('EROFS', `inode ${inode.ino}: the filesystem is mounted read-only (writes arrive with ext2-lite part 2)`, { syscall: 'iomap_begin' });
      }
      checkMappable(inode);
      const lblk = Math.floor(pos / bs);
      const maxBlocks = Math.max(1, Math.ceil((pos + length) / bs) - lblk);
      const run = await mapBlockRun(vol, inode, lblk, maxBlocks);
      const offset = lblk * bs;
      if (run.physical === 0) return { offset, length: run.count * bs, addr: NULL_ADDR, type: IomapType.Hole, flags: 0 };
      const mapping: IomapMapping = {
        offset,
        length: run.count * bs,
        addr: run.physical * bs,
        type: IomapType.Mapped,
        flags: run.count > 1 ? IomapFlags.Merged : 0,
        device: vol.device,
      };
      if ((op & IomapOp.Dax) !== 0 && daxDevice !== undefined) mapping.daxDevice = daxDevice;
      return mapping;
    },
  };
}

/** Only block-mapped inodes have a block map: regular files, directories and slow symlinks. */
export function checkMappable(inode: Ext2Inode): void {
  if ((inode.disk.flags & (INODE_FLAGS.EXTENTS | INODE_FLAGS.INLINE_DATA)) !== 0) {
    throw new CorruptFilesystemError({ structure: `inode ${inode.ino}` }, `i_flags 0x${inode.disk.flags.toString(16)} asks for extents or inline data, which ext2 does not have`);
  }
  // A fast symlink keeps its target text in i_block: nothing there is a block number.
  const fastSymlink = inode.isSymlink && inode.size < FAST_SYMLINK_AREA;
  if ((!inode.isRegular && !inode.isDirectory && !inode.isSymlink) || fastSymlink) {
    throw new FsError('EINVAL', `inode ${inode.ino} (mode 0${inode.mode.toString(8)}) has no block map to report`, { syscall: 'iomap_begin' });
  }
}
