// In-process exclusive claims on files and block devices.
//
// The kernel gives exclusive use of a block device to whoever opens it with
// O_EXCL (a mounted device, or one another program holds that way, then fails
// with EBUSY). Regular files have no such flag, and Node cannot take flock()
// locks without native code, so for files the only guarantee we can give is
// inside this process: a second writable FileDevice on the same inode fails
// with EBUSY. Other processes are not kept out; say so to users.
import { FsError } from '@iomap/core';

/** The identities (`file:<dev>:<ino>` or `block:<rdev>`) currently claimed. */
const claimed = new Set<string>();

/** A held claim; `release` is idempotent. */
export interface ExclusiveClaim {
  release(): void;
}

/** Claims `identity` for this process or throws `EBUSY` naming `path`. */
export function claimExclusive(identity: string, path: string): ExclusiveClaim {
  if (claimed.has(identity)) {
    throw new FsError(
      'EBUSY',
      'already open for writing by another FileDevice in this process; close that one first, or pass { exclusive: false } if shared writing is intended',
      { syscall: 'open', path },
    );
  }
  claimed.add(identity);
  let held = true;
  return {
    release(): void {
      if (held) claimed.delete(identity);
      held = false;
    },
  };
}

/** A claim that holds nothing (for read-only or non-exclusive opens). */
export const NO_CLAIM: ExclusiveClaim = { release(): void {} };
