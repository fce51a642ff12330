// mkfs IMAGE --size 64M [-b] [-I] [-N|-i] [-m] [-L] [-U] [-E ...] [-O ...]
//      [-d DIR|TARBALL|-] [--xattrs] [--squash-owners] [--uid N] [--gid N] [--reproducible]
// Makes an ext2 filesystem (mke2fs's flags and defaults) in an image file —
// created if needed, or re-created empty (sparse) — or in a partition or at
// an offset of an existing disk image; -d then copies a tree in.
import { mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FsError, type BlockDevice } from '@iomap/core';
import { FileDevice } from '@iomap/blockdev-node';
import { ImageBuilder, mkfs, type MkfsOptions, type MkfsResult } from '@iomap/ext2-lite';
import { parseImageOperand, type ImageAddress } from '../address/image-address.js';
import { openImageDevice } from '../address/open-image.js';
import type { CliContext } from '../cli/cli-context.js';
import { about } from '../cli/error-report.js';
import { startProgress, type Progress } from '../cli/progress.js';
import { UsageError } from '../cli/usage-error.js';
import { examples, type VerbDefinition } from '../cli/verb.js';
import { BuilderSink } from '../copy/builder-sink.js';
import { copyTree } from '../copy/tree-sink.js';
import { mkfsOptionsOf, type MkfsFlags } from '../mkfs/mkfs-flags.js';
import { hostXattrsReader, openPopulateSource, rewriteEntries, type EntryRewrite, type PopulateOptions } from '../mkfs/populate-source.js';
import { derivedUuid, digestInput, sourceDateEpoch } from '../mkfs/reproducible.js';
import { parseCount, parseSize } from '../show/sizes.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The device to format: the whole (re)created image file, or a window of an existing disk image. */
async function openTarget(ctx: CliContext, address: ImageAddress, size: number | undefined): Promise<{ file: FileDevice; device: BlockDevice; zeroed: boolean }> {
  const path = resolve(ctx.io.cwd, address.image);
  const windowed = ctx.options.partition !== undefined || (address.offset ?? ctx.options.offset ?? 0) !== 0;
  if (windowed) return { ...(await openImageDevice(ctx, address, true)), zeroed: false };
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isBlockDevice()) {
    const file = await FileDevice.open(path);
    return { file, device: file, zeroed: false };
  }
  const bytes = size ?? existing?.size;
  if (bytes === undefined) throw new UsageError(`${address.image} does not exist: give --size (e.g. --size 64M)`);
  if (existing !== undefined) await truncate(path, 0); // old contents go: the new image starts all zeros (sparse)
  const file = await FileDevice.open(path, { create: true, size: bytes });
  return { file, device: file, zeroed: true };
}

/** Spools stdin to a temporary file, for inputs that must be read twice. */
async function spoolStdin(ctx: CliContext): Promise<{ path: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ext2-lite-stdin-'));
  const path = join(dir, 'input.tar');
  await pipeline(ctx.io.stdin, createWriteStream(path));
  return { path, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Options and clock of a reproducible build. */
async function reproducibleSettings(ctx: CliContext, flags: MkfsFlags, populate: PopulateOptions, options: MkfsOptions, rewrite: EntryRewrite, size: number | undefined): Promise<{ epoch: number }> {
  let epoch = sourceDateEpoch(ctx.io.env);
  let digest: Uint8Array = new Uint8Array(32);
  if (flags.populate !== undefined) {
    const input = await digestInput(rewriteEntries((await openPopulateSource(flags.populate, ctx.io.cwd, () => ctx.io.stdin, populate)).tree, { ...rewrite, clampNs: epoch === undefined ? undefined : BigInt(epoch) * 1_000_000_000n }));
    digest = input.digest;
    epoch ??= input.newestMtimeSeconds;
  }
  epoch ??= 0;
  const described = JSON.stringify({ ...options, size });
  options.uuid ??= derivedUuid(digest, 'uuid', described);
  options.hashSeed ??= derivedUuid(digest, 'hash_seed', described);
  options.timestamp = epoch;
  return { epoch };
}

/**
 * Makes the filesystem and copies the -d tree in with ext2-lite's
 * ImageBuilder (entries laid out directly, as mke2fs -d does). --verbose
 * reports how long the copy took, apart from process start-up.
 */
async function buildPopulated(ctx: CliContext, device: BlockDevice, options: MkfsOptions, address: ImageAddress, flags: MkfsFlags, populate: PopulateOptions, rewrite: EntryRewrite, epoch: number | undefined): Promise<MkfsResult> {
  // process.hrtime, not performance.now(): the performance global loads perf_hooks (~1.5 ms of every run).
  const started = process.hrtime.bigint();
  const now = epoch === undefined ? () => BigInt(Date.now()) * 1_000_000n : () => BigInt(epoch) * 1_000_000_000n;
  // The source is opened after the layout, so a failed one leaves no stream (stdin) open.
  const builder = await ImageBuilder.create(device, options);
  const { tree, uniquePaths } = await openPopulateSource(flags.populate as string, ctx.io.cwd, () => ctx.io.stdin, populate);
  const source = rewriteEntries(tree, rewrite);
  const progress = startProgress(ctx, 'mkfs -d', 0);
  let entries = 0;
  const counting: Progress = { bytes: (n) => progress?.bytes(n), entryDone: () => (entries++, progress?.entryDone()), stop: () => progress?.stop() };
  try {
    await copyTree(ctx, source, new BuilderSink(builder, { image: address.image, now, uniquePaths }, progress === undefined ? undefined : counting), counting);
  } finally {
    progress?.stop();
  }
  const result = await builder.finish();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  ctx.info(`mkfs -d: ${entries} entries in ${seconds.toFixed(3)} s (${Math.round(entries / Math.max(seconds, 1e-6))} entries/s), format included`);
  return result;
}

function summary(address: ImageAddress, r: MkfsResult): string {
  return `${address.image}: ext2, ${r.blocksCount} blocks of ${r.blockSize} bytes, ${r.inodesCount} inodes of ${r.inodeSize} bytes, ${r.groupCount} group${r.groupCount === 1 ? '' : 's'}, uuid ${r.uuid}\n`;
}

async function runMkfs(ctx: CliContext, operand: string, flags: MkfsFlags): Promise<void> {
  const address = parseImageOperand(operand, ctx.io.cwd, true);
  const size = flags.size === undefined ? undefined : parseSize(flags.size, '--size');
  const options = mkfsOptionsOf(flags);
  if (flags.xattrs === true && flags.populate === undefined) throw new UsageError('--xattrs copies the extended attributes of a -d directory: give -d DIR');
  // --xattrs: getfattr found on the command's PATH, run once even when --reproducible reads the input twice.
  const populate: PopulateOptions = flags.xattrs === true ? { hostXattrs: hostXattrsReader(ctx.io.env) } : {};
  const rewrite: EntryRewrite = { squashOwners: flags.squashOwners === true, ...(flags.uid === undefined ? {} : { uid: parseCount(flags.uid, '--uid') }), ...(flags.gid === undefined ? {} : { gid: parseCount(flags.gid, '--gid') }) };
  const reproducible = flags.reproducible === true || sourceDateEpoch(ctx.io.env) !== undefined;
  let spooled: { path: string; dispose: () => Promise<void> } | undefined;
  if (reproducible && flags.populate === '-') {
    spooled = await spoolStdin(ctx);
    flags = { ...flags, populate: spooled.path };
  }
  try {
    let epoch: number | undefined;
    if (reproducible) {
      epoch = (await reproducibleSettings(ctx, flags, populate, options, rewrite, size)).epoch;
      rewrite.clampNs = BigInt(epoch) * 1_000_000_000n;
    }
    await about({ image: address.image }, async () => {
      const { file, device, zeroed } = await openTarget(ctx, address, size);
      try {
        if (size !== undefined && size > device.size) throw new FsError('EINVAL', `--size ${size} exceeds the ${device.size} bytes available`, { syscall: 'mkfs' });
        const made: MkfsOptions = { ...options, ...(size === undefined ? {} : { size }), ...(zeroed ? { assumeZeroed: true } : {}) };
        const result = flags.populate === undefined ? await mkfs(device, made) : await buildPopulated(ctx, device, made, address, flags, populate, rewrite, epoch);
        await file.flush();
        if (ctx.options.json) ctx.out(`${JSON.stringify({ image: address.image, ...result }, null, 2)}\n`);
        else if (!ctx.options.quiet) ctx.out(summary(address, result));
      } finally {
        await file.close();
      }
    });
  } finally {
    await spooled?.dispose();
  }
}

export const defineMkfs: VerbDefinition = (program, run) => {
  program
    .command('mkfs')
    .summary('make an ext2 filesystem, optionally filled from a directory or tarball')
    .description(
      'Make an ext2 filesystem in IMAGE (created, or re-created empty; with --partition/--offset, inside an existing disk image). ' +
        'Flags and defaults follow mke2fs -t ext2. -d copies a directory or tar archive in (regular files, directories, symlinks, ' +
        'hard links, devices, FIFOs, modes, owners, times; xattrs from pax archives, and from a directory with --xattrs). --reproducible (or SOURCE_DATE_EPOCH) gives ' +
        'bit-identical images for the same input.',
    )
    .argument('<IMAGE>', 'image file to make (IMAGE?offset=N for a filesystem at a byte offset)')
    .option('-s, --size <SIZE>', 'filesystem size, e.g. 64M (default: the existing file or window)')
    .option('-b, --block-size <BYTES>', 'block size: 1024, 2048 or 4096')
    .option('-I, --inode-size <BYTES>', 'inode size: 128 or 256')
    .option('-N, --inodes <COUNT>', 'number of inodes')
    .option('-i, --bytes-per-inode <BYTES>', 'one inode per this many bytes')
    .option('-m, --reserved-percent <PCT>', 'blocks reserved for root, in percent (default 5)')
    .option('-L, --label <LABEL>', 'volume label (16 bytes at most)')
    .option('-U, --uuid <UUID>', 'volume UUID (or null, random)')
    .option('-E, --extended <OPTS>', 'root_owner=UID:GID, hash_seed=UUID', collect)
    .option('-O, --features <LIST>', 'features to add or (with ^) remove, e.g. ^resize_inode', collect)
    .option('-d, --populate <DIR|TARBALL|->', "copy this directory or tar archive (.tar, .tar.gz; '-' for stdin) into the filesystem")
    .option('--xattrs', "with -d DIR: copy the directory's extended attributes too (read with getfattr, Debian package attr)")
    .option('--squash-owners', 'with -d: every file owned by 0:0')
    .option('--uid <UID>', 'with -d: every file owned by this user')
    .option('--gid <GID>', 'with -d: every file in this group')
    .option('--reproducible', 'bit-identical output for the same input: UUID and hash seed from the input, times clamped to SOURCE_DATE_EPOCH (or the newest input mtime)')
    .addHelpText(
      'after',
      examples('ext2-lite mkfs disk.img --size 64M -d ./rootfs', 'ext2-lite mkfs rootfs.img -s 256M -b 4096 -L rootfs -d rootfs.tar.gz --squash-owners --reproducible', 'ext2-lite mkfs --partition 2 sdcard.img -d ./rootfs'),
    )
    .action(run<MkfsFlags>('mkfs', ({ ctx, operands, options }) => runMkfs(ctx, operands[0] as string, options)));
};
