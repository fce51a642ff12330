// stat [-L] [--json] IMAGE:PATH... — an inode's attributes like stat(1)
// (times in UTC, with nanoseconds), plus its extended attributes (POSIX
// ACLs also in getfacl's text form, with the image's numeric ids).
import type { Ext2Filesystem } from '@iomap/ext2-lite';
import { S_IFBLK, S_IFCHR, S_IFLNK, S_IFMT } from '@iomap/vfs';
import { parseImageAddress } from '../address/image-address.js';
import { about } from '../cli/error-report.js';
import { examples, type VerbDefinition } from '../cli/verb.js';
import { inodeAtPath, type ImageEntry } from '../image/image-tree.js';
import { displayBytes, displayText, jsonName } from '../show/display-name.js';
import { majorMinor, modeString, octalMode, typeName, typeWord } from '../show/mode-string.js';
import { fullTime } from '../show/time-text.js';
import { xattrValue } from '../show/xattr-value.js';

async function xattrsOf(fs: Ext2Filesystem, entry: ImageEntry): Promise<[string, Uint8Array][]> {
  const names = (await fs.listxattr(entry.inode)).sort();
  const out: [string, Uint8Array][] = [];
  for (const name of names) out.push([name, await fs.getxattr(entry.inode, name)]);
  return out;
}

function textReport(path: string, e: ImageEntry, target: Uint8Array | undefined, xattrs: [string, Uint8Array][]): string {
  const a = e.attrs;
  const type = a.mode & S_IFMT;
  const device = type === S_IFCHR || type === S_IFBLK ? `  Device type: ${majorMinor(a.rdev).major},${majorMinor(a.rdev).minor}` : '';
  const lines = [
    `  File: ${displayText(path)}${target === undefined ? '' : ` -> ${displayBytes(target)}`}`,
    `  Size: ${String(a.size).padEnd(15)} Blocks: ${String(a.blocks).padEnd(10)} IO Block: ${String(a.blksize).padEnd(6)} ${typeName(a.mode)}`,
    `Inode: ${String(a.ino).padEnd(15)} Links: ${a.nlink}${device}`,
    `Access: (${octalMode(a.mode)}/${modeString(a.mode)})  Uid: (${String(a.uid).padStart(5)})   Gid: (${String(a.gid).padStart(5)})`,
    `Access: ${fullTime(a.atimeNs)}`,
    `Modify: ${fullTime(a.mtimeNs)}`,
    `Change: ${fullTime(a.ctimeNs)}`,
    ` Birth: ${a.birthtimeNs === undefined ? '-' : fullTime(a.birthtimeNs)}`,
  ];
  for (const [name, value] of xattrs) {
    const shown = xattrValue(name, value);
    const text = shown.acl !== undefined ? `acl:${shown.acl}` : shown.text === undefined ? `base64:${shown.base64}` : JSON.stringify(shown.text);
    lines.push(` Xattr: ${displayText(name)} = ${text}`);
  }
  return `${lines.join('\n')}\n`;
}

function jsonReport(path: string, e: ImageEntry, target: Uint8Array | undefined, xattrs: [string, Uint8Array][]): Record<string, unknown> {
  const a = e.attrs;
  const type = a.mode & S_IFMT;
  return {
    path,
    ino: a.ino,
    type: typeWord(a.mode),
    mode: octalMode(a.mode),
    rawMode: a.mode,
    nlink: a.nlink,
    uid: a.uid,
    gid: a.gid,
    size: a.size,
    blocks: a.blocks,
    blksize: a.blksize,
    ...(type === S_IFCHR || type === S_IFBLK ? { rdev: a.rdev, ...majorMinor(a.rdev) } : {}),
    atimeNs: a.atimeNs.toString(),
    mtimeNs: a.mtimeNs.toString(),
    ctimeNs: a.ctimeNs.toString(),
    ...(a.birthtimeNs === undefined ? {} : { birthtimeNs: a.birthtimeNs.toString() }),
    ...(target === undefined ? {} : { target: jsonName(target) }),
    xattrs: Object.fromEntries(xattrs.map(([name, value]) => [name, xattrValue(name, value)])),
  };
}

export const defineStat: VerbDefinition = (program, run) => {
  program
    .command('stat')
    .summary("show a file's inode: type, mode, owner, size, times, xattrs")
    .description('Show the attributes of each path (a symlink itself, unless -L). Times are UTC with nanoseconds.')
    .argument('<IMAGE:PATH...>', 'what to describe')
    .option('-L, --dereference', 'follow a final symlink')
    .addHelpText('after', examples('ext2-lite stat disk.img:/etc/passwd', 'ext2-lite stat --json disk.img:/bin/sh'))
    .action(
      run<{ dereference?: boolean }>('stat', async ({ ctx, pool, operands, options }) => {
        const reports: Record<string, unknown>[] = [];
        for (const operand of operands) {
          const address = parseImageAddress(operand, ctx.io.cwd, true);
          const { fs } = await pool.mount(address, false);
          await about({ image: address.image, path: address.path }, async () => {
            const entry = await inodeAtPath(fs, address.path, options.dereference === true);
            const target = (entry.attrs.mode & S_IFMT) === S_IFLNK ? await fs.readlink(entry.inode) : undefined;
            const xattrs = await xattrsOf(fs, entry);
            if (ctx.options.json) reports.push(jsonReport(address.path, entry, target, xattrs));
            else ctx.out(textReport(address.path, entry, target, xattrs));
          });
        }
        if (ctx.options.json) ctx.out(`${JSON.stringify(operands.length === 1 ? reports[0] : reports, null, 2)}\n`);
      }),
    );
};
