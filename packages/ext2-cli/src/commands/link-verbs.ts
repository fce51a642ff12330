// Verbs that name things: mv (rename inside one image), ln (hard links and,
// with -s, symlinks) and mknod (devices and FIFOs).
import type { Command } from 'commander';
import { FsError } from '@iomap/core';
import { S_IFBLK, S_IFCHR, S_IFIFO } from '@iomap/vfs';
import type { FsPromises } from '@iomap/vfs';
import { parseImageAddress, type ImageAddress } from '../address/image-address.js';
import { about } from '../cli/error-report.js';
import { UsageError } from '../cli/usage-error.js';
import { examples, type VerbDefinition, type VerbRunner } from '../cli/verb.js';
import { intoDirectory } from '../copy/copy-plan.js';
import { writeMethod } from '../image/image-write.js';
import { applyModeSpec } from '../show/mode-parse.js';
import { makeDev } from '../show/mode-string.js';
import { parseCount } from '../show/sizes.js';

const baseName = (path: string): string => path.split('/').filter((p) => p !== '').at(-1) ?? '';

/** `path`, or `path/NAME` when `path` is an existing directory (following symlinks, like mv and ln). */
async function intoIfDirectory(fsp: FsPromises, path: string, name: string): Promise<string> {
  try {
    return (await fsp.stat(path)).isDirectory() ? intoDirectory(path, name) : path;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return path;
    throw err;
  }
}

function sameImage(a: ImageAddress, b: ImageAddress, verb: string): void {
  if (a.image !== b.image || a.offset !== b.offset) {
    throw new FsError('EXDEV', `${verb} works inside one image; to move between images use cp -rp, then rm -r`, { syscall: verb, path: b.path });
  }
}

function defineMv(program: Command, run: VerbRunner): void {
  program
    .command('mv')
    .summary('move or rename inside an image')
    .usage('[options] SRC... DST')
    .argument('<SRC-and-DST...>', 'IMAGE:PATH sources, then the destination in the same image')
    .addHelpText('after', examples('ext2-lite mv disk.img:/etc/motd disk.img:/etc/motd.old', 'ext2-lite mv disk.img:/a disk.img:/b disk.img:/dir'))
    .action(
      run('mv', async ({ ctx, pool, operands }) => {
        if (operands.length < 2) throw new UsageError('mv needs a source and a destination');
        const dst = parseImageAddress(operands.at(-1) as string, ctx.io.cwd);
        const { fsp } = await pool.mount(dst, true);
        for (const operand of operands.slice(0, -1)) {
          const src = parseImageAddress(operand, ctx.io.cwd);
          sameImage(src, dst, 'mv');
          await about({ image: src.image, path: src.path }, async () => {
            const target = await intoIfDirectory(fsp, dst.path, baseName(src.path));
            if (operands.length > 2 && target === dst.path) throw new FsError('ENOTDIR', 'moving several sources needs an existing directory', { syscall: 'rename', path: dst.path });
            await writeMethod(fsp, 'rename')(src.path, target);
          });
        }
      }),
    );
}

function defineLn(program: Command, run: VerbRunner): void {
  program
    .command('ln')
    .summary('make hard links or (-s) symlinks in an image')
    .description('ln TARGET IMAGE:LINK. With -s, TARGET is stored as the symlink text (any string); without, TARGET is IMAGE:PATH in the same image.')
    .argument('<TARGET>', 'what the link points to')
    .argument('<IMAGE:LINK>', 'the link to make (inside an existing directory: DIR/basename(TARGET))')
    .option('-s, --symbolic', 'make a symbolic link')
    .option('-f, --force', 'replace an existing LINK')
    .addHelpText('after', examples('ext2-lite ln -s /usr/share/zoneinfo/UTC disk.img:/etc/localtime', 'ext2-lite ln disk.img:/bin/busybox disk.img:/bin/sh'))
    .action(
      run<{ symbolic?: boolean; force?: boolean }>('ln', async ({ ctx, pool, operands, options }) => {
        const [target, linkOperand] = operands as [string, string];
        const link = parseImageAddress(linkOperand, ctx.io.cwd);
        const { fsp } = await pool.mount(link, true);
        const existing = options.symbolic ? undefined : parseImageAddress(target, ctx.io.cwd);
        if (existing !== undefined) sameImage(existing, link, 'ln');
        await about({ image: link.image, path: link.path }, async () => {
          const path = await intoIfDirectory(fsp, link.path, baseName(existing?.path ?? target));
          if (options.force) await writeMethod(fsp, 'rm')(path, { force: true });
          if (existing === undefined) await writeMethod(fsp, 'symlink')(target, path);
          else await writeMethod(fsp, 'link')(existing.path, path);
        });
      }),
    );
}

const NODE_TYPES: Record<string, number> = { c: S_IFCHR, u: S_IFCHR, b: S_IFBLK, p: S_IFIFO };

function defineMknod(program: Command, run: VerbRunner): void {
  program
    .command('mknod')
    .summary('make a device node or FIFO in an image')
    .argument('<IMAGE:PATH>', 'the node to make')
    .argument('<TYPE>', 'c (character device), b (block device) or p (FIFO)')
    .argument('[MAJOR]', 'major number (devices)')
    .argument('[MINOR]', 'minor number (devices)')
    .option('-m, --mode <MODE>', 'permissions (default 644)')
    .addHelpText('after', examples('ext2-lite mknod disk.img:/dev/console c 5 1', 'ext2-lite mknod -m 600 disk.img:/run/initctl p'))
    .action(
      run<{ mode?: string }>('mknod', async ({ ctx, pool, operands, options }) => {
        const [operand, type, major, minor] = operands as [string, string, string?, string?];
        const typeBits = NODE_TYPES[type];
        if (typeBits === undefined) throw new UsageError(`'${type}' is not a node type (c, b or p)`);
        const isDevice = typeBits !== S_IFIFO;
        if (isDevice !== (major !== undefined && minor !== undefined)) {
          throw new UsageError(isDevice ? 'a device needs MAJOR and MINOR' : 'a FIFO takes no MAJOR/MINOR');
        }
        const rdev = isDevice ? makeDev(parseCount(major as string, 'MAJOR'), parseCount(minor as string, 'MINOR')) : 0;
        const mode = options.mode === undefined ? 0o644 : applyModeSpec(options.mode, 0o666);
        const address = parseImageAddress(operand, ctx.io.cwd);
        const { fsp } = await pool.mount(address, true);
        await about({ image: address.image, path: address.path }, async () => {
          await writeMethod(fsp, 'mknod')(address.path, typeBits | mode, rdev);
          if (options.mode !== undefined) await writeMethod(fsp, 'chmod')(address.path, mode);
        });
      }),
    );
}

export const defineLinkVerbs: VerbDefinition = (program, run) => {
  defineMv(program, run);
  defineLn(program, run);
  defineMknod(program, run);
};
