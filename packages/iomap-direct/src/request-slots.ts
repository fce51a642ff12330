// Bounded concurrency for the device requests of one direct I/O (DIO-10,
// DIO-20): at most `depth` requests in flight; the submitter waits for a
// free slot, and the completion path waits for all of them (the kernel's
// `dio->ref`, where the submitter's own reference is "not idle yet").
//
//   depth 2:  submit A, submit B, submit C (waits) ... A done -> C starts
//             idle() resolves once A, B and C are all done

/** A counting semaphore with an "all done" wait. Not re-entrant; FIFO. */
export class RequestSlots {
  private active = 0;
  // Both lists are made on first use: most direct I/Os never wait.
  private waiting: (() => void)[] | undefined;
  private idleWaiters: (() => void)[] | undefined;

  constructor(readonly depth: number) {}

  /** Requests currently holding a slot. */
  get inFlight(): number {
    return this.active;
  }

  /**
   * Takes a slot. Returns `undefined` when one was free (no await needed on
   * the hot path), else a promise that resolves once a slot was handed over.
   */
  acquire(): Promise<void> | undefined {
    if (this.active < this.depth) {
      this.active++;
      return undefined;
    }
    return new Promise((resolve) => (this.waiting ??= []).push(resolve));
  }

  /** Gives a slot back: to the next waiter if any, else frees it. */
  release(): void {
    const next = this.waiting?.shift();
    if (next !== undefined) {
      next(); // the slot passes on; `active` is unchanged
      return;
    }
    this.active--;
    if (this.active === 0 && this.idleWaiters !== undefined) {
      const waiters = this.idleWaiters;
      this.idleWaiters = undefined;
      for (const wake of waiters) wake();
    }
  }

  /** Resolves once no request holds a slot (at once when none does). */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idleWaiters ??= []).push(resolve));
  }

  /**
   * Calls `wake` once no request holds a slot: now when none does, else from
   * the release of the last one (no promise in between: the completion of a
   * one-request direct I/O costs no extra microtask).
   */
  onIdle(wake: () => void): void {
    if (this.active === 0) wake();
    else (this.idleWaiters ??= []).push(wake);
  }
}
