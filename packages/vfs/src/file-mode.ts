// File types and permission bits as Linux keeps them in `st_mode` (ext2's
// `i_mode`: type in the high 4 bits, then set-id/sticky and rwx bits), and the
// directory-entry type codes (`DT_*`) that readdir reports.

/**
 * Mask of the file-type bits of a mode.
 *
 * @example
 * ```ts
 * (mode & S_IFMT) === S_IFDIR; // is it a directory?
 * ```
 */
export const S_IFMT = 0o170000;
/**
 * Socket.
 *
 * @example
 * ```ts
 * S_IFSOCK | 0o755; // a socket inode's mode
 * ```
 */
export const S_IFSOCK = 0o140000;
/**
 * Symbolic link.
 *
 * @example
 * ```ts
 * S_IFLNK | 0o777; // a symlink's mode
 * ```
 */
export const S_IFLNK = 0o120000;
/**
 * Regular file.
 *
 * @example
 * ```ts
 * S_IFREG | 0o644; // an ordinary file's mode
 * ```
 */
export const S_IFREG = 0o100000;
/**
 * Block device.
 *
 * @example
 * ```ts
 * S_IFBLK | 0o660; // a disk's mode
 * ```
 */
export const S_IFBLK = 0o060000;
/**
 * Directory.
 *
 * @example
 * ```ts
 * S_IFDIR | 0o755; // a directory's mode
 * ```
 */
export const S_IFDIR = 0o040000;
/**
 * Character device.
 *
 * @example
 * ```ts
 * S_IFCHR | 0o666; // /dev/null's mode
 * ```
 */
export const S_IFCHR = 0o020000;
/**
 * FIFO (named pipe).
 *
 * @example
 * ```ts
 * S_IFIFO | 0o644; // a named pipe's mode
 * ```
 */
export const S_IFIFO = 0o010000;

/**
 * The type of a directory entry, with Linux's `DT_*` values
 * (`DT_x == S_IFx >> 12`, the kernel's `fs_umode_to_dtype`). A filesystem
 * that does not store types in its directories (ext2 without `filetype`)
 * reports `Unknown`, and the adapter asks the inode instead.
 *
 * @example
 * ```ts
 * const entry: DirEntry = { name: encodeName('bin'), ino: 12, type: DirentType.Directory };
 * ```
 */
export const DirentType = {
  Unknown: 0,
  Fifo: 1,
  CharDevice: 2,
  Directory: 4,
  BlockDevice: 6,
  Regular: 8,
  Symlink: 10,
  Socket: 12,
} as const;

/** One of the {@link DirentType} values. */
export type DirentType = (typeof DirentType)[keyof typeof DirentType];

const KNOWN_TYPES: ReadonlySet<number> = new Set(Object.values(DirentType));

/**
 * The directory-entry type of a mode (`Unknown` for a mode whose type bits
 * name no Linux file type).
 *
 * @example
 * ```ts
 * direntTypeOfMode(0o100644); // DirentType.Regular
 * ```
 */
export function direntTypeOfMode(mode: number): DirentType {
  const type = (mode & S_IFMT) >>> 12;
  return KNOWN_TYPES.has(type) ? (type as DirentType) : DirentType.Unknown;
}

/**
 * The type bits (`S_IFx`) for a directory-entry type; 0 for `Unknown`.
 *
 * @example
 * ```ts
 * modeOfDirentType(DirentType.Directory) === S_IFDIR; // true
 * ```
 */
export function modeOfDirentType(type: DirentType): number {
  return type << 12;
}

/**
 * True when `mode` describes a directory.
 *
 * @example
 * ```ts
 * isDirectoryMode(0o040755); // true
 * ```
 */
export function isDirectoryMode(mode: number): boolean {
  return (mode & S_IFMT) === S_IFDIR;
}

/**
 * True when `mode` describes a symbolic link.
 *
 * @example
 * ```ts
 * isSymlinkMode(0o120777); // true
 * ```
 */
export function isSymlinkMode(mode: number): boolean {
  return (mode & S_IFMT) === S_IFLNK;
}

/**
 * True when `mode` describes a regular file.
 *
 * @example
 * ```ts
 * isRegularMode(0o100644); // true
 * ```
 */
export function isRegularMode(mode: number): boolean {
  return (mode & S_IFMT) === S_IFREG;
}
