// ImageBuilder (EXT2.md 2-5): a generated tree built on every block/inode
// size is e2fsck -fn clean, and ext2-lite's mount, debugfs and the kernel
// (read-only loop mount) all see exactly that tree: types, modes, sizes,
// link counts, bytes, symlink targets; owners, nanosecond times, device
// numbers and xattrs through our mount. A tree that does not fit is ENOSPC;
// the same input gives the same bytes.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileDevice } from '@iomap/blockdev-node';
import { ImageBuilder, mount } from '../../src/index.js';
import { SHAPES, ScratchImage, debugfsTree, haveE2fsprogs, haveKernelMount, hostTree, ourTree, shapeName, withKernelMount, type NodeInfo } from '../namespace/fixtures.js';
import { addTree, buildImage, expectedListing, freshFile, generatedTree, makedev, patternBytes } from './build-tree.js';

const T0 = 1_700_000_000_123_456_789n;
const FIXED = { uuid: '0b6c8a2e-5a4b-4c1e-9d3f-2a1b3c4d5e6f', hashSeed: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a', timestamp: 1_700_000_000 };
const work = mkdtempSync(join(tmpdir(), 'ext2-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const withoutIno = (tree: Map<string, NodeInfo>): Map<string, Omit<NodeInfo, 'ino'>> => new Map([...tree].map(([path, { ino: _ino, ...rest }]) => [path, rest]));

describe.skipIf(!haveE2fsprogs)('ImageBuilder builds a clean filesystem holding exactly the tree (EXT2.md 2-5)', () => {
  for (const shape of SHAPES) {
    it(`${shapeName(shape)}: e2fsck -fn clean; our mount, debugfs${haveKernelMount ? ' and the kernel' : ''} see the tree`, async () => {
      const ops = generatedTree(shape.blockSize);
      const expected = expectedListing(ops);
      // ScratchImage gives debugfs and the kernel mount helpers; its mke2fs image is replaced by ours.
      const image = new ScratchImage(shape, { sizeBytes: 32 << 20 });
      try {
        const made = await buildImage(image.path, 32 << 20, { blockSize: shape.blockSize, inodeSize: shape.inodeSize, ...FIXED }, ops, T0);
        expect(made.freeInodes).toBe(made.inodesCount - 11 - new Set([...expected.values()]).size);
        const fsck = image.fsck();
        expect(fsck.problems, fsck.output).toEqual([]);
        expect(fsck.code).toBe(0);

        const fs = await image.mount({ readOnly: true });
        expect(withoutIno(await ourTree(fs, true))).toEqual(expected);
        const stats = await fs.statfs();
        expect(stats.bfree).toBe(made.freeBlocks);
        // The wide directory spans several blocks; on 1 KiB blocks more than the 12 direct ones.
        const wide = await fs.getattr(await fs.inodeAt('/wide'));
        expect(wide.size).toBeGreaterThan((shape.blockSize === 1024 ? 12 : 1) * shape.blockSize);
        const small = await fs.getattr(await fs.inodeAt('/small'));
        expect([small.uid, small.gid, small.mode & 0o7777]).toEqual([1000, 2000, 0o4755]);
        const ns = shape.inodeSize === 256 ? T0 + 1n : ((T0 + 1n) / 1_000_000_000n) * 1_000_000_000n;
        expect(small.mtimeNs).toBe(ns);
        expect((await fs.getattr(await fs.inodeAt('/nvme'))).rdev).toBe(makedev(259, 70_000));
        expect((await fs.getattr(await fs.inodeAt('/null'))).rdev).toBe(makedev(1, 3));
        const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
        expect(dec(await fs.getxattr(await fs.inodeAt('/xattr-small'), 'trusted.b'))).toBe('two');
        expect(dec(await fs.getxattr(await fs.inodeAt('/deep'), 'user.dir'))).toBe('yes');
        expect(await fs.getxattr(await fs.inodeAt('/xattr-big-2'), 'user.big')).toEqual(patternBytes(600, 11));
        await image.unmount();

        const listed = withoutIno(debugfsTree(image));
        expect(new Map([...listed].map(([p, i]) => [p, i.mode]))).toEqual(new Map([...expected].map(([p, i]) => [p, i.mode])));
        if (haveKernelMount) withKernelMount(image, (mnt) => expect(withoutIno(hostTree(mnt))).toEqual(expected));
      } finally {
        await image.cleanup();
      }
    }, 120_000);
  }

  it('the same input and options give the same bytes (sha256 of two builds)', async () => {
    const ops = generatedTree(4096);
    const digest = async (name: string): Promise<string> => {
      const path = join(work, name);
      await buildImage(path, 16 << 20, { blockSize: 4096, ...FIXED }, ops, T0);
      return createHash('sha256').update(readFileSync(path)).digest('hex');
    };
    expect(await digest('a.img')).toBe(await digest('b.img'));
  });
});

describe.skipIf(!haveE2fsprogs)('ImageBuilder.unlink (an input listing a path twice)', () => {
  it('frees data, indirect, symlink and xattr blocks and the inode with the last link; a hard link keeps the inode; e2fsck -fn clean', async () => {
    const shape = { blockSize: 1024, inodeSize: 128 } as const;
    const image = new ScratchImage(shape, { sizeBytes: 8 << 20 });
    try {
      freshFile(image.path, 8 << 20);
      const device = await FileDevice.open(image.path);
      const b = await ImageBuilder.create(device, { blockSize: 1024, inodeSize: 128, assumeZeroed: true });
      const shared = patternBytes(300, 3);
      const big = await b.addFile(b.rootIno, 'big', { xattrs: [['user.x', shared]] }, patternBytes(300 * 1024, 1));
      await b.addFile(b.rootIno, 'other', { xattrs: [['user.x', shared]] }, patternBytes(10, 2));
      b.link(b.rootIno, 'big-link', big);
      await b.symlink(b.rootIno, 'slow', 'y'.repeat(200));
      await b.unlink(b.rootIno, 'big'); // the link keeps it
      await b.unlink(b.rootIno, 'big-link'); // now data, double-indirect tree and one xattr reference go
      await b.unlink(b.rootIno, 'other'); // the xattr block's last reference
      await b.unlink(b.rootIno, 'slow');
      await expect(b.unlink(b.rootIno, 'missing')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(b.unlink(b.rootIno, 'lost+found')).rejects.toMatchObject({ code: 'EISDIR' });
      await b.addFile(b.rootIno, 'big', {}, patternBytes(5000, 4));
      const made = await b.finish();
      await device.close();
      const fsck = image.fsck();
      expect(fsck.problems, fsck.output).toEqual([]);
      const fs = await image.mount({ readOnly: true });
      expect((await fs.promises.readdir('/')).sort()).toEqual(['big', 'lost+found']);
      expect(new Uint8Array(await fs.promises.readFile('/big'))).toEqual(patternBytes(5000, 4));
      // Nothing leaked: the counts are those of an image that only ever held the new file.
      const plain = await buildImage(join(work, 'plain.img'), 8 << 20, { blockSize: 1024, inodeSize: 128 }, [{ kind: 'file', path: '/big', perm: 0o644, bytes: patternBytes(5000, 4) }], T0);
      expect([made.freeBlocks, made.freeInodes]).toEqual([plain.freeBlocks, plain.freeInodes]);
      await image.unmount();
    } finally {
      await image.cleanup();
    }
  });
});

describe('ImageBuilder refuses what does not fit', () => {
  it('ENOSPC for data beyond the free blocks, and for more entries than inodes', async () => {
    const path = join(work, 'small.img');
    freshFile(path, 2 << 20);
    const device = await FileDevice.open(path);
    try {
      const b = await ImageBuilder.create(device, { blockSize: 1024, assumeZeroed: true });
      await expect(b.addFile(b.rootIno, 'big', {}, patternBytes(3 << 20, 1))).rejects.toMatchObject({ code: 'ENOSPC' });
      const c = await ImageBuilder.create(device, { blockSize: 1024, inodeCount: 16 });
      await expect(addTree(c, Array.from({ length: 20 }, (_, i) => ({ kind: 'file' as const, path: `/f${i}`, perm: 0o644, bytes: new Uint8Array(1) })), T0)).rejects.toMatchObject({ code: 'ENOSPC' });
    } finally {
      await device.close();
    }
  });

  it('names: EEXIST for a name given twice, ENOTDIR for a parent that is no directory, EOPNOTSUPP for system.* xattrs other than the ACLs, EINVAL for an invalid ACL', async () => {
    const path = join(work, 'names.img');
    freshFile(path, 4 << 20);
    const device = await FileDevice.open(path);
    try {
      const b = await ImageBuilder.create(device, { assumeZeroed: true });
      const file = await b.addFile(b.rootIno, 'a', {}, new Uint8Array(3));
      await expect(b.addFile(b.rootIno, 'a', {})).rejects.toMatchObject({ code: 'EEXIST' });
      expect(() => b.mkdir(b.rootIno, 'lost+found')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
      expect(() => b.mkdir(file, 'x')).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
      expect(() => b.mkdir(b.rootIno, 'sys', { xattrs: [['system.data', new Uint8Array(4)]] })).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP' }));
      expect(() => b.mkdir(b.rootIno, 'acl', { xattrs: [['system.posix_acl_access', new Uint8Array(4)]] })).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP' }));
      // Version 2, USER_OBJ and OTHER but no GROUP_OBJ: not a valid ACL.
      const invalid = Uint8Array.from([2, 0, 0, 0, 1, 0, 6, 0, 255, 255, 255, 255, 0x20, 0, 4, 0, 255, 255, 255, 255]);
      expect(() => b.mkdir(b.rootIno, 'acl', { xattrs: [['system.posix_acl_access', invalid]] })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      await b.finish();
      const fs = await mount(device, { readOnly: true });
      expect((await fs.promises.readdir('/')).sort()).toEqual(['a', 'lost+found']);
      await fs.unmount();
    } finally {
      await device.close();
    }
  });
});
