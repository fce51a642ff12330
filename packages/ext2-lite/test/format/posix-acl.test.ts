// POSIX ACL encodings: ext2's (format/posix-acl.ts) against the VFS's
// (@iomap/vfs). Byte strings below were read on this machine:
// the xattr encoding from getfattr -e hex after setfacl on the host, the ext2
// encoding from debugfs ea_list of an image mke2fs -d made of the same files.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ACL_TAG, ACL_UNDEFINED_ID, aclForNewInode, aclProblem, decodeAclXattr, encodeAclXattr, type AclEntry } from '@iomap/vfs';
import { decodeAclDisk, encodeAclDisk } from '../../src/format/posix-acl.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const { userObj, user, groupObj, group, mask, other } = ACL_TAG;
const U = ACL_UNDEFINED_ID;
const e = (tag: number, perm: number, id = U): AclEntry => ({ tag, perm, id });
const SITE = { structure: 'inode 12', location: 'extended attribute system.posix_acl_access' };

/** setfacl -m u:1000:r,g:50:rw on a 0644 file: getfattr's value, and mke2fs -d's bytes for it. */
const FILE_XATTR = '02000000 01000600ffffffff 02000400e8030000 04000400ffffffff 0800060032000000 10000600ffffffff 20000400ffffffff';
const FILE_DISK = '01000000 01000600 02000400e8030000 04000400 0800060032000000 10000600 20000400';
const FILE_ACL = [e(userObj, 6), e(user, 4, 1000), e(groupObj, 4), e(group, 6, 50), e(mask, 6), e(other, 4)];

describe('POSIX ACL encodings (EXT2.md 5.1)', () => {
  it('decodes the kernel’s xattr encoding and writes the bytes mke2fs -d stores, and back', () => {
    const acl = decodeAclXattr(hex(FILE_XATTR));
    expect(acl).toEqual(FILE_ACL);
    expect(toHex(encodeAclDisk(FILE_ACL))).toBe(FILE_DISK.replace(/ /g, ''));
    expect(decodeAclDisk(hex(FILE_DISK), SITE)).toEqual(FILE_ACL);
    expect(toHex(encodeAclXattr(FILE_ACL))).toBe(FILE_XATTR.replace(/ /g, ''));
  });

  it('any valid ACL survives both encodings unchanged (property)', () => {
    const perm = fc.integer({ min: 0, max: 7 });
    const ids = fc.uniqueArray(fc.integer({ min: 0, max: 0xfffffffe }), { maxLength: 4 });
    const acl = fc.record({ owner: perm, users: ids, userPerms: fc.array(perm, { minLength: 4, maxLength: 4 }), group: perm, groups: ids, groupPerms: fc.array(perm, { minLength: 4, maxLength: 4 }), mask: fc.option(perm), other: perm }).map((r) => {
      const named = r.users.length + r.groups.length > 0;
      const entries: AclEntry[] = [e(userObj, r.owner), ...r.users.map((id, i) => e(user, r.userPerms[i] ?? 0, id)), e(groupObj, r.group), ...r.groups.map((id, i) => e(group, r.groupPerms[i] ?? 0, id))];
      if (named || r.mask !== null) entries.push(e(mask, r.mask ?? 7));
      entries.push(e(other, r.other));
      return entries;
    });
    fc.assert(
      fc.property(acl, (entries) => {
        expect(aclProblem(entries)).toBeUndefined();
        const disk = encodeAclDisk(entries);
        expect(disk.length).toBe(4 + entries.reduce((n, x) => n + (x.tag === user || x.tag === group ? 8 : 4), 0));
        expect(decodeAclDisk(disk, SITE)).toEqual(entries);
        expect(decodeAclXattr(encodeAclXattr(entries))).toEqual(entries);
      }),
    );
  });

  it('EUCLEAN for a malformed stored ACL: its inode and attribute named', () => {
    for (const [bytes, detail] of [
      ['01', /no header/],
      ['02000000 01000600 04000400 20000400', /version 2/],
      ['01000000 01000600 02000400e803', /ends inside an entry/],
      ['01000000', /no entries/],
      ['01000000 01000600 20000400', /invalid/],
    ] as const) {
      expect(() => decodeAclDisk(hex(bytes), SITE)).toThrow(expect.objectContaining({ code: 'EUCLEAN', message: expect.stringMatching(new RegExp(`inode 12 at extended attribute system.posix_acl_access: POSIX ACL.*${detail.source}`)) }));
    }
  });


  it('an inherited ACL is stored as the kernel stores it (setfacl -d -m u:7:rwx,o::- on a directory, then touch)', () => {
    const defaults = [e(userObj, 7), e(user, 7, 7), e(groupObj, 5), e(mask, 7), e(other, 0)];
    expect(toHex(encodeAclDisk(aclForNewInode(defaults, 0o100666).access ?? []))).toBe('010000000100060002000700070000000400050010000600' + '20000000');
  });
});
