// POSIX ACLs in tar archives: `tar --acls` (GNU tar, star, bsdtar) writes
// them as pax records SCHILY.acl.access / SCHILY.acl.default in the text
// form of acl_to_text(3): entries "tag:qualifier:perms", separated by
// newlines or commas, "#" comments, star's optional fourth field with the
// numeric id ("user:lp:rwx:7"). They become the system.posix_acl_* xattrs
// ext2 stores. A named qualifier is resolved as `tar -x --acls` resolves
// it: by this host's user and group database (/etc/passwd, /etc/group),
// unless the entry carries its numeric id. The entry syntax is acl/acl-spec.ts's.
import { readFileSync } from 'node:fs';
import { FsError } from '@iomap/core';
import { ACL_ACCESS_NAME, ACL_DEFAULT_NAME, ACL_TAG, ACL_UNDEFINED_ID, encodeAclXattr, type AclEntry } from '@iomap/ext2-lite';
import { parseAclEntry, splitAclEntries, TAR_ACL_SYNTAX } from '../acl/acl-spec.js';

/** The pax keys and the xattr each becomes. */
export const TAR_ACL_KEYS: readonly (readonly [string, string])[] = [
  ['SCHILY.acl.access', ACL_ACCESS_NAME],
  ['SCHILY.acl.default', ACL_DEFAULT_NAME],
];

/** Looks up a user or group name; undefined when the host does not know it. */
export type IdLookup = (kind: 'user' | 'group', name: string) => number | undefined;

const ORDER = [ACL_TAG.userObj, ACL_TAG.user, ACL_TAG.groupObj, ACL_TAG.group, ACL_TAG.mask, ACL_TAG.other];

/**
 * The ACL in `text` (acl_to_text form) as the xattr encoding setxattr
 * takes, entries in canonical order. EINVAL, naming `where` and the entry,
 * for text that is no ACL entry or a name the host cannot resolve.
 */
export function aclTextToXattr(text: string, lookup: IdLookup, where: string): Uint8Array {
  const fail = (why: string): Error => new FsError('EINVAL', `${where}: ${why}`, { syscall: 'tar' });
  const entries: AclEntry[] = [];
  for (const entry of splitAclEntries(text)) {
    const spec = parseAclEntry(entry, TAR_ACL_SYNTAX, fail);
    if (spec.qualifier === '') {
      entries.push({ tag: spec.tag, perm: spec.perm, id: ACL_UNDEFINED_ID });
      continue;
    }
    const kind = spec.tag === ACL_TAG.user ? 'user' : 'group';
    const numeric = spec.idField;
    const id = numeric !== undefined && /^\d+$/.test(numeric) ? Number(numeric) : /^\d+$/.test(spec.qualifier) ? Number(spec.qualifier) : lookup(kind, spec.qualifier);
    if (id === undefined) {
      throw fail(`ACL entry "${entry}" names ${kind} "${spec.qualifier}", which this host's /etc/${kind === 'user' ? 'passwd' : 'group'} does not know`);
    }
    entries.push({ tag: spec.tag, perm: spec.perm, id });
  }
  entries.sort((a, b) => ORDER.indexOf(a.tag as (typeof ORDER)[number]) - ORDER.indexOf(b.tag as (typeof ORDER)[number]) || a.id - b.id);
  return encodeAclXattr(entries);
}

/** Name -> id from an /etc/passwd or /etc/group file ("name:x:id:..."); empty when it cannot be read. */
function idTable(path: string): Map<string, number> {
  const table = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return table;
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name !== undefined && name !== '' && id !== undefined && /^\d+$/.test(id) && !table.has(name)) table.set(name, Number(id));
  }
  return table;
}

/** This host's user and group names (read once, when an archive first names someone). */
export function hostIdLookup(): IdLookup {
  let users: Map<string, number> | undefined;
  let groups: Map<string, number> | undefined;
  return (kind, name) => {
    if (kind === 'user') return (users ??= idTable('/etc/passwd')).get(name);
    return (groups ??= idTable('/etc/group')).get(name);
  };
}
