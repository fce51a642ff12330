// Node's StatFs (what `fsp.statfs` returns), from the filesystem's statfs.
import type { FsStatistics } from './superblock-operations.js';

/**
 * Filesystem usage as Node's `fs.StatFs` shows it; numbers, or bigints with
 * `{ bigint: true }`.
 *
 * @example
 * ```ts
 * const { bsize, bavail } = await fsp.statfs('/');
 * console.log(`${(bsize * bavail) / 2 ** 20} MiB free`);
 * ```
 */
export class StatFs<T extends number | bigint = number> {
  type: T;
  bsize: T;
  blocks: T;
  bfree: T;
  bavail: T;
  files: T;
  ffree: T;

  constructor(statistics: FsStatistics, convert: (value: number) => T) {
    this.type = convert(statistics.type);
    this.bsize = convert(statistics.bsize);
    this.blocks = convert(statistics.blocks);
    this.bfree = convert(statistics.bfree);
    this.bavail = convert(statistics.bavail);
    this.files = convert(statistics.files);
    this.ffree = convert(statistics.ffree);
  }
}
