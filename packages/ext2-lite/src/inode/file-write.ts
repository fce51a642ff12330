// Writing file data (the kernel's ext2_file_write_iter), one of three paths:
//
//   dax mount                  -> daxRw: blocks allocated zeroed, one copy into device memory
//   O_DIRECT, or direct mount  -> dioRw (cache written back and invalidated first);
//   and aligned
//                                 a hole inside EOF answers ENOTBLK and the rest
//                                 goes through the page cache, then is written
//                                 back and dropped, as ext2 does
//   otherwise                  -> bufferedWrite: delayed allocation
//
// then mtime/ctime. Every path runs under the inode lock held exclusively.
// Also open/release (openers keep an unlinked inode alive).
import { DioEndIoFlags, FsError, isFsError, type DirectIoOps } from '@iomap/core';
import { bufferedWrite, writebackPass, type AddressSpace } from '@iomap/buffered';
import { DaxFile, daxRw } from '@iomap/dax';
import { dioRw } from '@iomap/direct';
import { maxFileSize } from '../format/block-map.js';
import { dataMapping, type MountContext } from '../mount/mount-context.js';
import { setInodeTimes } from '../namespace/inode-times.js';
import { locked } from './current-mapping.js';
import type { Ext2Inode } from './ext2-inode.js';
import { noteFileSize } from './file-size.js';
import { evictInode, markInodeDirty } from './inode-write.js';

/** Refuses changes on a read-only mount and to what is not a regular file. */
export function checkWritableFile(ctx: MountContext, inode: Ext2Inode, syscall: string): void {
  if (ctx.readOnly) throw new FsError('EROFS', 'the filesystem is mounted read-only', { syscall });
  if (inode.evicted) throw new FsError('EIO', `inode ${inode.ino} was deleted`, { syscall });
  if (inode.isDirectory) throw new FsError('EISDIR', `inode ${inode.ino} is a directory`, { syscall });
  if (!inode.isRegular) throw new FsError('EINVAL', `inode ${inode.ino} (mode 0${inode.mode.toString(8)}) is not a regular file`, { syscall });
}

/** The DAX access object of `inode`. */
export function daxFileOf(ctx: MountContext, inode: Ext2Inode): DaxFile<Ext2Inode> {
  inode.dax ??= new DaxFile<Ext2Inode>({ inode, ops: ctx.ops, size: () => inode.size, blockSize: ctx.vol.geometry.blockSize, name: `inode ${inode.ino}` });
  return inode.dax;
}

/** Direct-I/O completion: an extending write moves i_size (on disk and in the cache) once its data is there. */
export function directIoOps(ctx: MountContext): DirectIoOps<Ext2Inode> {
  return {
    async endIo(inode, pos, size, error, flags) {
      if (error !== undefined || size === 0 || (flags & DioEndIoFlags.Write) === 0) return;
      const end = pos + size;
      await locked(inode, () => {
        if (noteFileSize(ctx, inode, end)) markInodeDirty(ctx, inode);
      });
      if (inode.mapping !== undefined && end > inode.mapping.size) inode.mapping.setSize(end);
    },
  };
}

/**
 * Dirty bytes of one file at which its writer starts writeback itself
 * (write-behind): a streaming writer then hands the device whole multi-MiB
 * runs, allocated in one go, before the page cache's dirty throttling
 * would flush it in small slices.
 */
const WRITE_BEHIND_BYTES = 4 << 20;
/** Write-behind batches a file keeps in flight before its writer waits (4 x 4 MiB + 4 MiB dirty stays under the default 32 MiB dirty limit). */
const WRITE_BEHIND_INFLIGHT = 4;

/**
 * Starts writeback of `mapping` once it holds WRITE_BEHIND_BYTES of dirty
 * folios, first waiting while WRITE_BEHIND_INFLIGHT batches are still in
 * flight: a streaming writer then stays below the cache's dirty limit
 * (whose throttling would flush it folio by folio) while the device always
 * has several large requests to work on.
 */
async function writeBehind(mapping: AddressSpace<Ext2Inode>): Promise<void> {
  if (mapping.dirtyFolios.size * mapping.maxFolioSize < WRITE_BEHIND_BYTES) return;
  if (bytesOf(mapping.dirtyFolios) < WRITE_BEHIND_BYTES) return;
  // Wait for the oldest batches only, so the device is never left idle.
  while (bytesOf(mapping.writebackFolios) >= WRITE_BEHIND_INFLIGHT * WRITE_BEHIND_BYTES) {
    const oldest = mapping.writebackFolios.values().next().value;
    if (oldest === undefined) break;
    await oldest.waitWriteback();
  }
  await writebackPass(mapping as AddressSpace<unknown>, { start: 0, end: Number.MAX_SAFE_INTEGER, sync: false });
}

function bytesOf(folios: ReadonlySet<{ readonly size: number }>): number {
  let n = 0;
  for (const folio of folios) n += folio.size;
  return n;
}

/** The bytes of a write at `pos` the block map can hold (EFBIG when none). */
function writableLength(ctx: MountContext, pos: number, length: number): number {
  const max = maxFileSize(ctx.vol.geometry.blockSize);
  if (pos >= max) throw new FsError('EFBIG', `offset ${pos} is at or past the largest ext2 file (${max} bytes with ${ctx.vol.geometry.blockSize}-byte blocks)`, { syscall: 'write' });
  return Math.min(length, max - pos);
}

async function writeDirect(ctx: MountContext, inode: Ext2Inode, pos: number, data: Uint8Array): Promise<number> {
  const mapping = inode.mapping;
  const iocb = {
    inode,
    pos,
    direction: 'write' as const,
    size: () => inode.size,
    blockSize: ctx.vol.geometry.blockSize,
    device: ctx.vol.device,
    ...(mapping === undefined ? {} : { cache: mapping }),
  };
  let done: number;
  try {
    done = await dioRw(iocb, data, ctx.ops, directIoOps(ctx));
  } catch (err) {
    // The cache over the range could not be dropped: the whole write goes buffered.
    if (!isFsError(err, 'ENOTBLK')) throw err;
    done = 0;
  }
  if (done >= data.length) return done;
  // ENOTBLK: the rest through the page cache, then written back and dropped (ext2's fallback).
  const cache = dataMapping(ctx, inode);
  const start = pos + done;
  const rest = await bufferedWrite(cache, start, data.subarray(done));
  await cache.writeAndWaitRange(start, start + rest);
  await cache.invalidateRange(start, start + rest).catch(() => undefined);
  return done + rest;
}

/**
 * Writes `data` at `pos` of regular file `inode`; resolves the bytes
 * written (short only at the size limit or after an error past the first
 * byte). mtime and ctime are set when anything was written.
 */
export async function writeFileData(ctx: MountContext, inode: Ext2Inode, pos: number, data: Uint8Array, oDirect = false): Promise<number> {
  checkWritableFile(ctx, inode, 'write');
  if (data.length === 0) return 0;
  const release = await inode.lock.acquireExclusive();
  try {
    const chunk = data.subarray(0, writableLength(ctx, pos, data.length));
    let written: number;
    if (ctx.daxDevice !== undefined) {
      const result = await daxRw(daxFileOf(ctx, inode), { pos, write: true }, chunk);
      written = result.bytes;
      if (result.newSize !== undefined) {
        const end = result.newSize;
        await locked(inode, () => noteFileSize(ctx, inode, end));
      }
    } else {
      const lbs = ctx.vol.device.logicalBlockSize;
      // O_DIRECT always goes direct (misalignment is EINVAL); the mount option only when aligned.
      const direct = oDirect || (ctx.direct && pos % lbs === 0 && chunk.length % lbs === 0);
      if (direct) {
        written = await writeDirect(ctx, inode, pos, chunk);
      } else {
        const mapping = dataMapping(ctx, inode);
        written = await bufferedWrite(mapping, pos, chunk);
        await writeBehind(mapping);
      }
    }
    if (written > 0) {
      setInodeTimes(inode.disk, ctx.now(), ['mtime', 'ctime']);
      markInodeDirty(ctx, inode);
    }
    return written;
  } finally {
    release();
  }
}

/** open(2) of `inode`: counts the opener (an unlinked inode lives until the last release). */
export async function openFile(inode: Ext2Inode): Promise<void> {
  inode.openers++;
}

/** The last close of an open: frees an unlinked inode nobody holds any more. */
export async function releaseFile(ctx: MountContext, inode: Ext2Inode): Promise<void> {
  if (inode.openers > 0) inode.openers--;
  if (inode.openers === 0 && inode.disk.linksCount === 0 && !inode.evicted && !ctx.readOnly) {
    const release = await inode.lock.acquireExclusive();
    try {
      await evictInode(ctx, inode);
    } finally {
      release();
    }
  }
}
