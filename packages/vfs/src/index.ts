// @iomap/vfs — the public API. Every export is listed here explicitly.

// The contract a filesystem implements.
export type { Filesystem } from './filesystem.js';
export type { SuperOperations, FsStatistics } from './superblock-operations.js';
export type {
  InodeOperations,
  ContentRemovalPolicy,
  DirEntry,
  NewInodeAttributes,
  AttributeChanges,
  RenameOptions,
  XattrSetOptions,
} from './inode-operations.js';
export { FallocateFlag } from './file-operations.js';
export type { FileOperations } from './file-operations.js';
export { timeNs, splitTimeNs } from './inode-attributes.js';
export type { InodeAttributes, Timespec } from './inode-attributes.js';
// POSIX ACLs: the xattr encoding, validity, and how ACL and mode follow each other.
export {
  ACL_TAG,
  ACL_PERM_MASK,
  ACL_UNDEFINED_ID,
  ACL_ACCESS_NAME,
  ACL_DEFAULT_NAME,
  isAclName,
  aclTagNamesSomeone,
  decodeAclXattr,
  encodeAclXattr,
  aclProblem,
} from './posix-acl.js';
export type { AclEntry } from './posix-acl.js';
export { aclEquivalentMode, aclAfterChmod, aclForNewInode } from './posix-acl-mode.js';
export {
  S_IFMT,
  S_IFSOCK,
  S_IFLNK,
  S_IFREG,
  S_IFBLK,
  S_IFDIR,
  S_IFCHR,
  S_IFIFO,
  DirentType,
  direntTypeOfMode,
  modeOfDirentType,
  isDirectoryMode,
  isSymlinkMode,
  isRegularMode,
} from './file-mode.js';
export { NAME_MAX, PATH_MAX, encodeName, decodeName, namesEqual, isDotOrDotDot } from './name-bytes.js';

// Path resolution, permissions and the open-file table.
export { resolvePath, resolveParent, pathOfSteps, MAX_SYMLINK_HOPS } from './path-resolver.js';
export type { ResolveOptions, ResolvedPath, ResolvedParent, PathStep, LastComponentKind } from './path-resolver.js';
export type { PathLike } from './path-argument.js';
export { mayAccess, Access, ROOT_CREDENTIALS } from './permission.js';
export type { Credentials } from './permission.js';
export { OpenFileTable } from './open-file-table.js';
export type { OpenFile, OpenFileTableOptions } from './open-file-table.js';
export { nodeError, TwoPathError } from './node-error.js';
export { SystemError } from './system-error.js';
export type { SystemErrorCode, SystemErrorInfo } from './system-error.js';

// The node:fs/promises adapter.
export { createFsPromises } from './fs-promises.js';
export type { FsPromises, FsPromisesFor, WritableFsPromises } from './fs-promises.js';
export { WRITE_CALL_NEEDS } from './write-calls.js';
export type { FsWriteCalls, WriteCallsOf } from './write-calls.js';
export type { WriteFileOptions } from './write-file.js';
export type { WriteFileData, WriteOptions } from './write-request.js';
export type { RmOptions } from './remove-tree.js';
export type { CpOptions } from './copy-tree.js';
export { XATTR_CREATE, XATTR_REPLACE } from './xattr-calls.js';
export type { FsPromisesOptions } from './vfs-context.js';
export { constants } from './fs-constants.js';
export { parseOpenFlags } from './open-flags.js';
export type { OpenFlags } from './open-flags.js';
export { Stats, BigIntStats } from './stats.js';
export { StatFs } from './stat-fs.js';
export { Dirent } from './dirent.js';
export { Dir } from './dir.js';
export { FileHandle } from './file-handle.js';
export type { FileReadResult, FileReadvResult, FileWriteResult, FileWritevResult, ReadLinesOptions } from './file-handle.js';
export type { ReadOptions } from './read-arguments.js';
export { platformWrapBytes } from './byte-results.js';
export type { WrapBytes } from './byte-results.js';
export { decodeBytes, encodeText } from './text-encoding.js';
export type { BufferEncoding } from './text-encoding.js';
