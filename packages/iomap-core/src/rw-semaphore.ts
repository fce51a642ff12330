// A fair reader/writer semaphore for the upper locks of the locking hierarchy
// (IOMAP-SPEC.md 2.7: the inode's rwsem, the invalidate lock).
//
// Fair means first come, first served: once a writer waits, readers arriving
// later queue behind it, so a stream of readers cannot starve a writer. When
// the lock frees, the head of the queue is granted; if it is a reader, every
// reader directly behind it is granted together.
import { IomapContractError } from './errors.js';

/** Releases a held lock. Calling it twice is a bug and throws. */
export type Release = () => void;

interface Waiter {
  exclusive: boolean;
  grant: (release: Release) => void;
}

/**
 * @example
 * ```ts
 * const rwsem = new RwSemaphore();
 * const release = await rwsem.acquireShared();
 * try { ... } finally { release(); }
 * ```
 */
export class RwSemaphore {
  private readers = 0;
  private writer = false;
  private readonly queue: Waiter[] = [];

  /** Number of shared holders. */
  get sharedHolders(): number {
    return this.readers;
  }

  /** Whether a writer holds the lock. */
  get heldExclusive(): boolean {
    return this.writer;
  }

  /** Whether anyone is waiting. */
  get contended(): boolean {
    return this.queue.length > 0;
  }

  acquireShared(): Promise<Release> {
    const now = this.tryAcquireShared();
    if (now) return Promise.resolve(now);
    return new Promise((grant) => this.queue.push({ exclusive: false, grant }));
  }

  acquireExclusive(): Promise<Release> {
    const now = this.tryAcquireExclusive();
    if (now) return Promise.resolve(now);
    return new Promise((grant) => this.queue.push({ exclusive: true, grant }));
  }

  /** Takes the lock shared if that needs no wait (NOWAIT paths), else returns undefined. */
  tryAcquireShared(): Release | undefined {
    if (this.writer || this.queue.length > 0) return undefined;
    this.readers++;
    return this.releaser(false);
  }

  /** Takes the lock exclusive if that needs no wait, else returns undefined. */
  tryAcquireExclusive(): Release | undefined {
    if (this.writer || this.readers > 0 || this.queue.length > 0) return undefined;
    this.writer = true;
    return this.releaser(true);
  }

  /** Runs `fn` holding the lock shared. */
  async withShared<T>(fn: () => Promise<T> | T): Promise<T> {
    const release = await this.acquireShared();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Runs `fn` holding the lock exclusive. */
  async withExclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const release = await this.acquireExclusive();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(exclusive: boolean): Release {
    let released = false;
    return () => {
      if (released) {
        throw new IomapContractError('IOMAP-SPEC 2.7', 'a lock is released exactly once', 'release() called twice');
      }
      released = true;
      if (exclusive) this.writer = false;
      else this.readers--;
      this.wakeWaiters();
    };
  }

  private wakeWaiters(): void {
    if (this.writer) return;
    const head = this.queue[0];
    if (head === undefined) return;
    if (head.exclusive) {
      if (this.readers > 0) return;
      this.queue.shift();
      this.writer = true;
      head.grant(this.releaser(true));
      return;
    }
    while (this.queue[0] !== undefined && !this.queue[0].exclusive) {
      const reader = this.queue.shift() as Waiter;
      this.readers++;
      reader.grant(this.releaser(false));
    }
  }
}
