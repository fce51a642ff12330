// setattr for chmod, chown and utimes (EXT2.md 3.1-3.3): permission bits
// (the type bits stay), owner and group (32-bit, split by the encoder into
// i_uid/i_gid and their l_i_*_high halves), and the three times. Any change
// also records a ctime: the caller's when given, else the clock's. A mode
// change carries over to the access ACL when ACLs are in force (the kernel's
// posix_acl_chmod, xattr/posix-acl.ts). Sizes go through truncate, which owns
// the data path.
import { FsError } from '@iomap/core';
import type { AttributeChanges } from '@iomap/vfs';
import { S_IFMT } from '../format/inode.js';
import type { Ext2Inode } from '../inode/ext2-inode.js';
import { markInodeDirty } from '../inode/inode-write.js';
import type { MountContext } from '../mount/mount-context.js';
import { chmodPosixAclLocked } from '../xattr/posix-acl.js';
import { setInodeTime } from './inode-times.js';

const PERMISSION_BITS = 0o7777;

function checkId(value: number | undefined, what: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 0xfffffffe)) {
    throw new FsError('EINVAL', `${what} ${value} is not a 32-bit id (0..4294967294)`, { syscall: 'chown' });
  }
}

/** Applies `changes` to `inode`. Takes inode.lock exclusive. */
export async function setAttributes(ctx: MountContext, inode: Ext2Inode, changes: AttributeChanges): Promise<void> {
  checkId(changes.uid, 'uid');
  checkId(changes.gid, 'gid');
  if (changes.mode !== undefined && (!Number.isInteger(changes.mode) || changes.mode < 0)) {
    throw new FsError('EINVAL', `mode ${changes.mode} is not a permission mask`, { syscall: 'chmod' });
  }
  const release = await inode.lock.acquireExclusive();
  try {
    const d = inode.disk;
    if (changes.mode !== undefined) d.mode = (d.mode & S_IFMT) | (changes.mode & PERMISSION_BITS);
    if (changes.uid !== undefined) d.uid = changes.uid;
    if (changes.gid !== undefined) d.gid = changes.gid;
    if (changes.atimeNs !== undefined) setInodeTime(d, 'atime', changes.atimeNs);
    if (changes.mtimeNs !== undefined) setInodeTime(d, 'mtime', changes.mtimeNs);
    setInodeTime(d, 'ctime', changes.ctimeNs ?? ctx.now());
    markInodeDirty(ctx, inode);
    if (changes.mode !== undefined) await chmodPosixAclLocked(ctx, inode);
  } finally {
    release();
  }
}
