// Filling the filesystem (EXT2.md 2.6): writes end in ENOSPC, the reserved
// blocks (s_r_blocks_count) stay for root, nothing leaks — after freeing
// everything and a sync the free block and inode counts equal those before
// — and e2fsck -fn stays silent at every stage.
import { afterEach, describe, expect, it } from 'vitest';
import { isFsError } from '@iomap/core';
import { S_IFREG, timeNs } from '@iomap/vfs';
import { patternBytes } from '@iomap/testkit';
import type { Ext2Filesystem } from '../../src/index.js';
import { createInode, dropLink } from '../../src/inode/inode-write.js';
import type { MountContext } from '../../src/mount/mount-context.js';
import { fsckProblems, haveTools, mountFile, scratchImage, type Scratch } from './engine-support.js';

const suite = haveTools() ? describe : describe.skip;

/** The mount's shared state (tests reach past the public API to drive the allocators directly). */
function contextOf(fs: Ext2Filesystem): MountContext {
  return (fs as unknown as { ctx: MountContext }).ctx;
}

/** Writes `chunk`-sized pieces at the end of `path` until ENOSPC; returns the bytes written. */
async function fill(fs: Ext2Filesystem, path: string, chunk: number): Promise<number> {
  const inode = await fs.inodeAt(path);
  let pos = (await fs.getattr(inode)).size;
  const start = pos;
  for (let i = 0; ; i++) {
    try {
      const n = await fs.write(inode, pos, patternBytes(chunk, i));
      pos += n;
      if (n < chunk) break;
    } catch (err) {
      if (isFsError(err, 'ENOSPC')) break;
      throw err;
    }
  }
  return pos - start;
}

suite.each([1024, 4096])('ENOSPC with %i-byte blocks', (bs) => {
  let scratch: Scratch | undefined;
  afterEach(() => scratch?.cleanup());

  it('fills the filesystem, keeps s_r_blocks_count for root, and frees everything back (EXT2.md 2.6)', async () => {
    scratch = scratchImage({ blockSize: bs, sizeBytes: bs === 1024 ? 3 << 20 : 8 << 20, files: { user: undefined, root: undefined }, extra: ['-m', '10', '-N', '64'] });
    const m0 = await mountFile(scratch.img);
    const before = await m0.fs.statfs();
    await m0.close();

    const m = await mountFile(scratch.img, { now: () => 1_700_000_000_000_000_000n });
    try {
      const { fs } = m;
      // /user belongs to uid 1000: it may not use the reserved blocks (root's /root may).
      const user = await fs.inodeAt('/user');
      const ctx = contextOf(fs);
      user.disk.uid = 1000;
      user.disk.gid = 1000;
      const written = await fill(fs, '/user', 64 * 1024);
      expect(written).toBeGreaterThan(0);
      await fs.sync();
      const afterUser = await fs.statfs();
      // The unprivileged writer stops at the reserved blocks (give or take indirect-block slack).
      expect(afterUser.bavail).toBeLessThanOrEqual(4);
      expect(afterUser.bfree).toBeGreaterThanOrEqual(ctx.vol.sb.rBlocksCount - 4);
      const more = await fill(fs, '/root', 64 * 1024);
      expect(more).toBeGreaterThan(0);
      await fill(fs, '/root', bs); // then block by block
      await fs.sync();
      const full = await fs.statfs();
      expect(full.bfree).toBeLessThanOrEqual(3);
      await expect(fs.write(await fs.inodeAt('/root'), (await fs.getattr(await fs.inodeAt('/root'))).size, new Uint8Array(3 * bs))).rejects.toMatchObject({ code: 'ENOSPC' });
    } finally {
      await m.close();
    }
    expect(fsckProblems(scratch.img)).toEqual([]);

    const m2 = await mountFile(scratch.img);
    try {
      for (const path of ['/user', '/root']) await m2.fs.truncate(await m2.fs.inodeAt(path), 0);
      await m2.fs.sync();
      const after = await m2.fs.statfs();
      expect({ bfree: after.bfree, ffree: after.ffree }).toEqual({ bfree: before.bfree, ffree: before.ffree });
    } finally {
      await m2.close();
    }
    expect(fsckProblems(scratch.img)).toEqual([]);
  });

  it('runs out of inodes with ENOSPC and gets every one back after the links drop', async () => {
    scratch = scratchImage({ blockSize: bs, sizeBytes: 4 << 20, extra: ['-N', '48'] });
    const m = await mountFile(scratch.img, { now: () => 1_700_000_000_000_000_000n });
    const { fs } = m;
    const ctx = contextOf(fs);
    try {
      const before = await fs.statfs();
      const made = [];
      for (;;) {
        try {
          made.push(await createInode(ctx, fs.root, { mode: S_IFREG | 0o644, uid: 0, gid: 0, timeNs: timeNs(1_700_000_000) }));
        } catch (err) {
          if (isFsError(err, 'ENOSPC')) break;
          throw err;
        }
      }
      expect(made.length).toBe(before.ffree);
      expect((await fs.statfs()).ffree).toBe(0);
      // Give each a block of data, and make it all durable once.
      for (const inode of made.slice(0, 8)) await fs.write(inode, 0, patternBytes(bs + 1, inode.ino));
      await fs.sync();
      for (const inode of made) await dropLink(ctx, inode);
      await fs.sync();
      const after = await fs.statfs();
      expect({ bfree: after.bfree, ffree: after.ffree }).toEqual({ bfree: before.bfree, ffree: before.ffree });
    } finally {
      await m.close();
    }
    expect(fsckProblems(scratch.img)).toEqual([]);
  });
});
