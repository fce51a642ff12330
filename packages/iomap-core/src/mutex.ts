// A fair FIFO mutex, built on RwSemaphore's exclusive side.
import { RwSemaphore, type Release } from './rw-semaphore.js';

/**
 * A fair mutual-exclusion lock (FIFO), for the filesystem's mapping lock and
 * other short critical sections.
 *
 * @example
 * ```ts
 * const mutex = new Mutex();
 * await mutex.runExclusive(async () => { ... });
 * ```
 */
export class Mutex {
  private readonly sem = new RwSemaphore();

  /** Whether the mutex is held. */
  get locked(): boolean {
    return this.sem.heldExclusive;
  }

  lock(): Promise<Release> {
    return this.sem.acquireExclusive();
  }

  /** Takes the mutex if free, else returns undefined. */
  tryLock(): Release | undefined {
    return this.sem.tryAcquireExclusive();
  }

  runExclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.sem.withExclusive(fn);
  }
}
