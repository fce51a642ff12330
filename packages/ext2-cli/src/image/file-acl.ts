// A file's POSIX ACLs in an image, read and written through the xattr names
// system.posix_acl_access / _default as the kernel serves them. ext2-lite
// applies the kernel's rules on write: an access ACL sets the mode's rwx
// bits (group bits = mask), one the mode says all of is stored as the mode
// alone, and removing an absent ACL is no error.
import { FsError } from '@iomap/core';
import type { Ext2Filesystem, Ext2Inode } from '@iomap/ext2-lite';
import { ACL_ACCESS_NAME, ACL_DEFAULT_NAME, decodeAclXattr, encodeAclXattr, S_IFDIR, S_IFMT, type AclEntry } from '@iomap/vfs';
import { aclFromMode, type AclEditResult, type FileAcls } from '../acl/acl-edit.js';
import { inodeMethod } from './image-write.js';

const codeOf = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

/**
 * The ACL stored under `name`, or undefined when there is none — also when
 * ACLs are not in force on the image (EOPNOTSUPP), where getfacl too shows
 * the mode's ACL.
 */
export async function storedAcl(fs: Ext2Filesystem, inode: Ext2Inode, name: string): Promise<AclEntry[] | undefined> {
  let value: Uint8Array;
  try {
    value = await fs.getxattr(inode, name);
  } catch (err) {
    if (codeOf(err) === 'ENODATA' || codeOf(err) === 'EOPNOTSUPP') return undefined;
    throw err;
  }
  return decodeAclXattr(value, 'getxattr') ?? undefined;
}

/** The access ACL (the mode's when none is stored) and, for a directory, the default ACL. */
export async function readFileAcls(fs: Ext2Filesystem, inode: Ext2Inode, mode: number): Promise<FileAcls> {
  const isDirectory = (mode & S_IFMT) === S_IFDIR;
  return {
    access: (await storedAcl(fs, inode, ACL_ACCESS_NAME)) ?? aclFromMode(mode),
    default: isDirectory ? ((await storedAcl(fs, inode, ACL_DEFAULT_NAME)) ?? []) : [],
    isDirectory,
  };
}

const sameAcl = (a: readonly AclEntry[], b: readonly AclEntry[]): boolean => Buffer.from(encodeAclXattr(a)).equals(encodeAclXattr(b));

/**
 * Writes what an edit changed (the access ACL first, which also sets the
 * mode); an ACL equal to what the file has is left alone, so ctime only
 * moves when something changed. Precondition: the edit is valid (editAcls).
 */
export async function writeFileAcls(fs: Ext2Filesystem, inode: Ext2Inode, before: FileAcls, edit: AclEditResult): Promise<void> {
  try {
    await writeChanged(fs, inode, before, edit);
  } catch (err) {
    // The library's advice (a mount option) is no use on the command line: say what changes the image.
    if (codeOf(err) !== 'EOPNOTSUPP') throw err;
    throw new FsError(
      'EOPNOTSUPP',
      'POSIX ACLs are off on this image, as the kernel would mount it: its default mount options lack acl (`tune2fs -o acl IMAGE` adds it) or it has no ext_attr feature',
      { syscall: 'setxattr' },
    );
  }
}

async function writeChanged(fs: Ext2Filesystem, inode: Ext2Inode, before: FileAcls, edit: AclEditResult): Promise<void> {
  if (edit.access !== undefined && !sameAcl(edit.access, before.access)) {
    await inodeMethod(fs, 'setxattr')(inode, ACL_ACCESS_NAME, encodeAclXattr(edit.access));
  }
  if (edit.default !== undefined && !sameAcl(edit.default, before.default)) {
    if (edit.default.length === 0) await inodeMethod(fs, 'removexattr')(inode, ACL_DEFAULT_NAME);
    else await inodeMethod(fs, 'setxattr')(inode, ACL_DEFAULT_NAME, encodeAclXattr(edit.default));
  }
}
