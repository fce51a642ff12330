// ACL entries as people write them, "tag:qualifier:perms", for two readers:
// setfacl's options and files (-m, -x, --set, -M, -X, --set-file) and the
// SCHILY.acl.* records of tar archives (copy/tar-acl.ts).
//
//   [d[efault]:]u[ser]:QUALIFIER:PERMS   a named user (empty qualifier: the owner)
//   [d[efault]:]g[roup]:QUALIFIER:PERMS  a named group (empty: the owning group)
//   [d[efault]:]m[ask]::PERMS            the mask (setfacl also takes m:PERMS)
//   [d[efault]:]o[ther]::PERMS           everyone else (setfacl also takes o:PERMS)
//
// PERMS are r, w, x and '-' (setfacl also takes X, and one octal digit).
// Entries are separated by commas or newlines; '#' starts a comment to the
// end of its line, so getfacl's output ("user:7:rwx\t#effective:r--") reads
// back as it is. The qualifier is left as written: tar resolves names by the
// host's databases, setfacl takes numbers only (an image's users are not
// this host's).
//
// Example: "d:u:1000:rX" is { isDefault: true, tag: USER, qualifier: "1000",
// perm: r (4), conditionalX: true }.
import { ACL_TAG } from '@iomap/vfs';

/** What one reader accepts. */
export interface AclEntrySyntax {
  /** The shape named in messages, e.g. "tag:qualifier:perms". */
  readonly form: string;
  /** setfacl's dialect: "d:"/"default:" prefixes, X and octal perms, "m:PERMS"/"o:PERMS", each letter once. */
  readonly setfacl: boolean;
  /** Entries carry perms (false for setfacl -x / -X, which name entries only). */
  readonly perms: boolean;
  /** star's fourth field, the numeric id of a named entry ("user:lp:rwx:7"). */
  readonly idField: boolean;
}

/** tar --acls records (acl_to_text form). */
export const TAR_ACL_SYNTAX: AclEntrySyntax = { form: 'tag:qualifier:perms', setfacl: false, perms: true, idField: true };
/** setfacl -m, --set, -M, --set-file. */
export const SETFACL_SYNTAX: AclEntrySyntax = { form: '[d:]u:UID:perms, [d:]g:GID:perms, [d:]m::perms or [d:]o::perms', setfacl: true, perms: true, idField: false };
/** setfacl -x, -X. */
export const SETFACL_REMOVE_SYNTAX: AclEntrySyntax = { form: '[d:]u:UID, [d:]g:GID, [d:]m:: or [d:]o::', setfacl: true, perms: false, idField: false };

/** One entry as written. */
export interface AclEntrySpec {
  /** The entry's text (for messages). */
  readonly text: string;
  /** It is for the default ACL ("d:" prefix). */
  readonly isDefault: boolean;
  /** ACL_TAG: userObj/groupObj when a user/group entry has no qualifier. */
  readonly tag: number;
  /** The qualifier as written ('' for none). */
  readonly qualifier: string;
  /** The rwx bits (0 for an entry without perms). */
  readonly perm: number;
  /** setfacl's X: execute only for a directory, or when some entry already has it. */
  readonly conditionalX: boolean;
  /** star's numeric id field, when present. */
  readonly idField?: string;
}

/** How a reader reports text that is no entry: the returned error is thrown. */
export type AclSpecFailure = (why: string) => Error;

interface TagWord {
  readonly named: number | undefined;
  readonly owner: number;
  readonly word: string;
}

const TAG_WORDS: Readonly<Record<string, TagWord>> = {
  user: { named: ACL_TAG.user, owner: ACL_TAG.userObj, word: 'user' },
  u: { named: ACL_TAG.user, owner: ACL_TAG.userObj, word: 'user' },
  group: { named: ACL_TAG.group, owner: ACL_TAG.groupObj, word: 'group' },
  g: { named: ACL_TAG.group, owner: ACL_TAG.groupObj, word: 'group' },
  mask: { named: undefined, owner: ACL_TAG.mask, word: 'mask' },
  m: { named: undefined, owner: ACL_TAG.mask, word: 'mask' },
  other: { named: undefined, owner: ACL_TAG.other, word: 'other' },
  o: { named: undefined, owner: ACL_TAG.other, word: 'other' },
};

/** The entries of an ACL text: comments dropped, each trimmed, empty ones left out. */
export function splitAclEntries(text: string): string[] {
  return text
    .split('\n')
    .flatMap((line) => line.replace(/#.*/, '').split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** The rwx bits of `text`, and whether it holds setfacl's X; undefined when it is no permission text of `syntax`. */
function permsOf(text: string, syntax: AclEntrySyntax): { perm: number; conditionalX: boolean } | undefined {
  if (syntax.setfacl && /^[0-7]$/.test(text)) return { perm: Number(text), conditionalX: false };
  if (syntax.setfacl && text === '') return undefined;
  let perm = 0;
  let conditionalX = false;
  const seen = new Set<string>();
  for (const c of text) {
    if (c !== '-' && syntax.setfacl && seen.has(c)) return undefined;
    seen.add(c);
    if (c === 'r') perm |= 4;
    else if (c === 'w') perm |= 2;
    else if (c === 'x') perm |= 1;
    else if (c === 'X' && syntax.setfacl) conditionalX = true;
    else if (c !== '-') return undefined;
  }
  return { perm, conditionalX };
}

/**
 * The fields of `rest` (an entry without its "d:" prefix) as qualifier and
 * perms, or undefined when their number does not fit the tag: user and group
 * entries have a qualifier field, mask and other an empty one (setfacl may
 * leave it out: "o:r"); -x entries may end after the qualifier.
 */
function fieldsOf(fields: readonly string[], tag: TagWord, syntax: AclEntrySyntax): { qualifier: string; perms: string; idField?: string } | undefined {
  const [, second, third, fourth] = fields;
  if (!syntax.perms) {
    const extra = fields.slice(2).some((f) => f !== '') || fields.length > 3;
    if (extra || (tag.named !== undefined && fields.length < 2)) return undefined;
    return { qualifier: second ?? '', perms: '' };
  }
  if (fields.length === 3) return { qualifier: second as string, perms: third as string };
  if (fields.length === 2 && syntax.setfacl && tag.named === undefined) return { qualifier: '', perms: second as string };
  if (fields.length === 4 && syntax.idField) return { qualifier: second as string, perms: third as string, idField: fourth as string };
  return undefined;
}

/**
 * Parses one entry (from splitAclEntries) in `syntax`; `fail` makes the
 * error for text that is no entry, whose reason names the entry.
 */
export function parseAclEntry(entry: string, syntax: AclEntrySyntax, fail: AclSpecFailure): AclEntrySpec {
  const prefix = syntax.setfacl ? /^(d|default):/.exec(entry) : null;
  const rest = prefix === null ? entry : entry.slice(prefix[0].length);
  const fields = rest.split(':');
  const tag = Object.hasOwn(TAG_WORDS, fields[0] as string) ? TAG_WORDS[fields[0] as string] : undefined;
  const parts = tag === undefined ? undefined : fieldsOf(fields, tag, syntax);
  if (tag === undefined || parts === undefined) throw fail(`"${entry}" is not an ACL entry (${syntax.form})`);
  if (parts.qualifier !== '' && tag.named === undefined) throw fail(`ACL entry "${entry}" names someone, which ${tag.word} entries cannot`);
  const perms = syntax.perms ? permsOf(parts.perms, syntax) : { perm: 0, conditionalX: false };
  if (perms === undefined) {
    const allowed = syntax.setfacl ? 'r, w, x, X and - (each once), or one octal digit' : 'only r, w, x and -';
    throw fail(`ACL entry "${entry}" has permissions "${parts.perms}" (${allowed})`);
  }
  return {
    text: entry,
    isDefault: prefix !== null,
    tag: parts.qualifier === '' ? tag.owner : (tag.named as number),
    qualifier: parts.qualifier,
    ...perms,
    ...(parts.idField === undefined ? {} : { idField: parts.idField }),
  };
}
