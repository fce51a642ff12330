// The exerciser's model of the file (a growable byte array, like fsx's
// "good buffer") and the seeded generator of operations against it.
import { FsError } from '@iomap/core';
import type { ExerciseOp, ExerciseOpKind, ExerciseOptions } from './exercise-types.js';
import { SeededRandom } from './seeded-random.js';

/**
 * What a file must contain: writes, truncates and zeroed ranges applied to a
 * growable byte array (fsx's "good buffer"). The exerciser's model; tests
 * that drive a file themselves use it too.
 */
export class FileModel {
  private bytes = new Uint8Array(0);
  size = 0;

  private ensure(capacity: number): void {
    if (capacity <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(capacity, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }

  /** The whole expected content (a view, valid until the next change). */
  get content(): Uint8Array {
    return this.bytes.subarray(0, this.size);
  }

  /** `[pos, pos + length)` clipped to EOF. */
  read(pos: number, length: number): Uint8Array {
    const end = Math.min(pos + length, this.size);
    return end <= pos ? new Uint8Array(0) : this.bytes.slice(pos, end);
  }

  write(pos: number, data: Uint8Array): void {
    this.ensure(pos + data.length);
    this.bytes.set(data, pos);
    this.size = Math.max(this.size, pos + data.length);
  }

  truncate(size: number): void {
    this.ensure(size);
    if (size < this.size) this.bytes.fill(0, size, this.size);
    this.size = size;
  }

  /** Zeroes `[pos, pos + length)` inside EOF. */
  zero(pos: number, length: number): void {
    const end = Math.min(pos + length, this.size);
    if (end > pos) this.bytes.fill(0, pos, end);
  }
}

/** The bytes a write operation writes (derived from its `data` seed). */
export function opData(op: { length: number; data: number }): Uint8Array {
  return new SeededRandom(op.data).fill(new Uint8Array(op.length));
}

/** Internal: options with defaults applied and unsupported operations weighted 0. */
export interface GeneratorSettings {
  maxFileSize: number;
  maxOpLength: number;
  alignment: number;
  directAlignment: number;
  directRatio: number;
  direct: boolean;
  weights: Record<ExerciseOpKind, number>;
}

const DEFAULT_WEIGHTS: Record<ExerciseOpKind, number> = {
  read: 10,
  write: 10,
  truncate: 2,
  punch: 2,
  zero: 2,
  fsync: 1,
  remount: 1,
  verify: 1,
};

/** What the target can do, for weighting. */
export interface TargetAbilities {
  punch: boolean;
  zero: boolean;
  fsync: boolean;
  remount: boolean;
  direct: boolean;
  directAlignment: number;
}

/** Resolves generator settings; `EINVAL` for options that cannot work. */
export function generatorSettings(options: ExerciseOptions, can: TargetAbilities): GeneratorSettings {
  const maxFileSize = options.maxFileSize ?? 256 * 1024;
  const maxOpLength = Math.min(options.maxOpLength ?? 64 * 1024, maxFileSize);
  const alignment = options.alignment ?? 1;
  const weights = { ...DEFAULT_WEIGHTS, ...options.weights };
  if (!can.punch) weights.punch = 0;
  if (!can.zero) weights.zero = 0;
  if (!can.fsync) weights.fsync = 0;
  if (!can.remount) weights.remount = 0;
  const bad = (what: string): never => {
    throw new FsError('EINVAL', `exercise(): ${what}`, { syscall: 'exercise' });
  };
  if (!(maxFileSize >= Math.max(alignment, can.directAlignment))) bad('maxFileSize must be at least one alignment unit');
  if (!(alignment >= 1 && maxOpLength >= alignment)) bad('alignment must be ≥ 1 and ≤ maxOpLength');
  if (!Object.values(weights).some((w) => w > 0)) bad('at least one operation needs a positive weight');
  return {
    maxFileSize,
    maxOpLength,
    alignment,
    directAlignment: can.directAlignment,
    directRatio: options.directRatio ?? 0.5,
    direct: can.direct,
    weights,
  };
}

function alignDown(x: number, a: number): number {
  return x - (x % a);
}

/** A position and length for a data operation, aligned to `a`, inside `[0, limit)`. */
function span(rng: SeededRandom, s: GeneratorSettings, a: number, pos: number): { pos: number; length: number } {
  const at = Math.min(alignDown(pos, a), alignDown(s.maxFileSize - a, a));
  const room = Math.min(s.maxOpLength, s.maxFileSize - at);
  const length = Math.max(a, alignDown(rng.int(1, room + 1), a));
  return { pos: at, length };
}

/** Generates the next operation for a file of `size` bytes. */
export function generateOp(rng: SeededRandom, s: GeneratorSettings, size: number): ExerciseOp {
  const kind = rng.weighted(s.weights);
  const direct = (kind === 'read' || kind === 'write') && s.direct && rng.chance(s.directRatio);
  const a = direct ? s.directAlignment : s.alignment;
  switch (kind) {
    case 'read': {
      const pos = rng.chance(0.1) ? size + rng.int(0, s.maxOpLength) : rng.int(0, size + 1);
      return { kind, ...span(rng, s, a, pos), ...(direct ? { direct } : {}) };
    }
    case 'write': {
      const pos = rng.chance(0.25) ? size + rng.int(0, s.maxOpLength >> 2) : rng.int(0, s.maxFileSize);
      return { kind, ...span(rng, s, a, pos), data: rng.nextUint32(), ...(direct ? { direct } : {}) };
    }
    case 'truncate':
      return { kind, size: alignDown(rng.int(0, s.maxFileSize + 1), a) };
    case 'punch':
    case 'zero':
      return { kind, ...span(rng, s, a, rng.int(0, size + 1)) };
    default:
      return { kind };
  }
}
