// check(): a read-only consistency check of an ext2 image, pass by pass like
// `e2fsck -fn` (EXT2.md 6.2), reporting instead of repairing.
//
//   0  superblock, group descriptors, resize inode, journal
//   1  every inode; every block it owns (claimed once, counted for i_blocks)
//   2  every directory block; htree indexes
//   3  the tree: every directory reachable from the root, '..' right
//   4  link counts; in-use inodes no entry names
//   5  bitmaps and free/directory counters against what passes 1-4 found
//
// Everything is read straight from the device through a write-refusing
// guard; metadata is read in large requests (whole inode tables, runs of
// directory blocks). Problems never throw: they are collected, each with a
// stable code and a severity that matches e2fsck -fn's exit status (an image
// is clean exactly when e2fsck -fn exits 0). Only a superblock that is not
// ext2 (with no usable backup copy either), or features the checker cannot
// verify, throw.
import { CorruptFilesystemError, FsError, type BlockDevice } from '@iomap/core';
import { SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, type Superblock } from '../format/superblock.js';
import { ReadOnlyDevice } from '../mount/read-only-device.js';
import { CheckContext } from './check-context.js';
import { ProblemLog, type CheckOptions, type CheckReport } from './check-report.js';
import { readCheckedDescriptors } from './descriptors-check.js';
import { ImageReader } from './image-reader.js';
import { checkJournal } from './journal-check.js';
import { pass1Inodes } from './pass1-inodes.js';
import { pass2Directories } from './pass2-directories.js';
import { pass3Connectivity } from './pass3-connectivity.js';
import { pass4Links } from './pass4-links.js';
import { pass5Summary } from './pass5-summary.js';
import { checkResizeInode } from './resize-inode-check.js';
import { checkGeometryOf, checkSuperblockSoftFields, decodeSuperblockForCheck, findBackupSuperblock } from './superblock-check.js';

const DEFAULT_MAX_PROBLEMS = 1000;

/**
 * Checks the ext2 (or ext3) filesystem on `device` without writing to it and
 * reports what is wrong, the way `e2fsck -fn` would find it.
 *
 * Throws `CorruptFilesystemError` (EUCLEAN) when the superblock does not
 * describe an ext2 filesystem at all, `UnsupportedFeatureError` (EOPNOTSUPP)
 * for features this checker cannot verify (extents, flex_bg, checksums, ...).
 * Every other problem is reported, never thrown.
 *
 * @example
 * ```ts
 * import { check } from '@iomap/ext2-lite';
 * import { FileDevice } from '@iomap/blockdev-node';
 *
 * const device = await FileDevice.open('disk.img', { readOnly: true });
 * const report = await check(device);
 * for (const p of report.problems) console.log(`pass ${p.pass} ${p.code}: ${p.message}`);
 * const s = report.summary;
 * console.log(`${s.inodesUsed}/${s.inodesCount} files, ${s.blocksUsed}/${s.blocksCount} blocks`);
 * process.exitCode = report.clean ? 0 : 4;
 * await device.close();
 * ```
 */
export async function check(device: BlockDevice, options: CheckOptions = {}): Promise<CheckReport> {
  const maxProblems = options.maxProblems ?? DEFAULT_MAX_PROBLEMS;
  if (!Number.isSafeInteger(maxProblems) || maxProblems < 0) {
    throw new FsError('EINVAL', `maxProblems must be a non-negative integer, got ${String(options.maxProblems)}`, { syscall: 'check' });
  }
  const guarded = new ReadOnlyDevice(device);
  if (guarded.size < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) {
    throw new CorruptFilesystemError({ structure: 'superblock', location: `byte ${SUPERBLOCK_OFFSET}` }, `the device has only ${guarded.size} bytes, too few for an ext2 superblock`, { syscall: 'check' });
  }
  const log = new ProblemLog(maxProblems);
  const { sb, fromBackup } = await readSuperblock(guarded, log);
  const g = checkGeometryOf(sb, log);
  const now = options.now?.() ?? Math.floor(Date.now() / 1000);
  checkSuperblockSoftFields(sb, g, guarded.size, now, log);
  const reader = new ImageReader(guarded, g.blockSize);
  const { descriptors, usable } = await readCheckedDescriptors(reader, g, log, fromBackup);
  const ctx = new CheckContext(sb, g, reader, log, descriptors, usable);
  await checkResizeInode(ctx);
  await checkJournal(ctx);
  await pass1Inodes(ctx);
  const lostAndFound = await pass2Directories(ctx);
  // e2fsck stops at an unreadable directory block or a missing root; links
  // and connectivity computed from a partial tree would only add noise.
  if (!ctx.directoriesIncomplete && pass3Connectivity(ctx, lostAndFound)) pass4Links(ctx);
  await pass5Summary(ctx);
  return reportOf(ctx);
}

/**
 * The primary superblock, or (as e2fsck does when the primary cannot be used)
 * the first valid backup superblock, reported as a warning. Throws the
 * primary's error when there is no usable backup either.
 */
async function readSuperblock(device: BlockDevice, log: ProblemLog): Promise<{ sb: Superblock; fromBackup: boolean }> {
  const raw = new Uint8Array(SUPERBLOCK_SIZE);
  await device.read(SUPERBLOCK_OFFSET, raw);
  try {
    return { sb: decodeSuperblockForCheck(raw), fromBackup: false };
  } catch (err) {
    if (!(err instanceof CorruptFilesystemError)) throw err;
    const backup = await findBackupSuperblock(async (pos, length) => {
      if (pos + length > device.size) return undefined;
      const bytes = new Uint8Array(length);
      await device.read(pos, bytes);
      return bytes;
    });
    if (backup === undefined) throw err;
    log.add('PRIMARY_SUPERBLOCK_INVALID', `the primary superblock is unusable (${err.message}); the check used the backup superblock at block ${backup.block} (e2fsck -fy restores the primary from it; the kernel will not mount until then)`);
    return { sb: backup.sb, fromBackup: true };
  }
}

function reportOf(ctx: CheckContext): CheckReport {
  const c = ctx.counts;
  return {
    clean: ctx.log.errorCount === 0,
    problems: ctx.log.problems,
    omitted: ctx.log.omitted,
    errorCount: ctx.log.errorCount,
    summary: {
      inodesCount: ctx.g.inodesCount,
      inodesUsed: ctx.inodeUsed.count(),
      blocksCount: ctx.g.blocksCount,
      blocksUsed: ctx.g.firstDataBlock + ctx.blockFound.count(),
      directories: c.directories,
      regularFiles: c.regularFiles,
      symlinks: c.symlinks,
      fastSymlinks: c.fastSymlinks,
      characterDevices: c.characterDevices,
      blockDevices: c.blockDevices,
      fifos: c.fifos,
      sockets: c.sockets,
      nonContiguous: c.fragmented,
    },
  };
}
