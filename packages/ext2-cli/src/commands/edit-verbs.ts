// The small verbs that change one thing in an image: mkdir, rm, rmdir,
// chmod, chown, touch, truncate. Each opens the image writable, calls the
// fs/promises method of the same name on every operand and unmounts
// (writing everything back); the first failure stops the verb.
import type { FsPromises } from '@iomap/vfs';
import { parseImageAddress, type ImageAddress } from '../address/image-address.js';
import type { ImagePool } from '../address/open-image.js';
import type { CliContext } from '../cli/cli-context.js';
import { about } from '../cli/error-report.js';
import { UsageError } from '../cli/usage-error.js';
import { examples, type VerbDefinition, type VerbRunner } from '../cli/verb.js';
import { writeMethod } from '../image/image-write.js';
import { applyModeSpec } from '../show/mode-parse.js';
import { parseSize } from '../show/sizes.js';
import type { Command } from 'commander';

/** Runs `change` on each operand's path in its (writable) image. */
async function eachPath(ctx: CliContext, pool: ImagePool, operands: readonly string[], change: (fsp: FsPromises, path: string, address: ImageAddress) => Promise<void>): Promise<void> {
  if (operands.length === 0) throw new UsageError('give at least one IMAGE:PATH');
  for (const operand of operands) {
    const address = parseImageAddress(operand, ctx.io.cwd);
    const { fsp } = await pool.mount(address, true);
    await about({ image: address.image, path: address.path }, () => change(fsp, address.path, address));
  }
}

const isMissing = (err: unknown): boolean => (err as { code?: string }).code === 'ENOENT';

/** "2024-01-02T03:04:05Z", "@1700000000" or anything Date parses, as seconds. */
function parseTime(text: string): number {
  if (/^@-?\d+(\.\d+)?$/.test(text)) return Number(text.slice(1));
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`-d '${text}': not a time (use ISO 8601 like 2024-01-02T03:04:05Z, or @SECONDS)`);
  return ms / 1000;
}

function defineMkdir(program: Command, run: VerbRunner): void {
  program
    .command('mkdir')
    .summary('make directories in an image')
    .argument('<IMAGE:PATH...>', 'directories to make')
    .option('-p, --parents', 'make parents as needed; no error if it exists')
    .option('-m, --mode <MODE>', 'permissions (octal or symbolic), default 755')
    .addHelpText('after', examples('ext2-lite mkdir -p disk.img:/etc/ssh', 'ext2-lite mkdir -m 700 disk.img:/root/.ssh'))
    .action(
      run<{ parents?: boolean; mode?: string }>('mkdir', ({ ctx, pool, operands, options }) =>
        eachPath(ctx, pool, operands, async (fsp, path) => {
          const mode = options.mode === undefined ? 0o755 : applyModeSpec(options.mode, 0o777, true);
          await writeMethod(fsp, 'mkdir')(path, { recursive: options.parents === true, mode });
          // mkdir's mode passes through the umask; -m means exactly this mode, as with coreutils.
          if (options.mode !== undefined) await writeMethod(fsp, 'chmod')(path, mode);
        }),
      ),
    );
}

function defineRm(program: Command, run: VerbRunner): void {
  program
    .command('rm')
    .summary('remove files (and with -r, directories) from an image')
    .argument('<IMAGE:PATH...>', 'what to remove')
    .option('-r, --recursive', 'remove directories and their contents')
    .option('-f, --force', 'ignore missing paths')
    .addHelpText('after', examples('ext2-lite rm disk.img:/etc/motd', 'ext2-lite rm -rf disk.img:/var/cache'))
    .action(
      run<{ recursive?: boolean; force?: boolean }>('rm', ({ ctx, pool, operands, options }) =>
        eachPath(ctx, pool, operands, async (fsp, path) => {
          if (path === '/') throw new UsageError("refusing to remove '/' of an image (use mkfs to start over)");
          await writeMethod(fsp, 'rm')(path, { recursive: options.recursive === true, force: options.force === true });
        }),
      ),
    );
}

function defineRmdir(program: Command, run: VerbRunner): void {
  program
    .command('rmdir')
    .summary('remove empty directories from an image')
    .argument('<IMAGE:PATH...>', 'directories to remove')
    .addHelpText('after', examples('ext2-lite rmdir disk.img:/mnt/usb'))
    .action(run('rmdir', ({ ctx, pool, operands }) => eachPath(ctx, pool, operands, (fsp, path) => writeMethod(fsp, 'rmdir')(path))));
}

function defineChmod(program: Command, run: VerbRunner): void {
  program
    .command('chmod')
    .summary('change permissions of files in an image')
    .argument('<MODE>', 'octal (755) or symbolic (u+x,go-w)')
    .argument('<IMAGE:PATH...>', 'files to change')
    .addHelpText('after', examples('ext2-lite chmod 600 disk.img:/root/.ssh/authorized_keys', 'ext2-lite chmod +x disk.img:/usr/local/bin/tool'))
    .action(
      run('chmod', ({ ctx, pool, operands }) =>
        eachPath(ctx, pool, operands.slice(1), async (fsp, path) => {
          const st = await fsp.stat(path);
          await writeMethod(fsp, 'chmod')(path, applyModeSpec(operands[0] as string, st.mode, st.isDirectory()));
        }),
      ),
    );
}

function defineChown(program: Command, run: VerbRunner): void {
  program
    .command('chown')
    .summary('change owner and group of files in an image')
    .argument('<UID[:GID]>', 'numeric owner, and optionally group (":GID" alone changes only the group)')
    .argument('<IMAGE:PATH...>', 'files to change')
    .option('-h, --no-dereference', 'change a symlink itself, not what it points to')
    .addHelpText('after', examples('ext2-lite chown 1000:1000 disk.img:/home/pi', 'ext2-lite chown -h 0:0 disk.img:/etc/localtime'))
    .action(
      run<{ dereference?: boolean }>('chown', ({ ctx, pool, operands, options }) => {
        const m = /^(\d*)(?::(\d*))?$/.exec(operands[0] as string);
        if (m === null || (m[1] === '' && (m[2] ?? '') === '')) throw new UsageError(`'${operands[0]}': expected UID, UID:GID or :GID (numbers: an image has no user names)`);
        return eachPath(ctx, pool, operands.slice(1), async (fsp, path) => {
          const follow = options.dereference !== false;
          const st = follow ? await fsp.stat(path) : await fsp.lstat(path);
          const uid = m[1] === '' ? st.uid : Number(m[1]);
          const gid = m[2] === undefined || m[2] === '' ? st.gid : Number(m[2]);
          await writeMethod(fsp, follow ? 'chown' : 'lchown')(path, uid, gid);
        });
      }),
    );
}

function defineTouch(program: Command, run: VerbRunner): void {
  program
    .command('touch')
    .summary('create empty files or set their times')
    .argument('<IMAGE:PATH...>', 'files to touch')
    .option('-c, --no-create', 'do not create missing files')
    .option('-d, --date <TIME>', 'use this time (ISO 8601 or @SECONDS) instead of now')
    .addHelpText('after', examples('ext2-lite touch disk.img:/etc/.configured', 'ext2-lite touch -d 2024-01-01T00:00:00Z disk.img:/boot/stamp'))
    .action(
      run<{ create?: boolean; date?: string }>('touch', ({ ctx, pool, operands, options }) => {
        const time = options.date === undefined ? Date.now() / 1000 : parseTime(options.date);
        return eachPath(ctx, pool, operands, async (fsp, path) => {
          try {
            await fsp.stat(path);
          } catch (err) {
            if (!isMissing(err)) throw err;
            if (options.create === false) return;
            await writeMethod(fsp, 'writeFile')(path, new Uint8Array(), { mode: 0o644 });
          }
          await writeMethod(fsp, 'utimes')(path, time, time);
        });
      }),
    );
}

function defineTruncate(program: Command, run: VerbRunner): void {
  program
    .command('truncate')
    .summary('set the size of files in an image (created if missing)')
    .argument('<IMAGE:PATH...>', 'files to size')
    .requiredOption('-s, --size <SIZE>', 'new size, e.g. 0, 4096, 10M')
    .option('-c, --no-create', 'do not create missing files')
    .addHelpText('after', examples('ext2-lite truncate -s 0 disk.img:/var/log/syslog', 'ext2-lite truncate -s 1G disk.img:/swapfile'))
    .action(
      run<{ size: string; create?: boolean }>('truncate', ({ ctx, pool, operands, options }) => {
        const size = parseSize(options.size, '-s');
        return eachPath(ctx, pool, operands, async (fsp, path) => {
          try {
            await writeMethod(fsp, 'truncate')(path, size);
          } catch (err) {
            if (!isMissing(err) || options.create === false) throw err;
            await writeMethod(fsp, 'writeFile')(path, new Uint8Array(), { mode: 0o644 });
            await writeMethod(fsp, 'truncate')(path, size);
          }
        });
      }),
    );
}

export const defineEditVerbs: VerbDefinition = (program, run) => {
  defineMkdir(program, run);
  defineRm(program, run);
  defineRmdir(program, run);
  defineChmod(program, run);
  defineChown(program, run);
  defineTouch(program, run);
  defineTruncate(program, run);
};
