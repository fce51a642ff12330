// The README's example, word for word (readme-sync.test.ts keeps them equal).
import { expect, it } from 'vitest';
import { FsError, IomapFlags, IomapOp, IomapType, MemoryBlockDevice, NULL_ADDR, PAGE_SIZE, type IomapOps } from '@iomap/core';
import { DaxFile, awaitLayoutIdle, daxMap, daxRw, daxSync, daxTruncatePage } from '../src/index.js';

// A tiny filesystem: one file, a table of page-sized blocks. Blocks it
// allocates for DAX are zeroed first: DAX never zeroes for you.
const device = new MemoryBlockDevice({ size: 1 << 20, shared: true }); // a SharedArrayBuffer: workers can read it too
const blocks: number[] = []; // file block -> device block (0 = hole)
let nextFree = 1;
let size = 0; // i_size: the filesystem's to change, never the engine's

const ops: IomapOps<'file'> = {
  async iomapBegin(_inode, pos, _length, op) {
    const index = Math.floor(pos / PAGE_SIZE);
    const offset = index * PAGE_SIZE;
    let block = blocks[index] ?? 0;
    let flags = 0;
    if (block === 0 && op & IomapOp.Write) {
      if ((nextFree + 1) * PAGE_SIZE > device.size) throw new FsError('ENOSPC', 'the device is full');
      block = blocks[index] = nextFree++;
      device.bytes.fill(0, block * PAGE_SIZE, (block + 1) * PAGE_SIZE); // pre-zeroed (IOMAP-SPEC 2.2 rule 7)
      flags = IomapFlags.New;
    }
    if (block === 0) return { offset, length: PAGE_SIZE, addr: NULL_ADDR, type: IomapType.Hole, flags: 0 };
    return { offset, length: PAGE_SIZE, addr: block * PAGE_SIZE, type: IomapType.Mapped, flags, daxDevice: device };
  },
};

it('reads, writes and maps a file straight in device memory', async () => {
  const file = new DaxFile({ inode: 'file', ops, size: () => size, blockSize: PAGE_SIZE, verifyZeroedAllocations: true });

  // write(2): one copy into device memory; then the filesystem extends i_size (DAX-1, DAX-3).
  const { newSize } = await daxRw(file, { pos: 4090, write: true }, new TextEncoder().encode('hello, DAX'));
  size = newSize ?? size; // 4100

  // read(2): holes read as zeros, reads stop at EOF (DAX-2).
  const back = new Uint8Array(16);
  const { bytes } = await daxRw(file, { pos: 4088 }, back);
  expect(bytes).toBe(12);
  expect(new TextDecoder().decode(back.subarray(2, 12))).toBe('hello, DAX');

  // mmap: a write fault allocates and returns views of device memory itself (DAX-5) ...
  const view = await daxMap(file, 0, size, { write: true });
  view.store(0, new TextEncoder().encode('mapped!'));
  expect(view.segments[0]?.view.buffer).toBe(device.bytes.buffer); // no cache, no copy
  view.release();
  // ... and fsync writes back exactly the pages stored to through views (DAX-10).
  expect((await daxSync(file)).pages).toBe(2);

  // truncate to 3 bytes: zero the rest of the EOF block, wait until no view pins
  // the blocks, then shrink and free (DAX-7, DAX-11).
  await daxTruncatePage(file, 3);
  await awaitLayoutIdle(file, 3);
  size = 3;
  blocks.length = 1;
  const all = new Uint8Array(16);
  expect((await daxRw(file, { pos: 0 }, all)).bytes).toBe(3);
  expect(new TextDecoder().decode(all.subarray(0, 3))).toBe('map');
  expect(device.bytes.subarray(PAGE_SIZE + 3, 2 * PAGE_SIZE).every((b) => b === 0)).toBe(true);
});
