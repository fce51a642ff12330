// Safe extraction (e2fsprogs#272, rdump path traversal). An image whose
// directory entries were edited byte-for-byte: a name with '/' next to a
// symlink pointing outside the destination ("lnk" + "lnk/pwned"), a name
// with '..' components, one with NUL, and a second '..' entry. Each crafted
// directory stands alone, so the rest of the image stays readable.
// ext2-lite refuses '/' and NUL in names as corruption (EUCLEAN): cp reports
// that directory (exit 4) and extracts everything else; nothing is ever
// written outside the destination. The command's own name check (the second
// line of defence, for any source) is proven with a synthetic source.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe as plainDescribe, expect, it } from 'vitest';
import { createContext } from '../src/cli/cli-context.js';
import { HostSink } from '../src/copy/host-sink.js';
import { copyTree } from '../src/copy/tree-sink.js';
import type { TreeEntry } from '../src/copy/tree-entry.js';
import { runBin, runInProcess } from './support/run-cli.js';
import { needTools, run } from './support/tools.js';

const { tools, describe } = needTools('crafted-name extraction', ['mke2fs', 'debugfs'] as const);

let dir = '';
let img = '';
let outside = '';

/** Replaces the one stored occurrence of `from` with `to` (same length) in the image bytes. */
function rename(bytes: Buffer, from: string, to: Buffer): void {
  const at = bytes.indexOf(from);
  if (at === -1 || bytes.indexOf(from, at + 1) !== -1 || to.length !== from.length) throw new Error(`expected one stored copy of ${from} and a same-length replacement`);
  to.copy(bytes, at);
}

beforeAll(() => {
  if (tools.mke2fs === undefined) return;
  dir = mkdtempSync(join(tmpdir(), 'ext2-cli-crafted-'));
  outside = join(dir, 'outside');
  mkdirSync(outside);
  const src = join(dir, 'src');
  for (const d of ['a-slash', 'b-dotdot', 'c-nul', 'd-dupdot', 'e-fine']) mkdirSync(join(src, d), { recursive: true });
  symlinkSync(outside, join(src, 'a-slash', 'lnk'));
  // File contents never repeat a name: the edits below find each name by its bytes.
  const files = ['a-slash/lnkXpwned', 'b-dotdot/dotdotesc', 'c-nul/nulXname', 'd-dupdot/zz', 'd-dupdot/kept', 'e-fine/normal'];
  for (const [i, name] of files.entries()) writeFileSync(join(src, name), `payload ${i}\n`);
  img = join(dir, 'crafted.img');
  run(tools.mke2fs, ['-q', '-F', '-t', 'ext2', '-b', '1024', '-O', '^dir_index', '-d', src, img, '4M']);
  const bytes = readFileSync(img);
  rename(bytes, 'lnkXpwned', Buffer.from('lnk/pwned'));
  rename(bytes, 'dotdotesc', Buffer.from('../escape'));
  rename(bytes, 'nulXname', Buffer.from('nul\0name'));
  rename(bytes, 'zz', Buffer.from('..'));
  writeFileSync(img, bytes);
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('crafted names in an image', () => {
  it('the image really holds the crafted names (debugfs lists them)', () => {
    expect(run(tools.debugfs, ['-R', 'ls -p /a-slash', img])).toContain('/lnk/pwned/');
    expect(run(tools.debugfs, ['-R', 'ls -p /b-dotdot', img])).toContain('/../escape/');
  });

  it('cp -r writes nothing outside the destination and extracts every sound directory (exit 4 for the corrupt ones)', () => {
    const out = join(dir, 'out');
    const r = runBin(['cp', '-r', `${img}:/`, out]);
    expect(r.code).toBe(4);
    const reports = r.stderr.trimEnd().split('\n');
    expect(reports).toHaveLength(3);
    for (const d of ['a-slash', 'b-dotdot', 'c-nul']) expect(r.stderr).toMatch(new RegExp(`${img}:/${d}: EUCLEAN: corrupt directory entry`));
    expect(readdirSync(outside)).toEqual([]);
    for (const escaped of ['escape', 'pwned']) expect(existsSync(join(dir, escaped))).toBe(false);
    expect(readdirSync(out).sort()).toEqual(['a-slash', 'b-dotdot', 'c-nul', 'd-dupdot', 'e-fine', 'lost+found']);
    expect(readdirSync(join(out, 'a-slash'))).toEqual([]);
    // A second '..' entry is never treated as a name to create.
    expect(readdirSync(join(out, 'd-dupdot'))).toEqual(['kept']);
    expect(readFileSync(join(out, 'e-fine', 'normal'), 'utf8')).toBe('payload 5\n');
  });

  it('a symlink already in the destination is never written through', async () => {
    const out = join(dir, 'out-preexisting');
    mkdirSync(out);
    symlinkSync(outside, join(out, 'e-fine'));
    const r = await runInProcess(['cp', '-r', `${img}:/e-fine`, out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ENOTDIR: exists and is not a directory \(a symlink: not followed\)/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('a file copied onto an existing symlink replaces the link (with -f) instead of following it', async () => {
    const out = join(dir, 'out-file');
    mkdirSync(out);
    symlinkSync(join(outside, 'victim'), join(out, 'normal'));
    const refused = await runInProcess(['cp', `${img}:/e-fine/normal`, join(out, 'normal')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/EEXIST: .*use -f to replace it/);
    expect((await runInProcess(['cp', '-f', `${img}:/e-fine/normal`, join(out, 'normal')])).code).toBe(0);
    expect(lstatSync(join(out, 'normal')).isFile()).toBe(true);
    expect(readdirSync(outside)).toEqual([]);
  });
});

plainDescribe('the name check of every copy (any source)', () => {
  it("skips names with '/', '..', '.', NUL or nothing, and never writes through a symlink it extracted", async () => {
    const base = mkdtempSync(join(tmpdir(), 'ext2-cli-names-'));
    try {
      const away = join(base, 'away');
      mkdirSync(away);
      const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
      const entry = (path: string[], kind: TreeEntry['kind'], extra: Partial<TreeEntry> = {}): TreeEntry => ({
        path: path.map(enc),
        kind,
        perm: kind === 'dir' ? 0o755 : 0o644,
        uid: 0,
        gid: 0,
        atimeNs: 0n,
        mtimeNs: 0n,
        size: 0,
        rdev: 0,
        ...(kind === 'file' ? { data: () => Readable.from([Buffer.from('x')]) } : {}),
        ...extra,
      });
      const source = (async function* () {
        yield entry([], 'dir');
        yield entry(['lnk'], 'symlink', { target: enc(away) });
        yield entry(['lnk/pwned'], 'file');
        yield entry(['..'], 'file');
        yield entry(['.'], 'dir');
        yield entry(['a\0b'], 'file');
        yield entry([''], 'file');
        yield entry(['../up'], 'dir');
        yield entry(['../up', 'below'], 'file');
        yield entry(['ok'], 'file');
      })();
      const stderr = new PassThrough();
      const lines: string[] = [];
      stderr.on('data', (b: Buffer) => lines.push(...b.toString().trimEnd().split('\n')));
      const ctx = createContext({ stdout: new PassThrough(), stderr, stdin: Readable.from([]), stderrIsTTY: false, env: {}, cwd: base }, { json: false, quiet: false, verbose: false }, 'cp');
      const out = join(base, 'out');
      await copyTree(ctx, source, new HostSink(ctx, out, { preserve: false, force: false }));
      expect(ctx.failures).toBe(6);
      expect(lines).toHaveLength(6);
      expect(readdirSync(out).sort()).toEqual(['lnk', 'ok']);
      expect(readlinkSync(join(out, 'lnk'))).toBe(away);
      expect(readdirSync(away)).toEqual([]);
      expect(existsSync(join(base, 'up'))).toBe(false);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
