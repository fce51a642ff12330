// ext2's IomapOps (IOMAP-SPEC 2.2, 2.3; the kernel's ext2_iomap_begin/end).
// One call maps the largest stretch it can:
//
//   block ↓ / op →   read, REPORT, ZERO   buffered WRITE (file)   WRITE dir/symlink   DIRECT WRITE         DAX WRITE
//   published        MAPPED               MAPPED                  MAPPED              MAPPED               MAPPED
//   inflight (wb)    MAPPED               MAPPED                  -                   MAPPED               -
//   reserved         DELALLOC             DELALLOC                -                   ENOTBLK (buffered)   -
//   hole             HOLE                 reserve: DELALLOC|NEW   allocate: MAPPED|NEW inside EOF: ENOTBLK  allocate zeroed:
//                                                                                    past EOF: allocate   MAPPED|NEW
//
// "inflight" blocks were allocated by writeback and get their pointers at
// ioend completion (writeback-ops.ts). iomapEnd gives back reservations a
// short write did not use (BUF-23) and persists the size of directories and
// slow symlinks, whose blocks are published at once.
// The mapping lock (inode.mapLock) is held only inside these callbacks.
import { CorruptFilesystemError, FsError, IomapFlags, IomapOp, IomapType, iomapLastWrittenBlock, type Iomap, type IomapMapping, type IomapOps } from '@iomap/core';
import { writeDelallocRelease } from '@iomap/buffered';
import { INODE_FLAGS } from '../format/inode.js';
import { FAST_SYMLINK_AREA } from '../format/symlink.js';
import type { MountContext } from '../mount/mount-context.js';
import { allocateAndPublish } from './allocate-now.js';
import { currentMapping, locked } from './current-mapping.js';
import type { Ext2Inode } from './ext2-inode.js';
import { markInodeDirty } from './inode-write.js';
import { ownerMayUseReserved, releaseReservation, reserveDelalloc } from './reservation.js';

const CHANGES = IomapOp.Write | IomapOp.Zero | IomapOp.Unshare | IomapOp.Fault;

/** What a begin call made, for iomapEnd (iomap.private). */
interface BeginNote {
  /** Blocks [lblk, lblk + count) were reserved by this call. */
  readonly reserved?: { lblk: number; count: number };
}

/**
 * Builds the IomapOps of one mount; `ctx.daxDevice` is filled into mappings
 * asked for with IomapOp.Dax. Precondition: ctx is being mounted.
 */
export function ext2IomapOps(ctx: MountContext): IomapOps<Ext2Inode> {
  const bs = ctx.vol.geometry.blockSize;
  return {
    async iomapBegin(inode: Ext2Inode, pos: number, length: number, op: number): Promise<IomapMapping> {
      if ((op & CHANGES) !== 0 && ctx.readOnly) {
        throw new FsError('EROFS', `inode ${inode.ino}: the filesystem is mounted read-only`, { syscall: 'iomap_begin' });
      }
      checkMappable(inode);
      const lblk = Math.floor(pos / bs);
      const maxBlocks = Math.max(1, Math.ceil((pos + length) / bs) - lblk);
      const write = (op & IomapOp.Write) !== 0 && (op & IomapOp.Report) === 0;
      const mapping = write ? await writeMapping(ctx, inode, pos, lblk, maxBlocks, op) : await locked(inode, () => currentMapping(ctx, inode, lblk, maxBlocks));
      if ((op & IomapOp.Dax) !== 0 && ctx.daxDevice !== undefined && mapping.type === IomapType.Mapped) mapping.daxDevice = ctx.daxDevice;
      return mapping;
    },

    async iomapEnd(inode: Ext2Inode, pos: number, length: number, written: number, op: number, iomap: Iomap): Promise<void> {
      const note = iomap.private as BeginNote | undefined;
      if (note?.reserved !== undefined && written < length && inode.mapping !== undefined) {
        // BUF-23: give back what this call reserved and nothing dirty covers.
        const from = iomapLastWrittenBlock(bs, pos, written);
        await writeDelallocRelease(inode.mapping, from, pos + length, (file, p, l) => releaseReservation(ctx, file, p, l));
      }
      const published = !inode.isRegular && (op & IomapOp.Write) !== 0;
      if (published && written > 0 && pos + written > inode.disk.size) {
        // Directories and slow symlinks: blocks are published at once, so the size is too.
        await locked(inode, () => {
          inode.disk.size = pos + written;
          markInodeDirty(ctx, inode);
        });
      }
    },
  };
}

async function writeMapping(ctx: MountContext, inode: Ext2Inode, pos: number, lblk: number, maxBlocks: number, op: number): Promise<IomapMapping> {
  if ((op & IomapOp.NoWait) !== 0 && inode.mapLock.locked) {
    throw new FsError('EAGAIN', `inode ${inode.ino}: mapping lock busy and NOWAIT forbids waiting`, { syscall: 'iomap_begin' });
  }
  const privileged = ownerMayUseReserved(ctx, inode);
  const direct = (op & IomapOp.Direct) !== 0;
  const dax = (op & IomapOp.Dax) !== 0;
  const delalloc = inode.isRegular && !direct && !dax && (op & (IomapOp.Zero | IomapOp.Unshare)) === 0;
  if (delalloc) return reserveDelalloc(ctx, inode, lblk, maxBlocks, privileged);
  // Allocating and publishing is one metadata change (a sync sees all of it or none).
  return ctx.barrier.change(() =>
    locked(inode, async () => {
      const current = await currentMapping(ctx, inode, lblk, maxBlocks);
      if (current.type === IomapType.Mapped || (op & (IomapOp.Zero | IomapOp.Unshare)) !== 0) return current;
      if (current.type === IomapType.Delalloc) {
        throw new FsError('ENOTBLK', `inode ${inode.ino}: direct write over cached delayed allocation; falling back to buffered I/O`, { syscall: 'iomap_begin' });
      }
      if (direct && inode.isRegular && pos < inode.size) {
        // ext2's rule: a direct write never fills a hole inside EOF; the page cache does.
        throw new FsError('ENOTBLK', `inode ${inode.ino}: direct write into a hole inside EOF falls back to buffered I/O`, { syscall: 'iomap_begin' });
      }
      if ((op & IomapOp.NoWait) !== 0) {
        throw new FsError('EAGAIN', `inode ${inode.ino}: allocating blocks would block and NOWAIT forbids it`, { syscall: 'iomap_begin' });
      }
      const count = current.length / ctx.vol.geometry.blockSize;
      const run = await allocateAndPublish(ctx, inode, lblk, count, {
        zero: dax,
        privileged,
      });
      const bs = ctx.vol.geometry.blockSize;
      return {
        offset: lblk * bs,
        length: run.count * bs,
        addr: run.first * bs,
        type: IomapType.Mapped,
        flags: IomapFlags.New,
        device: ctx.vol.device,
        validityCookie: inode.mappingCookie,
      };
    })
  );
}

/** Only block-mapped inodes have a block map: regular files, directories and slow symlinks. */
export function checkMappable(inode: Ext2Inode): void {
  if ((inode.disk.flags & (INODE_FLAGS.EXTENTS | INODE_FLAGS.INLINE_DATA)) !== 0) {
    throw new CorruptFilesystemError({ structure: `inode ${inode.ino}` }, `i_flags 0x${inode.disk.flags.toString(16)} asks for extents or inline data, which ext2 does not have`);
  }
  // A fast symlink keeps its target text in i_block: nothing there is a block number.
  const fastSymlink = inode.isSymlink && inode.disk.size < FAST_SYMLINK_AREA;
  if ((!inode.isRegular && !inode.isDirectory && !inode.isSymlink) || fastSymlink) {
    throw new FsError('EINVAL', `inode ${inode.ino} (mode 0${inode.mode.toString(8)}) has no block map to report`, { syscall: 'iomap_begin' });
  }
}
