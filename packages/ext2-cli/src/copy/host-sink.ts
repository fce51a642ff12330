// Extraction onto the host, safe against crafted images (the e2fsprogs
// rdump path-traversal bug, e2fsprogs#272):
//  - names come as bytes and are checked by copyTree (no '/', '..', NUL);
//  - an entry is created only inside a directory this copy created or
//    verified with lstat to be a real directory (never a symlink), so a
//    symlink extracted earlier can never redirect a later entry;
//  - files are created with O_CREAT|O_EXCL|O_NOFOLLOW after removing what
//    was there, so a pre-existing or raced symlink is never followed;
//  - symlinks are created as they are (their targets are data) and never
//    followed by this copy.
// Host calls are synchronous, as in the host walk (host-source.ts): an
// awaited node:fs call is a thread-pool round trip of tens of microseconds,
// and extracting a tree of small files made about five per file: it spent
// most of its time waiting for them.
import { chmodSync, closeSync, constants, fchmodSync, fchownSync, ftruncateSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, symlinkSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FsError } from '@iomap/core';
import { splitTimeNs } from '@iomap/vfs';
import type { CliContext } from '../cli/cli-context.js';
import type { Subject } from '../cli/error-report.js';
import type { Progress } from '../cli/progress.js';
import { displayBytes } from '../show/display-name.js';
import { majorMinor } from '../show/mode-string.js';
import { writeHostXattrs, type HostXattrTarget } from './host-xattrs.js';
import { writeSparse } from './sparse-writer.js';
import { createReplacing, existsError, type TreeSink } from './tree-sink.js';
import { joinPath, pathKey, type TreeEntry } from './tree-entry.js';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Options of {@link HostSink}. */
export interface HostSinkOptions {
  /** cp -p: modes with special bits, owners (when permitted) and times. */
  preserve: boolean;
  /** cp -f: replace existing symlinks and special files too (regular files are always replaced). */
  force: boolean;
  /** cp --xattrs: set the entries' extended attributes (with setfattr, when the copy finishes). */
  xattrs?: boolean;
}

const seconds = (ns: bigint): number => {
  const { seconds: s, nanoseconds } = splitTimeNs(ns);
  return Number(s) + Number(nanoseconds) / 1e9;
};

const isPermissionError = (err: unknown): boolean => ['EPERM', 'EACCES', 'EINVAL'].includes((err as { code?: string }).code ?? '');

export class HostSink implements TreeSink {
  private readonly root: Buffer;
  /** Directories (by pathKey) created or verified as real directories. */
  private readonly verified = new Set<string>();
  /** Host path of the first entry of each hard-link group. */
  private readonly links = new Map<string, Buffer>();
  private readonly dirs: { path: Buffer; entry: TreeEntry }[] = [];
  /** Entries whose xattrs finish() sets (--xattrs). */
  private readonly withXattrs: HostXattrTarget[] = [];
  private readonly umask = process.umask();

  constructor(
    private readonly ctx: CliContext,
    /** Where the copy's root entry goes. */
    root: string,
    private readonly options: HostSinkOptions,
    private readonly progress?: Progress,
  ) {
    this.root = Buffer.from(root);
  }

  describe(path: readonly Uint8Array[]): string {
    return displayBytes(joinPath(this.root, path));
  }

  subject(path: readonly Uint8Array[]): Subject {
    return { path: this.describe(path) };
  }

  async add(entry: TreeEntry): Promise<void> {
    const path = Buffer.from(joinPath(this.root, entry.path));
    const shown = path.toString();
    if (entry.path.length > 0 && !this.verified.has(pathKey(entry.path.slice(0, -1)))) {
      throw new FsError('ENOTDIR', 'its parent directory was not created by this copy; refusing to write through anything else', { syscall: 'open', path: shown });
    }
    const first = entry.linkId === undefined ? undefined : this.links.get(entry.linkId);
    if (first !== undefined) {
      await this.createAt(path, shown, entry, () => linkSync(first, path));
      return;
    }
    switch (entry.kind) {
      case 'dir':
        this.makeDirectory(path, shown, entry);
        return;
      case 'file':
        await this.writeFile(path, shown, entry);
        break;
      case 'symlink':
        await this.createAt(path, shown, entry, () => symlinkSync(Buffer.from(entry.target ?? new Uint8Array()), path));
        if (this.options.preserve) this.preserveLink(path, entry);
        break;
      default:
        this.clear(path, shown, entry);
        if (!(await this.makeSpecial(path, shown, entry))) return;
    }
    if (entry.linkId !== undefined) this.links.set(entry.linkId, path);
    this.noteXattrs(path, entry);
  }

  private noteXattrs(path: Buffer, entry: TreeEntry): void {
    if (this.options.xattrs === true && entry.xattrs !== undefined && entry.xattrs.length > 0) this.withXattrs.push({ path, xattrs: entry.xattrs });
  }

  /** `create` at `path`, replacing what is in the way as {@link clear} allows (see createReplacing). */
  private createAt<T>(path: Buffer, shown: string, entry: TreeEntry, create: () => T): Promise<T> {
    return createReplacing(create, () => this.clear(path, shown, entry));
  }

  /** Removes a non-directory in the way; an existing directory is an error for a non-directory entry. */
  private clear(path: Buffer, shown: string, entry: TreeEntry): void {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return;
    if (st.isDirectory()) throw new FsError('EISDIR', `cannot replace a directory with a ${entry.kind}`, { syscall: 'open', path: shown });
    if (!st.isFile() && !this.options.force) throw existsError(shown, 'not a regular file: use -f to replace it');
    unlinkSync(path);
  }

  private makeDirectory(path: Buffer, shown: string, entry: TreeEntry): void {
    try {
      mkdirSync(path, 0o700);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      const st = lstatSync(path);
      if (!st.isDirectory()) {
        throw new FsError('ENOTDIR', `exists and is not a directory${st.isSymbolicLink() ? ' (a symlink: not followed)' : ''}`, { syscall: 'mkdir', path: shown });
      }
    }
    this.verified.add(pathKey(entry.path));
    this.dirs.push({ path, entry });
    this.noteXattrs(path, entry);
  }

  private async writeFile(path: Buffer, shown: string, entry: TreeEntry): Promise<void> {
    const mode = this.options.preserve ? entry.perm & 0o777 : entry.perm & 0o777 & ~this.umask;
    const fd = await this.createAt(path, shown, entry, () => openSync(path, CREATE_FLAGS, mode));
    try {
      if (entry.data !== undefined) {
        await writeSparse(entry.data(), {
          write: (data, position) => {
            for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done, position + done);
            return Promise.resolve();
          },
          setSize: (size) => Promise.resolve(ftruncateSync(fd, size)),
        }, 4096, (n) => this.progress?.bytes(n));
      }
      if (this.options.preserve) {
        this.tryOwnership(() => fchownSync(fd, entry.uid, entry.gid), path);
        fchmodSync(fd, entry.perm);
        futimesSync(fd, seconds(entry.atimeNs), seconds(entry.mtimeNs));
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Makes a FIFO or device node; false for a socket, which is not made. */
  private async makeSpecial(path: Buffer, shown: string, entry: TreeEntry): Promise<boolean> {
    if (entry.kind === 'socket') {
      this.ctx.warn(`ext2-lite: ${shown}: socket not copied (sockets cannot be recreated from a file)`);
      return false;
    }
    // Node.js has no mknod/mkfifo; coreutils does it (devices need root).
    const mode = (this.options.preserve ? entry.perm : entry.perm & ~this.umask) & 0o7777;
    const type = entry.kind === 'fifo' ? ['p'] : [entry.kind === 'char' ? 'c' : 'b', String(majorMinor(entry.rdev).major), String(majorMinor(entry.rdev).minor)];
    try {
      await promisify(execFile)('mknod', ['-m', mode.toString(8), shown, ...type]);
    } catch (err) {
      throw new FsError('EPERM', `cannot create ${entry.kind === 'fifo' ? 'a FIFO' : 'a device node'}: ${String((err as { stderr?: string }).stderr ?? err).trim()}`, { syscall: 'mknod', path: shown });
    }
    if (this.options.preserve) {
      this.tryOwnership(() => lchownSync(path, entry.uid, entry.gid), path);
      utimesSync(path, seconds(entry.atimeNs), seconds(entry.mtimeNs));
    }
    return true;
  }

  private preserveLink(path: Buffer, entry: TreeEntry): void {
    this.tryOwnership(() => lchownSync(path, entry.uid, entry.gid), path);
    lutimesSync(path, seconds(entry.atimeNs), seconds(entry.mtimeNs));
  }

  /** Gives an owner with `chown`; like cp -p run by a normal user, one that cannot be given is left as it is. */
  private tryOwnership(chown: () => void, path: Buffer): void {
    try {
      chown();
    } catch (err) {
      if (!isPermissionError(err)) throw err;
      this.ctx.info(`ext2-lite: ${path.toString()}: owner not preserved (${(err as Error).message})`);
    }
  }

  /** Directory modes and times, deepest first (children changed the times; a read-only mode would have blocked them). */
  async finish(): Promise<void> {
    // Xattrs first: a directory's read-only mode must not stop setfattr reaching what is inside.
    for (const complaint of writeHostXattrs(this.withXattrs, this.ctx.io.env)) {
      this.ctx.failures++;
      this.ctx.warn(`ext2-lite: ${complaint}`);
    }
    for (const { path, entry } of this.dirs.reverse()) {
      if (this.options.preserve) {
        this.tryOwnership(() => lchownSync(path, entry.uid, entry.gid), path);
        chmodSync(path, entry.perm);
        utimesSync(path, seconds(entry.atimeNs), seconds(entry.mtimeNs));
      } else {
        chmodSync(path, entry.perm & 0o777 & ~this.umask);
      }
    }
  }
}
