// An ExerciseTarget whose every data path is DAX: reads and writes alternate
// between daxRw and mapped views (daxMap loads and stores), zeroing is
// daxZeroRange, truncate is daxTruncatePage + awaitLayoutIdle + the
// filesystem's truncate, fsync and remount run daxSync. The filesystem
// (ExtentMapFs) only allocates, maps and frees blocks, and every mutation is
// followed by its consistency check. verifyZeroedAllocations is on, so a
// non-zeroed allocation would fail the run too.
import { FsError } from '@iomap/core';
import type { ExerciseTarget } from '@iomap/testkit';
import { awaitLayoutIdle, daxMap, daxSync, daxTruncatePage, daxZeroRange } from '../../src/index.js';
import { daxFixture, daxRead, daxWrite } from './dax-fixture.js';

export interface DaxTargetCounts {
  rw: number;
  mapped: number;
}

export async function daxTarget(counts: DaxTargetCounts = { rw: 0, mapped: 0 }): Promise<ExerciseTarget> {
  const { fs, inode, file } = await daxFixture({ deviceSize: 8 << 20, verify: true, fs: { allocation: 'random', seed: 3 } });
  let turn = 0;
  const viaMapping = (): boolean => ++turn % 2 === 0;
  return {
    async read(pos, length) {
      const end = Math.min(pos + length, inode.size);
      if (end <= pos) return new Uint8Array(0);
      if (!viaMapping()) {
        counts.rw++;
        return daxRead(file, pos, length);
      }
      counts.mapped++;
      const m = await daxMap(file, pos, end - pos);
      try {
        return m.load(pos, end - pos);
      } finally {
        m.release();
      }
    },
    async write(pos, data) {
      if (data.length > 0 && pos + data.length <= inode.size && viaMapping()) {
        counts.mapped++;
        const m = await daxMap(file, pos, data.length, { write: true });
        m.store(pos, data);
        m.release();
      } else {
        counts.rw++;
        const done = await daxWrite(fs, file, pos, data);
        if (done.bytes !== data.length) throw new FsError('EIO', `short DAX write: ${done.bytes} of ${data.length}`);
      }
      fs.verify();
    },
    async truncate(size) {
      if (size < inode.size) await daxTruncatePage(file, size);
      await awaitLayoutIdle(file, size);
      await fs.truncate(inode, size);
      fs.verify();
    },
    size: async () => inode.size,
    async punchHole(pos, length) {
      await awaitLayoutIdle(file, pos, pos + length);
      await fs.punchHole(inode, pos, length);
      fs.verify();
    },
    async zeroRange(pos, length) {
      const end = Math.min(pos + length, inode.size);
      if (end > pos) await daxZeroRange(file, pos, end - pos);
      fs.verify();
    },
    async fsync() {
      await daxSync(file);
      await fs.fsync(inode);
    },
    async remount() {
      await daxSync(file);
      await fs.fsync(inode);
    },
  };
}
