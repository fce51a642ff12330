// getfacl [-a] [-d] [-c] [-e|-E] [-R] [-P] [--json] IMAGE:PATH... — a
// file's POSIX ACLs, byte for byte as `getfacl -n` prints them (acl 2.3):
//
//   # file: srv/shared          the path, leading '/' and './' dropped ("." for
//   # owner: 0                  the root); '\', newline and CR as \\, \012, \015
//   # group: 50
//   # flags: -s-                only when setuid/setgid/sticky is set
//   user::rwx
//   group::r-x                  the access ACL (the mode's when none is stored)
//   group:50:rwx
//   mask::rwx
//   other::r-x
//   default:user::rwx           a directory's default ACL, if it has one
//   default:group:50:rwx	#effective:r-x     what the mask takes away
//   default:mask::r-x
//   default:other::r-x
//   (an empty line)
//
// Ids are always numeric (an image's users are not this host's; -n is
// accepted and changes nothing), and getfacl's stderr note "Removing leading
// '/' from absolute path names" is not printed. -R walks as getfacl does:
// an operand that is a symlink is followed but not descended into, symlinks
// below it are skipped; -P skips symlink operands too. On a terminal, other
// control bytes (and bytes of invalid UTF-8) in paths are escaped as \ooo
// too, so a crafted name cannot drive the terminal.
import type { Ext2Filesystem } from '@iomap/ext2-lite';
import { ACL_TAG, aclTagNamesSomeone, S_IFLNK, S_IFMT, type AclEntry } from '@iomap/vfs';
import type { FileAcls } from '../acl/acl-edit.js';
import { parseImageAddress } from '../address/image-address.js';
import type { CliContext } from '../cli/cli-context.js';
import { about } from '../cli/error-report.js';
import { examples, type VerbDefinition } from '../cli/verb.js';
import { readFileAcls } from '../image/file-acl.js';
import { inodeAtPath, isDirectoryAttrs, walkTree, type ImageEntry } from '../image/image-tree.js';
import { aclEntryText } from '../show/acl-text.js';
import { jsonName } from '../show/display-name.js';
import { rwxText } from '../show/mode-string.js';

interface GetfaclOptions {
  access?: boolean;
  default?: boolean;
  omitHeader?: boolean;
  recursive?: boolean;
  physical?: boolean;
}

/** Which entries get an "#effective:" comment: those the mask narrows (getfacl's default), all of the group class (-e), none (-E). */
type Effective = 'narrowed' | 'all' | 'none';

/** What one run prints of each file. */
interface Shown {
  access: boolean;
  default: boolean;
  header: boolean;
  effective: Effective;
}

const isGroupClass = (e: AclEntry): boolean => e.tag === ACL_TAG.user || e.tag === ACL_TAG.groupObj || e.tag === ACL_TAG.group;

/** The mask's perms when `entries` has one. */
const maskOf = (entries: readonly AclEntry[]): number | undefined => entries.find((e) => e.tag === ACL_TAG.mask)?.perm;

/** The perms `e` is left with under the mask, when the mask applies to it. */
function effectivePerm(e: AclEntry, mask: number | undefined): number | undefined {
  return mask !== undefined && isGroupClass(e) ? e.perm & mask : undefined;
}

function entryLines(entries: readonly AclEntry[], prefix: string, effective: Effective): string[] {
  const mask = maskOf(entries);
  return entries.map((e) => {
    const text = prefix + aclEntryText(e);
    const perm = effectivePerm(e, mask);
    const comment = perm !== undefined && (effective === 'all' || (effective === 'narrowed' && perm !== e.perm));
    return comment ? `${text}\t#effective:${rwxText(perm as number)}` : text;
  });
}

/** The bytes getfacl escapes as \ooo: backslash (as \\), newline, CR; on a terminal also other controls and invalid UTF-8. */
function quotePath(path: Uint8Array, terminal: boolean): Buffer {
  let start = 0;
  while (start < path.length && path[start] === 0x2f) start++;
  if (path[start] === 0x2e && path[start + 1] === 0x2f && path.length > start + 2) start += 2;
  const bytes = path.subarray(start);
  if (bytes.length === 0) return Buffer.from('.');
  const invalidUtf8 = terminal && !Buffer.from(bytes).equals(Buffer.from(Buffer.from(bytes).toString('utf8')));
  const out: number[] = [];
  for (const b of bytes) {
    const escape = b === 0x0a || b === 0x0d || (terminal && (b < 0x20 || b === 0x7f || (invalidUtf8 && b >= 0x80)));
    if (b === 0x5c) out.push(0x5c, 0x5c);
    else if (escape) out.push(...Buffer.from(`\\${b.toString(8).padStart(3, '0')}`));
    else out.push(b);
  }
  return Buffer.from(out);
}

const flagsText = (mode: number): string => `${mode & 0o4000 ? 's' : '-'}${mode & 0o2000 ? 's' : '-'}${mode & 0o1000 ? 't' : '-'}`;

/** One file's section of the text output; empty when -c leaves nothing to print. */
function textSection(path: Uint8Array, e: ImageEntry, acls: FileAcls, shown: Shown, terminal: boolean): Buffer {
  const lines: string[] = [];
  if (shown.access) lines.push(...entryLines(acls.access, '', shown.effective));
  if (shown.default) lines.push(...entryLines(acls.default, shown.access ? 'default:' : '', shown.effective));
  if (!shown.header && lines.length === 0) return Buffer.alloc(0);
  const a = e.attrs;
  const header = shown.header ? `\n# owner: ${a.uid}\n# group: ${a.gid}\n${a.mode & 0o7000 ? `# flags: ${flagsText(a.mode)}\n` : ''}` : '';
  const body = `${header}${lines.map((l) => `${l}\n`).join('')}\n`;
  return shown.header ? Buffer.concat([Buffer.from('# file: '), quotePath(path, terminal), Buffer.from(body)]) : Buffer.from(body);
}

function jsonEntries(entries: readonly AclEntry[]): Record<string, unknown>[] {
  const mask = maskOf(entries);
  return entries.map((e) => {
    const perm = effectivePerm(e, mask);
    const tag = aclEntryText(e).split(':')[0] as string;
    return { tag, ...(aclTagNamesSomeone(e.tag) ? { id: e.id } : {}), perms: rwxText(e.perm), ...(perm === undefined ? {} : { effective: rwxText(perm) }) };
  });
}

function jsonReport(path: Uint8Array, e: ImageEntry, acls: FileAcls, shown: Shown): Record<string, unknown> {
  return {
    path: jsonName(path),
    owner: e.attrs.uid,
    group: e.attrs.gid,
    flags: flagsText(e.attrs.mode),
    ...(shown.access ? { access: jsonEntries(acls.access) } : {}),
    ...(shown.default ? { default: jsonEntries(acls.default) } : {}),
  };
}

/** Prints (or collects for --json) one operand and, with -R, what is below it. */
async function showOperand(ctx: CliContext, fs: Ext2Filesystem, path: string, options: GetfaclOptions, shown: Shown, json: Record<string, unknown>[]): Promise<void> {
  const self = await inodeAtPath(fs, path, false);
  const isLink = (self.attrs.mode & S_IFMT) === S_IFLNK;
  if (isLink && options.physical === true) return;
  const terminal = (ctx.io.stdout as { isTTY?: boolean }).isTTY === true;
  const show = async (e: ImageEntry, at: Uint8Array): Promise<void> => {
    const acls = await readFileAcls(fs, e.inode, e.attrs.mode);
    if (ctx.options.json) json.push(jsonReport(at, e, acls, shown));
    else await ctx.outBytes(textSection(at, e, acls, shown, terminal));
  };
  const entry = isLink ? await inodeAtPath(fs, path, true) : self;
  const pathBytes = new TextEncoder().encode(path);
  await show(entry, pathBytes);
  if (options.recursive !== true || isLink || !isDirectoryAttrs(entry.attrs)) return;
  for await (const below of walkTree(fs, entry.inode, pathBytes)) await show(below.entry, below.path);
}

export const defineGetfacl: VerbDefinition = (program, run) => {
  let effective: Effective = 'narrowed';
  const command = program
    .command('getfacl')
    .summary("show files' POSIX ACLs (as getfacl -n prints them)")
    .description(
      "Show the owner, group, flags and POSIX ACLs of each path as `getfacl -n` does: the access ACL (the mode's when none is stored), a directory's default ACL, '#effective:' where the mask narrows an entry. Ids are the image's numbers.",
    )
    .argument('<IMAGE:PATH...>', 'files to show')
    .option('-a, --access', 'only the access ACL')
    .option('-d, --default', "only the default ACL (without the 'default:' prefix)")
    .option('-c, --omit-header', 'no # file/owner/group/flags lines')
    .option('-e, --all-effective', "'#effective:' for every entry the mask applies to")
    .option('-E, --no-effective', "no '#effective:' comments")
    .option('-R, --recursive', 'also everything below directories (symlinks below are skipped)')
    .option('-P, --physical', 'skip symlink operands too')
    .option('-n, --numeric', 'numeric ids (always: an image has no user names)')
    .addHelpText('after', examples('ext2-lite getfacl disk.img:/srv/shared', 'ext2-lite getfacl -R --json disk.img:/srv'))
    .action(
      run<GetfaclOptions>('getfacl', async ({ ctx, pool, operands, options }) => {
        const both = options.access === options.default;
        const shown: Shown = { access: both || options.access === true, default: both || options.default === true, header: options.omitHeader !== true, effective };
        const addresses = operands.map((operand) => parseImageAddress(operand, ctx.io.cwd, true));
        const json: Record<string, unknown>[] = [];
        for (const address of addresses) {
          try {
            const { fs } = await pool.mount(address, false);
            await about({ image: address.image, path: address.path }, () => showOperand(ctx, fs, address.path, options, shown, json));
          } catch (err) {
            // As getfacl: report the operand, go on with the next, exit 1 at the end.
            ctx.reportError(err);
          }
        }
        if (!ctx.options.json) return;
        const single = operands.length === 1 && options.recursive !== true;
        if (!single) ctx.out(`${JSON.stringify(json, null, 2)}\n`);
        else if (json[0] !== undefined) ctx.out(`${JSON.stringify(json[0], null, 2)}\n`);
      }),
    );
  command.on('option:all-effective', () => (effective = 'all'));
  command.on('option:no-effective', () => (effective = 'none'));
};
