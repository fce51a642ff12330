// The metadata barrier: what makes a multi-step metadata change (publishing
// written blocks, truncating, creating or deleting an inode, a namespace
// operation) atomic with respect to the metadata sync, so that the image a
// sync leaves on the device is always consistent (e2fsck -fn clean), not a
// snapshot taken halfway through an operation.
//
//   change:  const leave = await barrier.enter();  ...steps...  leave();
//   sync:    const thaw = await barrier.freeze();  ...encode, write, flush...  thaw();
//
// Unlike a fair RwSemaphore, entering never waits behind a waiting freeze
// while other changes are inside: a change may start nested changes (a
// namespace operation growing a directory through the page cache) without
// deadlocking against a sync that queued in between. A freeze waits until no
// change is inside and is granted the moment the last one leaves; changes
// arriving while frozen wait for the thaw.

import { FsError } from '@iomap/core';

/** Releases what enter() or freeze() granted; calling it twice throws. */
export type Leave = () => void;

/** See the module comment. */
export class MetadataBarrier {
  private inside = 0;
  private frozen = false;
  private readonly freezers: (() => void)[] = [];
  private readonly entrants: (() => void)[] = [];

  /** Changes inside now. */
  get holders(): number {
    return this.inside;
  }

  /** Whether a sync holds the barrier. */
  get isFrozen(): boolean {
    return this.frozen;
  }

  /** Enters a metadata change: waits only while a sync holds the barrier. */
  async enter(): Promise<Leave> {
    while (this.frozen) await new Promise<void>((resolve) => this.entrants.push(resolve));
    return this.admit();
  }

  /**
   * Enters a metadata change if no sync holds the barrier (no wait, no
   * promise: the per-file steps of a tree delete take this path), else
   * returns undefined and the caller awaits enter().
   */
  tryEnter(): Leave | undefined {
    return this.frozen ? undefined : this.admit();
  }

  private admit(): Leave {
    this.inside++;
    return once(() => {
      this.inside--;
      if (this.inside === 0) this.grantFreeze();
    });
  }

  /** Runs `fn` as one metadata change. */
  async change<T>(fn: () => Promise<T> | T): Promise<T> {
    const leave = this.tryEnter() ?? (await this.enter());
    try {
      return await fn();
    } finally {
      leave();
    }
  }

  /** Waits until no change is inside and holds every new one off until the returned thaw. */
  async freeze(): Promise<Leave> {
    if (this.frozen || this.inside > 0) await new Promise<void>((resolve) => this.freezers.push(resolve));
    else this.frozen = true;
    return once(() => {
      this.frozen = false;
      if (this.inside === 0 && this.freezers.length > 0) {
        this.grantFreeze();
        return;
      }
      for (const wake of this.entrants.splice(0)) wake();
    });
  }

  private grantFreeze(): void {
    if (this.frozen) return;
    const next = this.freezers.shift();
    if (next === undefined) return;
    this.frozen = true;
    next();
  }
}

function once(fn: () => void): Leave {
  let done = false;
  return () => {
    if (done) throw new FsError('EINVAL', 'the metadata barrier was released twice (a bug in the caller)', { syscall: 'sync' });
    done = true;
    fn();
  };
}
