// setxattr / removexattr (EXT2.md 5): names and values checked as
// setxattr(2) checks them, then the change applied (xattr-change.ts).
// system.posix_acl_* take the POSIX ACL path (posix-acl.ts).
//
// Caller-visible locking: inode.lock exclusive for the whole change;
// getxattr/listxattr take it shared (xattr-get.ts) so they never see the
// block part done and the inode part not yet.
import type { XattrSetOptions } from '@iomap/vfs';
import { isAclNameIndex } from '../format/posix-acl.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import type { MountContext } from '../mount/mount-context.js';
import { removePosixAcl, setPosixAcl } from './posix-acl.js';
import { changeXattrLocked, withLiveInodeLocked } from './xattr-change.js';
import { checkXattrValue, parseWritableXattrName } from './xattr-name.js';
import type { XattrChange } from './xattr-plan.js';

/**
 * Sets extended attribute `name` of `inode` (setxattr(2); `options` are
 * XATTR_CREATE / XATTR_REPLACE).
 *
 * @example
 * ```ts
 * await setXattr(ctx, inode, 'user.origin', new TextEncoder().encode('scanner'));
 * ```
 */
export async function setXattr(ctx: MountContext, inode: Ext2Inode, name: string, value: Uint8Array, options: XattrSetOptions = {}): Promise<void> {
  const attr = parseWritableXattrName(name, 'setxattr');
  if (isAclNameIndex(attr.nameIndex)) return setPosixAcl(ctx, inode, attr.nameIndex, value);
  checkXattrValue(value, ctx.vol.geometry.blockSize, 'setxattr');
  await changeXattrs(ctx, inode, { kind: 'set', attr, value: value.slice(), create: options.create === true, replace: options.replace === true }, 'setxattr');
}

/** Removes extended attribute `name` of `inode` (removexattr(2)); ENODATA when absent (an absent ACL is no error, as in the kernel). */
export async function removeXattr(ctx: MountContext, inode: Ext2Inode, name: string): Promise<void> {
  const attr = parseWritableXattrName(name, 'removexattr');
  if (isAclNameIndex(attr.nameIndex)) return removePosixAcl(ctx, inode, attr.nameIndex);
  await changeXattrs(ctx, inode, { kind: 'remove', attr }, 'removexattr');
}

function changeXattrs(ctx: MountContext, inode: Ext2Inode, change: XattrChange, syscall: string): Promise<void> {
  return withLiveInodeLocked(inode, syscall, () => changeXattrLocked(ctx, inode, change, syscall));
}
