// File data writes on images made by mke2fs -t ext2 with 1, 2 and 4 KiB
// blocks (EXT2.md 3.4, 6.2): sequential files crossing the direct /
// indirect / double-indirect (and triple-indirect) boundaries, sparse files,
// overwrites, truncate down and up, fallocate and hole punching. After
// every scenario: unmount, `e2fsck -fn` silent, and a read-only remount
// shows exactly the bytes of the model.
import { afterEach, describe, expect, it } from 'vitest';
import { FallocateFlag } from '@iomap/vfs';
import { patternBytes } from '@iomap/testkit';
import { FileModel, firstDifference, fsckProblems, haveTools, mountFile, readAll, scratchImage, type Scratch } from './engine-support.js';

const suite = haveTools() ? describe : describe.skip;
const KiB = 1024;

/** Logical block where IND, DIND and TIND start for `bs`. */
function boundaries(bs: number): { ind: number; dind: number; tind: number } {
  const apb = bs / 4;
  return { ind: 12, dind: 12 + apb, tind: 12 + apb + apb * apb };
}

suite.each([1024, 2048, 4096])('file writes with %i-byte blocks', (bs) => {
  let scratch: Scratch | undefined;
  afterEach(() => scratch?.cleanup());

  /** Mounts a fresh image with /f and /g, runs `work`, unmounts; then fsck and a read-only check of /f against the model. */
  async function scenario(work: (ctx: { fs: import('../../src/index.js').Ext2Filesystem; model: FileModel }) => Promise<void>, sizeBytes = 16 << 20): Promise<void> {
    scratch = scratchImage({ blockSize: bs, sizeBytes, files: { f: undefined, g: undefined } });
    const model = new FileModel();
    const m = await mountFile(scratch.img, { now: () => 1_700_000_000_000_000_000n });
    try {
      await work({ fs: m.fs, model });
    } finally {
      await m.close();
    }
    expect(fsckProblems(scratch.img)).toEqual([]);
    const ro = await mountFile(scratch.img, { readOnly: true });
    try {
      const back = await readAll(ro.fs, '/f');
      expect(back.length).toBe(model.size);
      expect(firstDifference(back, model.content)).toBe(-1);
    } finally {
      await ro.close();
    }
  }

  it('writes a file sequentially across the IND and DIND boundaries (EXT2.md 3.4)', async () => {
    await scenario(async ({ fs, model }) => {
      const f = await fs.inodeAt('/f');
      const total = (boundaries(bs).dind + 300) * bs + 123;
      const data = patternBytes(total, bs);
      for (let pos = 0; pos < total; pos += 100_000) {
        const chunk = data.subarray(pos, Math.min(total, pos + 100_000));
        expect(await fs.write(f, pos, chunk)).toBe(chunk.length);
        model.write(pos, chunk);
      }
      expect((await fs.getattr(f)).size).toBe(total);
      await fs.fsync(f, false);
    }, 32 << 20);
  });

  it('writes sparse blocks, each in its own indirect subtree, and reads holes as zeros', async () => {
    await scenario(async ({ fs, model }) => {
      const f = await fs.inodeAt('/f');
      const { ind, dind } = boundaries(bs);
      for (const [i, lblk] of [3, ind + 5, dind + 2, dind + bs / 4 + 7, 40].entries()) {
        const data = patternBytes(bs + 17, i + 1);
        const pos = lblk * bs + 100;
        expect(await fs.write(f, pos, data)).toBe(data.length);
        model.write(pos, data);
      }
    });
  });

  it('maps a block past the triple-indirect boundary of a sparse file', async () => {
    scratch = scratchImage({ blockSize: bs, sizeBytes: 8 << 20, files: { f: undefined } });
    const pos = boundaries(bs).tind * bs + 5 * bs + 11;
    const data = patternBytes(3 * bs, 99);
    const m = await mountFile(scratch.img);
    try {
      const f = await m.fs.inodeAt('/f');
      expect(await m.fs.write(f, pos, data)).toBe(data.length);
    } finally {
      await m.close();
    }
    expect(fsckProblems(scratch.img)).toEqual([]);
    const ro = await mountFile(scratch.img, { readOnly: true });
    try {
      const f = await ro.fs.inodeAt('/f');
      expect((await ro.fs.getattr(f)).size).toBe(pos + data.length);
      // 4 data blocks (3 blocks of data starting 11 bytes in) + TIND + DIND + IND
      expect((await ro.fs.getattr(f)).blocks).toBe((4 + 3) * (bs / 512));
      const back = new Uint8Array(data.length + 64);
      expect(await ro.fs.read(f, pos - 64, back)).toBe(data.length + 64);
      expect(back.subarray(0, 64).every((b) => b === 0)).toBe(true);
      expect(firstDifference(back.subarray(64), data)).toBe(-1);
    } finally {
      await ro.close();
    }
  });

  it('overwrites published blocks in place and keeps i_blocks', async () => {
    await scenario(async ({ fs, model }) => {
      const f = await fs.inodeAt('/f');
      const first = patternBytes(40 * bs, 1);
      await fs.write(f, 0, first);
      model.write(0, first);
      await fs.fsync(f, false);
      const blocks = (await fs.getattr(f)).blocks;
      const patch = patternBytes(5 * bs + 3, 2);
      await fs.write(f, 7 * bs - 1, patch);
      model.write(7 * bs - 1, patch);
      await fs.sync();
      expect((await fs.getattr(f)).blocks).toBe(blocks);
    });
  });

  it('truncates down into the direct, IND and DIND ranges and back up (zeroing the cut block)', async () => {
    const { ind, dind } = boundaries(bs);
    for (const cut of [dind * bs + 77, (ind + 3) * bs + 1, 5 * bs - 1, 0]) {
      await scenario(async ({ fs, model }) => {
        const f = await fs.inodeAt('/f');
        const data = patternBytes((dind + 40) * bs, cut + 1);
        await fs.write(f, 0, data);
        model.write(0, data);
        if (cut % 2 === 1) await fs.fsync(f, false); // half the cases with the blocks published first
        await fs.truncate(f, cut);
        model.truncate(cut);
        await fs.truncate(f, cut + 3 * bs);
        model.truncate(cut + 3 * bs);
        const tail = patternBytes(10, 5);
        await fs.write(f, cut + 2 * bs, tail);
        model.write(cut + 2 * bs, tail);
      }, 32 << 20);
      scratch?.cleanup();
      scratch = undefined;
    }
  });

  it('preallocates zeroed blocks with fallocate (mode 0 and KEEP_SIZE) and punches holes', async () => {
    await scenario(async ({ fs, model }) => {
      const f = await fs.inodeAt('/f');
      const data = patternBytes(30 * bs, 3);
      await fs.write(f, 0, data);
      model.write(0, data);
      await fs.fallocate(f, 25 * bs, 20 * bs, 0);
      model.truncate(45 * bs);
      expect((await fs.getattr(f)).size).toBe(45 * bs);
      // KEEP_SIZE past EOF allocates nothing there: e2fsck rejects blocks past i_size on ext2.
      const before = (await fs.getattr(f)).blocks;
      await fs.fallocate(f, 45 * bs, 8 * bs, FallocateFlag.KeepSize);
      expect((await fs.getattr(f)).size).toBe(45 * bs);
      expect((await fs.getattr(f)).blocks).toBe(before);
      await fs.fallocate(f, 3 * bs + 10, 9 * bs, FallocateFlag.PunchHole | FallocateFlag.KeepSize);
      model.write(3 * bs + 10, new Uint8Array(9 * bs));
      await expect(fs.fallocate(f, 0, bs, FallocateFlag.PunchHole)).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
      const over = patternBytes(8 * bs, 4);
      await fs.write(f, 45 * bs, over);
      model.write(45 * bs, over);
    });
  });

  it('keeps two files written interleaved in long runs (delayed allocation)', async () => {
    await scenario(async ({ fs, model }) => {
      const f = await fs.inodeAt('/f');
      const g = await fs.inodeAt('/g');
      for (let i = 0; i < 64; i++) {
        const a = patternBytes(4 * KiB, i);
        await fs.write(f, i * 4 * KiB, a);
        model.write(i * 4 * KiB, a);
        await fs.write(g, i * 4 * KiB, patternBytes(4 * KiB, 1000 + i));
      }
      await fs.sync();
      const extents = await fs.fiemap(f, { start: 0, length: model.size, flags: 0 });
      // Interleaved writes, one writeback: each file gets its blocks in a few runs (indirect blocks split them).
      expect(extents.extents.length).toBeLessThanOrEqual(3);
    });
  });
});
