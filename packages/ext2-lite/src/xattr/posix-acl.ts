// POSIX ACLs on a mount (the kernel's ext2/ext4 ACL handlers): the two
// system.posix_acl_* attributes stored in ext2's ACL encoding, and the mode
// rules (@iomap/vfs's aclEquivalentMode, aclAfterChmod, aclForNewInode) applied where the kernel applies them.
//
//   getxattr      the stored ACL in the xattr encoding
//   setxattr      validated (EINVAL); symlinks carry none (EOPNOTSUPP); a
//                 default ACL only on directories (EACCES); an access ACL
//                 sets the mode's rwx bits and is dropped when the mode says
//                 it all; XATTR_CREATE/REPLACE do not apply (as in the kernel)
//   removexattr   an absent ACL is no error
//   chmod         the access ACL follows the new mode (namespace/setattr.ts)
//   create        the directory's default ACL is inherited (namespace/create.ts)
//
// All of it only when ACLs are in force (Volume.posixAcl); otherwise the ACL
// names give EOPNOTSUPP, as on a kernel mount with -o noacl.
import { FsError } from '@iomap/core';
import { S_IF, S_IFMT } from '../format/inode.js';
import { aclAfterChmod, aclEquivalentMode, aclForNewInode, decodeAclXattr, type AclEntry } from '@iomap/vfs';
import { ACL_NAME_INDEX, encodeAclDisk } from '../format/posix-acl.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { markInodeDirty } from '../inode/inode-write.js';
import { hasXattrs, readPosixAcl, requirePosixAcl, storedAcl } from '../inode/xattr-read.js';
import type { MountContext } from '../mount/mount-context.js';
import { setInodeTime } from '../namespace/inode-times.js';
import { changeXattrLocked, withLiveInodeLocked } from './xattr-change.js';
import type { XattrName } from './xattr-name.js';

const aclName = (nameIndex: number): XattrName => ({ nameIndex, name: new Uint8Array(0) });
const typeOf = (inode: Ext2Inode): number => inode.disk.mode & S_IFMT;

/** Stores `acl` under `nameIndex` (undefined removes it; absent is fine). Precondition: inode.lock held exclusive, or the inode not reachable yet. */
async function storeAclLocked(ctx: MountContext, inode: Ext2Inode, nameIndex: number, acl: readonly AclEntry[] | undefined, syscall: string, ctimeNs?: bigint): Promise<void> {
  if (acl !== undefined) {
    await changeXattrLocked(ctx, inode, { kind: 'set', attr: aclName(nameIndex), value: encodeAclDisk(acl) }, syscall, ctimeNs);
  } else if ((await storedAcl(ctx.vol, inode, nameIndex)) !== undefined) {
    await changeXattrLocked(ctx, inode, { kind: 'remove', attr: aclName(nameIndex) }, syscall, ctimeNs);
  }
}

/** setxattr of system.posix_acl_access (nameIndex 2) or _default (3) with `value` in the xattr encoding. */
export async function setPosixAcl(ctx: MountContext, inode: Ext2Inode, nameIndex: number, value: Uint8Array): Promise<void> {
  await changePosixAcl(ctx, inode, nameIndex, decodeAclXattr(value, 'setxattr'), 'setxattr');
}

/** removexattr of an ACL name: the ACL goes; an absent one is no error. */
export async function removePosixAcl(ctx: MountContext, inode: Ext2Inode, nameIndex: number): Promise<void> {
  await changePosixAcl(ctx, inode, nameIndex, null, 'removexattr');
}

async function changePosixAcl(ctx: MountContext, inode: Ext2Inode, nameIndex: number, acl: AclEntry[] | null, syscall: string): Promise<void> {
  requirePosixAcl(ctx.vol, syscall);
  if (typeOf(inode) === S_IF.LNK) throw new FsError('EOPNOTSUPP', `inode ${inode.ino} is a symlink: symlinks carry no POSIX ACLs`, { syscall });
  if (nameIndex === ACL_NAME_INDEX.default && typeOf(inode) !== S_IF.DIR) {
    if (acl === null) return;
    throw new FsError('EACCES', `inode ${inode.ino} is not a directory: only directories have a default ACL`, { syscall });
  }
  await withLiveInodeLocked(inode, syscall, async () => {
    let stored = acl ?? undefined;
    let mode: number | undefined;
    if (nameIndex === ACL_NAME_INDEX.access && acl !== null) {
      const implied = aclEquivalentMode(acl, inode.disk.mode);
      mode = implied.mode;
      if (implied.equivalent) stored = undefined;
    }
    // The ACL first: if it finds no room (ENOSPC), the mode has not changed either.
    await storeAclLocked(ctx, inode, nameIndex, stored, syscall);
    if (mode !== undefined) {
      inode.disk.mode = mode;
      setInodeTime(inode.disk, 'ctime', ctx.now());
      markInodeDirty(ctx, inode);
    }
  });
}

/** chmod's part (posix_acl_chmod): the access ACL, if any, takes the new mode. Precondition: inode.lock held exclusive; d.mode already changed. */
export async function chmodPosixAclLocked(ctx: MountContext, inode: Ext2Inode): Promise<void> {
  if (!ctx.vol.posixAcl || typeOf(inode) === S_IF.LNK) return;
  const acl = await readPosixAcl(ctx.vol, inode, ACL_NAME_INDEX.access);
  if (acl !== undefined) await storeAclLocked(ctx, inode, ACL_NAME_INDEX.access, aclAfterChmod(acl, inode.disk.mode), 'chmod');
}

/** What a new inode inherits from directory `dir` (posix_acl_create): its narrowed mode and the ACLs to give it. */
export interface InheritedAcls {
  readonly mode: number;
  readonly access: AclEntry[] | undefined;
  readonly default: AclEntry[] | undefined;
}

/** The inheritance for a new inode of `mode` in `dir`; undefined when nothing is inherited. Precondition: dir.lock held. */
export async function inheritedAcls(ctx: MountContext, dir: Ext2Inode, mode: number): Promise<InheritedAcls | undefined> {
  if (!ctx.vol.posixAcl || (mode & S_IFMT) === S_IF.LNK || !hasXattrs(dir)) return undefined;
  const defaults = await readPosixAcl(ctx.vol, dir, ACL_NAME_INDEX.default);
  if (defaults === undefined) return undefined;
  const narrowed = aclForNewInode(defaults, mode);
  return { mode: narrowed.mode, access: narrowed.access, default: (mode & S_IFMT) === S_IF.DIR ? defaults : undefined };
}

/** Gives a new, not yet reachable inode its inherited ACLs; its ctime stays its creation time `timeNs`. */
export async function applyInheritedAcls(ctx: MountContext, inode: Ext2Inode, inherited: InheritedAcls, syscall: string, timeNs: bigint): Promise<void> {
  if (inherited.default !== undefined) await storeAclLocked(ctx, inode, ACL_NAME_INDEX.default, inherited.default, syscall, timeNs);
  if (inherited.access !== undefined) await storeAclLocked(ctx, inode, ACL_NAME_INDEX.access, inherited.access, syscall, timeNs);
}
