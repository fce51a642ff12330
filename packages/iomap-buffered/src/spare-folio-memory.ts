// Folio memory a closed PageCache leaves behind, for the next PageCache of
// the process to take instead of allocating.
//
// Why: a fresh 1 MiB Uint8Array costs a zero-fill, a page fault per 4 KiB
// on first write and later a GC; on a shared 2-vCPU machine that measured
// ~0.7 ms per MiB, about 0.2 ms per MiB written when every mount of a
// 256 MiB write starts with an empty 64 MiB cache. A program that mounts,
// writes and unmounts in turn (tests, image builders, the benchmarks)
// would pay it on every mount.
//
// Bounds, so a library never sits on memory nobody uses: at most
// SPARE_MAX_BYTES, and dropped SPARE_HOLD_MS after the last cache closed
// (an unref'd timer: it never keeps a process alive), or at once with
// releaseSpareFolioMemory().

/** Most bytes kept; a closing cache's memory above this is left to the GC. */
export const SPARE_MAX_BYTES = 256 * 1024 * 1024;
/** How long spare memory waits for a new cache before it is dropped. */
export const SPARE_HOLD_MS = 5000;

interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
/** The host's timers (browsers and Node have them; this package's types list no host). */
const timers = globalThis as unknown as Timers;

const spare = new Map<number, Uint8Array[]>();
let spareBytes = 0;
let dropTimer: unknown;

/** Bytes of spare folio memory held now. */
export function spareFolioBytes(): number {
  return spareBytes;
}

/** Internal: keeps `buffers` (stale contents) for the next cache, within the bounds above. */
export function depositSpare(buffers: readonly Uint8Array[]): void {
  for (const buffer of buffers) {
    if (spareBytes + buffer.length > SPARE_MAX_BYTES) break;
    let list = spare.get(buffer.length);
    if (list === undefined) spare.set(buffer.length, (list = []));
    list.push(buffer);
    spareBytes += buffer.length;
  }
  if (spareBytes === 0) return;
  if (typeof timers.setTimeout !== 'function') {
    releaseSpareFolioMemory(); // a host without timers could never drop it: keep nothing
    return;
  }
  if (dropTimer !== undefined) timers.clearTimeout(dropTimer);
  dropTimer = timers.setTimeout(releaseSpareFolioMemory, SPARE_HOLD_MS);
  (dropTimer as { unref?: () => void }).unref?.();
}

/** Internal: a spare buffer of exactly `size` bytes (stale contents), if one is kept. */
export function takeSpare(size: number): Uint8Array | undefined {
  if (spareBytes === 0) return undefined;
  const buffer = spare.get(size)?.pop();
  if (buffer !== undefined) spareBytes -= size;
  return buffer;
}

/**
 * Drops the folio memory that closed page caches left for later ones
 * (see {@link PageCache.close}), so the garbage collector can free it now
 * rather than a few seconds later.
 *
 * @example
 * ```ts
 * await fs.unmount();
 * releaseSpareFolioMemory(); // no more mounts coming: give the memory back now
 * ```
 */
export function releaseSpareFolioMemory(): void {
  spare.clear();
  spareBytes = 0;
  if (dropTimer !== undefined) timers.clearTimeout(dropTimer);
  dropTimer = undefined;
}
