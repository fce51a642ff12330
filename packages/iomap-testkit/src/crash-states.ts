// The crash states of a write log: which images a device may hold after a
// power cut. Writes a flush covered are durable. Each later write (or
// discard) may have reached stable storage or not, independently — with
// `torn`, independently per sector. Chosen pieces are applied in log order,
// so a sector written twice ends up old, first or second version, never
// "first after second".
//
//   log: W1 F(covers 1) W2 W3       crash at 4, not torn:
//   states: {W1}, {W1,W2}, {W1,W3}, {W1,W2,W3}   (fewer if some are identical)
import { MemoryBlockDevice } from '@iomap/core';
import { applyEntry, type CrashLogEntry } from './crash-log.js';
import { SeededRandom } from './seeded-random.js';

/**
 * Which crash states {@link CrashDevice.crashStates} produces.
 *
 * @example
 * ```ts
 * dev.crashStates({ at: 12, maxStates: 256, torn: true, seed: 3 });
 * ```
 */
export interface CrashStatesOptions {
  /** Log point of the power cut (entries 1..at happened). Default: the end of the log. */
  at?: number;
  /** At most this many states; above it, states are sampled. Default 64. */
  maxStates?: number;
  /** Seed for sampling. Default 1. */
  seed?: number;
  /** Let each unflushed write persist in any subset of its sectors. Default false. */
  torn?: boolean;
  /** Sector size for `torn`. Default: the device's logical block size. */
  sectorSize?: number;
}

/**
 * What happened to one unflushed write in a crash state.
 *
 * @example
 * ```ts
 * state.writes.filter((w) => w.outcome !== 'absent').map((w) => w.seq); // the writes that made it
 * ```
 */
export interface CrashWriteOutcome {
  seq: number;
  outcome: 'absent' | 'present' | 'torn';
  /** `torn` only: indices of the sectors (within the write) that persisted. */
  sectors?: number[];
}

/**
 * One possible device image after a power cut.
 *
 * @example
 * ```ts
 * for (const s of dev.crashStates()) console.log(s.label); // "crash at #4, durable through #1: +2 -3"
 * ```
 */
export interface CrashState {
  /** A fresh device holding the image. */
  device: MemoryBlockDevice;
  /** The log point of the power cut. */
  at: number;
  /** Entries 1..durable are certainly present. */
  durable: number;
  /** The fate of each write or discard after `durable`. */
  writes: CrashWriteOutcome[];
  label: string;
}

interface Piece {
  entry: CrashLogEntry;
  index: number;
  from: number;
  to: number;
}

function piecesOf(entry: CrashLogEntry, torn: boolean, sector: number): Piece[] {
  if (!torn || entry.kind !== 'write' || entry.length === 0) {
    return [{ entry, index: 0, from: entry.pos, to: entry.pos + entry.length }];
  }
  const pieces: Piece[] = [];
  const end = entry.pos + entry.length;
  for (let from = entry.pos, index = 0; from < end; index++) {
    const to = Math.min(end, (Math.floor(from / sector) + 1) * sector);
    pieces.push({ entry, index, from, to });
    from = to;
  }
  return pieces;
}

function outcomes(groups: Piece[][], chosen: boolean[]): CrashWriteOutcome[] {
  let bit = 0;
  return groups.map((group) => {
    const kept = group.filter(() => chosen[bit++] === true).map((p) => p.index);
    const seq = group[0]?.entry.seq ?? 0;
    if (kept.length === 0) return { seq, outcome: 'absent' };
    if (kept.length === group.length) return { seq, outcome: 'present' };
    return { seq, outcome: 'torn', sectors: kept };
  });
}

function describe(at: number, durable: number, writes: CrashWriteOutcome[]): string {
  const parts = writes.map((w) =>
    w.outcome === 'present' ? `+${w.seq}` : w.outcome === 'absent' ? `-${w.seq}` : `~${w.seq}[${(w.sectors ?? []).join(',')}]`,
  );
  return `crash at #${at}, durable through #${durable}: ${parts.join(' ') || 'nothing pending'}`;
}

/** Yields choice vectors: all of them in order when few enough, else none, all, then seeded samples. */
function* choices(bits: number, maxStates: number, groups: Piece[][], seed: number): Generator<boolean[]> {
  if (bits <= 30 && 2 ** bits <= maxStates) {
    for (let mask = 0; mask < 2 ** bits; mask++) yield Array.from({ length: bits }, (_, i) => ((mask >>> i) & 1) === 1);
    return;
  }
  yield new Array<boolean>(bits).fill(false);
  yield new Array<boolean>(bits).fill(true);
  const rng = new SeededRandom(seed);
  for (let n = 0; n < maxStates * 4; n++) {
    yield groups.flatMap((group) => {
      const mode = rng.int(0, 3);
      return group.map(() => (mode === 2 ? rng.chance(0.5) : mode === 1));
    });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Internal: the crash states over `base` (the durable image) for the pending entries. */
export function* enumerateCrashStates(
  base: Uint8Array,
  pending: readonly CrashLogEntry[],
  durable: number,
  at: number,
  logicalBlockSize: number,
  options: CrashStatesOptions,
): Generator<CrashState> {
  const maxStates = options.maxStates ?? 64;
  const groups = pending.map((e) => piecesOf(e, options.torn ?? false, options.sectorSize ?? logicalBlockSize));
  const flat = groups.flat();
  const seen: Uint8Array[] = [];
  for (const chosen of choices(flat.length, maxStates, groups, options.seed ?? 1)) {
    if (seen.length >= maxStates) return;
    const image = base.slice();
    flat.forEach((p, i) => {
      if (chosen[i]) applyEntry(image, p.entry, p.from, p.to);
    });
    // Only the pending ranges can differ between states: compare those.
    const fingerprint = new Uint8Array(flat.reduce((n, p) => n + p.to - p.from, 0));
    let offset = 0;
    for (const p of flat) {
      fingerprint.set(image.subarray(p.from, p.to), offset);
      offset += p.to - p.from;
    }
    if (seen.some((s) => sameBytes(s, fingerprint))) continue;
    seen.push(fingerprint);
    const writes = outcomes(groups, chosen);
    yield {
      device: new MemoryBlockDevice({ buffer: image.buffer, logicalBlockSize }),
      at,
      durable,
      writes,
      label: describe(at, durable, writes),
    };
  }
}
