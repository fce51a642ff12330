// setfacl's edit of one file's ACLs, as a function from the ACLs it has to
// the ACLs it gets (acl 2.3's rules, checked against the real setfacl by
// test/acl-verbs.test.ts). Nothing here touches an image: image/file-acl.ts
// reads and writes, commands/setfacl.ts parses and walks.
//
// The operations run in command-line order, each on the access or the
// default ACL its entries name:
//   modify (-m, -M)    an entry of the same tag (and id) takes the new perms,
//                      or the entry is added in canonical order
//   remove (-x, -X)    the entry goes; an absent one is no error
//   set (--set...)     the ACL(s) its entries name start empty
//   removeAll (-b)     the extended entries and the default ACL go; the
//                      owning group keeps what the mask let it have
//   removeDefault (-k) the default ACL goes
// X means x for a directory, or when some entry of that ACL (the mask
// included) has x at that point. Then, for each ACL that was edited:
//   - a default ACL left empty is removed; one that is not gets the owner,
//     owning-group and other entries it lacks from the (edited) access ACL;
//     on a non-directory it is refused (ENOTDIR), or with -R dropped
//   - unless -n, or a mask entry was named (by -m, --set or -x) and not
//     --mask, the mask becomes the union of the group class (owning group,
//     named users and groups) whenever the ACL has or needs a mask; with -n
//     (or a named mask) a needed mask that is missing copies the owning group
//   - the result must be valid (EINVAL otherwise)
//
// Example: on a 0640 file, "-m u:7:rw" gives user::rw-, user:7:rw-,
// group::r--, mask::rw-, other::---; the mode becomes 0660 (group bits =
// mask) when the access ACL is stored. "-m d:u:1:r -x d:u:1" on a file is
// no error: the default ACL it would get is empty again.
import { FsError } from '@iomap/core';
import { aclProblem, aclTagNamesSomeone, ACL_TAG, ACL_UNDEFINED_ID, type AclEntry } from '@iomap/vfs';
import { aclEntryText, aclText } from '../show/acl-text.js';

/** One entry of an operation, its qualifier resolved to a numeric id. */
export interface AclChange {
  /** For the default ACL (a "d:" prefix, or -d). */
  readonly isDefault: boolean;
  readonly tag: number;
  /** The user or group id of a named entry; ACL_UNDEFINED_ID otherwise. */
  readonly id: number;
  readonly perm: number;
  /** setfacl's X. */
  readonly conditionalX: boolean;
}

/** One setfacl operation. */
export type AclOperation =
  | { readonly kind: 'modify' | 'remove' | 'set'; readonly changes: readonly AclChange[] }
  | { readonly kind: 'removeAll' }
  | { readonly kind: 'removeDefault' };

/** A file's ACLs as setfacl sees them. */
export interface FileAcls {
  /** The access ACL: the stored one, or the three entries the mode implies. */
  readonly access: readonly AclEntry[];
  /** The default ACL ([] when there is none). */
  readonly default: readonly AclEntry[];
  readonly isDirectory: boolean;
}

/** How the edit treats the mask and non-directories. */
export interface AclEditOptions {
  /** true: --mask (always recompute), false: -n (never), undefined: setfacl's default. */
  readonly mask: boolean | undefined;
  /** -R: default-ACL entries are dropped for non-directories instead of refused. */
  readonly recursive: boolean;
}

/** The edited ACLs; an ACL the operations did not touch is undefined. */
export interface AclEditResult {
  readonly access?: AclEntry[];
  /** [] removes the default ACL. */
  readonly default?: AclEntry[];
}

const ORDER: readonly number[] = [ACL_TAG.userObj, ACL_TAG.user, ACL_TAG.groupObj, ACL_TAG.group, ACL_TAG.mask, ACL_TAG.other];

/** Canonical ACL order: by tag as posix_acl_valid wants it, named entries by id. */
export function compareAclEntries(a: AclEntry, b: AclEntry): number {
  return ORDER.indexOf(a.tag) - ORDER.indexOf(b.tag) || (aclTagNamesSomeone(a.tag) ? a.id - b.id : 0);
}

/** The three entries a mode's permission bits stand for (acl_from_mode). */
export function aclFromMode(mode: number): AclEntry[] {
  return [
    { tag: ACL_TAG.userObj, perm: (mode >> 6) & 7, id: ACL_UNDEFINED_ID },
    { tag: ACL_TAG.groupObj, perm: (mode >> 3) & 7, id: ACL_UNDEFINED_ID },
    { tag: ACL_TAG.other, perm: mode & 7, id: ACL_UNDEFINED_ID },
  ];
}

const sameEntry = (e: AclEntry, c: AclChange): boolean => e.tag === c.tag && (!aclTagNamesSomeone(c.tag) || e.id === c.id);
const isGroupClass = (e: AclEntry): boolean => e.tag === ACL_TAG.user || e.tag === ACL_TAG.groupObj || e.tag === ACL_TAG.group;
const isBase = (e: AclEntry): boolean => e.tag === ACL_TAG.userObj || e.tag === ACL_TAG.groupObj || e.tag === ACL_TAG.other;

/** One ACL being edited. */
interface Draft {
  entries: AclEntry[];
  edited: boolean;
  /** A mask entry was named by -m, --set or -x. */
  maskNamed: boolean;
}

function modifyEntry(draft: Draft, change: AclChange, isDirectory: boolean): void {
  const hasX = isDirectory || draft.entries.some((e) => (e.perm & 1) !== 0);
  const entry: AclEntry = { tag: change.tag, perm: change.perm | (change.conditionalX && hasX ? 1 : 0), id: change.id };
  const at = draft.entries.findIndex((e) => sameEntry(e, change));
  if (at !== -1) draft.entries[at] = entry;
  else draft.entries = [...draft.entries, entry].sort(compareAclEntries);
}

/** The mask rule above, for an edited ACL. */
function settleMask(draft: Draft, mask: boolean | undefined): void {
  const named = draft.entries.some((e) => aclTagNamesSomeone(e.tag));
  const at = draft.entries.findIndex((e) => e.tag === ACL_TAG.mask);
  if (!named && at === -1) return;
  let perm: number;
  if (mask === true || (mask === undefined && !draft.maskNamed)) {
    perm = draft.entries.filter(isGroupClass).reduce((union, e) => union | e.perm, 0);
  } else if (at === -1 && named && !draft.maskNamed) {
    perm = draft.entries.find((e) => e.tag === ACL_TAG.groupObj)?.perm ?? 0;
  } else return;
  const entry: AclEntry = { tag: ACL_TAG.mask, perm, id: ACL_UNDEFINED_ID };
  if (at !== -1) draft.entries[at] = entry;
  else draft.entries = [...draft.entries, entry].sort(compareAclEntries);
}

/** -b: the base entries, the owning group narrowed by the mask. */
function stripped(entries: readonly AclEntry[]): AclEntry[] {
  const mask = entries.find((e) => e.tag === ACL_TAG.mask);
  return entries.filter(isBase).map((e) => (e.tag === ACL_TAG.groupObj && mask !== undefined ? { ...e, perm: e.perm & mask.perm } : { ...e }));
}

/** Runs one operation's entries on the two drafts. */
function applyChanges(kind: 'modify' | 'remove' | 'set', changes: readonly AclChange[], access: Draft, dflt: Draft, isDirectory: boolean): void {
  if (kind === 'set') {
    if (changes.some((c) => !c.isDefault)) access.entries = [];
    if (changes.some((c) => c.isDefault)) dflt.entries = [];
  }
  for (const change of changes) {
    const draft = change.isDefault ? dflt : access;
    if (change.tag === ACL_TAG.mask) draft.maskNamed = true;
    if (kind === 'remove') draft.entries = draft.entries.filter((e) => !sameEntry(e, change));
    else modifyEntry(draft, change, isDirectory);
    draft.edited = true;
  }
}

/** The owner, owning-group and other entries a non-empty default ACL lacks, from the access ACL. */
function fillDefault(dflt: Draft, access: Draft): void {
  const missing = access.entries.filter((a) => isBase(a) && !dflt.entries.some((e) => e.tag === a.tag));
  dflt.entries = [...dflt.entries, ...missing.map((e) => ({ ...e }))].sort(compareAclEntries);
}

/** Why an edited ACL is invalid, as an EINVAL naming it in text form. */
function invalid(which: 'access' | 'default', entries: readonly AclEntry[], problem: string, path: string): FsError {
  return new FsError('EINVAL', `the ${which} ACL would be ${aclText(entries) || 'empty'}, which is invalid: ${problem}`, { syscall: 'setfacl', path });
}

/**
 * What `operations` make of `file`'s ACLs. ENOTDIR when they leave a
 * non-directory a default ACL (unless -R, which drops it), EINVAL when an
 * edited ACL is invalid (aclProblem); the caller writes nothing then.
 */
export function editAcls(file: FileAcls, operations: readonly AclOperation[], options: AclEditOptions, path: string): AclEditResult {
  const access: Draft = { entries: file.access.map((e) => ({ ...e })), edited: false, maskNamed: false };
  const dflt: Draft = { entries: file.isDirectory ? file.default.map((e) => ({ ...e })) : [], edited: false, maskNamed: false };
  for (const op of operations) {
    if (op.kind === 'removeAll') {
      access.entries = stripped(access.entries);
      access.edited = true;
      Object.assign(dflt, { entries: [], edited: true });
    } else if (op.kind === 'removeDefault') Object.assign(dflt, { entries: [], edited: true });
    else applyChanges(op.kind, op.changes, access, dflt, file.isDirectory);
  }
  const result: { access?: AclEntry[]; default?: AclEntry[] } = {};
  if (access.edited) result.access = settled('access', access, options, path);
  if (dflt.edited && dflt.entries.length === 0 && file.isDirectory) result.default = [];
  if (dflt.edited && dflt.entries.length > 0) {
    if (file.isDirectory) {
      fillDefault(dflt, access);
      result.default = settled('default', dflt, options, path);
    } else if (!options.recursive) {
      throw new FsError('ENOTDIR', `only directories can have default ACLs (${dflt.entries.map((e) => `default:${aclEntryText(e)}`).join(',')})`, { syscall: 'setfacl', path });
    }
  }
  return result;
}

/** An edited ACL with its mask settled; EINVAL when it is invalid. */
function settled(which: 'access' | 'default', draft: Draft, options: AclEditOptions, path: string): AclEntry[] {
  settleMask(draft, options.mask);
  const problem = aclProblem(draft.entries);
  if (problem !== undefined) throw invalid(which, draft.entries, problem, path);
  return draft.entries;
}
