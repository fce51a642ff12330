// getfattr [-n NAME] [-d] [-m PATTERN] [-e ENC] [--only-values] [-h] [-R]
// [--absolute-names] IMAGE:PATH... — extended attributes of files in an
// image, printed as getfattr(1) prints them (so the dump feeds
// `setfattr --restore`, ours or attr's):
//
//   # file: usr/bin/ping
//   security.capability=0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=
//   <blank line>
//
// One section per object with matching attributes, names in byte order.
// Paths lose their leading '/' ("." for the root) unless --absolute-names,
// as getfattr does for absolute names so that a dump restores relative to
// where it is applied; getfattr's "Removing leading '/'" warning is not
// printed, since every image path is absolute. An object that fails (a
// missing attribute with -n, a dangling symlink) is reported on stderr and
// the others are still printed; the exit code is then 1.
import { parseImageAddress } from '../address/image-address.js';
import type { ImagePool } from '../address/open-image.js';
import type { CliContext } from '../cli/cli-context.js';
import { about } from '../cli/error-report.js';
import { UsageError } from '../cli/usage-error.js';
import { examples, type VerbDefinition } from '../cli/verb.js';
import { compareBytes } from '../image/image-tree.js';
import { imageXattrs, type ImageXattrs } from '../image/image-xattrs.js';
import { encodeValue, latin1, quoteName, quotePath, VALUE_ENCODINGS, type ValueEncoding } from '../show/getfattr-text.js';
import { xattrValue, type XattrJsonValue } from '../show/xattr-value.js';
import type { FsPromises } from '@iomap/vfs';

interface GetfattrOptions {
  name?: string;
  dump?: boolean;
  match?: string;
  encoding?: string;
  dereference?: boolean;
  recursive?: boolean;
  absoluteNames?: boolean;
  onlyValues?: boolean;
}

/** What one run prints, decided from the options once. */
interface Printing {
  /** The one attribute of -n, else undefined (then `pattern` picks). */
  name?: string;
  pattern: RegExp;
  /** Print values (-d or -n), not just names. */
  values: boolean;
  encoding?: ValueEncoding;
  onlyValues: boolean;
  absoluteNames: boolean;
  recursive: boolean;
  follow: boolean;
}

/** One object's report for --json. */
interface JsonReport {
  path: string;
  xattrs: Record<string, XattrJsonValue>;
}

/** Where one walk writes: the run, its image and the JSON reports so far. */
interface Walk {
  ctx: CliContext;
  image: string;
  fsp: FsPromises;
  xattrs: ImageXattrs;
  printing: Printing;
  reports: JsonReport[];
}

const encoder = new TextEncoder();

function printingOf(options: GetfattrOptions, json: boolean): Printing {
  const encoding = options.encoding;
  if (encoding !== undefined && !(VALUE_ENCODINGS as readonly string[]).includes(encoding)) {
    throw new UsageError(`-e '${encoding}': the encoding is text, hex or base64`);
  }
  if (json && options.onlyValues === true) throw new UsageError('--only-values prints raw bytes; it does not go with --json');
  const source = options.match === undefined ? '^user\\.' : options.match === '-' ? '' : options.match;
  let pattern: RegExp;
  try {
    pattern = new RegExp(source);
  } catch (err) {
    throw new UsageError(`-m '${options.match}': not a JavaScript regular expression (${(err as Error).message})`);
  }
  return {
    ...(options.name === undefined ? {} : { name: options.name }),
    pattern,
    values: options.dump === true || options.name !== undefined,
    ...(encoding === undefined ? {} : { encoding: encoding as ValueEncoding }),
    onlyValues: options.onlyValues === true,
    absoluteNames: options.absoluteNames === true,
    recursive: options.recursive === true,
    follow: options.dereference !== false,
  };
}

/** The path after "# file: " (latin1): without its leading '/' unless --absolute-names; the root is ".". */
function shownPath(path: Uint8Array, absolute: boolean): string {
  if (absolute) return latin1(path);
  let start = 0;
  while (path[start] === 0x2f) start++;
  return start === path.length ? '.' : latin1(path.subarray(start));
}

function childPath(parent: Uint8Array, name: Uint8Array): Uint8Array {
  const slash = parent[parent.length - 1] === 0x2f ? [] : [0x2f];
  return Uint8Array.from([...parent, ...slash, ...name]);
}

/** The attributes of `path` to print: (name, value) in byte order of the names; values only when needed. */
async function attributesOf(walk: Walk, path: Uint8Array): Promise<[string, Uint8Array | undefined][]> {
  const { printing, xattrs } = walk;
  if (printing.name !== undefined) return [[printing.name, await xattrs.get(path, printing.name)]];
  const names = (await xattrs.list(path)).filter((n) => printing.pattern.test(n));
  names.sort((a, b) => compareBytes(encoder.encode(a), encoder.encode(b)));
  const needValues = printing.values || printing.onlyValues || walk.ctx.options.json;
  const out: [string, Uint8Array | undefined][] = [];
  for (const name of names) out.push([name, needValues ? await xattrs.get(path, name) : undefined]);
  return out;
}

/**
 * Prints the attributes of the object at `path`, or with --json records
 * them (an operand always, an object below it when it has matching ones).
 */
async function report(walk: Walk, path: Uint8Array, operand: boolean): Promise<void> {
  const { ctx, printing } = walk;
  const found = await attributesOf(walk, path);
  if (ctx.options.json) {
    if (found.length > 0 || operand) walk.reports.push({ path: new TextDecoder().decode(path), xattrs: Object.fromEntries(found.map(([n, v]) => [n, xattrValue(n, v ?? new Uint8Array())])) });
    return;
  }
  if (printing.onlyValues) {
    for (const [, value] of found) if (value !== undefined) await ctx.outBytes(value);
    return;
  }
  if (found.length === 0) return;
  let text = `# file: ${quotePath(shownPath(path, printing.absoluteNames))}\n`;
  for (const [name, value] of found) text += printing.values && value !== undefined ? `${quoteName(name)}=${encodeValue(value, printing.encoding)}\n` : `${quoteName(name)}\n`;
  await ctx.outBytes(Buffer.from(`${text}\n`, 'latin1'));
}

/**
 * Reports `path`, then with -R the tree below it (symlinks below an operand
 * are not walked into); a failure is reported once and the walk goes on.
 */
async function visit(walk: Walk, path: Uint8Array, operand: boolean): Promise<void> {
  const subject = { image: walk.image, path: new TextDecoder().decode(path) };
  const attempt = async (work: () => Promise<void>): Promise<boolean> => {
    try {
      await about(subject, work);
      return true;
    } catch (err) {
      walk.ctx.reportError(err);
      return false;
    }
  };
  let directory = false;
  if (walk.printing.recursive) {
    const follow = operand && walk.printing.follow;
    const found = await attempt(async () => {
      directory = (follow ? await walk.fsp.stat(path) : await walk.fsp.lstat(path)).isDirectory();
    });
    if (!found) return;
  }
  await attempt(() => report(walk, path, operand));
  if (!directory) return;
  let children: Uint8Array[] = [];
  await attempt(async () => {
    const entries = await walk.fsp.readdir(path, { encoding: 'buffer' });
    children = entries.sort(compareBytes);
  });
  for (const name of children) await visit(walk, childPath(path, name), false);
}

async function getfattr(ctx: CliContext, pool: ImagePool, operands: readonly string[], options: GetfattrOptions): Promise<void> {
  if (operands.length === 0) throw new UsageError('give at least one IMAGE:PATH');
  const printing = printingOf(options, ctx.options.json);
  const reports: JsonReport[] = [];
  for (const operand of operands) {
    const address = parseImageAddress(operand, ctx.io.cwd, true);
    try {
      const { fsp } = await pool.mount(address, false);
      await visit({ ctx, image: address.image, fsp, xattrs: imageXattrs(fsp, printing.follow), printing, reports }, encoder.encode(address.path), true);
    } catch (err) {
      ctx.reportError(err);
    }
  }
  if (ctx.options.json) {
    const single = operands.length === 1 && !printing.recursive;
    if (!single) ctx.out(`${JSON.stringify(reports, null, 2)}\n`);
    else if (reports[0] !== undefined) ctx.out(`${JSON.stringify(reports[0], null, 2)}\n`);
  }
}

export const defineGetfattr: VerbDefinition = (program, run) => {
  program
    .command('getfattr')
    .summary("show files' extended attributes, as getfattr(1) prints them")
    .description(
      [
        "Print extended attributes of each path in getfattr's format, a dump that",
        "setfattr --restore (this one or attr's) reads back. Without -n or -d only the",
        'names matching the pattern (default ^user\\.) are listed. Paths lose their',
        'leading "/" ("." is the root) unless --absolute-names. --json prints a list',
        '[{ "path", "xattrs": { NAME: {text} or {base64} } }] (one object for one path',
        'without -R).',
      ].join('\n'),
    )
    .argument('<IMAGE:PATH...>', 'files whose attributes to show')
    .option('-n, --name <NAME>', 'show this one attribute (any namespace)')
    .option('-d, --dump', 'show the values of all matching attributes')
    .option('-m, --match <PATTERN>', 'names matching this JavaScript regular expression ("-" for all)')
    .option('-e, --encoding <ENC>', 'values as text, hex or base64 (default: text when printable, else base64)')
    .option('-h, --no-dereference', 'symlinks themselves, not what they point to')
    .option('-R, --recursive', 'walk directories (symlinks below an operand are not walked into)')
    .option('--absolute-names', 'keep the leading "/" of paths')
    .option('--only-values', 'print the raw values only, nothing else')
    .addHelpText(
      'after',
      examples(
        'ext2-lite getfattr -n security.capability -e base64 disk.img:/usr/bin/ping',
        'ext2-lite getfattr -R -d -m - disk.img:/ > attrs.txt',
        'ext2-lite getfattr --only-values -n user.origin disk.img:/etc/hosts',
      ),
    )
    .action(run<GetfattrOptions>('getfattr', ({ ctx, pool, operands, options }) => getfattr(ctx, pool, operands, options)));
};
