// Attribute names as setxattr(2) takes them ("user.origin") and as ext2
// stores them (e_name_index 1 + suffix "origin"), with Linux's limits:
//   whole name 1..255 bytes (XATTR_NAME_MAX), else ERANGE;
//   a known namespace prefix, else EOPNOTSUPP;
//   a non-empty suffix after it, else EINVAL;
//   value at most one block (fs/ext2), else ERANGE.
// Of system.*, exactly the two POSIX ACL names are accepted (their values are
// translated by format/posix-acl.ts); other system.* names give EOPNOTSUPP.
import { FsError } from '@iomap/core';
import { encodeUtf8 } from '../format/fields.js';
import { ACL_ACCESS_NAME, ACL_DEFAULT_NAME, isAclName } from '@iomap/vfs';
import { splitXattrName } from '../format/xattr.js';

/** The namespaces setxattr accepts (e_name_index 1 user, 4 trusted, 6 security; 2 and 3 are the ACL names). */
const WRITABLE_INDEXES: ReadonlySet<number> = new Set([1, 4, 6]);
/** XATTR_NAME_MAX */
export const XATTR_NAME_MAX = 255;

/** A parsed attribute name. */
export interface XattrName {
  readonly nameIndex: number;
  /** The suffix as stored (bytes after the prefix). */
  readonly name: Uint8Array;
}

/** Parses `full` for setxattr/removexattr (`syscall` words the errors). */
export function parseWritableXattrName(full: string, syscall: string): XattrName {
  const bytes = encodeUtf8(full).length;
  if (bytes === 0 || bytes > XATTR_NAME_MAX) {
    throw new FsError('ERANGE', `extended attribute name of ${bytes} bytes is outside 1..${XATTR_NAME_MAX}`, { syscall });
  }
  const split = splitXattrName(full);
  if (isAclName(full)) return split as XattrName;
  if (split === undefined || !WRITABLE_INDEXES.has(split.nameIndex)) {
    throw new FsError('EOPNOTSUPP', `extended attribute ${JSON.stringify(full)} is not in a namespace ext2-lite writes (user., trusted., security., or the POSIX ACLs ${ACL_ACCESS_NAME} and ${ACL_DEFAULT_NAME})`, { syscall });
  }
  if (split.name.length === 0) throw new FsError('EINVAL', `extended attribute name ${JSON.stringify(full)} has nothing after its namespace prefix`, { syscall });
  return split;
}

/** Checks a value against fs/ext2's limit of one block. */
export function checkXattrValue(value: Uint8Array, blockSize: number, syscall: string): void {
  if (value.length > blockSize) {
    throw new FsError('ERANGE', `extended attribute value of ${value.length} bytes exceeds the ${blockSize}-byte block it must fit`, { syscall });
  }
}
