// ext2's iomapBegin: whole runs (MERGED), whole holes including absent
// indirect subtrees, and EUCLEAN for pointers into metadata and cycles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { IomapFlags, IomapOp, IomapType } from '@iomap/core';
import { mount, type Ext2Filesystem } from '../../src/index.js';
import type { MountContext } from '../../src/mount/mount-context.js';
import { haveE2fsprogs, mkfs, pattern, readOnlyDevice, scratchDir } from './images.js';

const suite = haveE2fsprogs('ext2-lite iomap tests') ? describe : describe.skip;
const KiB = 1024;
const DATA_BLOCK = 70_000; // inside the triple-indirect range of 1 KiB blocks (from 65804)

const contextOf = (fs: Ext2Filesystem): MountContext => Reflect.get(fs, 'ctx') as MountContext;

suite('ext2 iomapBegin', () => {
  let image = new Uint8Array(0);
  let cleanup = (): void => {};
  beforeAll(() => {
    const s = scratchDir('ext2-iomap-');
    cleanup = s.cleanup;
    const tree = join(s.dir, 'tree');
    mkdirSync(tree);
    const fd = openSync(join(tree, 'sparse'), 'w');
    writeSync(fd, pattern(KiB, 1), 0, KiB, 0);
    writeSync(fd, pattern(KiB, 2), 0, KiB, DATA_BLOCK * KiB);
    closeSync(fd);
    const fd2 = openSync(join(tree, 'dense'), 'w');
    writeSync(fd2, pattern(10 * KiB, 3), 0, 10 * KiB, 0);
    closeSync(fd2);
    image = new Uint8Array(readFileSync(mkfs(join(s.dir, 'i.img'), ['-b', '1024', '-d', tree], '4M')));
  });
  afterAll(() => cleanup());

  it('maps a contiguous run in one call, marked MERGED', async () => {
    const fs = await mount(readOnlyDevice(image), { readOnly: true });
    const { ops } = contextOf(fs);
    const map = await ops.iomapBegin(await fs.inodeAt('/dense'), 0, 10 * KiB, IomapOp.Report);
    expect(map).toMatchObject({ offset: 0, length: 10 * KiB, type: IomapType.Mapped });
    expect(map.flags & IomapFlags.Merged).toBe(IomapFlags.Merged);
  });

  it('returns the whole hole, across absent IND and DIND blocks and empty TIND slots, in one call', async () => {
    const fs = await mount(readOnlyDevice(image), { readOnly: true });
    const { ops } = contextOf(fs);
    const inode = await fs.inodeAt('/sparse');
    const hole = await ops.iomapBegin(inode, KiB, 2 ** 40, IomapOp.Report);
    expect(hole).toMatchObject({ offset: KiB, length: (DATA_BLOCK - 1) * KiB, type: IomapType.Hole });
    const data = await ops.iomapBegin(inode, DATA_BLOCK * KiB, KiB, IomapOp.Read);
    expect(data).toMatchObject({ offset: DATA_BLOCK * KiB, length: KiB, type: IomapType.Mapped });
    await expect(ops.iomapBegin(inode, 0, KiB, IomapOp.Write)).rejects.toMatchObject({ code: 'EROFS' });
  });

  it('fails with EUCLEAN naming the inode for a pointer into the inode table and for an indirect cycle', async () => {
    const fs = await mount(readOnlyDevice(image), { readOnly: true });
    const inode = await fs.inodeAt('/sparse');
    const tind = inode.disk.block[14] ?? 0;
    const table = contextOf(fs).vol.descriptors[0]?.inodeTable ?? 0;
    for (const [value, words] of [
      [table, 'metadata'],
      [tind, 'appears twice'],
    ] as const) {
      const copy = image.slice();
      new DataView(copy.buffer).setUint32(tind * KiB, value, true); // TIND slot 0 -> inode table / itself
      const bad = await mount(readOnlyDevice(copy), { readOnly: true });
      await expect(bad.promises.readFile('/sparse')).rejects.toMatchObject({ code: 'EUCLEAN', message: expect.stringMatching(new RegExp(`inode ${inode.ino}.*${words}|${words}.*inode ${inode.ino}`)) });
    }
  });
});
