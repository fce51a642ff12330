// setfacl [-m ACL] [-x ACL] [-b] [-k] [--set ACL] [-M|-X|--set-file FILE]
// [-d] [-n|--mask] [-R] IMAGE:PATH... — change files' POSIX ACLs with
// setfacl's semantics (acl/acl-edit.ts): the operations run in command-line
// order, on each file in one pass, and the result is checked before
// anything is written. Entries name users and groups by number only.
//
// Differences from setfacl: a file the edit cannot apply to (a default ACL
// on a non-directory, an invalid result) is left exactly as it was, where
// setfacl may already have written its access ACL; ids must be numbers.
import type { Ext2Filesystem } from '@iomap/ext2-lite';
import { ACL_TAG, ACL_UNDEFINED_ID, aclTagNamesSomeone, S_IFLNK, S_IFMT } from '@iomap/vfs';
import { editAcls, type AclChange, type AclEditOptions, type AclOperation } from '../acl/acl-edit.js';
import { parseAclEntry, SETFACL_REMOVE_SYNTAX, SETFACL_SYNTAX, splitAclEntries, type AclEntrySpec } from '../acl/acl-spec.js';
import { parseImageAddress, type ImageAddress } from '../address/image-address.js';
import type { CliContext } from '../cli/cli-context.js';
import { readInputFile } from '../cli/input-file.js';
import { about } from '../cli/error-report.js';
import { UsageError } from '../cli/usage-error.js';
import { examples, type VerbDefinition } from '../cli/verb.js';
import { readFileAcls, writeFileAcls } from '../image/file-acl.js';
import { inodeAtPath, isDirectoryAttrs, walkTree, type ImageEntry } from '../image/image-tree.js';

interface SetfaclOptions {
  mask?: boolean;
  recursive?: boolean;
}

/** One operation as given: entries in an option's text or in a file ('-' is stdin). */
type Step =
  | { kind: 'modify' | 'remove' | 'set'; flag: string; text: string; fromFile: boolean; promote: boolean }
  | { kind: 'removeAll' }
  | { kind: 'removeDefault' };

/** A numeric qualifier as an id; a usage error for a name (an image's users are not this host's). */
function qualifierId(spec: AclEntrySpec, where: string): number {
  if (!aclTagNamesSomeone(spec.tag)) return ACL_UNDEFINED_ID;
  const kind = spec.tag === ACL_TAG.user ? 'user' : 'group';
  if (!/^\d+$/.test(spec.qualifier)) {
    throw new UsageError(`${where}: ACL entry "${spec.text}" names ${kind} "${spec.qualifier}": use the numeric ${kind === 'user' ? 'UID' : 'GID'} (an image's users and groups are not this host's)`);
  }
  const id = Number(spec.qualifier);
  if (id >= ACL_UNDEFINED_ID) throw new UsageError(`${where}: ACL entry "${spec.text}" names ${kind} ${spec.qualifier}, past the largest id 4294967294`);
  return id;
}

/**
 * The changes in `text`; `where` names the option (and file) in messages,
 * lines are counted for files. `promote` (a -d before the option): every
 * entry is a default entry, and a "d:" prefix is refused, as setfacl does.
 */
function parseChanges(text: string, kind: 'modify' | 'remove' | 'set', where: string, fromFile: boolean, promote: boolean): AclChange[] {
  const syntax = kind === 'remove' ? SETFACL_REMOVE_SYNTAX : SETFACL_SYNTAX;
  const changes: AclChange[] = [];
  const lines = fromFile ? text.split('\n') : [text];
  lines.forEach((line, i) => {
    const at = fromFile ? `${where}, line ${i + 1}` : where;
    for (const entry of splitAclEntries(line)) {
      const spec = parseAclEntry(entry, syntax, (why) => new UsageError(`${at}: ${why}`));
      if (promote && spec.isDefault) throw new UsageError(`${at}: ACL entry "${entry}" has a default prefix after -d, which already makes every entry a default entry`);
      changes.push({ isDefault: promote || spec.isDefault, tag: spec.tag, id: qualifierId(spec, at), perm: spec.perm, conditionalX: spec.conditionalX });
    }
  });
  if (!fromFile && changes.length === 0) throw new UsageError(`${where}: no ACL entries given`);
  return changes;
}

/** The steps as operations: files read (usage error when they cannot be), entries parsed. */
async function operationsOf(ctx: CliContext, steps: readonly Step[]): Promise<AclOperation[]> {
  const operations: AclOperation[] = [];
  for (const step of steps) {
    if (step.kind === 'removeAll' || step.kind === 'removeDefault') {
      operations.push({ kind: step.kind });
      continue;
    }
    let text = step.text;
    let where = `${step.flag} '${step.text}'`;
    if (step.fromFile) {
      where = `${step.flag} ${step.text === '-' ? 'stdin' : step.text}`;
      try {
        text = (await readInputFile(ctx, step.text)).toString('utf8');
      } catch (err) {
        throw new UsageError(`${where}: cannot read it (${(err as Error).message})`);
      }
    }
    operations.push({ kind: step.kind, changes: parseChanges(text, step.kind, where, step.fromFile, step.promote) });
  }
  return operations;
}

/** Edits one file: read, edit (all checks), write. */
async function setOne(fs: Ext2Filesystem, e: ImageEntry, path: string, operations: readonly AclOperation[], options: AclEditOptions): Promise<void> {
  const before = await readFileAcls(fs, e.inode, e.attrs.mode);
  await writeFileAcls(fs, e.inode, before, editAcls(before, operations, options, path));
}

/** One operand: followed when a symlink (and then not descended into); with -R everything below, symlinks skipped. */
async function setOperand(ctx: CliContext, fs: Ext2Filesystem, address: ImageAddress, operations: readonly AclOperation[], options: AclEditOptions): Promise<void> {
  const isLink = ((await inodeAtPath(fs, address.path, false)).attrs.mode & S_IFMT) === S_IFLNK;
  const entry = await inodeAtPath(fs, address.path, true);
  await setOne(fs, entry, address.path, operations, options);
  if (!options.recursive || isLink || !isDirectoryAttrs(entry.attrs)) return;
  for await (const below of walkTree(fs, entry.inode, new TextEncoder().encode(address.path))) {
    const path = new TextDecoder().decode(below.path);
    try {
      await about({ image: address.image, path }, () => setOne(fs, below.entry, path, operations, options));
    } catch (err) {
      ctx.reportError(err);
    }
  }
}

export const defineSetfacl: VerbDefinition = (program, run) => {
  const steps: Step[] = [];
  let promote = false;
  const command = program
    .command('setfacl')
    .summary("change files' POSIX ACLs (like setfacl)")
    .description(
      'Change the POSIX ACLs of each path as setfacl does. Entries: [d[efault]:]u[ser]:UID:PERMS, g[roup]:GID:PERMS, m[ask]::PERMS, o[ther]::PERMS; PERMS from r, w, x, X (x for directories or where some entry has x) and -, or an octal digit. Operations run in the order given; the mask becomes the union of the group class unless -n or a mask entry is given.',
    )
    .argument('<IMAGE:PATH...>', 'files to change')
    .option('-m, --modify <ACL>', 'add or change entries (comma-separated)')
    .option('-M, --modify-file <FILE>', "-m with entries from FILE (one or more a line, '#' comments; '-' is stdin)")
    .option('-x, --remove <ACL>', 'remove entries (no perms: u:UID, g:GID, m::)')
    .option('-X, --remove-file <FILE>', '-x with entries from FILE')
    .option('-b, --remove-all', 'remove all extended entries and the default ACL')
    .option('-k, --remove-default', 'remove the default ACL')
    .option('--set <ACL>', 'replace the ACL (u::, g:: and o:: entries needed)')
    .option('--set-file <FILE>', '--set with entries from FILE (e.g. getfacl output)')
    .option('-d, --default', 'the entries of the options after it are for the default ACL')
    .option('--mask', 'recompute the mask even when a mask entry is given')
    .option('-n, --no-mask', 'do not recompute the mask')
    .option('-R, --recursive', 'also everything below directories (default ACL entries only on directories; symlinks below are skipped)')
    .addHelpText('after', examples('ext2-lite setfacl -m g:50:rwx,d:g:50:rwx disk.img:/srv/shared', 'ext2-lite setfacl -R -b disk.img:/srv', 'ext2-lite getfacl disk.img:/etc/a | ext2-lite setfacl --set-file - disk.img:/etc/b'))
    .action(
      run<SetfaclOptions>('setfacl', async ({ ctx, pool, operands, options }) => {
        if (steps.length === 0) throw new UsageError('nothing to do: give -m, -x, -b, -k or --set (or -M, -X, --set-file)');
        const operations = await operationsOf(ctx, steps);
        const addresses = operands.map((operand) => parseImageAddress(operand, ctx.io.cwd, true));
        const editOptions: AclEditOptions = { mask: options.mask, recursive: options.recursive === true };
        for (const address of addresses) {
          try {
            const { fs } = await pool.mount(address, true);
            await about({ image: address.image, path: address.path }, () => setOperand(ctx, fs, address, operations, editOptions));
          } catch (err) {
            // As setfacl: report the file, go on with the next, exit 1 at the end.
            ctx.reportError(err);
          }
        }
      }),
    );
  const entries = (kind: 'modify' | 'remove' | 'set', flag: string, fromFile: boolean) => (text: string) => steps.push({ kind, flag, text, fromFile, promote });
  command.on('option:modify', entries('modify', '-m', false));
  command.on('option:modify-file', entries('modify', '-M', true));
  command.on('option:remove', entries('remove', '-x', false));
  command.on('option:remove-file', entries('remove', '-X', true));
  command.on('option:set', entries('set', '--set', false));
  command.on('option:set-file', entries('set', '--set-file', true));
  command.on('option:default', () => (promote = true));
  command.on('option:remove-all', () => steps.push({ kind: 'removeAll' }));
  command.on('option:remove-default', () => steps.push({ kind: 'removeDefault' }));
};
