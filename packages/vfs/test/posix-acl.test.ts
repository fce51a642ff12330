// POSIX ACLs at the VFS (posix-acl.ts, posix-acl-mode.ts, permission.ts):
// the xattr encoding's edges, posix_acl_valid, how ACL and mode follow each
// other (fs/posix_acl.c), and the permission check with an access ACL
// (posix_acl_permission). ext2-lite's tests compare all of it with the
// kernel on real images; these pin the rules one by one.
import { describe, expect, it } from 'vitest';
import {
  Access,
  ACL_TAG,
  ACL_UNDEFINED_ID,
  aclAfterChmod,
  aclEquivalentMode,
  aclForNewInode,
  aclProblem,
  decodeAclXattr,
  encodeAclXattr,
  mayAccess,
  timeNs,
  type AclEntry,
  type Credentials,
  type InodeAttributes,
} from '../src/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const { userObj, user, groupObj, group, mask, other } = ACL_TAG;
const U = ACL_UNDEFINED_ID;
const e = (tag: number, perm: number, id = U): AclEntry => ({ tag, perm, id });
/** setfacl -m u:1000:r,g:50:rw on a 0644 file. */
const FILE_ACL = [e(userObj, 6), e(user, 4, 1000), e(groupObj, 4), e(group, 6, 50), e(mask, 6), e(other, 4)];

describe('the POSIX ACL xattr encoding', () => {
  it('a header without entries means "no ACL"; another version is EOPNOTSUPP; a short or ragged value EINVAL', () => {
    expect(decodeAclXattr(hex('02000000'))).toBeNull();
    expect(() => decodeAclXattr(hex('01000000 01000600'))).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP' }));
    expect(() => decodeAclXattr(hex('0200'))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => decodeAclXattr(hex('02000000 01000600ffff'))).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('whole 8-byte entries') }));
  });

  it('ids of entries that name nobody come out as 0xFFFFFFFF whatever was given', () => {
    const given = encodeAclXattr([e(userObj, 7), e(groupObj, 5), e(other, 5)]);
    new DataView(given.buffer).setUint32(8, 0, true);
    expect(decodeAclXattr(given)?.[0]?.id).toBe(U);
  });
});

describe('posix_acl_valid', () => {
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
    // Without named entries or MASK the result is equivalent to the mode: no access ACL.
    expect(aclForNewInode([e(userObj, 7), e(groupObj, 5), e(other, 0)], 0o040777)).toEqual({ mode: 0o040750, access: undefined });
    // Special bits of the requested mode stay.
    expect(aclForNewInode([e(userObj, 6), e(groupObj, 0), e(other, 0)], 0o102755).mode).toBe(0o102600);
  });
});

describe('permission with an access ACL (posix_acl_permission)', () => {
  const { Read: R, Write: W, Execute: X } = Access;
  /** A file of uid 500, gid 600 with `acl`; its mode's group bits are the ACL's MASK (or GROUP_OBJ), as a filesystem keeps them. */
  const file = (acl: readonly AclEntry[] | undefined, mode?: number): InodeAttributes => ({
    ino: 12,
    mode: mode ?? (acl === undefined ? 0o100640 : aclEquivalentMode(acl, 0o100000).mode),
    nlink: 1,
    uid: 500,
    gid: 600,
    size: 0,
    blocks: 0,
    blksize: 4096,
    rdev: 0,
    dev: 0,
    atimeNs: timeNs(0),
    mtimeNs: timeNs(0),
    ctimeNs: timeNs(0),
    ...(acl === undefined ? {} : { accessAcl: acl }),
  });
  const who = (uid: number, gid: number, groups: number[] = []): Credentials => ({ uid, gid, groups });
  const owner = who(500, 1);
  const named = who(1000, 1);
  const owningGroup = who(2, 600);
  const group50 = who(3, 50);
  const bothGroups = who(4, 600, [50]);
  const stranger = who(9, 9);

  it('the owner gets the owner bits, whatever entries name its uid', () => {
    const acl = [e(userObj, 4), e(user, 7, 500), e(groupObj, 4), e(mask, 7), e(other, 7)];
    expect(mayAccess(file(acl), owner, R)).toBe(true);
    expect(mayAccess(file(acl), owner, W)).toBe(false);
  });

  it('a named user gets its entry limited by MASK, and no group entry is consulted after it', () => {
    expect(mayAccess(file(FILE_ACL), named, R)).toBe(true);
    expect(mayAccess(file(FILE_ACL), named, W)).toBe(false);
    const masked = [e(userObj, 6), e(user, 7, 1000), e(groupObj, 4), e(mask, 4), e(other, 4)];
    expect(mayAccess(file(masked), named, R)).toBe(true);
    expect(mayAccess(file(masked), named, R | W)).toBe(false);
    // In group 50 (rw) too: the user entry (r) decides.
    expect(mayAccess(file(FILE_ACL), who(1000, 50), W)).toBe(false);
  });

  it('groups: any applicable entry that grants it all, limited by MASK; one applied but none granting refuses, even where OTHER would grant', () => {
    expect(mayAccess(file(FILE_ACL), group50, R | W)).toBe(true);
    expect(mayAccess(file(FILE_ACL), owningGroup, R)).toBe(true);
    expect(mayAccess(file(FILE_ACL), owningGroup, W)).toBe(false);
    expect(mayAccess(file(FILE_ACL), bothGroups, R | W)).toBe(true);
    const otherGrants = [e(userObj, 6), e(groupObj, 0), e(group, 4, 50), e(mask, 4), e(other, 7)];
    expect(mayAccess(file(otherGrants), owningGroup, R)).toBe(false);
    expect(mayAccess(file(otherGrants), group50, W)).toBe(false);
    expect(mayAccess(file(otherGrants), stranger, R | W | X)).toBe(true);
    // The entry grants rw but MASK only r.
    const narrow = [e(userObj, 6), e(groupObj, 6), e(mask, 4), e(other, 0)];
    expect(mayAccess(file(narrow), owningGroup, W)).toBe(false);
  });

  it('where the mode alone grants more than the ACL does, the ACL wins (GROUP_OBJ below MASK)', () => {
    // Mode 0670 (group class = MASK rwx), but the owning group's entry is r--.
    const acl = [e(userObj, 6), e(user, 7, 1000), e(groupObj, 4), e(mask, 7), e(other, 0)];
    expect(file(acl).mode & 0o070).toBe(0o070);
    expect(mayAccess(file(acl), owningGroup, W)).toBe(false);
    expect(mayAccess({ ...file(acl), accessAcl: undefined }, owningGroup, W)).toBe(true);
  });

  it('an empty group class (MASK 0) skips the ACL: the mode decides, as in the kernel’s acl_permission_check', () => {
    const acl = [e(userObj, 6), e(user, 7, 1000), e(groupObj, 4), e(mask, 0), e(other, 4)];
    // The named user's entry is masked to nothing, but it is not asked: OTHER's bits apply.
    expect(mayAccess(file(acl), named, R)).toBe(true);
    expect(mayAccess(file(acl), owningGroup, R)).toBe(false);
    expect(mayAccess(file(acl), stranger, R)).toBe(true);
  });

  it('an unreadable ACL ([]) refuses everyone but the owner and root; root keeps its override', () => {
    const broken = file([], 0o100666);
    expect(mayAccess(broken, stranger, R)).toBe(false);
    expect(mayAccess(broken, owner, R | W)).toBe(true);
    // An entry with no ACL tag makes the ACL invalid: refused (the kernel's EIO), though OTHER would grant.
    expect(mayAccess(file([e(userObj, 6), e(0x40, 7), e(groupObj, 4), e(other, 7)], 0o100647), stranger, R)).toBe(false);
    expect(mayAccess(file(FILE_ACL), who(0, 0), R | W)).toBe(true);
    expect(mayAccess(file(FILE_ACL), who(0, 0), X)).toBe(false);
  });

  it('without an ACL nothing changes: group bits for members, other bits for the rest', () => {
    expect(mayAccess(file(undefined), owningGroup, R)).toBe(true);
    expect(mayAccess(file(undefined), group50, R)).toBe(false);
    expect(mayAccess(file(undefined), bothGroups, W)).toBe(false);
  });
});
