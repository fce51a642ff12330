// Shared setup of the DAX tests: an ExtentMapFs on a MemoryBlockDevice with
// page-sized blocks, one file, and the DaxFile over it. The filesystem is
// built with extendSizeOnEnd: false, so it behaves like ext2 under DAX: the
// engine never changes i_size, the write path of the "filesystem" (daxWrite
// below, the ext2_dax_write_iter of these tests) sets it after the copy.
import { IomapFlags, IomapType, MemoryBlockDevice, PAGE_SIZE, type DaxDevice, type IomapMapping, type IomapOps } from '@iomap/core';
import { ExtentMapFs, IomapOpsSpy, type ExtentMapFsOptions, type ExtentMapInode } from '@iomap/testkit';
import { DaxFile, daxRw, type DaxFlushRange, type DaxRwResult } from '../../src/index.js';
export { patternBytes as pattern, sameBytes } from '@iomap/testkit';

export interface DaxFixture {
  device: MemoryBlockDevice;
  fs: ExtentMapFs;
  inode: ExtentMapInode;
  spy: IomapOpsSpy<ExtentMapInode>;
  file: DaxFile<ExtentMapInode>;
}

export interface FixtureOptions {
  fs?: ExtentMapFsOptions;
  deviceSize?: number;
  shared?: boolean;
  verify?: boolean;
  flushRange?: DaxFlushRange;
  /** Replaces the filesystem's ops (wrapped by the spy) — e.g. a filesystem that breaks a rule. */
  wrapOps?: (fs: ExtentMapFs) => IomapOps<ExtentMapInode>;
  device?: MemoryBlockDevice;
}

/** A DaxFile over `inode` of `fs`, going through `ops` (default: the filesystem itself). */
export function openDax(
  fs: ExtentMapFs,
  inode: ExtentMapInode,
  options: { ops?: IomapOps<ExtentMapInode>; verify?: boolean; flushRange?: DaxFlushRange } = {},
): DaxFile<ExtentMapInode> {
  const init = {
    inode,
    ops: options.ops ?? fs,
    size: () => inode.size,
    blockSize: fs.blockSize,
    name: inode.name,
    verifyZeroedAllocations: options.verify ?? false,
  };
  return new DaxFile(options.flushRange === undefined ? init : { ...init, flushRange: options.flushRange });
}

export async function daxFixture(options: FixtureOptions = {}): Promise<DaxFixture> {
  const device = options.device ?? new MemoryBlockDevice({ size: options.deviceSize ?? 4 << 20, shared: options.shared ?? false });
  const fs = new ExtentMapFs({ device, blockSize: PAGE_SIZE, extendSizeOnEnd: false, ...options.fs });
  const inode = await fs.create('file');
  const spy = new IomapOpsSpy(options.wrapOps ? options.wrapOps(fs) : fs);
  const flush = options.flushRange === undefined ? {} : { flushRange: options.flushRange };
  const file = openDax(fs, inode, { ops: spy, verify: options.verify ?? false, ...flush });
  return { device, fs, inode, spy, file };
}

/** A DAX write as a filesystem's write_iter does it: daxRw, then extend i_size (DAX-1). */
export async function daxWrite(fs: ExtentMapFs, file: DaxFile<ExtentMapInode>, pos: number, data: Uint8Array): Promise<DaxRwResult> {
  const result = await daxRw(file, { pos, write: true }, data);
  if (result.newSize !== undefined) await fs.setSize(file.inode, result.newSize);
  return result;
}

/** A DAX read of up to `length` bytes, returned clipped to what was read. */
export async function daxRead(file: DaxFile<ExtentMapInode>, pos: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  const { bytes } = await daxRw(file, { pos }, out);
  return out.subarray(0, bytes);
}

/** The device address of file position `pos` per the filesystem's extents, or undefined in a hole. */
export function addrOf(fs: ExtentMapFs, inode: ExtentMapInode, pos: number): number | undefined {
  const e = fs.extents(inode).find((x) => pos >= x.offset && pos < x.offset + x.length);
  return e === undefined || e.addr < 0 ? undefined : e.addr + (pos - e.offset);
}

/** Device bytes `[addr, addr + length)`. */
export function deviceBytes(device: DaxDevice, addr: number, length: number): Uint8Array {
  return device.directAccess(addr, length).slice();
}

/**
 * The filesystem, except that it does NOT zero the blocks it allocates for
 * DAX: freshly allocated (NEW, unshared) blocks are filled with `junk`, the
 * stale contents a careless filesystem would hand out (IOMAP-SPEC 2.2 rule 7).
 */
export function junkNewBlocks(fs: ExtentMapFs, junk = 0xaa): IomapOps<ExtentMapInode> {
  return {
    async iomapBegin(inode, pos, length, op) {
      const map = await fs.iomapBegin(inode, pos, length, op);
      if (map.flags & IomapFlags.New && !(map.flags & IomapFlags.Shared) && map.type === IomapType.Mapped) {
        await fs.device.write(map.addr, new Uint8Array(map.length).fill(junk));
      }
      return map;
    },
    iomapEnd: (inode, pos, length, written, op, iomap) => fs.iomapEnd(inode, pos, length, written, op, iomap),
  };
}

/** IomapOps that answer every iomapBegin with `answer(pos, length, op)` and record each call. */
export function stubOps(answer: (pos: number, length: number, op: number) => IomapMapping): IomapOps<string> & { ends: number[] } {
  const ends: number[] = [];
  return {
    ends,
    iomapBegin: async (_inode, pos, length, op) => answer(pos, length, op),
    iomapEnd: async (_inode, _pos, _length, written) => {
      ends.push(written);
    },
  };
}

/** A DaxFile over a stub filesystem: inode `'stub'`, fixed size. */
export function stubFile(ops: IomapOps<string>, size: number, verify = false): DaxFile<string> {
  return new DaxFile({ inode: 'stub', ops, size: () => size, blockSize: PAGE_SIZE, name: 'stub', verifyZeroedAllocations: verify });
}
