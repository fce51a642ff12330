// cp [-r] [-p] [-P] [-L] [-f] [--xattrs] SRC... DST — host->image, image->host,
// image->image; '-' is stdin (as SRC) or stdout (as DST). Symlinks are
// copied as symlinks unless -L. Extraction onto the host is safe against
// crafted images (copy/host-sink.ts).
import { resolve } from 'node:path';
import { Option } from 'commander';
import { lstat } from 'node:fs/promises';
import { FsError } from '@iomap/core';
import { parseAddress, type Address, type ImageAddress } from '../address/image-address.js';
import type { ImagePool } from '../address/open-image.js';
import type { CliContext } from '../cli/cli-context.js';
import { about } from '../cli/error-report.js';
import { startProgress, type Progress } from '../cli/progress.js';
import { UsageError } from '../cli/usage-error.js';
import { examples, type VerbDefinition } from '../cli/verb.js';
import { destinationState, targetPath } from '../copy/copy-plan.js';
import { hostTree } from '../copy/host-source.js';
import { readHostXattrs } from '../copy/host-xattrs.js';
import { HostSink } from '../copy/host-sink.js';
import { imageTree } from '../copy/image-source.js';
import { ImageSink } from '../copy/image-sink.js';
import { copyTree, type TreeSink } from '../copy/tree-sink.js';
import type { TreeEntry, TreeSource } from '../copy/tree-entry.js';
import { inodeAtPath } from '../image/image-tree.js';

export interface CpOptions {
  recursive?: boolean;
  preserve?: boolean;
  noDereference?: boolean;
  dereference?: boolean;
  force?: boolean;
  xattrs?: boolean;
}

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** The source tree of one operand, and its root's kind and size. */
async function openSource(ctx: CliContext, pool: ImagePool, src: Address, options: CpOptions): Promise<{ tree: TreeSource; kind: TreeEntry['kind']; size: number }> {
  const dereference = options.dereference === true && options.noDereference !== true;
  if (src.kind === 'host' && src.path === '-') {
    const entry: TreeEntry = { path: [], kind: 'file', perm: 0o644, uid: 0, gid: 0, atimeNs: nowNs(), mtimeNs: nowNs(), size: 0, rdev: 0, data: () => ctx.io.stdin };
    return { tree: (async function* () { yield entry; })(), kind: 'file', size: 0 };
  }
  if (src.kind === 'host') {
    const path = resolve(ctx.io.cwd, src.path);
    const st = await lstat(path);
    const xattrs = options.xattrs === true ? readHostXattrs(path, { dereference, env: ctx.io.env, instead: 'or copy without --xattrs' }) : undefined;
    const tree = hostTree(path, { dereference, xattrs });
    const kind: TreeEntry['kind'] = st.isDirectory() ? 'dir' : st.isSymbolicLink() && !dereference ? 'symlink' : 'file';
    return { tree, kind, size: st.isFile() ? st.size : 0 };
  }
  const { fs } = await pool.mount(src, false);
  const root = await inodeAtPath(fs, src.path, dereference);
  const first = imageTree(fs, root, src.path, { dereference, image: src.image, onDirectoryError: (err) => ctx.reportError(err) });
  const peek = await first.next();
  if (peek.done) throw new FsError('EIO', 'empty source', { path: src.path });
  const tree = (async function* () {
    yield peek.value;
    yield* first;
  })();
  return { tree, kind: peek.value.kind, size: peek.value.size };
}

async function sinkFor(ctx: CliContext, pool: ImagePool, dst: Address, target: string, options: CpOptions, progress?: Progress): Promise<TreeSink> {
  const common = { preserve: options.preserve === true, force: options.force === true, xattrs: options.xattrs === true };
  if (dst.kind === 'host') return new HostSink(ctx, resolve(ctx.io.cwd, target), common, progress);
  const { fs, fsp } = await pool.mount(dst, true);
  return new ImageSink(fs, fsp, target, { ...common, image: dst.image, now: nowNs }, progress);
}

/** cp SRC - : one file to stdout. */
async function copyToStdout(ctx: CliContext, pool: ImagePool, src: Address, options: CpOptions): Promise<void> {
  const { tree, kind } = await openSource(ctx, pool, src, { ...options, dereference: true });
  if (kind !== 'file') throw new FsError('EISDIR', 'only a regular file can be copied to stdout', { syscall: 'read', path: src.path });
  for await (const entry of tree) {
    for await (const chunk of entry.data?.() ?? []) await ctx.outBytes(chunk);
  }
}

async function copyOne(ctx: CliContext, pool: ImagePool, src: Address, dst: Address, target: string, options: CpOptions): Promise<void> {
  const { tree, kind, size } = await openSource(ctx, pool, src, options);
  if (kind === 'dir' && options.recursive !== true) {
    ctx.failures++;
    ctx.warn(`ext2-lite cp: -r not given; omitting directory '${src.path}'`);
    return;
  }
  const progress = startProgress(ctx, 'cp', size);
  try {
    await copyTree(ctx, tree, await sinkFor(ctx, pool, dst, target, options, progress), progress);
  } finally {
    progress?.stop();
  }
}

const subjectOf = (a: Address): { image?: string; path: string } => (a.kind === 'image' ? { image: a.image, path: a.path } : { path: a.path });

export const defineCp: VerbDefinition = (program, run) => {
  program
    .command('cp')
    .summary('copy files into, out of and between images')
    .description(
      'Copy SRC to DST, or several SRCs into the directory DST. Either side may be IMAGE:PATH or a host path; ' +
        "'-' is stdin as SRC and stdout as DST. Symlinks are copied as symlinks unless -L. Copying out of an image " +
        "never writes outside the destination: names with '/', '..' or NUL are skipped and symlinks are never followed.",
    )
    .usage('[options] SRC... DST')
    .argument('<SRC-and-DST...>', 'one or more sources, then the destination')
    .option('-r, --recursive', 'copy directories recursively (-R too)')
    .addOption(new Option('-R').hideHelp())
    .option('-p, --preserve', 'keep mode (with setuid/setgid/sticky), owner, times and xattrs (on the host side only with --xattrs)')
    .option('-L, --dereference', 'follow symlinks in the sources')
    .option('-P, --no-dereference', 'copy symlinks as symlinks (the default)')
    .option('-f, --force', 'replace existing symlinks and special files at the destination')
    .option('--xattrs', 'copy extended attributes (also without -p); on the host side they are read and set with getfattr/setfattr (Debian package attr)')
    .addHelpText('after', examples('ext2-lite cp -r ./rootfs/etc disk.img:/', 'ext2-lite cp -rp disk.img:/var/log ./logs', 'ext2-lite cp disk.img:/etc/hosts -', 'echo hi | ext2-lite cp - disk.img:/hello.txt'))
    .action(
      run<CpOptions>('cp', async ({ ctx, pool, operands, options }) => {
        const noDereference = (options as { dereference?: boolean }).dereference === false;
        const recursive = options.recursive === true || (options as { R?: boolean }).R === true;
        const opts: CpOptions = { ...options, recursive, noDereference, dereference: options.dereference === true };
        if (operands.length < 2) throw new UsageError('cp needs a source and a destination');
        const dst = parseAddress(operands.at(-1) as string, ctx.io.cwd);
        const sources = operands.slice(0, -1).map((s) => parseAddress(s, ctx.io.cwd));
        if (dst.kind === 'host' && dst.path === '-') {
          if (sources.length !== 1) throw new UsageError("cp to '-' (stdout) takes exactly one source");
          await about(subjectOf(sources[0] as Address), () => copyToStdout(ctx, pool, sources[0] as Address, opts));
          return;
        }
        if (sources.some((s) => s.kind === 'host' && s.path === '-') && sources.length > 1) throw new UsageError("'-' (stdin) must be the only source");
        // The written image is opened first (writable) so a source in the same image shares its mount.
        if (dst.kind === 'image') await about(subjectOf(dst), () => pool.mount(dst as ImageAddress, true));
        const state = await about(subjectOf(dst), () => destinationState(ctx, pool, dst));
        for (const src of sources) {
          const target = await about(subjectOf(dst), async () => targetPath(dst, state, src, sources.length));
          await about(subjectOf(src), () => copyOne(ctx, pool, src, dst, target, opts));
        }
      }),
    );
};
