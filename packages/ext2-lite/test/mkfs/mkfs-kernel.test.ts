// The Linux kernel mounts what mkfs makes, for every block size x inode
// size: `mount -o loop -t ext2`, write files and a directory, unmount, and
// `e2fsck -fn` still finds nothing; our read-only mount() reads back what the
// kernel wrote. (Here `-t ext2` may run the ext4 driver in ext2 mode, EXT2.md.)
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileDevice } from '@iomap/blockdev-node';
import { fsckClean } from '../support/e2fsprogs.js';
import { mkfs, mount } from '../../src/index.js';
import { requireE2fsprogs, requireKernelMount, scratchDir, withKernelMount } from './tools.js';

const MIB = 1024 * 1024;
const canRun = requireE2fsprogs('mkfs kernel mount') && requireKernelMount('mkfs kernel mount');

/** 300 KiB of a repeating, position-dependent pattern: with 1 KiB blocks it needs IND and DIND blocks. */
const payload = Uint8Array.from({ length: 300 * 1024 }, (_, i) => (i * 7 + (i >> 10)) & 0xff);

describe.skipIf(!canRun)('mkfs images mount in Linux (EXT2.md 7.8)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = scratchDir('mkfs-kernel-')));
  afterAll(() => cleanup());

  for (const blockSize of [1024, 2048, 4096]) {
    for (const inodeSize of [128, 256]) {
      it(`${blockSize}-byte blocks, ${inodeSize}-byte inodes: mount, write, unmount, e2fsck -fn clean, our mount reads it`, async () => {
        const img = join(dir, `k${blockSize}-${inodeSize}.img`);
        const device = await FileDevice.open(img, { create: true, size: 24 * MIB });
        try {
          await mkfs(device, { blockSize, inodeSize, blocksPerGroup: 2048, label: 'kernel' });
        } finally {
          await device.close();
        }
        withKernelMount(img, (mnt) => {
          expect(readdirSync(mnt)).toEqual(['lost+found']);
          mkdirSync(join(mnt, 'dir'));
          writeFileSync(join(mnt, 'dir', 'data.bin'), payload);
          symlinkSync('dir/data.bin', join(mnt, 'link'));
        });
        const check = fsckClean(img);
        expect(check.problems, check.output).toEqual([]);
        expect(check.code, check.output).toBe(0);

        const ro = await FileDevice.open(img, { readOnly: true });
        try {
          const fs = await mount(ro, { readOnly: true });
          expect((await fs.promises.readdir('/')).sort()).toEqual(['dir', 'link', 'lost+found']);
          expect(Buffer.compare(await fs.promises.readFile('/dir/data.bin'), Buffer.from(payload))).toBe(0);
          expect(await fs.promises.readlink('/link')).toBe('dir/data.bin');
          await fs.unmount();
        } finally {
          await ro.close();
        }
      });
    }
  }
});
