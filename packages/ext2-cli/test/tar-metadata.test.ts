// Metadata in tar archives beyond the ustar header: pax records decoded with
// binary values intact (tar-pax.ts), and POSIX ACLs from their text form
// (tar-acl.ts). The end-to-end run with GNU tar is in host-xattrs.test.ts.
import { describe, expect, it } from 'vitest';
import { decodeAclXattr } from '@iomap/ext2-lite';
import { aclTextToXattr, type IdLookup } from '../src/copy/tar-acl.js';
import { binaryPaxValue, decodePaxRecords } from '../src/copy/tar-pax.js';

/** One pax record: its length counts itself. */
function record(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len++;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

describe('pax records', () => {
  it('keeps SCHILY.xattr values byte for byte (not UTF-8), and decodes keys and other values as UTF-8', () => {
    const binary = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x0a, 0x3d]);
    const records = decodePaxRecords(Buffer.concat([record('path', Buffer.from('d\u00e9j\u00e0/vu')), record('SCHILY.xattr.user.\u00e9t\u00e9', binary), record('mtime', Buffer.from('1.5'))]));
    expect(records['path']).toBe('d\u00e9j\u00e0/vu');
    expect(records['mtime']).toBe('1.5');
    expect(Buffer.from(binaryPaxValue(records['SCHILY.xattr.user.\u00e9t\u00e9'] ?? ''))).toEqual(binary);
  });

  it('stops at a malformed record (bad length, no "="), keeping the ones before it', () => {
    expect(decodePaxRecords(Buffer.concat([record('a', Buffer.from('1')), Buffer.from('99 b=2\n')]))).toEqual({ a: '1' });
    expect(decodePaxRecords(Buffer.concat([record('a', Buffer.from('1')), Buffer.from('6 bc\n')]))).toEqual({ a: '1' });
    expect(decodePaxRecords(Buffer.from('x a=1\n'))).toEqual({});
  });
});

const lookup: IdLookup = (kind, name) => ({ user: { lp: 7, daemon: 1 }, group: { staff: 50 } })[kind][name as 'lp'];
const entries = (text: string): unknown => decodeAclXattr(aclTextToXattr(text, lookup, 'SCHILY.acl.access of f'));

describe('ACL text (SCHILY.acl.*)', () => {
  it('reads GNU tar’s newline form with names, numeric ids, star’s id field, commas, abbreviations and comments, in canonical order', () => {
    const gnu = entries('user::rw-\nuser:lp:r--\ngroup::r--\ngroup:staff:rw-\nmask::rw-\nother::r--\n');
    expect(gnu).toEqual([
      { tag: 1, perm: 6, id: 0xffffffff },
      { tag: 2, perm: 4, id: 7 },
      { tag: 4, perm: 4, id: 0xffffffff },
      { tag: 8, perm: 6, id: 50 },
      { tag: 0x10, perm: 6, id: 0xffffffff },
      { tag: 0x20, perm: 4, id: 0xffffffff },
    ]);
    // The same ACL written other ways: out of order, numeric, star's "name:perms:id", abbreviated, commented.
    expect(entries('o::r--,m::rw-,g:50:rw-,g::r--,user:nobody-here:r--:7,u::rw- # owner')).toEqual(gnu);
    expect(entries('user::rw-,user:9:r--,user:1:r--,group::r--,mask::r--,other::---')).toMatchObject([{ tag: 1 }, { tag: 2, id: 1 }, { tag: 2, id: 9 }, { tag: 4 }, { tag: 0x10 }, { tag: 0x20 }]);
  });

  it('EINVAL naming the record and entry: unknown names, bad permissions, named mask, not an entry', () => {
    for (const [text, message] of [
      ['user::rw-,user:nosuch:r--,group::r--,mask::r--,other::---', /SCHILY\.acl\.access of f: ACL entry "user:nosuch:r--" names user "nosuch", which this host's \/etc\/passwd does not know/],
      ['user::rwz,group::r--,other::---', /permissions "rwz"/],
      ['user::rw-,group::r--,mask:lp:r--,other::---', /names someone, which mask entries cannot/],
      ['user::rw-,group,other::---', /"group" is not an ACL entry/],
    ] as const) {
      expect(() => aclTextToXattr(text, lookup, 'SCHILY.acl.access of f')).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(message) }));
    }
  });
});
