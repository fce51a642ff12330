// ls -l's ten-character mode ("drwxr-sr-x") and the type names stat prints.
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from '@iomap/vfs';

const TYPE_CHAR = new Map<number, string>([
  [S_IFREG, '-'],
  [S_IFDIR, 'd'],
  [S_IFLNK, 'l'],
  [S_IFCHR, 'c'],
  [S_IFBLK, 'b'],
  [S_IFIFO, 'p'],
  [S_IFSOCK, 's'],
]);

const TYPE_NAME = new Map<number, string>([
  [S_IFREG, 'regular file'],
  [S_IFDIR, 'directory'],
  [S_IFLNK, 'symbolic link'],
  [S_IFCHR, 'character special file'],
  [S_IFBLK, 'block special file'],
  [S_IFIFO, 'fifo'],
  [S_IFSOCK, 'socket'],
]);

/** Short type words for --json output. */
const TYPE_WORD = new Map<number, string>([
  [S_IFREG, 'file'],
  [S_IFDIR, 'directory'],
  [S_IFLNK, 'symlink'],
  [S_IFCHR, 'char-device'],
  [S_IFBLK, 'block-device'],
  [S_IFIFO, 'fifo'],
  [S_IFSOCK, 'socket'],
]);

/** "rwx", "r-x", … for three permission bits; `special` (setuid/setgid/sticky) shows the x place as `on`, or its capital without x, like ls. */
export function rwxText(bits: number, special?: { set: boolean; on: string }): string {
  const x = (bits & 1) !== 0;
  const last = special?.set === true ? (x ? special.on : special.on.toUpperCase()) : x ? 'x' : '-';
  return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${last}`;
}

/** "drwxr-xr-x" for a st_mode (setuid/setgid/sticky shown as s/S, t/T like ls). */
export function modeString(mode: number): string {
  const type = TYPE_CHAR.get(mode & S_IFMT) ?? '?';
  const rwx = (bits: number, set: boolean, on: string): string => rwxText(bits, { set, on });
  return (
    type +
    rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, 's') +
    rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, 's') +
    rwx(mode & 7, (mode & 0o1000) !== 0, 't')
  );
}

/** "regular file", "directory", ... as stat(1) prints them. */
export function typeName(mode: number): string {
  return TYPE_NAME.get(mode & S_IFMT) ?? 'unknown';
}

/** "file", "directory", "symlink", ... for JSON. */
export function typeWord(mode: number): string {
  return TYPE_WORD.get(mode & S_IFMT) ?? 'unknown';
}

/** Permission bits as four octal digits ("0755"). */
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** Linux's major and minor of an encoded dev_t (new encoding, as st_rdev). */
export function majorMinor(rdev: number): { major: number; minor: number } {
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
  return { major, minor };
}

/** st_rdev from major and minor (Linux makedev). */
export function makeDev(major: number, minor: number): number {
  return ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0;
}
