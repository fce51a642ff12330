// An extended attribute's value in --json output (stat, getfattr): text when
// it reads as text, base64 otherwise, and a POSIX ACL also in its text form.
import { isAclName } from '@iomap/vfs';
import { aclValueText } from './acl-text.js';

/** What --json shows for one attribute. */
export interface XattrJsonValue {
  text?: string;
  base64?: string;
  acl?: string;
}

/**
 * An xattr value as text when it is printable UTF-8 (a final NUL allowed),
 * else base64; a POSIX ACL as its text form and base64.
 *
 * @example
 * ```ts
 * xattrValue('user.origin', new TextEncoder().encode('host')); // { text: 'host' }
 * ```
 */
export function xattrValue(name: string, value: Uint8Array): XattrJsonValue {
  const acl = isAclName(name) ? aclValueText(value) : undefined;
  if (acl !== undefined) return { acl, base64: Buffer.from(value).toString('base64') };
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(value);
    // eslint-disable-next-line no-control-regex -- a value with control bytes (other than a final NUL) is binary
    if (!/[\u0000-\u0008\u000e-\u001f]/.test(text.replace(/\u0000$/, ''))) return { text };
  } catch {
    // not UTF-8: binary
  }
  return { base64: Buffer.from(value).toString('base64') };
}
