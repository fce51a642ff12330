// The iomap iterator (CORE-7 … CORE-13, CORE-25): the one loop every iomap
// operation is built on.
//
//   const it = new IomapIter({ inode, pos, length, op });
//   while (await iomapIter(it, ops)) {
//     try { ...act on it.iomap over it.iomapLength() bytes...; it.advance(n); }
//     catch (err) { it.status = err; }
//   }
//
// The first call asks the filesystem for a mapping at `pos`. Each later call
// hands the previous mapping back (`iomapEnd`) and, while bytes remain and the
// body made progress, asks for the next one. A body that advanced nothing ends
// the loop, unless it marked the mapping STALE: then the same position is
// mapped again (the only legal zero-progress continuation, CORE-12).
import { IomapContractError, FsError } from './errors.js';
import { IomapFlags, IomapType, NULL_ADDR, type Iomap } from './iomap.js';
import type { IomapMapping, IomapOps } from './iomap-ops.js';
import { mappingIsValidAt, validateMappingAt } from './iomap-validate.js';
import { checkRange } from './range-checks.js';

/** Where an iteration starts. */
export interface IomapIterInit<I> {
  inode: I;
  /** First file byte. */
  pos: number;
  /** Bytes to cover (> 0 for the loop to do anything). */
  length: number;
  /** {@link IomapOp} flags given to every `iomapBegin`/`iomapEnd`. */
  op: number;
  /** Caller state visible to the filesystem (CORE-15). */
  private?: unknown;
}

function emptyIomap(): Iomap {
  return { offset: 0, length: 0, addr: NULL_ADDR, type: IomapType.Hole, flags: 0 };
}

// Accessors for IomapIter's private `#finished` flag, set in its static block.
let markFinished: (iter: IomapIter<unknown>) => void;
let isFinished: (iter: IomapIter<unknown>) => boolean;

/** The state of one iteration over a file range (the kernel's `struct iomap_iter`). */
export class IomapIter<I = unknown> {
  readonly inode: I;
  /** Current file position. */
  pos: number;
  /** Bytes left to process from `pos`. */
  len: number;
  /** Operation flags. */
  readonly op: number;
  /** The current mapping (length 0 between mappings). Its source map is in {@link srcmap}. */
  iomap: Iomap = emptyIomap();
  /** The current source map, or undefined when the filesystem gave none (CORE-10). */
  srcmap: Iomap | undefined = undefined;
  /** Caller state visible to the filesystem (CORE-15). */
  private: unknown;
  /** Set by the loop body to the error that should end the loop (the kernel's negative status). */
  status: Error | undefined = undefined;
  /** Position where the current mapping's work began. */
  iterStartPos: number;

  constructor(init: IomapIterInit<I>) {
    checkRange(init.pos, init.length, 'iomap_iter');
    this.inode = init.inode;
    this.pos = init.pos;
    this.len = init.length;
    this.op = init.op;
    this.private = init.private;
    this.iterStartPos = init.pos;
  }

  /**
   * Bytes the body may process now (CORE-9): up to the end of the request, of
   * the mapping, and of the source map when there is one.
   */
  iomapLength(): number {
    return this.lengthTrim(this.pos, this.len);
  }

  /** `len` bytes from `pos`, trimmed to the current mapping and source map. */
  lengthTrim(pos: number, len: number): number {
    let end = this.iomap.offset + this.iomap.length;
    if (this.srcmap !== undefined) end = Math.min(end, this.srcmap.offset + this.srcmap.length);
    return Math.min(len, end - pos);
  }

  /**
   * Moves `pos` forward by `count` bytes of the current mapping (CORE-8).
   * Advancing past the mapping is a contract violation (`EIO`).
   */
  advance(count: number): void {
    const max = this.iomapLength();
    if (!Number.isSafeInteger(count) || count < 0 || count > max) {
      throw new IomapContractError(
        'CORE-8',
        'a body may advance at most the current mapping length',
        `advance(${String(count)}) at ${this.pos} with ${max} bytes left in the mapping`,
      );
    }
    this.pos += count;
    this.len -= count;
  }

  /** Consumes the rest of the current mapping (CORE-8). */
  advanceFull(): void {
    this.advance(this.iomapLength());
  }

  /** The map to read existing data from: the source map if given, else the mapping (CORE-10). */
  readMap(): Iomap {
    return this.srcmap ?? this.iomap;
  }

  /** Marks the current mapping stale so it is ended and requested again at `pos` (CORE-12, CORE-24). */
  markStale(): void {
    this.iomap.flags |= IomapFlags.Stale;
  }

  /**
   * Set once the iteration returned false or threw. A private field rather
   * than a module WeakSet: adding every finished iteration to a WeakSet cost
   * an ephemeron-table insertion (and GC work) per I/O.
   */
  #finished = false;

  static {
    markFinished = (iter) => {
      iter.#finished = true;
    };
    isFinished = (iter) => iter.#finished;
  }

}

/** Marks an iteration that returned false or threw: calling iomapIter on it again is a bug. */
function finish(iter: IomapIter<unknown>): void {
  markFinished(iter);
}

function resetIomap(iter: IomapIter<unknown>): void {
  iter.iomap = emptyIomap();
  iter.srcmap = undefined;
}

/** Turns anything a body threw into an Error, so a thrown non-Error still ends the loop as a failure. */
function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new FsError('EIO', `iomap loop body threw a non-error value: ${String(thrown)}`);
}

/** Whether `value` must be awaited: a thenable. Plain values skip the microtask an `await` costs. */
function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Advances the iteration (CORE-7): ends the previous mapping, then maps the
 * next one. Resolves `true` when the body should run, `false` when the
 * iteration is complete; rejects with the error that ended it (CORE-25).
 *
 * Hot path: only hooks that return promises are awaited; the checks and the
 * installation of a mapping run synchronously, so a mapping costs no promise
 * hops beyond those of the filesystem's own hooks.
 */
export async function iomapIter<I>(iter: IomapIter<I>, ops: IomapOps<I>): Promise<boolean> {
  if (isFinished(iter)) {
    throw new IomapContractError('CORE-7', 'the body must not run after the iterator finished', 'iomapIter called again');
  }
  if (iter.iomap.length !== 0) {
    const ended = endMapping(iter, ops);
    if (!(typeof ended === 'boolean' ? ended : await ended)) return false;
  } else if (iter.len === 0) {
    finish(iter);
    return false;
  }
  let mapping: IomapMapping;
  try {
    const begun = ops.iomapBegin(iter.inode, iter.pos, iter.len, iter.op) as IomapMapping | PromiseLike<IomapMapping>;
    mapping = isThenable(begun) ? await begun : begun;
  } catch (err) {
    finish(iter);
    throw err;
  }
  if (!acceptMapping(iter, mapping)) await checkAndInstallMapping(iter, ops, mapping);
  return true;
}

/**
 * Ends the current mapping; returns whether another one should be mapped.
 * Synchronous unless `iomapEnd` returned a promise.
 */
function endMapping<I>(iter: IomapIter<I>, ops: IomapOps<I>): boolean | Promise<boolean> {
  const stale = (iter.iomap.flags & IomapFlags.Stale) !== 0;
  const advanced = iter.pos - iter.iterStartPos;
  if (ops.iomapEnd) {
    const originalLength = iter.len + advanced;
    let ended: unknown;
    try {
      ended = ops.iomapEnd(
        iter.inode,
        iter.iterStartPos,
        iter.lengthTrim(iter.iterStartPos, originalLength),
        advanced,
        iter.op,
        iter.iomap,
      );
    } catch (err) {
      endFailed(iter, advanced, err);
      return afterEnd(iter, advanced, stale);
    }
    if (isThenable(ended)) {
      return Promise.resolve(ended).then(
        () => afterEnd(iter, advanced, stale),
        (err: unknown) => {
          endFailed(iter, advanced, err);
          return afterEnd(iter, advanced, stale);
        },
      );
    }
  }
  return afterEnd(iter, advanced, stale);
}

/** CORE-11: an end error matters only when nothing was done; then it ends the iteration. */
function endFailed(iter: IomapIter<unknown>, advanced: number, err: unknown): void {
  if (advanced === 0) {
    finish(iter);
    throw err;
  }
}

/** After `iomapEnd`: drops the mapping and decides whether to go on (CORE-12, CORE-25). */
function afterEnd(iter: IomapIter<unknown>, advanced: number, stale: boolean): boolean {
  const status = iter.status;
  resetIomap(iter);
  if (status !== undefined) {
    finish(iter);
    throw status;
  }
  if (iter.len === 0 || (advanced === 0 && !stale)) {
    finish(iter);
    return false;
  }
  return true;
}

/**
 * Installs a mapping that passes the fast check (CORE-13, the same rules
 * as validateMappingAt without building errors); returns false, installing
 * nothing, otherwise (then {@link checkAndInstallMapping} decides).
 */
function acceptMapping<I>(iter: IomapIter<I>, mapping: IomapMapping): boolean {
  const srcmap = mapping.srcmap;
  if (!mappingIsValidAt(mapping, iter.pos) || (srcmap !== undefined && !mappingIsValidAt(srcmap, iter.pos))) {
    return false;
  }
  installMapping(iter, mapping);
  return true;
}

/** Installs a checked mapping as the current one. */
function installMapping<I>(iter: IomapIter<I>, mapping: IomapMapping): void {
  // A copy, so flags iomap sets (STALE, SIZE_CHANGED) never leak into a
  // record the filesystem may cache. Without an own `srcmap` key a plain
  // spread is the same copy as the rest pattern, and much cheaper.
  let iomap: Iomap;
  if (Object.hasOwn(mapping, 'srcmap')) {
    const { srcmap: _srcmap, ...rest } = mapping;
    iomap = rest;
  } else {
    iomap = { ...mapping };
  }
  iter.iomap = iomap;
  iter.srcmap = mapping.srcmap;
  iter.iterStartPos = iter.pos;
}

/**
 * The full check of a mapping the fast check did not pass (CORE-13). A
 * broken mapping still gets its `iomapEnd` (with nothing written) so the
 * filesystem can release what it took in `iomapBegin`; then the contract
 * error ends the iteration.
 */
async function checkAndInstallMapping<I>(iter: IomapIter<I>, ops: IomapOps<I>, mapping: IomapMapping): Promise<void> {
  try {
    validateMappingAt(mapping, iter.pos, 'iomapBegin');
    if (mapping.srcmap !== undefined) validateMappingAt(mapping.srcmap, iter.pos, 'iomapBegin (srcmap)');
  } catch (err) {
    finish(iter);
    await ops.iomapEnd?.(iter.inode, iter.pos, iter.len, 0, iter.op, mapping).catch(() => undefined);
    throw err;
  }
  installMapping(iter, mapping);
}

/** A loop body: acts on `iter.iomap` and advances. */
export type IomapBody<I> = (iter: IomapIter<I>) => void | Promise<void>;

/**
 * Runs a whole iteration: maps, calls `body` for each mapping, ends mappings.
 * An error thrown by the body ends the loop after `iomapEnd` has run. Rejects
 * with the first error.
 *
 * @example
 * ```ts
 * const it = new IomapIter({ inode, pos: 0, length: size, op: IomapOp.Report });
 * await iomapLoop(it, ops, (it) => { extents.push({ ...it.iomap }); it.advanceFull(); });
 * ```
 */
export async function iomapLoop<I>(iter: IomapIter<I>, ops: IomapOps<I>, body: IomapBody<I>): Promise<void> {
  while (await iomapIter(iter, ops)) {
    try {
      await body(iter);
    } catch (err) {
      iter.status = asError(err);
    }
  }
}

/**
 * Runs an iteration the way data operations report results (CORE-25): the
 * number of bytes done when there was any progress, else the error.
 */
export async function iomapProcess<I>(iter: IomapIter<I>, ops: IomapOps<I>, body: IomapBody<I>): Promise<number> {
  const start = iter.pos;
  try {
    await iomapLoop(iter, ops, body);
  } catch (err) {
    if (iter.pos > start) return iter.pos - start;
    throw asError(err);
  }
  return iter.pos - start;
}
