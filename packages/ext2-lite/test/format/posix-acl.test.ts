// POSIX ACL encodings (format/posix-acl.ts) and the mode rules
// (xattr/posix-acl-mode.ts). Byte strings below were read on this machine:
// the xattr encoding from getfattr -e hex after setfacl on the host, the ext2
// encoding from debugfs ea_list of an image mke2fs -d made of the same files.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ACL_TAG,
  ACL_UNDEFINED_ID,
  aclProblem,
  decodeAclDisk,
  decodeAclXattr,
  encodeAclDisk,
  encodeAclXattr,
  type AclEntry,
} from '../../src/format/posix-acl.js';
import { aclAfterChmod, aclEquivalentMode, aclForNewInode } from '../../src/xattr/posix-acl-mode.js';

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

  it('a header without entries means "no ACL"; another version is EOPNOTSUPP; a short or ragged value EINVAL', () => {
    expect(decodeAclXattr(hex('02000000'))).toBeNull();
    expect(() => decodeAclXattr(hex('01000000 01000600'))).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP' }));
    expect(() => decodeAclXattr(hex('0200'))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => decodeAclXattr(hex('02000000 01000600ffff'))).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('whole 8-byte entries') }));
  });

  it('EINVAL for what posix_acl_valid refuses, naming the entry', () => {
    const bad: [AclEntry[], RegExp][] = [
      [[e(userObj, 6), e(user, 4, 1), e(groupObj, 4), e(other, 4)], /entry 3 \(OTHER\) is out of place/],
      [[e(userObj, 6), e(groupObj, 4), e(userObj, 6), e(other, 4)], /entry 2 \(USER_OBJ\)/],
      [[e(userObj, 6), e(groupObj, 4), e(user, 4, 1), e(mask, 4), e(other, 4)], /entry 2 \(USER\)/],
      [[e(userObj, 6), e(groupObj, 4), e(other, 4), e(other, 4)], /entry 3 \(OTHER\)/],
      [[e(userObj, 6), e(groupObj, 4)], /lacks/],
      [[e(userObj, 8), e(groupObj, 4), e(other, 4)], /permission bits 0x8 outside rwx/],
      [[e(userObj, 6), e(user, 4, U), e(groupObj, 4), e(mask, 4), e(other, 4)], /names id 4294967295/],
      [[e(userObj, 6), e(0x40, 4), e(groupObj, 4), e(other, 4)], /tag 0x40/],
    ];
    for (const [entries, message] of bad) {
      expect(() => decodeAclXattr(encodeAclXattr(entries)), message.source).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(message) }));
    }
    // MASK without named entries is valid (the mask then narrows GROUP_OBJ).
    expect(aclProblem([e(userObj, 6), e(groupObj, 6), e(mask, 4), e(other, 4)])).toBeUndefined();
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

  it('ids of entries that name nobody come out as 0xFFFFFFFF whatever was given', () => {
    const given = encodeAclXattr([e(userObj, 7), e(groupObj, 5), e(other, 5)]);
    new DataView(given.buffer).setUint32(8, 0, true);
    expect(decodeAclXattr(given)?.[0]?.id).toBe(U);
  });
});

describe('POSIX ACL mode rules (the kernel’s fs/posix_acl.c)', () => {
  it('an access ACL implies the mode; only USER_OBJ/GROUP_OBJ/OTHER is equivalent to it', () => {
    expect(aclEquivalentMode([e(userObj, 7), e(groupObj, 5), e(other, 1)], 0o104640)).toEqual({ mode: 0o104751, equivalent: true });
    // With a MASK, the group bits are the mask's.
    expect(aclEquivalentMode(FILE_ACL, 0o100600)).toEqual({ mode: 0o100664, equivalent: false });
    expect(aclEquivalentMode([e(userObj, 6), e(groupObj, 6), e(mask, 4), e(other, 0)], 0o100000)).toEqual({ mode: 0o100640, equivalent: false });
  });

  it('chmod sets USER_OBJ, OTHER and the group class (MASK if any, else GROUP_OBJ); named entries stay', () => {
    expect(aclAfterChmod(FILE_ACL, 0o100751)).toEqual([e(userObj, 7), e(user, 4, 1000), e(groupObj, 4), e(group, 6, 50), e(mask, 5), e(other, 1)]);
    expect(aclAfterChmod([e(userObj, 7), e(groupObj, 5), e(other, 5)], 0o040700)).toEqual([e(userObj, 7), e(groupObj, 0), e(other, 0)]);
  });

  it('a new inode: the default ACL narrowed by the mode and the mode by it (the kernel’s result for touch under a default ACL)', () => {
    // setfacl -d -m u:7:rwx,o::- on a directory, then touch (mode 0666): getfacl shows mode 0660 and this ACL.
    const defaults = [e(userObj, 7), e(user, 7, 7), e(groupObj, 5), e(mask, 7), e(other, 0)];
    expect(aclForNewInode(defaults, 0o100666)).toEqual({ mode: 0o100660, access: [e(userObj, 6), e(user, 7, 7), e(groupObj, 5), e(mask, 6), e(other, 0)] });
    expect(toHex(encodeAclDisk(aclForNewInode(defaults, 0o100666).access ?? []))).toBe('010000000100060002000700070000000400050010000600' + '20000000');
    // Without named entries or MASK the result is equivalent to the mode: no access ACL.
    expect(aclForNewInode([e(userObj, 7), e(groupObj, 5), e(other, 0)], 0o040777)).toEqual({ mode: 0o040750, access: undefined });
    // Special bits of the requested mode stay.
    expect(aclForNewInode([e(userObj, 6), e(groupObj, 0), e(other, 0)], 0o102755).mode).toBe(0o102600);
  });
});
