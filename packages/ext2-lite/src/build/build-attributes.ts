// What the image builder takes for each entry besides its name and content.

/** Metadata of one built inode. Unset fields take the defaults named. */
export interface BuildAttributes {
  /** Permission bits with setuid/setgid/sticky (mode & 0o7777). Default 0o755 for directories, 0o644 otherwise (symlinks: 0o777). */
  readonly perm?: number;
  /** Owner, 0..2^32-1. Default 0. */
  readonly uid?: number;
  /** Group, 0..2^32-1. Default 0. */
  readonly gid?: number;
  /** Times in nanoseconds since the epoch. Default: the filesystem's creation time. */
  readonly atimeNs?: bigint;
  readonly mtimeNs?: bigint;
  /** Inode change time; also the creation time (i_crtime) of a new large inode. */
  readonly ctimeNs?: bigint;
  /** Extended attributes as setxattr(2) names them ("user.origin"); user., trusted. and security. only. */
  readonly xattrs?: readonly (readonly [string, Uint8Array])[];
}

/** A regular file's bytes: one buffer, or chunks of any size in order (an archive's stream). */
export type BuildFileData = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** The special files {@link ImageBuilder.mknod} makes. */
export type SpecialFileKind = 'char' | 'block' | 'fifo' | 'socket';
