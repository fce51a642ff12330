// hostTree: the host walk behind mkfs -d and cp. Names are bytes, whatever
// their encoding: ASCII, UTF-8 and bytes that are no UTF-8 at all come out
// exactly, sorted byte-wise, and every file reads back through its entry —
// also below a directory whose own name is not ASCII.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostTree } from '../src/copy/host-source.js';
import type { TreeEntry } from '../src/copy/tree-entry.js';

let root = '';
const bytes = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
/** Not UTF-8: a lone 0xff and a truncated sequence. */
const RAW = bytes('raw-', [0xff, 0xc3], '.bin');
const UTF8 = bytes('grüße');

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ext2-cli-hosttree-'));
  const r = Buffer.from(root);
  const at = (...parts: Buffer[]): Buffer => Buffer.concat([r, ...parts.flatMap((p) => [Buffer.from('/'), p])]);
  writeFileSync(at(Buffer.from('b.txt')), 'b\n');
  writeFileSync(at(Buffer.from('a.txt')), 'a\n');
  writeFileSync(at(RAW), 'raw\n');
  mkdirSync(at(UTF8));
  writeFileSync(at(UTF8, Buffer.from('plain')), 'below utf-8\n');
  mkdirSync(at(bytes('dir-', [0xe9])));
  writeFileSync(at(bytes('dir-', [0xe9]), Buffer.from('inner')), 'below raw\n');
  symlinkSync(RAW, at(Buffer.from('link')));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const show = (e: TreeEntry): string => e.path.map((c) => Buffer.from(c).toString('hex')).join('/');

describe('hostTree', () => {
  it('gives names as their exact bytes, sorted byte-wise, parents first; files read back through their entries', () => {
    const entries = [...hostTree(root)];
    const hex = (b: Buffer): string => b.toString('hex');
    // Root first, then each name in byte order with its subtree right after it.
    expect(entries.map(show)).toEqual([
      '',
      hex(Buffer.from('a.txt')),
      hex(Buffer.from('b.txt')),
      hex(bytes('dir-', [0xe9])),
      `${hex(bytes('dir-', [0xe9]))}/${hex(Buffer.from('inner'))}`,
      hex(UTF8),
      `${hex(UTF8)}/${hex(Buffer.from('plain'))}`,
      hex(Buffer.from('link')),
      hex(RAW),
    ]);
    const scratch = new Uint8Array(4096);
    const text = (e: TreeEntry): string => Buffer.from(e.readWhole?.(scratch) ?? []).toString();
    const byPath = new Map(entries.map((e) => [show(e), e]));
    expect(text(byPath.get(hex(RAW)) as TreeEntry)).toBe('raw\n');
    expect(text(byPath.get(`${hex(bytes('dir-', [0xe9]))}/${hex(Buffer.from('inner'))}`) as TreeEntry)).toBe('below raw\n');
    expect(text(byPath.get(`${hex(UTF8)}/${hex(Buffer.from('plain'))}`) as TreeEntry)).toBe('below utf-8\n');
    const link = byPath.get(hex(Buffer.from('link'))) as TreeEntry;
    expect(link.kind).toBe('symlink');
    expect(Buffer.from(link.target ?? []).equals(RAW)).toBe(true);
  });

  it('files read while the walk waits come out right; no descriptor stays open, read or not, nor when the walk stops early', () => {
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before = fds();
    const scratch = new Uint8Array(4096);
    const read: string[] = [];
    // Read every other file as it comes; the rest are never read.
    let n = 0;
    for (const e of hostTree(root)) if (e.kind === 'file' && n++ % 2 === 0) read.push(Buffer.from(e.readWhole?.(scratch) ?? []).toString());
    expect(read).toEqual(['a\n', 'below raw\n', 'raw\n']);
    expect(fds()).toBe(before);
    // Stopped early, right after a file came: its descriptor is closed too.
    for (const e of hostTree(root)) if (e.kind === 'file') break;
    expect(fds()).toBe(before);
  });
});
