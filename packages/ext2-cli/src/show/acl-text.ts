// POSIX ACLs as people read them: the short text form of acl_to_text(3)
// and `getfacl -c`, entries "tag:qualifier:perms" joined by commas. The
// qualifiers are the image's numeric ids (its users are not this host's).
import { ACL_TAG, decodeAclXattr, type AclEntry } from '@iomap/vfs';
import { rwxText } from './mode-string.js';

const TAG_WORDS: Readonly<Record<number, string>> = {
  [ACL_TAG.userObj]: 'user:',
  [ACL_TAG.user]: 'user:',
  [ACL_TAG.groupObj]: 'group:',
  [ACL_TAG.group]: 'group:',
  [ACL_TAG.mask]: 'mask:',
  [ACL_TAG.other]: 'other:',
};

/** One entry as getfacl prints it: "user:1000:r--", "mask::rw-". */
export function aclEntryText(e: AclEntry): string {
  const qualifier = e.tag === ACL_TAG.user || e.tag === ACL_TAG.group ? String(e.id) : '';
  return `${TAG_WORDS[e.tag] ?? `tag-0x${e.tag.toString(16)}:`}${qualifier}:${rwxText(e.perm)}`;
}

/** "user::rw-,user:1000:r--,group::r--,mask::rw-,other::r--" for `entries`. */
export function aclText(entries: readonly AclEntry[]): string {
  return entries.map(aclEntryText).join(',');
}

/** The text of an ACL attribute's value (getxattr's encoding), or undefined when the value is no valid ACL. */
export function aclValueText(value: Uint8Array): string | undefined {
  try {
    const entries = decodeAclXattr(value, 'getxattr');
    return entries === null ? '' : aclText(entries);
  } catch {
    return undefined;
  }
}
