// The README's example, run as a test (readme-sync.test.ts keeps the two identical).
import { expect, it } from 'vitest';
import { IomapOp, IomapType, MemoryBlockDevice, NULL_ADDR, type IomapOps, type WritebackOps } from '@iomap/core';
import { PageCache, bufferedRead, bufferedWrite } from '../src/index.js';

it('caches, writes back and reads a file of a tiny filesystem', async () => {
  // A tiny filesystem: one file whose blocks are allocated one after the
  // other on a memory device. `blocks[i]` is the device block of file block i.
  const device = new MemoryBlockDevice({ size: 1 << 20 });
  const blockSize = 4096;
  const blocks: number[] = [];
  let nextFree = 1;

  const ops: IomapOps<string> = {
    async iomapBegin(_file, pos, length, op) {
      const first = Math.floor(pos / blockSize);
      if (op & IomapOp.Write) {
        // Allocate every missing block the write touches (the device holds
        // zeros there, so the blocks need no NEW flag to read as zeros).
        const last = Math.ceil((pos + length) / blockSize);
        for (let b = first; b < last; b++) blocks[b] ??= nextFree++;
      }
      const dev = blocks[first];
      if (dev === undefined) return { offset: first * blockSize, length: blockSize, addr: NULL_ADDR, type: IomapType.Hole, flags: 0 };
      let n = 1; // the largest physically contiguous run (iomap's whole point)
      while (blocks[first + n] === dev + n) n++;
      return { offset: first * blockSize, length: n * blockSize, addr: dev * blockSize, type: IomapType.Mapped, flags: 0, device };
    },
  };
  // Writeback asks where dirty data goes: here it is always allocated already.
  const writebackOps: WritebackOps<string> = {
    writebackRange: (file, pos) => ops.iomapBegin(file, pos, 1, IomapOp.Read),
  };

  const cache = new PageCache({ budget: 16 << 20 });
  const file = cache.createAddressSpace({ inode: 'hello.txt', ops, writebackOps, blockSize, size: 0 });
  const handle = file.errseq.sample(); // what an open file handle keeps for fsync

  const text = new TextEncoder().encode('Hello, page cache!\n'.repeat(1000));
  expect(await bufferedWrite(file, 0, text)).toBe(text.length); // into the cache: dirty folios
  expect(file.size).toBe(text.length);
  expect(cache.stats.dirty).toBeGreaterThan(0);

  await file.fsync(handle); // one device write for the contiguous blocks, then clean
  expect(cache.stats.dirty).toBe(0);
  expect(new TextDecoder().decode(device.bytes.subarray(4096, 4096 + 19))).toBe('Hello, page cache!\n');

  const back = new Uint8Array(19);
  expect(await bufferedRead(file, 19 * 999, back)).toBe(19); // served from the cache
  expect(new TextDecoder().decode(back)).toBe('Hello, page cache!\n');
});
