// The open-file table: what a file descriptor means. Each open file keeps
// its inode, its O_* flags and the position reads without an explicit
// position use and advance (Linux's `struct file` and `f_pos`). Descriptors
// are small integers, lowest free first, starting at 3 as in a process whose
// 0–2 are stdio. Closing frees the number; using it afterwards is EBADF.
import { Mutex } from '@iomap/core';
import { nodeError } from './node-error.js';

/**
 * One open file.
 *
 * @example
 * ```ts
 * const file = table.get(fd, 'read');
 * const n = await file.positionLock.runExclusive(async () => { ... });
 * ```
 */
export interface OpenFile<I> {
  readonly fd: number;
  readonly inode: I;
  /** The `O_*` flags it was opened with. */
  readonly flags: number;
  /** The path it was opened by, as given (for messages). */
  readonly path: string;
  /** The file position (`f_pos`) for reads and writes without an explicit position. */
  position: number;
  /**
   * Serializes reads and writes that use and advance `position`, as Linux's `f_pos_lock`
   * does, so concurrent calls on one handle never read or write the same bytes.
   */
  readonly positionLock: Mutex;
}

/**
 * Options of an {@link OpenFileTable}.
 *
 * @example
 * ```ts
 * new OpenFileTable({ maxOpenFiles: 256 });
 * ```
 */
export interface OpenFileTableOptions {
  /** Most files open at once; one more is `EMFILE`. Default: unlimited. */
  maxOpenFiles?: number;
}

/**
 * File descriptors and their open files.
 *
 * @example
 * ```ts
 * const table = new OpenFileTable<MyInode>();
 * const file = table.open(inode, O_RDONLY, '/etc/hosts');
 * table.close(file.fd); // a second close, or get(), is EBADF
 * ```
 */
export class OpenFileTable<I> {
  private readonly files = new Map<number, OpenFile<I>>();
  private readonly maxOpenFiles: number;

  constructor(options: OpenFileTableOptions = {}) {
    this.maxOpenFiles = options.maxOpenFiles ?? Number.POSITIVE_INFINITY;
  }

  /** Number of open files. */
  get size(): number {
    return this.files.size;
  }

  /** Registers an open file under the lowest free descriptor (≥ 3); `EMFILE` when full. */
  open(inode: I, flags: number, path: string): OpenFile<I> {
    if (this.files.size >= this.maxOpenFiles) throw nodeError('EMFILE', 'open', path);
    let fd = 3;
    while (this.files.has(fd)) fd++;
    const file: OpenFile<I> = { fd, inode, flags, path, position: 0, positionLock: new Mutex() };
    this.files.set(fd, file);
    return file;
  }

  /** The open file behind `fd`; `EBADF` (naming `syscall`) when it is not open. */
  get(fd: number, syscall: string): OpenFile<I> {
    const file = this.files.get(fd);
    if (file === undefined) throw nodeError('EBADF', syscall);
    return file;
  }

  /** Frees `fd` and returns what it was; `EBADF` when it is not open. */
  close(fd: number): OpenFile<I> {
    const file = this.get(fd, 'close');
    this.files.delete(fd);
    return file;
  }
}
