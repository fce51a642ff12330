// What a new directory entry's name must be (EXT2.md 4.1-4.2): 1..255
// bytes, no '/' and no NUL, and never '.' or '..' (those entries belong to
// the directory itself). The VFS checks most of this first; the filesystem
// checks again because it is the one that writes the bytes.
import { FsError } from '@iomap/core';
import { NAME_MAX } from '../format/dir-entry.js';
import { encodeUtf8 } from '../format/fields.js';

/** Throws unless `name` may be a new entry's name (`syscall` words the error). */
export function checkEntryName(name: Uint8Array, syscall: string): void {
  if (name.length === 0) throw new FsError('ENOENT', 'an empty name names nothing', { syscall });
  if (name.length > NAME_MAX) throw new FsError('ENAMETOOLONG', `a name of ${name.length} bytes exceeds ext2's ${NAME_MAX}`, { syscall });
  if (name.includes(0x2f) || name.includes(0)) throw new FsError('EINVAL', "a name may not contain '/' or NUL", { syscall });
  if (name[0] === 0x2e && (name.length === 1 || (name.length === 2 && name[1] === 0x2e))) {
    throw new FsError('EEXIST', `'${name.length === 1 ? '.' : '..'}' always exists in a directory`, { syscall });
  }
}

const LOST_AND_FOUND = encodeUtf8('lost+found');

/** True for the name 'lost+found' (EXT2.md 4.5: kept in the root for e2fsck's reconnections). */
export function isLostAndFoundName(name: Uint8Array): boolean {
  return name.length === LOST_AND_FOUND.length && name.every((c, i) => c === LOST_AND_FOUND[i]);
}
