// RwSemaphore and Mutex: the upper locks of the locking hierarchy. Fair means
// first come, first served — a waiting writer is never starved by readers
// arriving after it — and consecutive queued readers are granted together.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IomapContractError, Mutex, RwSemaphore, isFsError, type Release } from '../src/index.js';

/** A lock request whose grant can be inspected without awaiting it. */
interface Pending {
  readonly granted: boolean;
  /** The release function; only valid once granted. */
  release(): void;
}

function track(promise: Promise<Release>, onGrant?: () => void): Pending {
  let release: Release | undefined;
  void promise.then((r) => {
    release = r;
    onGrant?.();
  });
  return {
    get granted() {
      return release !== undefined;
    },
    release() {
      if (release === undefined) expect.unreachable('released a lock that was never granted');
      release();
    },
  };
}

/** Lets every pending promise callback run (a full macrotask turn). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function expectIdle(sem: RwSemaphore): void {
  expect(sem.sharedHolders).toBe(0);
  expect(sem.heldExclusive).toBe(false);
  expect(sem.contended).toBe(false);
}

describe('RwSemaphore', () => {
  it('starts free and uncontended', () => {
    expectIdle(new RwSemaphore());
  });

  it('lets many shared holders in at once', async () => {
    const sem = new RwSemaphore();
    const releases = await Promise.all(Array.from({ length: 10 }, () => sem.acquireShared()));
    expect(sem.sharedHolders).toBe(10);
    expect(sem.heldExclusive).toBe(false);
    expect(sem.contended).toBe(false);
    for (const r of releases) r();
    expectIdle(sem);
  });

  it('grants a free lock exclusive without waiting', async () => {
    const sem = new RwSemaphore();
    const release = await sem.acquireExclusive();
    expect(sem.heldExclusive).toBe(true);
    expect(sem.sharedHolders).toBe(0);
    release();
    expectIdle(sem);
  });

  it('keeps readers and other writers out while a writer holds the lock', async () => {
    const sem = new RwSemaphore();
    const release = await sem.acquireExclusive();
    const reader = track(sem.acquireShared());
    const writer = track(sem.acquireExclusive());
    await settle();
    expect(reader.granted).toBe(false);
    expect(writer.granted).toBe(false);
    expect(sem.contended).toBe(true);
    release();
    await settle();
    expect(reader.granted).toBe(true);
    expect(writer.granted).toBe(false);
    reader.release();
    await settle();
    expect(writer.granted).toBe(true);
    writer.release();
    expectIdle(sem);
  });

  it('makes a writer wait until every reader has released', async () => {
    const sem = new RwSemaphore();
    const r1 = await sem.acquireShared();
    const r2 = await sem.acquireShared();
    const writer = track(sem.acquireExclusive());
    await settle();
    expect(writer.granted).toBe(false);
    r1();
    await settle();
    expect(writer.granted).toBe(false);
    r2();
    await settle();
    expect(writer.granted).toBe(true);
    expect(sem.heldExclusive).toBe(true);
    writer.release();
    expectIdle(sem);
  });

  it('queues readers that arrive after a waiting writer behind it, even while readers hold the lock', async () => {
    const sem = new RwSemaphore();
    const firstReader = await sem.acquireShared();
    const writer = track(sem.acquireExclusive());
    const lateReader = track(sem.acquireShared());
    await settle();
    expect(writer.granted).toBe(false);
    expect(lateReader.granted).toBe(false);
    expect(sem.sharedHolders).toBe(1);

    firstReader();
    await settle();
    expect(writer.granted).toBe(true);
    expect(lateReader.granted).toBe(false);

    writer.release();
    await settle();
    expect(lateReader.granted).toBe(true);
    lateReader.release();
    expectIdle(sem);
  });

  it('does not starve a writer under a continuous stream of overlapping readers', async () => {
    const sem = new RwSemaphore();
    let writerDone = false;
    let readersAfterWriterRequest = 0;
    let writerRequested = false;

    // Each reader holds the lock across macrotasks and asks for its successor
    // before releasing, so the lock is never free of readers on its own.
    const reader = async (generation: number): Promise<void> => {
      const requestedAfterWriter = writerRequested;
      const release = await sem.acquireShared();
      if (requestedAfterWriter) {
        readersAfterWriterRequest++;
        expect(writerDone).toBe(true);
      }
      await settle();
      const next = generation < 20 ? reader(generation + 1) : Promise.resolve();
      await settle();
      release();
      await next;
    };

    const readers = [reader(0), reader(0)];
    await settle();
    await settle();
    expect(sem.sharedHolders).toBeGreaterThan(0);
    writerRequested = true;
    const writer = sem.withExclusive(async () => {
      expect(sem.sharedHolders).toBe(0);
      writerDone = true;
    });
    await Promise.all([writer, ...readers]);
    expect(writerDone).toBe(true);
    expect(readersAfterWriterRequest).toBeGreaterThan(0);
    expectIdle(sem);
  });

  it('grants waiters in the order they asked (FIFO)', async () => {
    const sem = new RwSemaphore();
    const order: string[] = [];
    const hold = await sem.acquireExclusive();
    const waiters: Array<[string, Pending]> = [];
    for (const [name, exclusive] of [
      ['W1', true],
      ['R2', false],
      ['R3', false],
      ['W4', true],
      ['W5', true],
      ['R6', false],
    ] as const) {
      const p = exclusive ? sem.acquireExclusive() : sem.acquireShared();
      waiters.push([name, track(p, () => order.push(name))]);
    }
    const byName = new Map(waiters);
    const releaseNamed = async (...names: string[]): Promise<void> => {
      for (const name of names) byName.get(name)?.release();
      await settle();
    };

    hold();
    await settle();
    expect(order).toEqual(['W1']);
    await releaseNamed('W1');
    expect(order).toEqual(['W1', 'R2', 'R3']);
    await releaseNamed('R2');
    expect(order).toEqual(['W1', 'R2', 'R3']);
    await releaseNamed('R3');
    expect(order).toEqual(['W1', 'R2', 'R3', 'W4']);
    await releaseNamed('W4');
    expect(order).toEqual(['W1', 'R2', 'R3', 'W4', 'W5']);
    await releaseNamed('W5');
    expect(order).toEqual(['W1', 'R2', 'R3', 'W4', 'W5', 'R6']);
    await releaseNamed('R6');
    expectIdle(sem);
  });

  it('grants every consecutive queued reader together when the writer leaves, and stops at the next writer', async () => {
    const sem = new RwSemaphore();
    const hold = await sem.acquireExclusive();
    const readers = [track(sem.acquireShared()), track(sem.acquireShared()), track(sem.acquireShared())];
    const writer = track(sem.acquireExclusive());
    const trailingReader = track(sem.acquireShared());

    hold();
    // The grant is immediate: the count changes before any callback runs.
    expect(sem.sharedHolders).toBe(3);
    await settle();
    expect(readers.every((r) => r.granted)).toBe(true);
    expect(writer.granted).toBe(false);
    expect(trailingReader.granted).toBe(false);
    expect(sem.contended).toBe(true);

    for (const r of readers) r.release();
    await settle();
    expect(writer.granted).toBe(true);
    writer.release();
    await settle();
    expect(trailingReader.granted).toBe(true);
    trailingReader.release();
    expectIdle(sem);
  });

  describe('tryAcquireShared / tryAcquireExclusive (NOWAIT)', () => {
    it('takes a free lock at once', () => {
      const sem = new RwSemaphore();
      const shared = sem.tryAcquireShared();
      expect(shared).toBeTypeOf('function');
      expect(sem.sharedHolders).toBe(1);
      const another = sem.tryAcquireShared();
      expect(another).toBeTypeOf('function');
      expect(sem.sharedHolders).toBe(2);
      shared?.();
      another?.();
      const exclusive = sem.tryAcquireExclusive();
      expect(exclusive).toBeTypeOf('function');
      expect(sem.heldExclusive).toBe(true);
      exclusive?.();
      expectIdle(sem);
    });

    it('returns undefined instead of waiting while a writer holds the lock', () => {
      const sem = new RwSemaphore();
      const release = sem.tryAcquireExclusive();
      expect(sem.tryAcquireShared()).toBeUndefined();
      expect(sem.tryAcquireExclusive()).toBeUndefined();
      expect(sem.sharedHolders).toBe(0);
      expect(sem.contended).toBe(false);
      release?.();
      expectIdle(sem);
    });

    it('refuses exclusive while readers hold the lock, without queueing', () => {
      const sem = new RwSemaphore();
      const reader = sem.tryAcquireShared();
      expect(sem.tryAcquireExclusive()).toBeUndefined();
      expect(sem.heldExclusive).toBe(false);
      expect(sem.contended).toBe(false);
      reader?.();
      expectIdle(sem);
    });

    it('does not let a reader jump ahead of a waiting writer', async () => {
      const sem = new RwSemaphore();
      const reader = await sem.acquireShared();
      const writer = track(sem.acquireExclusive());
      expect(sem.tryAcquireShared()).toBeUndefined();
      expect(sem.tryAcquireExclusive()).toBeUndefined();
      expect(sem.sharedHolders).toBe(1);
      reader();
      await settle();
      expect(writer.granted).toBe(true);
      writer.release();
      expectIdle(sem);
    });

    it('does not let a NOWAIT caller jump ahead of queued readers', async () => {
      const sem = new RwSemaphore();
      const hold = await sem.acquireExclusive();
      const queued = track(sem.acquireShared());
      expect(sem.tryAcquireShared()).toBeUndefined();
      hold();
      await settle();
      expect(queued.granted).toBe(true);
      expect(sem.sharedHolders).toBe(1);
      queued.release();
      expectIdle(sem);
    });
  });

  describe('release', () => {
    it('throws an IomapContractError when a shared hold is released twice, without changing the count', async () => {
      const sem = new RwSemaphore();
      const a = await sem.acquireShared();
      const b = await sem.acquireShared();
      a();
      let err: unknown;
      try {
        a();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(IomapContractError);
      expect(isFsError(err, 'EIO')).toBe(true);
      expect((err as IomapContractError).rule).toMatch(/exactly once/);
      expect((err as Error).message).toMatch(/twice/);
      expect(sem.sharedHolders).toBe(1);
      b();
      expectIdle(sem);
    });

    it('throws on a second exclusive release and does not release the next holder', async () => {
      const sem = new RwSemaphore();
      const first = await sem.acquireExclusive();
      const next = track(sem.acquireExclusive());
      first();
      await settle();
      expect(next.granted).toBe(true);
      expect(() => first()).toThrow(IomapContractError);
      expect(sem.heldExclusive).toBe(true);
      const reader = track(sem.acquireShared());
      await settle();
      expect(reader.granted).toBe(false);
      next.release();
      await settle();
      expect(reader.granted).toBe(true);
      reader.release();
      expectIdle(sem);
    });

    it('throws on a second release of a lock taken with tryAcquire', () => {
      const sem = new RwSemaphore();
      const release = sem.tryAcquireExclusive();
      release?.();
      expect(() => release?.()).toThrow(IomapContractError);
      expectIdle(sem);
    });
  });

  describe('withShared / withExclusive', () => {
    it('returns what the function returns, holding the lock meanwhile', async () => {
      const sem = new RwSemaphore();
      await expect(sem.withShared(() => sem.sharedHolders)).resolves.toBe(1);
      await expect(sem.withExclusive(async () => sem.heldExclusive)).resolves.toBe(true);
      expectIdle(sem);
    });

    it('releases the shared hold when the function throws', async () => {
      const sem = new RwSemaphore();
      const boom = new Error('boom');
      await expect(
        sem.withShared(() => {
          throw boom;
        }),
      ).rejects.toBe(boom);
      expectIdle(sem);
    });

    it('releases the exclusive hold when the function rejects', async () => {
      const sem = new RwSemaphore();
      const failure = sem.withExclusive(async () => {
        await settle();
        throw new Error('boom');
      });
      const waiting = track(sem.acquireShared());
      await expect(failure).rejects.toThrow('boom');
      await settle();
      expect(waiting.granted).toBe(true);
      waiting.release();
      expectIdle(sem);
    });

    it('releases the exclusive hold when the function throws synchronously', async () => {
      const sem = new RwSemaphore();
      await expect(
        sem.withExclusive(() => {
          throw new Error('sync boom');
        }),
      ).rejects.toThrow('sync boom');
      expectIdle(sem);
    });

    it('runs shared sections concurrently and exclusive sections alone', async () => {
      const sem = new RwSemaphore();
      let inside = 0;
      let maxShared = 0;
      const shared = Array.from({ length: 5 }, () =>
        sem.withShared(async () => {
          inside++;
          maxShared = Math.max(maxShared, inside);
          await settle();
          inside--;
        }),
      );
      const exclusive = sem.withExclusive(async () => {
        expect(inside).toBe(0);
        await settle();
        expect(inside).toBe(0);
      });
      await Promise.all([...shared, exclusive]);
      expect(maxShared).toBe(5);
      expectIdle(sem);
    });
  });
});

describe('Mutex', () => {
  it('starts unlocked and locks without waiting when free', async () => {
    const mutex = new Mutex();
    expect(mutex.locked).toBe(false);
    const release = await mutex.lock();
    expect(mutex.locked).toBe(true);
    release();
    expect(mutex.locked).toBe(false);
  });

  it('makes a second locker wait until the holder releases', async () => {
    const mutex = new Mutex();
    const release = await mutex.lock();
    const second = track(mutex.lock());
    await settle();
    expect(second.granted).toBe(false);
    release();
    await settle();
    expect(second.granted).toBe(true);
    expect(mutex.locked).toBe(true);
    second.release();
    expect(mutex.locked).toBe(false);
  });

  it('grants waiters in FIFO order', async () => {
    const mutex = new Mutex();
    const order: number[] = [];
    const hold = await mutex.lock();
    const waiters = Array.from({ length: 6 }, (_, i) => track(mutex.lock(), () => order.push(i)));
    hold();
    for (let i = 0; i < waiters.length; i++) {
      await settle();
      expect(order).toEqual(Array.from({ length: i + 1 }, (_, j) => j));
      waiters[i]?.release();
    }
    expect(mutex.locked).toBe(false);
  });

  it('tryLock takes a free mutex and returns undefined while it is held', () => {
    const mutex = new Mutex();
    const release = mutex.tryLock();
    expect(release).toBeTypeOf('function');
    expect(mutex.locked).toBe(true);
    expect(mutex.tryLock()).toBeUndefined();
    release?.();
    expect(mutex.locked).toBe(false);
    const again = mutex.tryLock();
    expect(again).toBeTypeOf('function');
    again?.();
  });

  it('tryLock does not jump ahead of a waiter', async () => {
    const mutex = new Mutex();
    const hold = await mutex.lock();
    const waiter = track(mutex.lock());
    expect(mutex.tryLock()).toBeUndefined();
    hold();
    await settle();
    expect(waiter.granted).toBe(true);
    expect(mutex.tryLock()).toBeUndefined();
    waiter.release();
    expect(mutex.locked).toBe(false);
  });

  it('throws when released twice', async () => {
    const mutex = new Mutex();
    const release = await mutex.lock();
    release();
    expect(() => release()).toThrow(IomapContractError);
    expect(mutex.locked).toBe(false);
  });

  it('runExclusive runs sections one at a time, in order, and returns their values', async () => {
    const mutex = new Mutex();
    let inside = 0;
    const order: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        mutex.runExclusive(async () => {
          inside++;
          expect(inside).toBe(1);
          order.push(i);
          await settle();
          inside--;
          return i * 10;
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(mutex.locked).toBe(false);
  });

  it('runExclusive releases the mutex when the section throws or rejects', async () => {
    const mutex = new Mutex();
    await expect(
      mutex.runExclusive(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(mutex.locked).toBe(false);
    await expect(
      mutex.runExclusive(async () => {
        await settle();
        throw new Error('async');
      }),
    ).rejects.toThrow('async');
    expect(mutex.locked).toBe(false);
    await expect(mutex.runExclusive(() => 'still usable')).resolves.toBe('still usable');
  });
});

// --- Randomized: many tasks, random sections, the invariant throughout -------

interface Section {
  exclusive: boolean;
  /** Try the NOWAIT path first, falling back to waiting. */
  tryFirst: boolean;
  /** Yields inside the section: 0 = microtask, 1 = macrotask. */
  yields: Array<0 | 1>;
}

const section: fc.Arbitrary<Section> = fc.record({
  exclusive: fc.boolean(),
  tryFirst: fc.boolean(),
  yields: fc.array(fc.constantFrom<0 | 1>(0, 0, 0, 1), { maxLength: 4 }),
});

const pause = (kind: 0 | 1): Promise<void> => (kind === 0 ? Promise.resolve() : settle());

describe('RwSemaphore under random concurrent load', () => {
  it('never lets a writer in together with anyone, grants in request order, and ends idle', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(section, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 12 }),
        async (tasks) => {
          const sem = new RwSemaphore();
          let readers = 0;
          let writers = 0;
          let requests = 0;
          /** Request numbers of waits (not NOWAIT grants) not yet granted. */
          const waiting = new Set<number>();

          // A grant takes effect in the semaphore before the grantee's code runs,
          // so the semaphore may count holders that have not yet entered.
          const check = (): void => {
            expect(writers).toBeLessThanOrEqual(1);
            if (writers === 1) expect(readers).toBe(0);
            if (writers === 1) expect(sem.heldExclusive).toBe(true);
            expect(sem.sharedHolders).toBeGreaterThanOrEqual(readers);
            expect(sem.heldExclusive && sem.sharedHolders > 0).toBe(false);
          };

          const acquire = async (s: Section): Promise<Release> => {
            if (s.tryFirst) {
              const now = s.exclusive ? sem.tryAcquireExclusive() : sem.tryAcquireShared();
              if (now) return now;
            }
            const ticket = requests++;
            waiting.add(ticket);
            const release = await (s.exclusive ? sem.acquireExclusive() : sem.acquireShared());
            // FIFO: everyone who asked before this waiter has been granted already.
            for (const earlier of waiting) expect(earlier).toBeGreaterThanOrEqual(ticket);
            waiting.delete(ticket);
            return release;
          };

          const run = async (sections: Section[]): Promise<void> => {
            for (const s of sections) {
              const release = await acquire(s);
              if (s.exclusive) writers++;
              else readers++;
              check();
              for (const y of s.yields) {
                await pause(y);
                check();
              }
              if (s.exclusive) writers--;
              else readers--;
              release();
              check();
              await Promise.resolve();
            }
          };

          await Promise.all(tasks.map(run));
          expect(waiting.size).toBe(0);
          expectIdle(sem);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never runs two Mutex sections at once under random load', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.array(fc.constantFrom<0 | 1>(0, 0, 1), { maxLength: 3 }), { maxLength: 5 }), {
          minLength: 2,
          maxLength: 10,
        }),
        async (tasks) => {
          const mutex = new Mutex();
          let inside = 0;
          await Promise.all(
            tasks.map(async (sections) => {
              for (const yields of sections) {
                await mutex.runExclusive(async () => {
                  inside++;
                  expect(inside).toBe(1);
                  expect(mutex.locked).toBe(true);
                  for (const y of yields) await pause(y);
                  expect(inside).toBe(1);
                  inside--;
                });
              }
            }),
          );
          expect(mutex.locked).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });
});
