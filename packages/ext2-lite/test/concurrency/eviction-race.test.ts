// Minimal repro found by the concurrency test (concurrency.test.ts, seed
// 100, group g26): files written concurrently under cache pressure lose
// data. Each file gets two sequential pwrites past EOF — [2832, 4160) then
// [4944, 5632) — while 7 other files do the same; with a 32 KiB page-cache
// budget (so writeback and eviction run between the two writes), bytes
// [4096, 4160) of the first write read back as zeros, in memory and after
// remount. Writing the files one after the other does not lose anything;
// neither does a large cache. (Suspected: the 1 KiB block at 4096 is
// written back and its folio evicted, and the second write re-reads the
// block before its pointer is installed, so it sees a hole.)
import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice } from '@iomap/core';
import { mount } from '../../src/index.js';
import { missingE2fsprogs, mke2fsBytes, prerequisites } from '../workload/host-tools.js';
import { concBytes, type ConcFs, type ConcHandle } from './conc-ops.js';

const FILES = 8;

describe.skipIf(!prerequisites('eviction race repro', [missingE2fsprogs()]))('buffered writes under cache pressure (BUF writeback, issue 7 concurrency)', () => {
  it('keeps every byte of two sequential past-EOF pwrites per file while 8 files are written concurrently with a 32 KiB cache', async () => {
    const device = MemoryBlockDevice.from(mke2fsBytes({ blockSize: 1024, size: 16 << 20 }));
    const fs = await mount(device, { readOnly: false, cacheBytes: 32 << 10 });
    const first = concBytes(1, 2, 1328, 2832);
    const second = concBytes(1, 3, 688, 4944);
    const want = new Uint8Array(5632);
    want.set(concBytes(1, 1, 304, 0));
    want.set(first, 2832);
    want.set(second, 4944);
    const damaged = (bytes: Uint8Array): number => {
      for (let i = 0; i < want.length; i++) if (bytes[i] !== want[i]) return i;
      return bytes.length === want.length ? -1 : want.length;
    };
    const report: string[] = [];
    try {
      const fsp = fs.promises as unknown as ConcFs & { open(path: string, flags: string): Promise<ConcHandle & { close(): Promise<void> }> };
      const handles = [];
      for (let i = 0; i < FILES; i++) {
        await fsp.writeFile(`/f${i}`, concBytes(1, 1, 304, 0));
        handles.push(await fsp.open(`/f${i}`, 'r+'));
      }
      await Promise.all(
        handles.map(async (h) => {
          await h.write(first, 0, first.length, 2832);
          await h.write(second, 0, second.length, 4944);
          await h.close();
        }),
      );
      for (let i = 0; i < FILES; i++) {
        const at = damaged(new Uint8Array(await fsp.readFile(`/f${i}`)));
        if (at >= 0) report.push(`/f${i} differs from offset ${at}`);
      }
    } finally {
      await fs.unmount();
    }
    expect(report).toEqual([]);
  });
});
