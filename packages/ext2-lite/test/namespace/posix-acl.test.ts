// POSIX ACLs on a mount (xattr/posix-acl.ts), with the kernel as the oracle:
// one image holds two twin directories with the same default ACL and the
// same files; ext2-lite changes one twin, the kernel (read-write loop mount)
// makes the same calls on the other, and the two must come out identical:
// modes and every xattr value, as getfattr reads them through the kernel.
// Covered: inheritance by file, directory (and below it), FIFO and symlink;
// chmod of a file with an ACL; an access ACL that changes the mode, one the
// mode says all of (not stored), one removed; and ext2-lite reading what the
// kernel wrote. Errors (EACCES, EOPNOTSUPP, EINVAL) and the mount option
// need no kernel.
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACL_TAG, ACL_UNDEFINED_ID, encodeAclXattr, type AclEntry } from '@iomap/vfs';
import type { Ext2Filesystem } from '../../src/index.js';
import type { Ext2Inode } from '../../src/inode/ext2-inode.js';
import { findTool } from '../support/e2fsprogs.js';
import { DIR, FILE, SHAPES, ScratchImage, T0, codeOf, dec, enc, haveE2fsprogs, haveKernelMount, init, shapeName, withKernelMount } from './fixtures.js';

const { userObj, user, groupObj, group, mask, other } = ACL_TAG;
const e = (tag: number, perm: number, id = ACL_UNDEFINED_ID): AclEntry => ({ tag, perm, id });

function attrTool(name: 'getfattr' | 'setfattr'): string | undefined {
  const found = findTool(name);
  if (found === undefined) {
    if (process.env['CI']) throw new Error(`${name} not found; CI must install the attr package`);
    console.warn(`skipping POSIX ACL kernel comparisons: ${name} not found (install attr)`);
  }
  return found;
}
const GETFATTR = attrTool('getfattr');
const SETFATTR = attrTool('setfattr');

const DEFAULTS = [e(userObj, 7), e(user, 7, 7), e(groupObj, 5), e(group, 3, 50), e(mask, 7), e(other, 5)];
const NAMED = [e(userObj, 6), e(user, 4, 1000), e(groupObj, 4), e(group, 6, 50), e(mask, 6), e(other, 4)];
const EQUIVALENT = [e(userObj, 7), e(groupObj, 0), e(other, 5)];
const ACCESS = 'system.posix_acl_access';
const DEFAULT = 'system.posix_acl_default';

function setfattr(path: string, name: string, value: Uint8Array): void {
  const r = spawnSync(SETFATTR as string, ['-h', '-n', name, '-v', `0x${Buffer.from(value).toString('hex')}`, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`setfattr ${name} ${path}: ${r.stderr}`);
}

function removefattr(path: string, name: string): void {
  const r = spawnSync(SETFATTR as string, ['-h', '-x', name, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`setfattr -x ${name} ${path}: ${r.stderr}`);
}

/** Every object below `dir` with its mode and xattrs (getfattr -e hex through the kernel), paths relative to `dir`. */
function kernelView(dir: string): Map<string, string> {
  const r = spawnSync(GETFATTR as string, ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '.'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`getfattr in ${dir}: ${r.stderr}`);
  const xattrs = new Map<string, string>();
  for (const section of r.stdout.split('\n\n')) {
    const [head, ...lines] = section.trim().split('\n');
    // getfattr names paths below "." without the "./".
    if (head?.startsWith('# file: ') === true) xattrs.set(head.slice('# file: '.length), lines.sort().join(' '));
  }
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    const st = lstatSync(join(dir, rel));
    out.set(rel, `mode ${st.mode.toString(8)} ${xattrs.get(rel) ?? ''}`.trim());
    if (st.isDirectory()) for (const name of readdirSync(join(dir, rel)).sort()) walk(rel === '.' ? name : `${rel}/${name}`);
  };
  walk('.');
  return out;
}

/** The setup both twins get from the kernel: a directory `side` with DEFAULTS, and `side/sub` (made before them) with files to change. */
function kernelSetup(mnt: string, side: string): void {
  mkdirSync(join(mnt, side, 'sub'), { recursive: true, mode: 0o755 });
  for (const name of ['chm', 'eq', 'named', 'rm', 'absent']) closeSync(openSync(join(mnt, side, 'sub', name), 'wx', 0o640));
  setfattr(join(mnt, side, 'sub', 'chm'), ACCESS, encodeAclXattr(NAMED));
  setfattr(join(mnt, side, 'sub', 'rm'), ACCESS, encodeAclXattr(NAMED));
  setfattr(join(mnt, side), DEFAULT, encodeAclXattr(DEFAULTS));
}

/** The calls under test, made by the kernel on twin `k`. */
function kernelCalls(mnt: string): void {
  const k = join(mnt, 'k');
  closeSync(openSync(join(k, 'new-file'), 'wx', 0o666));
  mkdirSync(join(k, 'new-dir'), { mode: 0o777 });
  closeSync(openSync(join(k, 'new-dir', 'deeper'), 'wx', 0o640));
  const fifo = spawnSync('mkfifo', [join(k, 'new-fifo')]);
  if (fifo.status !== 0) throw new Error(`mkfifo: ${String(fifo.stderr)}`);
  symlinkSync('new-file', join(k, 'new-link'));
  chmodSync(join(k, 'sub', 'chm'), 0o751);
  setfattr(join(k, 'sub', 'eq'), ACCESS, encodeAclXattr(EQUIVALENT));
  setfattr(join(k, 'sub', 'named'), ACCESS, encodeAclXattr(NAMED));
  removefattr(join(k, 'sub', 'rm'), ACCESS);
  removefattr(join(k, 'sub', 'absent'), ACCESS);
}

/** The same calls made through ext2-lite on twin `o` (mkfifo's mode is 0666, as the tool's). */
async function ourCalls(fs: Ext2Filesystem): Promise<void> {
  const o = (await fs.lookup(fs.root, enc('o'))) as Ext2Inode;
  const sub = (await fs.lookup(o, enc('sub'))) as Ext2Inode;
  const at = async (name: string): Promise<Ext2Inode> => (await fs.lookup(sub, enc(name))) as Ext2Inode;
  await fs.create(o, enc('new-file'), init(0o100666));
  const dir = await fs.mkdir(o, enc('new-dir'), init(0o040777));
  await fs.create(dir, enc('deeper'), init(0o100640));
  await fs.mknod(o, enc('new-fifo'), init(0o010666));
  await fs.symlink(o, enc('new-link'), enc('new-file'), init(0o120777));
  await fs.setattr(await at('chm'), { mode: 0o751 });
  await fs.setxattr(await at('eq'), ACCESS, encodeAclXattr(EQUIVALENT));
  await fs.setxattr(await at('named'), ACCESS, encodeAclXattr(NAMED));
  await fs.removexattr(await at('rm'), ACCESS);
  await fs.removexattr(await at('absent'), ACCESS);
}

const kernelSuite = haveE2fsprogs && haveKernelMount && GETFATTR !== undefined && SETFATTR !== undefined ? describe : describe.skip;

kernelSuite('POSIX ACLs against the kernel', () => {
  for (const shape of SHAPES) {
    it(`inheritance, chmod, setxattr and removexattr of ACLs come out as the kernel makes them (${shapeName(shape)})`, async () => {
      const image = new ScratchImage(shape);
      try {
        withKernelMount(image, (mnt) => ['k', 'o'].forEach((side) => kernelSetup(mnt, side)), { writable: true });
        const fs = await image.mount();
        await ourCalls(fs);
        await image.unmount();
        withKernelMount(image, (mnt) => kernelCalls(mnt), { writable: true });
        const fsck = image.fsck();
        expect(fsck.problems, fsck.output).toEqual([]);
        withKernelMount(image, (mnt) => {
          const kernel = kernelView(join(mnt, 'k'));
          const ours = kernelView(join(mnt, 'o'));
          // The scenario exercises what it claims: inherited ACLs, a narrowed mode, a dropped equivalent ACL.
          expect(kernel.get('new-dir')).toContain('system.posix_acl_default=');
          expect(kernel.get('new-dir/deeper')).toContain('system.posix_acl_access=');
          expect(kernel.get('new-file')).toMatch(/^mode 100664 system.posix_acl_access=/);
          expect(kernel.get('sub/eq')).toBe('mode 100705');
          expect(kernel.get('new-link')).toBe('mode 120777');
          expect(ours).toEqual(kernel);
        });
        // ext2-lite reads what the kernel wrote as the kernel serves it.
        const fs2 = await image.mount({ readOnly: true });
        const want = withKernelMount(image, (mnt) => kernelView(join(mnt, 'k')));
        for (const [rel, view] of want) {
          const ino = await lookupPath(fs2, rel === '.' ? 'k' : `k/${rel}`);
          const attrs = await fs2.getattr(ino);
          const names = (await fs2.listxattr(ino)).sort();
          const values = await Promise.all(names.map(async (n) => `${n}=0x${Buffer.from(await fs2.getxattr(ino, n)).toString('hex')}`));
          expect(`mode ${attrs.mode.toString(8)} ${values.join(' ')}`.trim(), rel).toBe(view);
        }
        await image.unmount();
      } finally {
        await image.cleanup();
      }
    });
  }
});

async function lookupPath(fs: Ext2Filesystem, path: string): Promise<Ext2Inode> {
  let at = fs.root as Ext2Inode;
  for (const part of path.split('/').filter((p) => p !== '' && p !== '.')) at = (await fs.lookup(at, enc(part))) as Ext2Inode;
  return at;
}

const suite = haveE2fsprogs ? describe : describe.skip;
const shape = { blockSize: 1024, inodeSize: 128 } as const;

suite('POSIX ACL calls: errors and the acl mount option', () => {
  it('EACCES for a default ACL on a non-directory (removing one is no error); EOPNOTSUPP on a symlink; EINVAL for an invalid ACL; ENOSPC leaves the mode alone; nothing changes', async () => {
    const image = new ScratchImage(shape);
    try {
      const fs = await image.mount();
      const f = await fs.create(fs.root, enc('f'), init(FILE));
      const l = await fs.symlink(fs.root, enc('l'), enc('f'), init(0o120777));
      expect(await codeOf(fs.setxattr(f, DEFAULT, encodeAclXattr(DEFAULTS)))).toBe('EACCES');
      expect(await codeOf(fs.removexattr(f, DEFAULT))).toBe('resolved');
      expect(await codeOf(fs.setxattr(l, ACCESS, encodeAclXattr(NAMED)))).toBe('EOPNOTSUPP');
      const noMask = encodeAclXattr([e(userObj, 6), e(user, 4, 1000), e(groupObj, 4), e(other, 4)]);
      expect(await codeOf(fs.setxattr(f, ACCESS, noMask))).toBe('EINVAL');
      expect(await fs.listxattr(f)).toEqual([]);
      expect((await fs.getattr(f)).mode).toBe(FILE);
      expect(await codeOf(fs.getxattr(f, ACCESS))).toBe('ENODATA');
      // A header without entries removes the ACL, as the kernel reads it.
      await fs.setxattr(f, ACCESS, encodeAclXattr(NAMED));
      expect((await fs.getattr(f)).mode).toBe(0o100664);
      await fs.setxattr(f, ACCESS, encodeAclXattr([]));
      expect(await fs.listxattr(f)).toEqual([]);
      // No room for the ACL (the 1 KiB xattr block is nearly full): ENOSPC, and the mode is untouched too.
      const full = await fs.create(fs.root, enc('full'), init(FILE));
      await fs.setxattr(full, 'user.big', new Uint8Array(952));
      expect(await codeOf(fs.setxattr(full, ACCESS, encodeAclXattr(NAMED)))).toBe('ENOSPC');
      expect((await fs.getattr(full)).mode).toBe(FILE);
      expect(await fs.listxattr(full)).toEqual(['user.big']);
      await image.unmount();
      expect(image.fsck().problems).toEqual([]);
    } finally {
      await image.cleanup();
    }
  });

  it('mount { acl: false } (the kernel’s noacl): ACL names EOPNOTSUPP and unlisted, no inheritance, chmod leaves the stored ACL; the default follows s_default_mount_opts', async () => {
    const image = new ScratchImage(shape);
    try {
      let fs = await image.mount();
      const d = await fs.mkdir(fs.root, enc('d'), init(DIR));
      await fs.setxattr(d, DEFAULT, encodeAclXattr(DEFAULTS));
      await fs.setxattr(d, 'user.kept', enc('yes'));
      await image.unmount();
      fs = await image.mount({ acl: false });
      const dir = (await fs.lookup(fs.root, enc('d'))) as Ext2Inode;
      expect(await fs.listxattr(dir)).toEqual(['user.kept']);
      expect(await codeOf(fs.getxattr(dir, DEFAULT))).toBe('EOPNOTSUPP');
      expect(await codeOf(fs.setxattr(dir, ACCESS, encodeAclXattr(NAMED)))).toBe('EOPNOTSUPP');
      const child = await fs.create(dir, enc('child'), init(0o100666));
      expect((await fs.getattr(child)).mode).toBe(0o100666);
      await fs.setattr(dir, { mode: 0o700 });
      await image.unmount();
      // tune2fs -o ^acl clears the superblock's default; a mount then has none.
      image.debugfs(['ssv default_mount_opts 4'], true);
      fs = await image.mount();
      const again = (await fs.lookup(fs.root, enc('d'))) as Ext2Inode;
      expect(await codeOf(fs.getxattr(again, DEFAULT))).toBe('EOPNOTSUPP');
      await image.unmount();
      fs = await image.mount({ acl: true });
      const third = (await fs.lookup(fs.root, enc('d'))) as Ext2Inode;
      // Untouched by the chmod made without ACLs.
      expect(Buffer.from(await fs.getxattr(third, DEFAULT))).toEqual(Buffer.from(encodeAclXattr(DEFAULTS)));
      expect(dec(await fs.getxattr(third, 'user.kept'))).toBe('yes');
      await image.unmount();
    } finally {
      await image.cleanup();
    }
  });

  it('an inherited ACL keeps the new inode’s creation time as its ctime', async () => {
    const image = new ScratchImage(shape);
    try {
      const fs = await image.mount({ now: () => T0 + 1_000_000_000n });
      const d = await fs.mkdir(fs.root, enc('d'), init(DIR));
      await fs.setxattr(d, DEFAULT, encodeAclXattr(DEFAULTS));
      const f = await fs.create(d, enc('f'), init(0o100600));
      const attrs = await fs.getattr(f);
      // 128-byte inodes keep whole seconds: the creation time, not the clock's later one.
      expect(attrs.ctimeNs).toBe((T0 / 1_000_000_000n) * 1_000_000_000n);
      expect(attrs.mode).toBe(0o100600);
      expect(await fs.listxattr(f)).toEqual([ACCESS]);
      await image.unmount();
      expect(image.fsck().problems).toEqual([]);
    } finally {
      await image.cleanup();
    }
  });
});
