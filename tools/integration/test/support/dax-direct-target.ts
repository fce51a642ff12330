// One ExtentMapFs file in DAX mode (a MemoryBlockDevice with 4 KiB blocks,
// so every mapping carries the device as its DAX device) read and written
// both through daxRw and through dioRw. Neither engine caches anything: both
// copy straight to and from device memory, so they are coherent by
// construction — the exerciser proves it. There is deliberately no page
// cache here: a DAX inode has no page cache (the kernel's S_DAX), so mixing
// buffered I/O with DAX on one file is not a supported combination.
import { FsError, MemoryBlockDevice, PAGE_SIZE, RwSemaphore } from '@iomap/core';
import { DaxFile, awaitLayoutIdle, daxRw, daxSync, daxTruncatePage, daxZeroRange } from '@iomap/dax';
import { dioRwLocked, inodeDioCount, type DirectIocb } from '@iomap/direct';
import { ExtentMapFs, type ExerciseTarget, type ExtentMapFsOptions, type ExtentMapInode } from '@iomap/testkit';

export interface DaxDirectCounts {
  daxReads: number;
  daxWrites: number;
  directReads: number;
  directWrites: number;
}

export function newDaxDirectCounts(): DaxDirectCounts {
  return { daxReads: 0, daxWrites: 0, directReads: 0, directWrites: 0 };
}

export async function daxDirectTarget(fsOptions: ExtentMapFsOptions = {}, counts: DaxDirectCounts = newDaxDirectCounts()): Promise<ExerciseTarget> {
  const device = new MemoryBlockDevice({ size: 8 << 20 });
  const fs = new ExtentMapFs({ ...fsOptions, device, blockSize: PAGE_SIZE });
  const inode = await fs.create('dax');
  const file = new DaxFile({ inode, ops: fs, size: () => inode.size, blockSize: fs.blockSize, name: 'dax', verifyZeroedAllocations: true });
  const rwsem = new RwSemaphore();
  const dioOps = fs.directIoOps();
  const iocb = (pos: number, direction: 'read' | 'write'): DirectIocb<ExtentMapInode> => ({
    inode,
    pos,
    direction,
    size: () => inode.size,
    blockSize: fs.blockSize,
    device,
    queueDepth: 4,
    maxRequestBytes: 16 << 10,
  });
  const after = <T>(value: T): T => {
    if (inodeDioCount(inode) !== 0) throw new FsError('EIO', 'a direct I/O is still counted in flight');
    fs.verify();
    return value;
  };
  return {
    directAlignment: device.logicalBlockSize,
    async read(pos, length) {
      counts.daxReads++;
      const out = new Uint8Array(length);
      const { bytes } = await daxRw(file, { pos }, out);
      return after(out.subarray(0, bytes));
    },
    async write(pos, data) {
      counts.daxWrites++;
      const result = await daxRw(file, { pos, write: true }, data);
      if (result.bytes !== data.length) throw new FsError('EIO', `short DAX write ${result.bytes} of ${data.length}`);
      if (result.newSize !== undefined) await fs.setSize(inode, result.newSize);
      after(undefined);
    },
    async directRead(pos, length) {
      counts.directReads++;
      const out = new Uint8Array(length);
      const n = await dioRwLocked(rwsem, iocb(pos, 'read'), out, fs, dioOps);
      return after(out.subarray(0, n));
    },
    async directWrite(pos, data) {
      counts.directWrites++;
      const n = await dioRwLocked(rwsem, iocb(pos, 'write'), data, fs, dioOps);
      if (n < data.length) {
        // ENOTBLK fallback: a DAX file's "buffered" path is DAX itself.
        const rest = await daxRw(file, { pos: pos + n, write: true }, data.subarray(n));
        if (rest.newSize !== undefined) await fs.setSize(inode, rest.newSize);
      }
      after(undefined);
    },
    async truncate(size) {
      if (size < inode.size) await daxTruncatePage(file, size);
      await awaitLayoutIdle(file, size);
      await fs.truncate(inode, size);
      after(undefined);
    },
    size: async () => inode.size,
    async punchHole(pos, length) {
      await awaitLayoutIdle(file, pos, pos + length);
      await fs.punchHole(inode, pos, length);
      after(undefined);
    },
    async zeroRange(pos, length) {
      const end = Math.min(pos + length, inode.size);
      if (end > pos) await daxZeroRange(file, pos, end - pos);
      after(undefined);
    },
    async fsync() {
      await daxSync(file);
      await fs.fsync(inode);
      after(undefined);
    },
  };
}
