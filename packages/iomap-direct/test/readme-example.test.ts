// The README's example, word for word (readme-sync.test.ts checks it).
import { expect, it } from 'vitest';
import { DioEndIoFlags, RwSemaphore, type DirectIoOps } from '@iomap/core';
import { ExtentMapFs, type ExtentMapInode } from '@iomap/testkit';
import { DioFlags, dioRwLocked, inodeDioWait, type DirectIocb } from '../src/index.js';

it('writes and reads a file with direct I/O', async () => {
  // A filesystem: ExtentMapFs from @iomap/testkit implements IomapOps. Its
  // direct writes allocate UNWRITTEN blocks, converted when the I/O completes.
  const fs = new ExtentMapFs({ blockSize: 4096, writeAllocation: 'unwritten' });
  const file = await fs.create('db');
  const inodeLock = new RwSemaphore(); // the inode's i_rwsem

  // The filesystem's completion hook: convert what was written (DIO-8).
  const dioOps: DirectIoOps<ExtentMapInode> = {
    async endIo(inode, pos, size, error, flags) {
      if (error === undefined && flags & DioEndIoFlags.Unwritten) await fs.completeUnwritten(inode, pos, size);
    },
  };
  const iocb = (pos: number, direction: 'read' | 'write'): DirectIocb<ExtentMapInode> => ({
    inode: file,
    pos,
    direction,
    size: () => file.size,
    blockSize: fs.blockSize,
    device: fs.device,
  });

  // Aligned writes go straight from this buffer to the device, under the shared lock.
  const data = new Uint8Array(64 * 1024).fill(0x42);
  expect(await dioRwLocked(inodeLock, iocb(0, 'write'), data, fs, dioOps)).toBe(65536);

  // A 512-byte write inside a block: exclusive lock, ForceWait, zeroed around it (DIO-7).
  const small = new Uint8Array(512).fill(0x17);
  expect(await dioRwLocked(inodeLock, iocb(65536 + 512, 'write'), small, fs, dioOps)).toBe(512);
  expect(file.size).toBe(65536 + 1024);

  // Reads are clipped at EOF (DIO-9): 8 KiB asked, 1 KiB left.
  const out = new Uint8Array(8192);
  expect(await dioRwLocked(inodeLock, iocb(65536, 'read'), out, fs, dioOps)).toBe(1024);
  expect([out[0], out[512], out[1023]]).toEqual([0, 0x17, 0x17]);

  // FSBLOCK_ALIGNED refuses what is not block-aligned (DIO-21).
  await expect(dioRwLocked(inodeLock, iocb(512, 'read'), out, fs, dioOps, DioFlags.FsblockAligned)).rejects.toThrow(/EINVAL/);

  // Before truncating: exclusive lock, then wait for in-flight direct I/O (DIO-10).
  await inodeLock.withExclusive(async () => {
    await inodeDioWait(file);
    await fs.truncate(file, 4096);
  });
  fs.verify();
});
