// The folio lock (the "operation" level of IOMAP-SPEC 2.7) and a one-shot
// waiter list used for "wait until writeback ends".
//
// The lock is handed over directly to the next waiter on unlock (FIFO), so a
// stream of tryLock callers cannot starve a waiter. It is not re-entrant.
import { IomapContractError } from '@iomap/core';

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A fair, non-reentrant async lock with a synchronous fast path.
 *
 * @example
 * ```ts
 * if (!lock.tryLock()) await lock.lock();
 * try { ... } finally { lock.unlock(); }
 * ```
 */
export class FolioLock {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  /** `onFree` runs whenever the lock becomes free (not when it is handed over). */
  constructor(private readonly onFree?: () => void) {}

  /** Whether someone holds the lock. */
  get locked(): boolean {
    return this.held;
  }

  /** Whether someone is waiting for the lock. */
  get contended(): boolean {
    return this.waiters.length > 0;
  }

  /** Takes the lock if it is free; never waits. */
  tryLock(): boolean {
    if (this.held) return false;
    this.held = true;
    return true;
  }

  /** Takes the lock, waiting in FIFO order if it is held. */
  lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return RESOLVED;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Releases the lock (or hands it to the next waiter). Unlocking a free lock is a bug. */
  unlock(): void {
    if (!this.held) {
      throw new IomapContractError('spec 2.7', 'a folio is unlocked exactly once per lock', 'unlock of an unlocked folio');
    }
    const next = this.waiters.shift();
    if (next !== undefined) {
      next();
      return;
    }
    this.held = false;
    this.onFree?.();
  }
}

/** A list of callers waiting for one event; `wake` resolves them all. */
export class WaitList {
  private waiters: (() => void)[] = [];

  /** A promise resolved by the next {@link wake}. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Whether anyone is waiting. */
  get empty(): boolean {
    return this.waiters.length === 0;
  }

  /** Resolves every current waiter. */
  wake(): void {
    if (this.waiters.length === 0) return;
    const list = this.waiters;
    this.waiters = [];
    for (const w of list) w();
  }
}
