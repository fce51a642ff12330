// ls [-l] [-a] [-R] [-i] [--json] IMAGE:PATH — list a directory of an image
// (names sorted byte-wise, like `LC_ALL=C ls`; dotfiles only with -a; a '+'
// after the mode, as GNU ls shows, for a file with a POSIX ACL).
import type { Ext2Filesystem } from '@iomap/ext2-lite';
import type { InodeAttributes } from '@iomap/vfs';
import { parseImageAddress } from '../address/image-address.js';
import type { CliContext } from '../cli/cli-context.js';
import { about } from '../cli/error-report.js';
import { examples, type VerbDefinition } from '../cli/verb.js';
import { displayBytes, jsonName } from '../show/display-name.js';
import { majorMinor, modeString, octalMode, typeWord } from '../show/mode-string.js';
import { isoSeconds, shortTime } from '../show/time-text.js';
import { childPath, inodeAtPath, isDirectoryAttrs, listEntries, type ImageEntry } from '../image/image-tree.js';
import { ACL_DEFAULT_NAME, S_IFBLK, S_IFCHR, S_IFLNK, S_IFMT } from '@iomap/vfs';

interface LsOptions {
  long?: boolean;
  all?: boolean;
  recursive?: boolean;
  inode?: boolean;
}

/** One listed entry with what -l shows. */
interface Row {
  entry: ImageEntry;
  path: string;
  target?: Uint8Array;
  /** It has a POSIX ACL (ls -l's '+'): an access ACL, or a directory's default ACL. */
  acl?: boolean;
}

const isSymlink = (a: InodeAttributes): boolean => (a.mode & S_IFMT) === S_IFLNK;
const isDevice = (a: InodeAttributes): boolean => (a.mode & S_IFMT) === S_IFCHR || (a.mode & S_IFMT) === S_IFBLK;

/** GNU ls's test for '+': an access ACL (only stored when it says more than the mode), or a default ACL on a directory. */
async function hasAcl(fs: Ext2Filesystem, entry: ImageEntry): Promise<boolean> {
  if (entry.attrs.accessAcl !== undefined) return true;
  return isDirectoryAttrs(entry.attrs) && (await fs.listxattr(entry.inode)).includes(ACL_DEFAULT_NAME);
}

async function rowsOf(fs: Ext2Filesystem, entries: ImageEntry[], dirPath: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const entry of entries) {
    const row: Row = { entry, path: childPath(dirPath, entry.name) };
    if (isSymlink(entry.attrs)) row.target = await fs.readlink(entry.inode);
    rows.push(row);
  }
  return rows;
}

/** Marks the rows with an ACL, for -l and --json (the only listings that show it). */
async function markAcls(fs: Ext2Filesystem, rows: Row[], options: LsOptions, json: boolean): Promise<Row[]> {
  if (options.long === true || json) for (const row of rows) row.acl = await hasAcl(fs, row.entry);
  return rows;
}

function sizeColumn(a: InodeAttributes): string {
  if (!isDevice(a)) return String(a.size);
  const { major, minor } = majorMinor(a.rdev);
  return `${major}, ${minor}`;
}

/** The lines of one listing, columns padded like ls -l. */
function textLines(rows: Row[], options: LsOptions): string[] {
  if (!options.long) return rows.map((r) => `${options.inode ? `${r.entry.attrs.ino} ` : ''}${displayBytes(r.entry.name)}`);
  const cells = rows.map((r) => {
    const a = r.entry.attrs;
    return [options.inode ? String(a.ino) : '', modeString(a.mode) + (r.acl === true ? '+' : ''), String(a.nlink), String(a.uid), String(a.gid), sizeColumn(a), shortTime(a.mtimeNs)];
  });
  const widths = [0, 1, 2, 3, 4, 5].map((c) => Math.max(0, ...cells.map((row) => (row[c] as string).length)));
  return rows.map((r, i) => {
    const [ino, mode, nlink, uid, gid, size, time] = cells[i] as string[];
    const pad = (s: string | undefined, c: number): string => (s as string).padStart(widths[c] as number);
    const name = displayBytes(r.entry.name) + (r.target === undefined ? '' : ` -> ${displayBytes(r.target)}`);
    // As GNU ls: once any entry shows '+', the others get a space in its place.
    return `${options.inode ? `${pad(ino, 0)} ` : ''}${(mode as string).padEnd(widths[1] as number)} ${pad(nlink, 2)} ${pad(uid, 3)} ${pad(gid, 4)} ${pad(size, 5)} ${time} ${name}`;
  });
}

function jsonRow(r: Row): Record<string, unknown> {
  const a = r.entry.attrs;
  return {
    name: jsonName(r.entry.name),
    path: r.path,
    ino: a.ino,
    type: typeWord(a.mode),
    mode: octalMode(a.mode),
    nlink: a.nlink,
    uid: a.uid,
    gid: a.gid,
    size: a.size,
    ...(isDevice(a) ? majorMinor(a.rdev) : {}),
    mtime: isoSeconds(a.mtimeNs),
    mtimeNs: a.mtimeNs.toString(),
    ...(r.target === undefined ? {} : { target: jsonName(r.target) }),
    ...(r.acl === true ? { acl: true } : {}),
  };
}

/** '.' and '..' rows for -a. */
async function dotRows(fs: Ext2Filesystem, dirPath: string): Promise<Row[]> {
  const self = await inodeAtPath(fs, dirPath);
  const parent = await inodeAtPath(fs, dirPath === '/' ? '/' : `${dirPath.replace(/\/+$/, '')}/..`);
  const enc = new TextEncoder();
  return [
    { entry: { ...self, name: enc.encode('.') }, path: dirPath },
    { entry: { ...parent, name: enc.encode('..') }, path: `${dirPath}/..` },
  ];
}

async function listDirectory(ctx: CliContext, fs: Ext2Filesystem, dir: ImageEntry, dirPath: string, options: LsOptions, json: Row[] | undefined, header: boolean): Promise<void> {
  const entries = (await listEntries(fs, dir.inode)).filter((e) => options.all || e.name[0] !== 0x2e);
  const rows = await markAcls(fs, [...(options.all ? await dotRows(fs, dirPath) : []), ...(await rowsOf(fs, entries, dirPath))], options, json !== undefined);
  if (json !== undefined) json.push(...(header ? rows.filter((r) => !isDot(r)) : rows));
  else {
    if (header) ctx.out(`${dirPath}:\n`);
    if (options.long) ctx.out(`total ${rows.reduce((sum, r) => sum + r.entry.attrs.blocks, 0) / 2}\n`);
    for (const line of textLines(rows, options)) ctx.out(`${line}\n`);
  }
  if (!options.recursive) return;
  for (const entry of entries) {
    if (!isDirectoryAttrs(entry.attrs)) continue;
    const path = childPath(dirPath, entry.name);
    if (json === undefined) ctx.out('\n');
    await listDirectory(ctx, fs, entry, path, options, json, true);
  }
}

const isDot = (r: Row): boolean => r.entry.name.length <= 2 && r.entry.name.every((b) => b === 0x2e);

export const defineLs: VerbDefinition = (program, run) => {
  program
    .command('ls')
    .summary('list a directory in an image')
    .description('List the directory at PATH inside IMAGE (or the file itself). Names are sorted byte-wise; times are UTC.')
    .argument('<IMAGE:PATH>', 'what to list (IMAGE alone lists its root)')
    .option('-l, --long', 'long format: mode, links, owner, group, size, mtime, name')
    .option('-a, --all', "include names starting with '.', and '.' and '..'")
    .option('-R, --recursive', 'list subdirectories recursively')
    .option('-i, --inode', 'print inode numbers')
    .addHelpText('after', examples('ext2-lite ls -l disk.img:/', 'ext2-lite ls -R --json disk.img:/etc'))
    .action(
      run<LsOptions>('ls', async ({ ctx, pool, operands, options }) => {
        const address = parseImageAddress(operands[0] as string, ctx.io.cwd, true);
        const { fs } = await pool.mount(address, false);
        await about({ image: address.image, path: address.path }, async () => {
          const target = await inodeAtPath(fs, address.path);
          const json: Row[] | undefined = ctx.options.json ? [] : undefined;
          if (isDirectoryAttrs(target.attrs)) await listDirectory(ctx, fs, target, address.path, options, json, options.recursive === true);
          else {
            const self = await inodeAtPath(fs, address.path, false);
            const rows = await markAcls(fs, await rowsOf(fs, [{ ...self, name: new TextEncoder().encode(address.path) }], address.path), options, json !== undefined);
            if (json !== undefined) json.push(...rows);
            else for (const line of textLines(rows, options)) ctx.out(`${line}\n`);
          }
          if (json !== undefined) ctx.out(`${JSON.stringify(json.map(jsonRow), null, 2)}\n`);
        });
      }),
    );
};
