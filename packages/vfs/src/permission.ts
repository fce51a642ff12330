// Permission checks the way Linux's generic_permission makes them: owner,
// then group, then other bits; root (uid 0) may read and write anything and
// search any directory, but executes a file only when some x bit is set.
import { isDirectoryMode } from './file-mode.js';
import type { InodeAttributes } from './inode-attributes.js';

/**
 * Who is asking: the uid, gid and supplementary groups permission checks use.
 *
 * @example
 * ```ts
 * const me: Credentials = { uid: 1000, gid: 1000, groups: [27] };
 * ```
 */
export interface Credentials {
  uid: number;
  gid: number;
  /** Supplementary group ids. */
  groups?: readonly number[];
}

/**
 * Root's credentials, the adapter's default: a tool that opens a disk image
 * is usually meant to see all of it.
 *
 * @example
 * ```ts
 * createFsPromises(fs, { credentials: ROOT_CREDENTIALS });
 * ```
 */
export const ROOT_CREDENTIALS: Credentials = Object.freeze({ uid: 0, gid: 0, groups: Object.freeze([]) });

/**
 * Access bits, with the values of `R_OK`, `W_OK` and `X_OK` (Linux `MAY_*`).
 *
 * @example
 * ```ts
 * mayAccess(attrs, credentials, Access.Read | Access.Write);
 * ```
 */
export const Access = { Execute: 1, Write: 2, Read: 4 } as const;

/** The rwx bits of `mode` that apply to `credentials` (owner, group or other), as a 3-bit value. */
function applicableBits(attrs: InodeAttributes, credentials: Credentials): number {
  if (credentials.uid === attrs.uid) return (attrs.mode >> 6) & 7;
  if (credentials.gid === attrs.gid || (credentials.groups ?? []).includes(attrs.gid)) return (attrs.mode >> 3) & 7;
  return attrs.mode & 7;
}

/**
 * True when `credentials` may access the inode with every bit of `mask`
 * ({@link Access} bits). Read-only filesystems are checked separately
 * (`EROFS` comes before permission bits in Linux).
 *
 * @example
 * ```ts
 * mayAccess({ ...attrs, mode: 0o100644, uid: 0 }, { uid: 1000, gid: 1000 }, Access.Write); // false
 * ```
 */
export function mayAccess(attrs: InodeAttributes, credentials: Credentials, mask: number): boolean {
  if (mask === 0) return true;
  if (credentials.uid === 0) {
    // CAP_DAC_OVERRIDE: everything but executing a file nobody may execute.
    if ((mask & Access.Execute) === 0 || isDirectoryMode(attrs.mode)) return true;
    return (attrs.mode & 0o111) !== 0;
  }
  return (mask & ~applicableBits(attrs, credentials)) === 0;
}
