// setfattr -n NAME [-v VALUE] | -x NAME [-h] IMAGE:PATH...
// setfattr [-h] --restore=FILE IMAGE:DIR
// — set or remove extended attributes of files in an image, as setfattr(1)
// does on the host, with root's rights (trusted.*, security.capability and
// security.selinux included) but the kernel's refusals (user.* only on
// regular files and directories).
//
// VALUE as setfattr decodes it (show/getfattr-text.ts): 0x hex, 0s base64,
// or text (double-quoted, with \ooo, \\ and \" escapes); no -v is the empty
// value. --restore reads a getfattr dump ('-' is stdin) and sets every
// attribute in it, each "# file:" path taken below DIR: "." is DIR itself
// and an absolute path lands below DIR too, so a dump made on the host with
// `getfattr -R -d -m - .` restores onto IMAGE:/. The dump and every value in
// it are checked before anything is written. An attribute that cannot be set
// (a missing file, a refusal, a name that is not UTF-8) is reported and the
// others are still set; the exit code is then 1.
import { FsError } from '@iomap/core';
import { InvalidArgumentError } from 'commander';
import { parseImageAddress } from '../address/image-address.js';
import type { ImagePool } from '../address/open-image.js';
import type { CliContext } from '../cli/cli-context.js';
import { readInputFile } from '../cli/input-file.js';
import { about } from '../cli/error-report.js';
import { UsageError } from '../cli/usage-error.js';
import { examples, type VerbDefinition } from '../cli/verb.js';
import { imageXattrs } from '../image/image-xattrs.js';
import { DumpSyntaxError, parseDump } from '../show/getfattr-dump.js';
import { decodeValue, ValueSyntaxError } from '../show/getfattr-text.js';
import type { FsPromises } from '@iomap/vfs';

interface SetfattrOptions {
  name?: string;
  value?: string;
  remove?: string;
  dereference?: boolean;
  restore?: string;
}

/** One attribute to set on one path (bytes, absolute in the image); `name` is undefined when its bytes are not UTF-8. */
interface Assignment {
  path: Uint8Array;
  name: string | undefined;
  shownName: string;
  value: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Name bytes (latin1) as the string ext2-lite takes, or undefined when they are not UTF-8. */
function nameString(latin1: string): string | undefined {
  try {
    return strictDecoder.decode(Buffer.from(latin1, 'latin1'));
  } catch {
    return undefined;
  }
}

/** A commander parser refusing a second use of an option (setfattr takes each once). */
function once(flag: string): (value: string, previous: string | undefined) => string {
  return (value, previous) => {
    if (previous !== undefined) throw new InvalidArgumentError(`${flag} is given more than once`);
    return value;
  };
}

/** A value decoded (given as latin1), or a usage error naming it as `what` shows it. */
function decodeOrRefuse(latin1: string, what: string): Uint8Array {
  try {
    return decodeValue(latin1);
  } catch (err) {
    if (!(err instanceof ValueSyntaxError)) throw err;
    const shown = Buffer.from(latin1, 'latin1').toString('utf8');
    throw new UsageError(`${what} '${shown}': bad value encoding (${err.message}); use 0x<hex>, 0s<base64> or "text"`);
  }
}

/** `dir` and a dump's path below it: leading '/' and './' dropped, '.' is `dir` itself. */
function pathBelow(dir: Uint8Array, dumped: Uint8Array): Uint8Array {
  let rest = Buffer.from(dumped);
  for (;;) {
    if (rest[0] === 0x2f) rest = rest.subarray(1);
    else if (rest[0] === 0x2e && (rest.length === 1 || rest[1] === 0x2f)) rest = rest.subarray(1);
    else break;
  }
  if (rest.length === 0) return dir;
  return Buffer.concat([dir, dir[dir.length - 1] === 0x2f ? Buffer.alloc(0) : Buffer.from('/'), rest]);
}

/** The attributes a dump sets below `dir`, all decoded; a usage error naming the line for anything unreadable. */
function assignmentsOf(dump: Uint8Array, file: string, dir: Uint8Array): Assignment[] {
  const out: Assignment[] = [];
  try {
    for (const section of parseDump(dump)) {
      const path = pathBelow(dir, Buffer.from(section.path, 'latin1'));
      for (const { name, encoded, line } of section.attributes) {
        const value = decodeOrRefuse(encoded, `${file}: line ${line}: value`);
        out.push({ path, name: nameString(name), shownName: Buffer.from(name, 'latin1').toString('utf8'), value });
      }
    }
  } catch (err) {
    if (err instanceof DumpSyntaxError) throw new UsageError(`--restore ${file}: ${err.message} (expected a getfattr dump)`);
    throw err;
  }
  return out;
}

/** Runs `change` for every operand's path in its (writable) image; a failure is reported and the next operand goes on. */
async function eachOperand(ctx: CliContext, pool: ImagePool, operands: readonly string[], change: (fsp: FsPromises, path: Uint8Array) => Promise<void>): Promise<void> {
  if (operands.length === 0) throw new UsageError('give at least one IMAGE:PATH');
  const addresses = operands.map((operand) => parseImageAddress(operand, ctx.io.cwd));
  for (const address of addresses) {
    try {
      const { fsp } = await pool.mount(address, true);
      await about({ image: address.image, path: address.path }, () => change(fsp, encoder.encode(address.path)));
    } catch (err) {
      ctx.reportError(err);
    }
  }
}

async function restore(ctx: CliContext, pool: ImagePool, operands: readonly string[], file: string, follow: boolean): Promise<void> {
  if (operands.length !== 1) throw new UsageError('--restore takes one IMAGE:DIR, the directory the dump\'s paths are below');
  const address = parseImageAddress(operands[0] as string, ctx.io.cwd, true);
  const assignments = assignmentsOf(await readInputFile(ctx, file), file, encoder.encode(address.path));
  const { fsp } = await pool.mount(address, true);
  const xattrs = imageXattrs(fsp, follow);
  for (const { path, name, shownName, value } of assignments) {
    await about({ image: address.image, path: decoder.decode(path) }, async () => {
      // ext2-lite names attributes by strings: other bytes would be stored as U+FFFD, another name.
      if (name === undefined) throw new FsError('EINVAL', `${shownName}: an attribute name that is not UTF-8 cannot be set by ext2-lite`, { syscall: 'setxattr' });
      await xattrs.set(path, name, value);
    }).catch((err: unknown) => ctx.reportError(err));
  }
}

async function setfattr(ctx: CliContext, pool: ImagePool, operands: readonly string[], options: SetfattrOptions): Promise<void> {
  const follow = options.dereference !== false;
  const modes = [options.name, options.remove, options.restore].filter((o) => o !== undefined).length;
  if (modes !== 1) throw new UsageError('give one of -n NAME (set), -x NAME (remove) or --restore=FILE');
  if (options.value !== undefined && options.name === undefined) throw new UsageError('-v VALUE goes with -n NAME');
  if (options.restore !== undefined) return restore(ctx, pool, operands, options.restore, follow);
  if (options.remove !== undefined) {
    const name = options.remove;
    return eachOperand(ctx, pool, operands, (fsp, path) => imageXattrs(fsp, follow).remove(path, name));
  }
  const name = options.name as string;
  const value = options.value === undefined ? new Uint8Array() : decodeOrRefuse(Buffer.from(options.value, 'utf8').toString('latin1'), '-v');
  return eachOperand(ctx, pool, operands, (fsp, path) => imageXattrs(fsp, follow).set(path, name, value));
}

export const defineSetfattr: VerbDefinition = (program, run) => {
  program
    .command('setfattr')
    .summary("set or remove files' extended attributes, as setfattr(1) does")
    .description(
      [
        'Set (-n, -v) or remove (-x) an extended attribute of each path, or restore the',
        'attributes of a getfattr dump (--restore; "-" reads stdin) onto the tree at',
        "IMAGE:DIR: the dump's paths, relative or absolute, are taken below DIR.",
        'VALUE: 0x<hex>, 0s<base64>, "text" with \\ooo, \\\\ and \\" escapes, or the bytes',
        'as given; without -v the value is empty. Namespaces: user., trusted.,',
        'security., system.posix_acl_access/default.',
      ].join('\n'),
    )
    .argument('<IMAGE:PATH...>', 'files to change (with --restore: the one IMAGE:DIR)')
    .option('-n, --name <NAME>', 'the attribute to set', once('-n'))
    .option('-v, --value <VALUE>', 'its value (default: empty)', once('-v'))
    .option('-x, --remove <NAME>', 'the attribute to remove', once('-x'))
    .option('-h, --no-dereference', 'a symlink itself, not what it points to')
    .option('--restore <FILE>', 'set the attributes of a getfattr dump ("-" for stdin)')
    .addHelpText(
      'after',
      examples(
        'ext2-lite setfattr -n security.capability -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= disk.img:/usr/bin/ping',
        "ext2-lite setfattr -n user.origin -v '\"build 42\"' disk.img:/etc/os-release",
        'ext2-lite setfattr -x user.origin disk.img:/etc/os-release',
        '(cd rootfs && getfattr -R -d -m - .) | ext2-lite setfattr --restore=- disk.img:/',
      ),
    )
    .action(run<SetfattrOptions>('setfattr', ({ ctx, pool, operands, options }) => setfattr(ctx, pool, operands, options)));
};
