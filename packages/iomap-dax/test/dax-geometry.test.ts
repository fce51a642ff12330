// DAX geometry (DAX-12): page-sized blocks, page-aligned mappings.
import { describe, expect, it } from 'vitest';
import { FsError, IomapContractError, IomapType, MemoryBlockDevice, PAGE_SIZE } from '@iomap/core';
import { ExtentMapFs } from '@iomap/testkit';
import { DaxFile, checkDaxGeometry, daxMap, daxRw } from '../src/index.js';
import { pattern, stubFile, stubOps } from './support/dax-fixture.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('DAX geometry (DAX-12)', () => {
  it('rejects DAX on 1 KiB blocks with 4 KiB pages with EINVAL, as a mount-time check (DAX-12)', async () => {
    const fs = new ExtentMapFs({ blockSize: 1024 });
    const inode = await fs.create('a');
    const err = thrown(() => new DaxFile({ inode, ops: fs, size: () => inode.size, blockSize: fs.blockSize, name: 'a' }));
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe('EINVAL');
    expect((err as FsError).path).toBe('a');
    expect((err as Error).message).toMatch(/DAX-12/);
    expect((thrown(() => checkDaxGeometry(8192)) as FsError).code).toBe('EINVAL');
    expect(() => checkDaxGeometry(PAGE_SIZE)).not.toThrow();
  });

  it('refuses a mapping that ends inside a page for a fault, naming DAX-12', async () => {
    const device = new MemoryBlockDevice({ size: 1 << 20 });
    const ops = stubOps((pos) => ({ offset: pos, length: 1024, addr: 8192 + pos, type: IomapType.Mapped, flags: 0, daxDevice: device }));
    const err = await daxMap(stubFile(ops, 4 * PAGE_SIZE), 0, PAGE_SIZE, { write: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IomapContractError);
    expect((err as IomapContractError).specId).toBe('DAX-12');
  });

  it('still reads and overwrites through sub-page mappings, which need no page work (DAX-12)', async () => {
    const device = new MemoryBlockDevice({ size: 1 << 20 });
    const ops = stubOps((pos) => {
      const offset = pos - (pos % 1024);
      return { offset, length: 1024, addr: 8192 + offset, type: IomapType.Mapped, flags: 0, daxDevice: device };
    });
    const file = stubFile(ops, 4 * PAGE_SIZE);
    await daxRw(file, { pos: 1000, write: true }, pattern(100));
    expect(device.bytes.subarray(9192, 9292)).toEqual(pattern(100));
    expect(ops.ends).toEqual([24, 76]);
  });
});
