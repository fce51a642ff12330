// setxattr / removexattr (EXT2.md 5): in-inode first on 256-byte inodes,
// the shared block otherwise; copy-on-write of blocks with h_refcount > 1;
// references dropped (and blocks freed at 0) on remove and unlink; existing
// attributes and inode bytes preserved. Checked with getxattr/listxattr,
// debugfs and `e2fsck -fn`.
import { describe, expect, it } from 'vitest';
import { openSync, readSync, writeSync, closeSync } from 'node:fs';
import { FILE, SHAPES, ScratchImage, codeOf, dec, enc, haveE2fsprogs, init, onImage, shapeName } from './fixtures.js';

const suite = haveE2fsprogs ? describe : describe.skip;

/** File ACL and Blockcount of `path` as debugfs stat prints them. */
function aclOf(image: ScratchImage, path: string): { acl: number; blockcount: number } {
  const out = image.debugfs([`stat ${path}`]);
  const acl = /File ACL: (\d+)/.exec(out);
  const blocks = /Blockcount: (\d+)/.exec(out);
  return { acl: Number(acl?.[1]), blockcount: Number(blocks?.[1]) };
}

/** Reads or writes the u32 h_refcount of xattr block `block` straight in the image file. */
function refcount(image: ScratchImage, block: number, set?: number): number {
  const fd = openSync(image.path, set === undefined ? 'r' : 'r+');
  try {
    const buf = Buffer.alloc(4);
    const at = block * image.shape.blockSize + 4;
    if (set !== undefined) {
      buf.writeUInt32LE(set);
      writeSync(fd, buf, 0, 4, at);
    }
    readSync(fd, buf, 0, 4, at);
    return buf.readUInt32LE();
  } finally {
    closeSync(fd);
  }
}

suite('extended attributes (EXT2.md 5)', () => {
  for (const shape of SHAPES) {
    it(`places small values in-inode when there is room, big ones in the block, and frees the block with the last (${shapeName(shape)})`, async () => {
      const large = shape.inodeSize > 128;
      const big = new Uint8Array(Math.min(600, shape.blockSize - 200)).map((_, i) => i & 0xff);
      const image = await onImage(shape, async (fs) => {
        const f = await fs.create(fs.root, enc('f'), init(FILE));
        await fs.setxattr(f, 'user.small', enc('abc'));
        await fs.setxattr(f, 'trusted.t', enc('trusted value'));
        await fs.setxattr(f, 'user.big', big);
        expect((await fs.listxattr(f)).sort()).toEqual(['trusted.t', 'user.big', 'user.small']);
        expect(dec(await fs.getxattr(f, 'user.small'))).toBe('abc');
        expect(await fs.getxattr(f, 'user.big')).toEqual(big);
        const g = await fs.create(fs.root, enc('g'), init(FILE));
        await fs.setxattr(g, 'user.only', enc('x'));
        const h = await fs.create(fs.root, enc('h'), init(FILE));
        await fs.setxattr(h, 'security.s', enc('to be removed'));
        await fs.removexattr(h, 'security.s');
        expect(await fs.listxattr(h)).toEqual([]);
        expect(await codeOf(fs.getxattr(h, 'security.s'))).toBe('ENODATA');
      });
      try {
        const fsck = image.fsck();
        expect(fsck.problems, fsck.output).toEqual([]);
        const list = image.debugfs(['ea_list /f']);
        expect(list).toContain('user.small (3) = "abc"');
        expect(list).toContain('trusted.t (13) = "trusted value"');
        expect(list).toMatch(new RegExp(`user.big \\(${big.length}\\)`));
        const sectors = shape.blockSize / 512;
        // The big value always needs the block; 'user.only' fits the inode exactly when it has an area.
        expect(aclOf(image, '/f').acl).not.toBe(0);
        expect(aclOf(image, '/f').blockcount).toBe(sectors);
        expect(aclOf(image, '/g').acl === 0).toBe(large);
        expect(aclOf(image, '/g').blockcount).toBe(large ? 0 : sectors);
        expect(aclOf(image, '/h')).toEqual({ acl: 0, blockcount: 0 });
        const fs = await image.mount();
        const f = await fs.inodeAt('/f');
        const freeBefore = (await fs.statfs()).bfree;
        await fs.removexattr(f, 'user.big');
        await fs.removexattr(f, 'trusted.t');
        if (!large) await fs.removexattr(f, 'user.small');
        await fs.sync();
        if (!large) expect((await fs.statfs()).bfree).toBe(freeBefore + 1);
        await image.unmount();
        expect(aclOf(image, '/f')).toEqual({ acl: 0, blockcount: 0 });
        expect(image.fsck().problems).toEqual([]);
      } finally {
        await image.cleanup();
      }
    });
  }

  it('copies a block shared with another inode before changing it, and frees it with the last reference', async () => {
    const shape = SHAPES[2];
    const image = await onImage(shape, async (fs) => {
      const a = await fs.create(fs.root, enc('a'), init(FILE));
      await fs.setxattr(a, 'user.shared', enc('same value for both'));
      await fs.create(fs.root, enc('b'), init(FILE));
      await fs.create(fs.root, enc('c'), init(FILE));
    });
    try {
      // Share a's block with b and c as the kernel's mbcache would: refcount 3, i_blocks counted in each.
      const block = aclOf(image, '/a').acl;
      const sectors = shape.blockSize / 512;
      image.debugfs([`sif /b file_acl ${block}`, `sif /b blocks ${sectors}`, `sif /c file_acl ${block}`, `sif /c blocks ${sectors}`], true);
      refcount(image, block, 3);
      expect(image.fsck().problems).toEqual([]);
      const fs = await image.mount();
      const b = await fs.inodeAt('/b');
      expect(dec(await fs.getxattr(b, 'user.shared'))).toBe('same value for both');
      await fs.setxattr(b, 'user.mine', enc('only b'));
      await fs.unlink(fs.root, enc('c'));
      await image.unmount();
      const bAcl = aclOf(image, '/b');
      expect(bAcl.acl).not.toBe(block);
      expect(bAcl.blockcount).toBe(sectors);
      expect(refcount(image, block)).toBe(1);
      expect(refcount(image, bAcl.acl)).toBe(1);
      expect(image.debugfs(['ea_list /a'])).not.toContain('user.mine');
      expect(image.debugfs(['ea_list /b'])).toContain('user.mine (6) = "only b"');
      expect(image.fsck().problems).toEqual([]);
      const again = await image.mount();
      await again.unlink(again.root, enc('a'));
      await again.removexattr(await again.inodeAt('/b'), 'user.shared');
      await again.removexattr(await again.inodeAt('/b'), 'user.mine');
      await image.unmount();
      expect(aclOf(image, '/b')).toEqual({ acl: 0, blockcount: 0 });
      const fsck = image.fsck();
      expect(fsck.problems, fsck.output).toEqual([]);
      expect(image.debugfs([`testb ${block}`, `testb ${bAcl.acl}`])).toMatch(/Block \d+ not in use[\s\S]*Block \d+ not in use/);
    } finally {
      await image.cleanup();
    }
  });

  it('keeps attributes e2fsprogs stored in-inode, and honours XATTR_CREATE / XATTR_REPLACE', async () => {
    const image = new ScratchImage(SHAPES[1]);
    try {
      image.debugfs(['write /dev/null f', 'ea_set /f user.small abc', 'ea_set /f user.other 12345678'], true);
      const fs = await image.mount();
      const f = await fs.inodeAt('/f');
      await fs.setattr(f, { mode: 0o600 });
      await fs.setxattr(f, 'user.added', enc('new'), { create: true });
      expect(await codeOf(fs.setxattr(f, 'user.added', enc('again'), { create: true }))).toBe('EEXIST');
      expect(await codeOf(fs.setxattr(f, 'user.absent', enc('v'), { replace: true }))).toBe('ENODATA');
      await fs.setxattr(f, 'user.other', enc('replaced'), { replace: true });
      expect(await codeOf(fs.removexattr(f, 'user.absent'))).toBe('ENODATA');
      expect(await codeOf(fs.setxattr(f, 'system.data', enc('x')))).toBe('EOPNOTSUPP');
      expect(await codeOf(fs.setxattr(f, 'user.huge', new Uint8Array(1025)))).toBe('ERANGE');
      await image.unmount();
      const list = image.debugfs(['ea_list /f']);
      expect(list).toContain('user.small (3) = "abc"');
      expect(list).toContain('user.other (8) = "replaced"');
      expect(list).toContain('user.added (3) = "new"');
      expect(image.fsck().problems).toEqual([]);
    } finally {
      await image.cleanup();
    }
  });

  it('answers ENOSPC when neither the inode nor the block has room, changing nothing', async () => {
    const image = await onImage(SHAPES[0], async (fs) => {
      const f = await fs.create(fs.root, enc('f'), init(FILE));
      await fs.setxattr(f, 'user.a', new Uint8Array(700).fill(1));
      expect(await codeOf(fs.setxattr(f, 'user.b', new Uint8Array(400).fill(2)))).toBe('ENOSPC');
      expect(await fs.listxattr(f)).toEqual(['user.a']);
    });
    try {
      expect(image.fsck().problems).toEqual([]);
    } finally {
      await image.cleanup();
    }
  });
});
