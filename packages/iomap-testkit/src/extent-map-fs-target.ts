// An ExerciseTarget over one ExtentMapFs file, so the exerciser has a real
// target now: buffered reads use readRaw (the extents as they are), direct
// reads go through iomapBegin, writes and zeroing go through the reference
// I/O path, and every mutating operation ends with a consistency check of
// the filesystem's block accounting.
import { FsError } from '@iomap/core';
import type { ExerciseTarget } from './exercise-types.js';
import type { ExtentMapFs } from './extent-map-fs.js';
import type { ExtentMapInode } from './extent-map-fs-types.js';
import { referenceRead, referenceWrite, referenceZeroRange } from './reference-io.js';

/**
 * Options of {@link extentMapFsTarget}.
 *
 * @example
 * ```ts
 * await extentMapFsTarget(fs, { name: 'victim', direct: false, verify: false });
 * ```
 */
export interface ExtentMapFsTargetOptions {
  /** File to create (or reuse when it exists). Default `'exercise'`. */
  name?: string;
  /** Offer direct reads and writes. Default true. */
  direct?: boolean;
  /** Run `fs.verify()` after every operation that changes the file. Default true. */
  verify?: boolean;
}

/**
 * Makes one file of an {@link ExtentMapFs} an {@link ExerciseTarget}.
 * `remount` syncs and looks the file up again by name (the filesystem keeps
 * no cache, so its state must survive that unchanged).
 *
 * @example
 * ```ts
 * await exercise(() => extentMapFsTarget(new ExtentMapFs({ delalloc: true })), { seed: 9 });
 * ```
 */
export async function extentMapFsTarget(fs: ExtentMapFs, options: ExtentMapFsTargetOptions = {}): Promise<ExerciseTarget> {
  const name = options.name ?? 'exercise';
  let file: ExtentMapInode = fs.lookup(name) ?? (await fs.create(name));
  const check = options.verify === false ? () => undefined : () => fs.verify();
  const mutate = async (work: () => Promise<unknown>): Promise<void> => {
    await work();
    check();
  };
  const writeAll = async (pos: number, data: Uint8Array, direct: boolean): Promise<void> => {
    const done = await referenceWrite(fs, file, pos, data, { direct });
    if (done !== data.length) {
      throw new FsError('EIO', `short write: ${done} of ${data.length} bytes at ${pos}`, { syscall: 'write', path: name });
    }
    check();
  };
  const base: ExerciseTarget = {
    read: (pos, length) => fs.readRaw(file, pos, length),
    write: (pos, data) => writeAll(pos, data, false),
    truncate: (size) => mutate(() => fs.truncate(file, size)),
    size: async () => file.size,
    punchHole: (pos, length) => mutate(() => fs.punchHole(file, pos, length)),
    zeroRange: (pos, length) => mutate(() => referenceZeroRange(fs, file, pos, length)),
    fsync: () => fs.fsync(file),
    remount: async () => {
      await fs.fsync(file);
      const again = fs.lookup(name);
      if (again === undefined) throw new FsError('ENOENT', 'the file vanished on remount', { syscall: 'open', path: name });
      file = again;
    },
  };
  if (!(options.direct ?? true)) return base;
  return {
    ...base,
    directRead: (pos, length) => referenceRead(fs, file, pos, length, { direct: true }),
    directWrite: (pos, data) => writeAll(pos, data, true),
    directAlignment: fs.device.logicalBlockSize,
  };
}
