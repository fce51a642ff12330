// The suites run e2fsck with E2FSCK_CONFIG (vitest.shared.ts) telling it not
// to judge superblock times against this machine's clock, which can step
// back on a paused VM. This checks the setting reaches spawned e2fsck and
// that it hides only that: a real problem is still reported.
import { describe, expect, it } from 'vitest';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsckClean, haveTools, makeImage, scratchDir } from './e2fsprogs.js';

describe.skipIf(!haveTools('e2fsck config', ['mke2fs', 'e2fsck']))('e2fsck as the suites run it', () => {
  it('ignores a superblock write time an hour ahead of the clock, and still reports a wrong free-inode count', () => {
    const { dir, cleanup } = scratchDir('ext2-e2fsck-conf-');
    try {
      const img = makeImage(join(dir, 'fs.img'), { blockSize: 1024, inodeSize: 256, sizeBytes: 4 << 20 });
      const word = (offset: number, value: number): void => {
        const fd = openSync(img, 'r+');
        try {
          const b = Buffer.alloc(4);
          b.writeUInt32LE(value >>> 0);
          writeSync(fd, b, 0, 4, 1024 + offset);
        } finally {
          closeSync(fd);
        }
      };
      expect(process.env['E2FSCK_CONFIG']).toMatch(/e2fsck-tests\.conf$/);
      word(0x30, Math.floor(Date.now() / 1000) + 3600); // s_wtime
      expect(fsckClean(img).problems).toEqual([]);
      word(0x10, 7); // s_free_inodes_count
      expect(fsckClean(img).problems.join('\n')).toMatch(/free inodes count wrong/i);
    } finally {
      cleanup();
    }
  });
});
