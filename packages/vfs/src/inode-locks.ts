// The VFS's per-inode write lock (the kernel's i_rwsem, exclusive side):
// writes, appends and truncates of one inode run one at a time, so an
// O_APPEND write's "end of file" is still the end when its bytes land and
// two appenders never overwrite each other. Locks exist only while in use.
import { Mutex } from '@iomap/core';

interface Entry {
  mutex: Mutex;
  users: number;
}

/**
 * Exclusive locks keyed by inode handle.
 *
 * @example
 * ```ts
 * const locks = new InodeLocks<number>();
 * await locks.run(12, async () => { ... }); // one at a time per inode
 * ```
 */
export class InodeLocks<I> {
  private readonly entries = new Map<I, Entry>();

  /** Runs `body` holding the lock of `inode`. */
  async run<T>(inode: I, body: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(inode);
    if (entry === undefined) {
      entry = { mutex: new Mutex(), users: 0 };
      this.entries.set(inode, entry);
    }
    entry.users++;
    try {
      return await entry.mutex.runExclusive(body);
    } finally {
      if (--entry.users === 0) this.entries.delete(inode);
    }
  }
}
