// setattr — chmod, chown, utimes (EXT2.md 3.1-3.3): the type bits stay,
// 32-bit owners split into i_uid/i_gid and their high halves, times keep
// nanoseconds where the inode has _extra fields. Checked through a remount,
// debugfs and the kernel's stat.
import { describe, expect, it } from 'vitest';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { timeNs } from '@iomap/vfs';
import { DIR, FILE, SHAPES, codeOf, enc, haveE2fsprogs, haveKernelMount, init, onImage, shapeName, withKernelMount } from './fixtures.js';

const suite = haveE2fsprogs ? describe : describe.skip;

suite('setattr (EXT2.md 3.1-3.3)', () => {
  for (const shape of [SHAPES[0], SHAPES[1], SHAPES[5]]) {
    it(`changes mode, 32-bit owners and times as the kernel reads them back (${shapeName(shape)})`, async () => {
      const large = shape.inodeSize > 128;
      const mtime = timeNs(1_600_000_000, 987_654_321);
      const atime = timeNs(1_500_000_000, 5);
      const ctime = timeNs(1_700_000_100, 42);
      const image = await onImage(shape, async (fs) => {
        const f = await fs.create(fs.root, enc('f'), init(FILE));
        const d = await fs.mkdir(fs.root, enc('d'), init(DIR));
        await fs.setattr(f, { mode: 0o104750, uid: 70_000, gid: 80_001, atimeNs: atime, mtimeNs: mtime, ctimeNs: ctime });
        await fs.setattr(d, { mode: 0o1777 });
        const attrs = await fs.getattr(f);
        expect(attrs.mode).toBe(0o104750);
        expect([attrs.uid, attrs.gid]).toEqual([70_000, 80_001]);
        expect(attrs.mtimeNs).toBe(large ? mtime : timeNs(1_600_000_000));
        expect(attrs.ctimeNs).toBe(large ? ctime : timeNs(1_700_000_100));
        expect((await fs.getattr(d)).mode).toBe(0o041777);
        expect(await codeOf(fs.setattr(f, { uid: 2 ** 32 }))).toBe('EINVAL');
      });
      try {
        expect(image.fsck().problems).toEqual([]);
        const stat = image.debugfs(['stat /f']);
        expect(stat).toMatch(/User: +70000 +Group: +80001/);
        expect(stat).toContain('Mode:  04750');
        const fs = await image.mount({ readOnly: true });
        const back = await fs.getattr(await fs.inodeAt('/f'));
        expect([back.mode, back.uid, back.gid, back.atimeNs, back.mtimeNs]).toEqual([0o104750, 70_000, 80_001, large ? atime : timeNs(1_500_000_000), large ? mtime : timeNs(1_600_000_000)]);
        await image.unmount();
        if (haveKernelMount) {
          const seen = withKernelMount(image, (mnt) => lstatSync(join(mnt, 'f'), { bigint: true }));
          expect([Number(seen.mode), Number(seen.uid), Number(seen.gid), seen.mtimeNs]).toEqual([0o104750, 70_000, 80_001, large ? mtime : timeNs(1_600_000_000)]);
        }
      } finally {
        await image.cleanup();
      }
    });
  }

  it('records a ctime from the mount clock when the caller gives none', async () => {
    const clock = timeNs(1_710_000_000, 1_000);
    const image = await onImage(SHAPES[1], async () => {});
    try {
      const fs = await image.mount({ now: () => clock });
      await fs.create(fs.root, enc('f'), init(FILE));
      const f = await fs.inodeAt('/f');
      await fs.setattr(f, { mode: 0o600 });
      expect((await fs.getattr(f)).ctimeNs).toBe(clock);
      // The directory whose entries changed takes the entry's creation time.
      expect((await fs.getattr(fs.root)).mtimeNs).toBe(init(FILE).timeNs);
      await fs.unlink(fs.root, enc('f'));
      expect((await fs.getattr(fs.root)).mtimeNs).toBe(clock);
      await image.unmount();
      expect(image.fsck().problems).toEqual([]);
    } finally {
      await image.cleanup();
    }
  });

  it('stamps the times of calls through .promises from the mount clock too', async () => {
    const clock = timeNs(1_720_000_000, 7_000);
    const image = await onImage(SHAPES[5], async () => {});
    try {
      const fs = await image.mount({ now: () => clock });
      await fs.promises.writeFile('/made', 'x');
      await fs.promises.mkdir('/dir');
      await fs.promises.chmod('/made', 0o600);
      for (const path of ['/made', '/dir']) {
        const stat = await fs.promises.stat(path, { bigint: true });
        expect([stat.mtimeNs, stat.ctimeNs], path).toEqual([clock, clock]);
      }
      await image.unmount();
      expect(image.fsck().problems).toEqual([]);
    } finally {
      await image.cleanup();
    }
  });
});
