// Test fixtures for extended attributes, written out independently of the
// code under test: ACL values in the kernel's xattr encoding, and getfattr
// dumps made comparable across walkers.

/** A POSIX ACL in the xattr encoding: version 2, then [tag, perm, id] entries (id 0xFFFFFFFF where none). */
export function aclXattrBytes(entries: readonly (readonly [number, number, number?])[]): Buffer {
  const out = Buffer.alloc(4 + 8 * entries.length);
  out.writeUInt32LE(2, 0);
  entries.forEach(([tag, perm, id], i) => {
    out.writeUInt16LE(tag, 4 + 8 * i);
    out.writeUInt16LE(perm, 6 + 8 * i);
    out.writeUInt32LE(id ?? 0xffffffff, 8 + 8 * i);
  });
  return out;
}

/** A getfattr dump's `# file:` sections, sorted: walkers list a directory in different orders. */
export function dumpSections(dump: string | Buffer): string[] {
  return (typeof dump === 'string' ? dump : dump.toString('latin1'))
    .split('\n\n')
    .filter((s) => s.trim() !== '')
    .sort();
}
