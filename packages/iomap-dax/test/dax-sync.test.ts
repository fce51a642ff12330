// daxSync (DAX-10): flushing exactly the pages dirtied through write views.
import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice, PAGE_SIZE, type DaxDevice } from '@iomap/core';
import { daxMap, daxRw, daxSync } from '../src/index.js';
import { addrOf, daxFixture, daxWrite, pattern } from './support/dax-fixture.js';

/** A memory device that counts flushes. */
class CountingDevice extends MemoryBlockDevice {
  flushes = 0;
  override async flush(): Promise<void> {
    this.flushes++;
    await super.flush();
  }
}

/** A fixture whose flushRange hook records every flushed [addr, length). */
async function recording() {
  const flushed: [number, number][] = [];
  const device = new CountingDevice({ size: 4 << 20 });
  const fx = await daxFixture({
    device,
    flushRange: (dev: DaxDevice, addr, length) => {
      expect(dev).toBe(device);
      flushed.push([addr, length]);
    },
  });
  return { ...fx, device, flushed };
}

describe('DAX writeback (DAX-10)', () => {
  it('flushes exactly the pages dirtied through write views, then the device (DAX-10)', async () => {
    const { fs, inode, file, flushed, device } = await recording();
    await fs.setSize(inode, 4 * PAGE_SIZE);
    // Pages 1 and 3: adjacent on the device (blocks are allocated in order), not in the file.
    for (const page of [1, 3]) {
      const m = await daxMap(file, page * PAGE_SIZE, 1, { write: true });
      m.store(page * PAGE_SIZE, pattern(8, page));
      m.release();
    }
    flushed.length = 0;
    const result = await daxSync(file);
    expect(result.pages).toBe(2);
    expect(flushed).toEqual([
      [addrOf(fs, inode, PAGE_SIZE), PAGE_SIZE],
      [addrOf(fs, inode, 3 * PAGE_SIZE), PAGE_SIZE],
    ]);
    expect(device.flushes).toBe(1);
    flushed.length = 0;
    expect(await daxSync(file)).toEqual({ pages: 0, ranges: 0 }); // clean now
    expect(flushed).toEqual([]);
  });

  it('flushes adjacent dirty pages as one range (DAX-10)', async () => {
    const { fs, inode, file, flushed } = await recording();
    await fs.setSize(inode, 3 * PAGE_SIZE);
    const m = await daxMap(file, 0, 3 * PAGE_SIZE, { write: true });
    m.release();
    flushed.length = 0;
    expect(await daxSync(file)).toEqual({ pages: 3, ranges: 1 });
    expect(flushed).toEqual([[addrOf(fs, inode, 0), 3 * PAGE_SIZE]]);
  });

  it('flushes daxRw stores as they are made, not again at sync (DAX-10)', async () => {
    const { fs, file, flushed, device } = await recording();
    await daxWrite(fs, file, 100, pattern(50));
    expect(flushed).toEqual([[addrOf(fs, file.inode, 100), 50]]);
    flushed.length = 0;
    expect(await daxSync(file)).toEqual({ pages: 0, ranges: 0 });
    expect(flushed).toEqual([]);
    expect(device.flushes).toBe(1); // the device still gets its flush (persistence barrier)
  });

  it('keeps pages under a live writable view dirty across syncs until it is released (DAX-10)', async () => {
    const { fs, inode, file, flushed } = await recording();
    await fs.setSize(inode, PAGE_SIZE);
    const m = await daxMap(file, 0, PAGE_SIZE, { write: true });
    expect((await daxSync(file)).pages).toBe(1);
    m.store(0, pattern(4)); // no fault can tell us about this store
    expect((await daxSync(file)).pages).toBe(1);
    m.release();
    expect((await daxSync(file)).pages).toBe(1);
    expect((await daxSync(file)).pages).toBe(0);
    expect(flushed).toHaveLength(3);
  });

  it('syncs only the requested range (DAX-10)', async () => {
    const { fs, inode, file, flushed } = await recording();
    await fs.setSize(inode, 4 * PAGE_SIZE);
    (await daxMap(file, 0, 4 * PAGE_SIZE, { write: true })).release();
    flushed.length = 0;
    expect((await daxSync(file, PAGE_SIZE, 2 * PAGE_SIZE)).pages).toBe(1);
    expect(flushed).toEqual([[addrOf(fs, inode, PAGE_SIZE), PAGE_SIZE]]);
    expect((await daxSync(file)).pages).toBe(3);
  });

  it('forgets dirty pages whose blocks copy on write replaced (DAX-10, DAX-4)', async () => {
    const { fs, inode, file } = await recording();
    await daxWrite(fs, file, 0, pattern(PAGE_SIZE));
    (await daxMap(file, 0, PAGE_SIZE, { write: true })).release();
    await fs.clone(inode, 'b');
    await daxRw(file, { pos: 10, write: true }, pattern(4)); // COW: a moves to a new block
    expect((await daxSync(file)).pages).toBe(0);
  });
});
