// Permission checks with POSIX ACLs, the kernel as the oracle: ext2-lite
// hands each inode's access ACL to the VFS (InodeAttributes.accessAcl), and
// @iomap/vfs's access() must grant and refuse exactly what access(2) does on
// a kernel mount of the same image, for callers who are the owner, a named
// user, in the owning group, in a named group (as primary or supplementary
// group), in both, or nobody, and every rwx mask. The files' ACLs are the
// cases where the ACL and the mode disagree: a GROUP_OBJ below the MASK, a
// MASK narrowing named entries, an empty MASK, a named user whose entry
// refuses what its group's grants, and a directory searchable only through
// its ACL. Needs root (loop mount, and child processes that drop to each
// caller's ids): in CI a missing piece fails loudly; locally it skips.
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ACL_TAG, ACL_UNDEFINED_ID, createFsPromises, encodeAclXattr, type AclEntry, type Credentials } from '@iomap/vfs';
import type { Ext2Filesystem } from '../../src/index.js';
import { SHAPES, ScratchImage, enc, haveE2fsprogs, haveKernelMount, init, shapeName, withKernelMount } from './fixtures.js';

const { userObj, user, groupObj, group, mask, other } = ACL_TAG;
const e = (tag: number, perm: number, id = ACL_UNDEFINED_ID): AclEntry => ({ tag, perm, id });

const OWNER = 500;
const OWNING_GROUP = 600;

/** Files (owned by 500:600) and their access ACLs; `plain` has none, `d` is a directory holding `d/f`. */
const FILES: Record<string, { mode: number; acl?: AclEntry[] }> = {
  plain: { mode: 0o100654 },
  named: { mode: 0o100644, acl: [e(userObj, 6), e(user, 4, 1000), e(groupObj, 4), e(group, 6, 50), e(mask, 6), e(other, 4)] },
  'group-obj-below-mask': { mode: 0o100644, acl: [e(userObj, 6), e(user, 7, 1000), e(groupObj, 4), e(mask, 7), e(other, 0)] },
  'mask-narrows': { mode: 0o100644, acl: [e(userObj, 6), e(user, 7, 1000), e(groupObj, 6), e(group, 7, 50), e(mask, 4), e(other, 1)] },
  'mask-empty': { mode: 0o100644, acl: [e(userObj, 6), e(user, 7, 1000), e(groupObj, 4), e(mask, 0), e(other, 4)] },
  'user-beats-group': { mode: 0o100644, acl: [e(userObj, 7), e(user, 1, 1000), e(groupObj, 7), e(group, 7, 50), e(mask, 7), e(other, 7)] },
  'other-only': { mode: 0o100644, acl: [e(userObj, 0), e(groupObj, 0), e(group, 4, 50), e(mask, 4), e(other, 7)] },
  d: { mode: 0o040700, acl: [e(userObj, 7), e(user, 1, 1000), e(groupObj, 0), e(group, 5, 50), e(mask, 7), e(other, 0)] },
};
const PATHS = [...Object.keys(FILES), 'd/f'];

const CALLERS: Record<string, Credentials> = {
  owner: { uid: OWNER, gid: 1, groups: [] },
  named: { uid: 1000, gid: 1, groups: [] },
  'named-in-50': { uid: 1000, gid: 50, groups: [] },
  'owning-group': { uid: 2, gid: OWNING_GROUP, groups: [] },
  'supplementary-50': { uid: 3, gid: 1, groups: [50] },
  'both-groups': { uid: 4, gid: OWNING_GROUP, groups: [50] },
  stranger: { uid: 9, gid: 9, groups: [] },
};
const MASKS = [1, 2, 3, 4, 5, 6, 7];

const isRoot = process.getuid?.() === 0;
if (process.env['CI'] && !isRoot) throw new Error('acl-permission.test.ts needs root in CI (loop mounts, and callers of other uids)');
const suite = haveE2fsprogs && haveKernelMount && isRoot ? describe : describe.skip;

/** Builds the files through ext2-lite (setxattr of each ACL, which also sets the mode's rwx bits). */
async function buildFiles(fs: Ext2Filesystem): Promise<void> {
  const owner = { uid: OWNER, gid: OWNING_GROUP };
  let d = fs.root;
  for (const [name, spec] of Object.entries(FILES)) {
    const made = (spec.mode & 0o170000) === 0o040000 ? await fs.mkdir(fs.root, enc(name), init(spec.mode, owner)) : await fs.create(fs.root, enc(name), init(spec.mode, owner));
    if (spec.acl !== undefined) await fs.setxattr(made, 'system.posix_acl_access', encodeAclXattr(spec.acl));
    if (name === 'd') d = made;
  }
  await fs.create(d, enc('f'), init(0o100644, owner));
}

/** access(2) through the kernel: one child per caller, which drops from root to the caller's ids, for every path and mask. */
function kernelAnswers(mnt: string): Map<string, boolean> {
  const answers = new Map<string, boolean>();
  for (const [who, c] of Object.entries(CALLERS)) {
    const script = `
      const fs = require('node:fs');
      process.setgroups(${JSON.stringify(c.groups ?? [])});
      process.setgid(${c.gid});
      process.setuid(${c.uid});
      const out = {};
      for (const p of ${JSON.stringify(PATHS)}) for (const m of ${JSON.stringify(MASKS)}) {
        try { fs.accessSync(${JSON.stringify(mnt)} + '/' + p, m); out[p + ':' + m] = true; }
        catch (err) { if (err.code !== 'EACCES') throw err; out[p + ':' + m] = false; }
      }
      process.stdout.write(JSON.stringify(out));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as Record<string, boolean>;
    for (const [key, granted] of Object.entries(out)) answers.set(`${who} ${key}`, granted);
  }
  return answers;
}

/** The same questions through @iomap/vfs on an ext2-lite mount (`acl` false: as if ACLs were not in force). */
async function ourAnswers(image: ScratchImage, acl: boolean): Promise<Map<string, boolean>> {
  const fs = await image.mount({ acl });
  const answers = new Map<string, boolean>();
  try {
    for (const [who, credentials] of Object.entries(CALLERS)) {
      const fsp = createFsPromises(fs, { credentials });
      for (const p of PATHS) {
        for (const m of MASKS) {
          const granted = await fsp.access(`/${p}`, m).then(
            () => true,
            (err: NodeJS.ErrnoException) => {
              if (err.code !== 'EACCES') throw err;
              return false;
            },
          );
          answers.set(`${who} ${p}:${m}`, granted);
        }
      }
    }
  } finally {
    await image.unmount();
  }
  return answers;
}

suite('permission checks with POSIX ACLs against the kernel (vfs access over ext2-lite)', () => {
  const images: ScratchImage[] = [];
  afterAll(async () => {
    for (const image of images) await image.cleanup();
  });

  for (const shape of SHAPES) {
    it(`access() grants and refuses what access(2) does, for every caller, file and mask (${shapeName(shape)})`, async () => {
      const image = new ScratchImage(shape);
      images.push(image);
      // The callers must reach the mount point.
      chmodSync(image.dir, 0o755);
      const fs = await image.mount();
      await buildFiles(fs);
      await image.unmount();
      // Writable mounts on both sides: on a read-only one, W_OK is EROFS before any permission check.
      const kernel = withKernelMount(image, (mnt) => kernelAnswers(mnt), { writable: true });
      const ours = await ourAnswers(image, true);
      expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(kernel));
      // The cases are ones where the ACL matters: the mode alone answers many of them differently.
      const modeOnly = await ourAnswers(image, false);
      const differing = [...kernel].filter(([key, granted]) => modeOnly.get(key) !== granted).map(([key]) => key);
      expect(differing).toEqual(expect.arrayContaining(['named group-obj-below-mask:2', 'owning-group group-obj-below-mask:2', 'named d/f:4', 'supplementary-50 d/f:4', 'named-in-50 user-beats-group:2']));
      expect(differing.length).toBeGreaterThan(40);
    });
  }
});
