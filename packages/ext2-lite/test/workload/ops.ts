// The operations of the random workload: plain data (JSON), so a failing run
// prints as a list that replays exactly (WORKLOAD_REPLAY, see README.md).
// Written bytes are derived from `seed` and `size` (workloadBytes), never
// stored in the op.
import { patternBytes } from '@iomap/testkit';

export type WriteFlag = 'r+' | 'w' | 'wx' | 'a';

export type WorkloadOp =
  | { op: 'writeFile'; path: string; size: number; seed: number; mode: number }
  | { op: 'appendFile'; path: string; size: number; seed: number }
  /** open(path, flag), write at pos (O_APPEND: at the end whatever pos says), optionally sync, close. */
  | { op: 'write'; path: string; flag: WriteFlag; pos: number; size: number; seed: number; sync: boolean }
  | { op: 'truncate'; path: string; size: number; via: 'path' | 'handle' }
  | { op: 'read'; path: string }
  | { op: 'readdir'; path: string }
  | { op: 'stat'; path: string; follow: boolean }
  | { op: 'mkdir'; path: string; recursive: boolean; mode: number }
  | { op: 'rmdir'; path: string }
  | { op: 'rm'; path: string; recursive: boolean; force: boolean }
  | { op: 'unlink'; path: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'link'; from: string; to: string }
  | { op: 'symlink'; target: string; path: string }
  | { op: 'readlink'; path: string }
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'chown'; path: string; uid: number; gid: number }
  | { op: 'utimes'; path: string; atime: number; mtime: number }
  | { op: 'setxattr'; path: string; name: string; size: number; seed: number }
  | { op: 'removexattr'; path: string; name: string }
  /** Opens a file and keeps it open in `slot` (unlinking it then keeps the inode alive). */
  | { op: 'hold'; slot: number; path: string; flag: 'r+' | 'a' }
  | { op: 'handleWrite'; slot: number; pos: number; size: number; seed: number }
  | { op: 'handleTruncate'; slot: number; size: number }
  | { op: 'handleRead'; slot: number }
  | { op: 'close'; slot: number }
  /** open(path, 'r+'), FileHandle.sync(), close. */
  | { op: 'fsync'; path: string }
  /** Filesystem-wide sync(). */
  | { op: 'sync' }
  /** Closes every held handle, unmounts and mounts again. */
  | { op: 'remount' };

export type WorkloadOpKind = WorkloadOp['op'];

/** The bytes a write of `size` with `seed` writes: never zero, so they cannot pass for a hole. */
export function workloadBytes(size: number, seed: number): Uint8Array {
  return patternBytes(size, seed);
}

/** xattr values are printable ASCII, so `debugfs ea_list` prints the short ones and they can be compared. */
export function xattrValue(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = 0x61 + ((x >>> 16) % 26);
  }
  return out;
}

/** One line per op, for failure reports. */
export function describeOp(op: WorkloadOp): string {
  const { op: kind, ...rest } = op;
  return `${kind} ${JSON.stringify(rest)}`;
}
