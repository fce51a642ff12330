// The writable mount's lifecycle (EXT2.md 1.4): VALID_FS cleared on disk at
// mount and set again by unmount, s_mnt_count + 1, s_mtime and s_wtime from
// the mount's clock, warnings for a filesystem not cleanly unmounted or with
// errors; and inode lifetime: an unlinked inode lives while open and is
// freed by the last release (or by unmount).
import { openSync, readSync, closeSync, writeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { S_IFREG, timeNs } from '@iomap/vfs';
import { patternBytes } from '@iomap/testkit';
import { releaseSpareFolioMemory, spareFolioBytes } from '@iomap/buffered';
import type { Ext2Filesystem } from '../../src/index.js';
import { createInode, dropLink } from '../../src/inode/inode-write.js';
import type { MountContext } from '../../src/mount/mount-context.js';
import { fsckProblems, haveTools, mountFile, scratchImage, type Scratch } from './engine-support.js';

const suite = haveTools() ? describe : describe.skip;
const NOW = 1_700_000_123_000_000_000n;

function contextOf(fs: Ext2Filesystem): MountContext {
  return (fs as unknown as { ctx: MountContext }).ctx;
}

/** s_state, s_mnt_count, s_mtime, s_wtime as on disk now. */
function superblockOf(img: string): { state: number; mntCount: number; mtime: number; wtime: number } {
  const fd = openSync(img, 'r');
  try {
    const buf = Buffer.alloc(1024);
    readSync(fd, buf, 0, 1024, 1024);
    return { state: buf.readUInt16LE(0x3a), mntCount: buf.readUInt16LE(0x34), mtime: buf.readUInt32LE(0x2c), wtime: buf.readUInt32LE(0x30) };
  } finally {
    closeSync(fd);
  }
}

function setState(img: string, state: number): void {
  const fd = openSync(img, 'r+');
  try {
    const buf = Buffer.alloc(2);
    buf.writeUInt16LE(state);
    writeSync(fd, buf, 0, 2, 1024 + 0x3a);
  } finally {
    closeSync(fd);
  }
}

suite('writable mount lifecycle (EXT2.md 1.4)', () => {
  let scratch: Scratch | undefined;
  afterEach(() => scratch?.cleanup());

  it('clears VALID_FS at mount, counts the mount, and marks clean with s_wtime at unmount', async () => {
    scratch = scratchImage({ blockSize: 1024, sizeBytes: 4 << 20, files: { f: undefined } });
    const before = superblockOf(scratch.img);
    expect(before.state & 1).toBe(1);
    const m = await mountFile(scratch.img, { now: () => NOW });
    const mounted = superblockOf(scratch.img);
    expect(mounted.state & 1).toBe(0);
    expect(mounted.mntCount).toBe(before.mntCount + 1);
    expect(mounted.mtime).toBe(Number(NOW / 1_000_000_000n));
    expect(m.fs.info.warnings).toEqual([]);
    await m.fs.write(await m.fs.inodeAt('/f'), 0, patternBytes(5000, 1));
    await m.fs.sync();
    expect(superblockOf(scratch.img).state & 1).toBe(0); // sync does not mark clean
    await m.close();
    const after = superblockOf(scratch.img);
    expect(after.state).toBe(before.state | 1);
    expect(after.wtime).toBe(Number(NOW / 1_000_000_000n));
    expect(fsckProblems(scratch.img)).toEqual([]);
  });

  it('unmount leaves the page cache\'s memory to the next mount, which reuses it for its folios', async () => {
    releaseSpareFolioMemory();
    try {
      scratch = scratchImage({ blockSize: 4096, sizeBytes: 16 << 20, files: { f: undefined } });
      const data = patternBytes(2 << 20, 4);
      const first = await mountFile(scratch.img);
      await first.fs.write(await first.fs.inodeAt('/f'), 0, data); // two 1 MiB folios
      await first.close();
      expect(spareFolioBytes()).toBeGreaterThanOrEqual(2 << 20);
      const left = spareFolioBytes();
      const second = await mountFile(scratch.img);
      const f = await second.fs.inodeAt('/f');
      const again = patternBytes(2 << 20, 5);
      expect(await second.fs.write(f, 0, again)).toBe(again.length); // new folios over the same range
      const back = new Uint8Array(again.length);
      expect(await second.fs.read(f, 0, back)).toBe(again.length);
      expect(Buffer.compare(back, again)).toBe(0);
      const stats = contextOf(second.fs).vol.cache.stats;
      expect(stats.poolHits).toBeGreaterThanOrEqual(2);
      expect(spareFolioBytes()).toBeLessThanOrEqual(left - (2 << 20));
      await second.close();
      expect(fsckProblems(scratch.img)).toEqual([]);
    } finally {
      releaseSpareFolioMemory();
    }
  });

  it('mounts a filesystem that was not cleanly unmounted, or has errors, with the kernel\'s warnings', async () => {
    scratch = scratchImage({ blockSize: 1024, sizeBytes: 4 << 20 });
    setState(scratch.img, 0);
    const unchecked = await mountFile(scratch.img);
    expect(unchecked.fs.info.warnings.join('\n')).toContain('mounting unchecked fs');
    await unchecked.close();
    expect(superblockOf(scratch.img).state).toBe(1);
    setState(scratch.img, 1 | 2);
    const errors = await mountFile(scratch.img);
    expect(errors.fs.readOnly).toBe(false);
    expect(errors.fs.info.warnings.join('\n')).toContain('mounting fs with errors');
    await errors.close();
    expect(superblockOf(scratch.img).state).toBe(1 | 2); // ERROR_FS stays until e2fsck clears it
    const ro = await mountFile(scratch.img, { readOnly: true });
    expect(ro.fs.info.readOnlyReasons.join()).toContain('ERROR_FS');
    await ro.close();
  });

  it('keeps an unlinked inode while it is open and frees it at the last release', async () => {
    scratch = scratchImage({ blockSize: 1024, sizeBytes: 4 << 20 });
    const m = await mountFile(scratch.img, { now: () => NOW });
    try {
      const { fs } = m;
      const ctx = contextOf(fs);
      const before = await fs.statfs();
      const inode = await createInode(ctx, fs.root, { mode: S_IFREG | 0o600, uid: 0, gid: 0, timeNs: timeNs(1_700_000_000) });
      await fs.open(inode, 0);
      await fs.write(inode, 0, patternBytes(20_000, 3));
      await fs.sync();
      await dropLink(ctx, inode);
      expect(inode.evicted).toBe(false);
      const back = new Uint8Array(20_000);
      expect(await fs.read(inode, 0, back)).toBe(20_000); // still readable while open
      await fs.release(inode, 0);
      expect(inode.evicted).toBe(true);
      await fs.sync();
      const after = await fs.statfs();
      expect({ bfree: after.bfree, ffree: after.ffree }).toEqual({ bfree: before.bfree, ffree: before.ffree });
    } finally {
      await m.close();
    }
    expect(fsckProblems(scratch.img)).toEqual([]);
  });

  it('frees an unlinked inode still open at unmount', async () => {
    scratch = scratchImage({ blockSize: 4096, sizeBytes: 8 << 20 });
    const m = await mountFile(scratch.img, { now: () => NOW });
    const ctx = contextOf(m.fs);
    const inode = await createInode(ctx, m.fs.root, { mode: S_IFREG | 0o600, uid: 0, gid: 0, timeNs: timeNs(1_700_000_000) });
    await m.fs.open(inode, 0);
    await m.fs.write(inode, 0, patternBytes(50_000, 4));
    await dropLink(ctx, inode);
    await m.close();
    expect(inode.evicted).toBe(true);
    expect(fsckProblems(scratch.img)).toEqual([]);
  });
});
