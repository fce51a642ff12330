// A tiny read-only filesystem on @iomap/core: one sparse file whose extent map
// lives in memory, one IomapOps that reports it, and what iomap gives for
// free on top — a read loop, FIEMAP, SEEK_DATA/SEEK_HOLE, bmap and a
// swapfile check. `npm run example` prints the report.
import {
  FiemapExtentFlag,
  FsError,
  IomapFlags,
  IomapIter,
  IomapOp,
  IomapType,
  MemoryBlockDevice,
  Mutex,
  NULL_ADDR,
  bmap,
  describeIomap,
  fiemap,
  iomapAddress,
  iomapLoop,
  iomapProcess,
  isFsError,
  seekData,
  seekHole,
  swapfileActivate,
  type IomapMapping,
  type IomapOps,
  type PageCacheSeek,
} from '@iomap/core';

const BLOCK = 4096;
const device = new MemoryBlockDevice({ size: 64 * BLOCK });

/** The in-memory inode: EOF, extents sorted by offset (gaps are holes), and the fs mapping lock. */
interface Inode {
  size: number;
  extents: Omit<IomapMapping, 'device'>[];
  mappingLock: Mutex;
}

// File blocks: 0-1 data | 2-3 hole | 4-5 unwritten | 6 delalloc | 7-8 shared data | 9 hole (EOF at 10).
const file: Inode = {
  size: 10 * BLOCK,
  mappingLock: new Mutex(),
  extents: [
    { offset: 0, length: 2 * BLOCK, addr: 16 * BLOCK, type: IomapType.Mapped, flags: IomapFlags.Merged },
    { offset: 4 * BLOCK, length: 2 * BLOCK, addr: 32 * BLOCK, type: IomapType.Unwritten, flags: 0 },
    { offset: 6 * BLOCK, length: BLOCK, addr: NULL_ADDR, type: IomapType.Delalloc, flags: 0 },
    { offset: 7 * BLOCK, length: 2 * BLOCK, addr: 18 * BLOCK, type: IomapType.Mapped, flags: IomapFlags.Shared },
  ],
};

const ops: IomapOps<Inode> = {
  // Return the *largest* mapping that contains `pos` (CORE-6). The mapping
  // lock is held only while the extent map is read, never after returning.
  async iomapBegin(inode, pos, length, op) {
    if (op & IomapOp.Write) throw new FsError('EROFS', 'this example filesystem is read-only', { syscall: 'write' });
    return inode.mappingLock.runExclusive(() => {
      const next = inode.extents.find((e) => pos < e.offset + e.length);
      if (next !== undefined && next.offset <= pos) return { ...next, device };
      const end = next?.offset ?? pos + length; // a hole up to the next extent, or to the end of the request
      return { offset: pos, length: end - pos, addr: NULL_ADDR, type: IomapType.Hole, flags: 0 };
    });
  },
};

// The page cache, as seek sees it: only block 5 (inside the unwritten extent) holds uptodate data.
const cachedBlocks = new Set([5]);
const cache: PageCacheSeek = {
  seekHoleData(start, end, whence) {
    for (let pos = start; pos < end; pos = (Math.floor(pos / BLOCK) + 1) * BLOCK) {
      if (cachedBlocks.has(Math.floor(pos / BLOCK)) === (whence === 'data')) return pos;
    }
    return whence === 'hole' ? end : undefined;
  },
};

/** Names of the bits of `flags` in a flag table such as IomapFlags or FiemapExtentFlag. */
function flagNames(table: Record<string, number>, flags: number): string {
  const names = Object.entries(table).filter(([, bit]) => flags & bit).map(([name]) => name);
  return names.length === 0 ? '-' : names.join('|');
}

/** A read through the iterator: MAPPED from the device; HOLE, UNWRITTEN and DELALLOC read as zeros. */
async function read(inode: Inode, pos: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  const iter = new IomapIter({ inode, pos, length, op: IomapOp.Read });
  await iomapProcess(iter, ops, async (it) => {
    const n = it.iomapLength();
    const dev = it.iomap.device;
    if (it.iomap.type === IomapType.Mapped && dev !== undefined) {
      await dev.read(iomapAddress(it.iomap, it.pos), out.subarray(it.pos - pos, it.pos - pos + n));
    }
    it.advance(n);
  });
  return out;
}

/** Prints a seek-style answer: the offset, or the error code (ENXIO, …). */
async function show(label: string, answer: Promise<number>): Promise<void> {
  try {
    console.log(`  ${label.padEnd(18)} = ${await answer}`);
  } catch (err) {
    if (!isFsError(err)) throw err;
    console.log(`  ${label.padEnd(18)} -> ${err.code}`);
  }
}

await device.write(16 * BLOCK, new TextEncoder().encode('hello from file block 0'));
await device.write(18 * BLOCK, new TextEncoder().encode('shared data at file block 7'));
const { size } = file;
console.log(`sparse file: ${size} bytes, block size ${BLOCK}, device ${device.size} bytes`);

console.log('\nmappings (iomapBegin with IomapOp.Report, one per loop step):');
await iomapLoop(new IomapIter({ inode: file, pos: 0, length: size, op: IomapOp.Report }), ops, (it) => {
  console.log(`  at ${String(it.pos).padStart(5)}: ${describeIomap(it.iomap)} flags ${flagNames(IomapFlags, it.iomap.flags)}`);
  it.advanceFull();
});

console.log('\nfiemap [0, size):');
const { extents } = await fiemap(file, ops, { start: 0, length: size }, { maxBytes: 2 ** 40 });
for (const e of extents) {
  console.log(`  logical ${e.logical} physical ${e.physical} length ${e.length} flags ${flagNames(FiemapExtentFlag, e.flags)}`);
}

console.log('\nseek (page cache: block 5 uptodate):');
await show('seekData(0)', seekData(file, ops, 0, { size, cache }));
await show('seekHole(0)', seekHole(file, ops, 0, { size, cache }));
await show(`seekData(${2 * BLOCK})`, seekData(file, ops, 2 * BLOCK, { size, cache }));
await show(`seekHole(${4 * BLOCK})`, seekHole(file, ops, 4 * BLOCK, { size, cache }));
await show(`seekHole(${5 * BLOCK})`, seekHole(file, ops, 5 * BLOCK, { size, cache }));
await show(`seekData(${9 * BLOCK})`, seekData(file, ops, 9 * BLOCK, { size, cache }));
await show(`seekHole(${size})`, seekHole(file, ops, size, { size, cache }));

const physical: number[] = [];
for (let block = 0; block < size / BLOCK; block++) physical.push(await bmap(file, ops, block, { blockSize: BLOCK }));
console.log(`\nbmap, file block -> device block (0 = none): ${physical.join(' ')}`);

const text = (bytes: Uint8Array): string => JSON.stringify(new TextDecoder().decode(bytes));
console.log(`\nread [0, +23): ${text(await read(file, 0, 23))}`);
console.log(`read [${7 * BLOCK}, +27): ${text(await read(file, 7 * BLOCK, 27))}`);
console.log(`read [${4 * BLOCK}, +8): ${(await read(file, 4 * BLOCK, 8)).join(' ')} (UNWRITTEN reads as zeros)`);

await swapfileActivate(file, ops, { size, device }).catch((err: unknown) => {
  if (!(err instanceof FsError)) throw err;
  console.log(`\nswapfileActivate -> ${err.message}`);
});
