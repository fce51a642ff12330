// End-to-end: the read verbs on an image made by mke2fs -d from a generated
// tree, compared with what e2fsprogs (debugfs, dumpe2fs) says about the
// same image and with the source tree itself. The binary is spawned as a
// user would run it; the many small cases also run in-process.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runBin, runInProcess } from './support/run-cli.js';
import { buildSourceTree, describeTree, isRoot, listTree } from './support/source-tree.js';
import { needTools, run } from './support/tools.js';

const { tools, describe } = needTools('ext2-lite read verbs', ['mke2fs', 'debugfs', 'dumpe2fs'] as const);

let dir = '';
let src = '';
let img = '';

const LOG_TEXT = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n');
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const debugfs = (cmd: string, image = img): string => run(tools.debugfs, ['-R', cmd, image]);

beforeAll(() => {
  if (tools.mke2fs === undefined) return;
  dir = mkdtempSync(join(tmpdir(), 'ext2-cli-read-'));
  src = join(dir, 'src');
  img = join(dir, 'disk.img');
  buildSourceTree(src);
  writeFileSync(join(src, 'log.txt'), `${LOG_TEXT}\n`);
  writeFileSync(join(src, 'nonl.txt'), LOG_TEXT);
  run(tools.mke2fs, ['-q', '-F', '-t', 'ext2', '-b', '1024', '-I', '256', '-d', src, img, '32M']);
  run(tools.debugfs, ['-w', '-R', 'ea_set /size-1 user.origin hello-xattr', img]);
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('read verbs against e2fsprogs (spawned binary)', () => {
  it('never modify the image: sha256 and mtime are the same after every read verb', async () => {
    const before = sha256(img);
    const mtime = statSync(img).mtimeMs;
    const calls = [
      ['ls', '-laRi', `${img}:/`],
      ['ls', '--json', '-R', `${img}:/`],
      ['cat', `${img}:/size-70000`],
      ['tail', '-n', '2', `${img}:/dir/sub/deeper/leaf.txt`],
      ['stat', '--json', `${img}:/size-1`],
      ['df', img],
      ['info', img],
      ['fiemap', `${img}:/sparse`],
      ['cp', '-rp', `${img}:/dir`, join(dir, 'ro-copy')],
      ['cat', `${img}:/missing`],
    ];
    for (const args of calls.slice(0, 3)) runBin(args);
    for (const args of calls.slice(3)) await runInProcess(args);
    expect(sha256(img)).toBe(before);
    expect(statSync(img).mtimeMs).toBe(mtime);
  });

  it('ls -l of the root names the entries debugfs lists, with their inode numbers and modes', () => {
    const r = runBin(['ls', '-la', '--json', `${img}:/`]);
    expect(r.code).toBe(0);
    const ours = (JSON.parse(r.out) as { name: string; ino: number; mode: string }[]).map((e) => [e.name, e.ino, e.mode]);
    const theirs = debugfs('ls -p /')
      .split('\n')
      .map((l) => /^\/(\d+)\/(\d+)\/\d+\/\d+\/(.*)\/\d*\/$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[3], Number(m[1]), (parseInt(m[2] as string, 8) & 0o7777).toString(8).padStart(4, '0')]);
    expect(ours.sort()).toEqual(theirs.sort());
  });

  it('ls -R lists every path of the source tree (plus lost+found)', async () => {
    const r = await runInProcess(['ls', '-R', '-a', '--json', `${img}:/`]);
    expect(r.code).toBe(0);
    const paths = (JSON.parse(r.out) as { path: string }[]).map((e) => e.path.slice(1)).filter((p) => !p.startsWith('lost+found') && p !== '' && !p.endsWith('/..'));
    expect(paths.sort()).toEqual(listTree(src).sort());
  });

  it('ls -l prints ls-style lines: mode, links, owner, size or device numbers, symlink targets', async () => {
    const r = await runInProcess(['ls', '-l', `${img}:/links`]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^total \d+\n/);
    expect(r.out).toMatch(/\nlrwxrwxrwx +1 +\d+ +\d+ +9 [\d-]+ [\d:]+ fast -> \.\.\/size-1\n/);
    expect(r.out).toMatch(/\n-rw-r--r-- +3 .* hard-1\n/);
    expect(r.out).toMatch(/\nprw-r--r-- +1 .* fifo\n/);
    if (isRoot) expect(r.out).toMatch(/\ncrw-r--r-- +1 +\d+ +\d+ +4, 5 .* tty\n/);
  });

  it('cat writes the exact bytes of files, including a sparse 8 MiB file, through a pipe', async () => {
    const piped = runBin(['cat', `${img}:/sparse`, `${img}:/size-1`]);
    expect(piped.stdout.equals(Buffer.concat([readFileSync(join(src, 'sparse')), readFileSync(join(src, 'size-1'))]))).toBe(true);
    for (const name of ['size-0', 'size-1023', 'size-4097', 'size-70000', 'zero-blocks-inside', `size-${3 << 20}`]) {
      const r = await runInProcess(['cat', `${img}:/${name}`]);
      expect(r.code, name).toBe(0);
      expect(r.stdout.equals(readFileSync(join(src, name))), name).toBe(true);
    }
  });

  it('tail -n prints the last lines, with or without a final newline', async () => {
    const text = LOG_TEXT;
    expect((await runInProcess(['tail', '-n', '3', `${img}:/log.txt`])).out).toBe('line 4997\nline 4998\nline 4999\n');
    expect((await runInProcess(['tail', '-n', '2', `${img}:/nonl.txt`])).out).toBe('line 4998\nline 4999');
    expect((await runInProcess(['tail', `${img}:/log.txt`])).out.split('\n').length).toBe(11);
    expect((await runInProcess(['tail', '-n', '0', `${img}:/log.txt`])).out).toBe('');
    expect((await runInProcess(['tail', '-n', '99999', `${img}:/nonl.txt`])).out).toBe(text);
  });

  it('stat --json agrees with debugfs stat: inode, mode, links, owner, size, times, xattrs', async () => {
    for (const path of ['/size-1', '/links/hard-1', '/links/slow', '/dir/sub', '/setuid-tool']) {
      const ours = JSON.parse((await runInProcess(['stat', '--json', `${img}:${path}`])).out) as Record<string, unknown>;
      const theirs = debugfs(`stat ${path}`);
      const num = (re: RegExp): number => Number((re.exec(theirs) as RegExpExecArray)[1]);
      expect(ours.ino, path).toBe(num(/Inode: (\d+)/));
      expect(parseInt(ours.mode as string, 8), path).toBe(parseInt((/Mode:\s+(\d+)/.exec(theirs) as RegExpExecArray)[1] as string, 8));
      expect(ours.nlink, path).toBe(num(/Links: (\d+)/));
      expect([ours.uid, ours.gid], path).toEqual([num(/User:\s+(\d+)/), num(/Group:\s+(\d+)/)]);
      expect(ours.size, path).toBe(num(/Size: (\d+)/));
      expect(BigInt(ours.mtimeNs as string) / 1_000_000_000n, path).toBe(BigInt(parseInt((/mtime: 0x([0-9a-f]+)/.exec(theirs) as RegExpExecArray)[1] as string, 16)));
    }
    const withXattr = JSON.parse((await runInProcess(['stat', '--json', `${img}:/size-1`])).out) as { xattrs: Record<string, { text?: string }> };
    expect(withXattr.xattrs['user.origin']?.text).toBe('hello-xattr');
  });

  it('info prints the keys and values of dumpe2fs -h', async () => {
    const ours = (await runInProcess(['info', img])).out;
    const theirs = run(tools.dumpe2fs, ['-h', img]);
    const parse = (text: string): Map<string, string> =>
      new Map(
        text
          .split('\n')
          .map((l) => /^([A-Za-z][^:]*):\s*(.*?)\s*$/.exec(l))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => [m[1] as string, (m[2] as string).replace(/ \((user|group) [^)]*\)$/, '')]),
      );
    const o = parse(ours);
    const t = parse(theirs);
    for (const key of t.keys()) {
      if (key.startsWith('Journal') || key === 'Filesystem created' || key.startsWith('Last')) continue;
      expect(o.get(key), key).toBe(t.get(key));
    }
    for (const key of ['Filesystem created', 'Last write time', 'Last checked']) expect(new Date(o.get(key) as string).getTime(), key).toBe(new Date(`${t.get(key)} UTC`).getTime());
    const json = JSON.parse((await runInProcess(['info', '--json', img])).out) as Record<string, unknown>;
    expect(json.blockSize).toBe(1024);
    expect(json.features).toEqual((t.get('Filesystem features') as string).split(' '));
  });

  it('df --json counts the free blocks and inodes dumpe2fs reports', async () => {
    const df = JSON.parse((await runInProcess(['df', '--json', img])).out) as Record<string, number>;
    const t = run(tools.dumpe2fs, ['-h', img]);
    expect(df.freeBlocks).toBe(Number((/Free blocks:\s+(\d+)/.exec(t) as RegExpExecArray)[1]));
    expect(df.freeInodes).toBe(Number((/Free inodes:\s+(\d+)/.exec(t) as RegExpExecArray)[1]));
    expect(df.inodes).toBe(Number((/Inode count:\s+(\d+)/.exec(t) as RegExpExecArray)[1]));
    expect((await runInProcess(['df', img])).out).toMatch(/^1K-blocks +Used +Available +Use% +Inodes +IUsed +IFree +IUse% +Image\n/);
  });

  it('fiemap lists the data blocks debugfs names, holes left out', async () => {
    for (const path of ['/sparse', `/size-${3 << 20}`, '/size-4097']) {
      const ours = JSON.parse((await runInProcess(['fiemap', '--json', `${img}:${path}`])).out) as { extents: { physical: number; blocks: number }[] };
      const blocks = ours.extents.flatMap((e) => Array.from({ length: e.blocks }, (_, i) => e.physical + i));
      const theirs = debugfs(`stat ${path}`);
      const listed = (/BLOCKS:\n(.*)\n/.exec(theirs) as RegExpExecArray)[1] as string;
      const data = listed
        .split(', ')
        .filter((p) => !/IND\)/.test(p))
        .flatMap((p) => {
          const m = /^\((\d+)(?:-(\d+))?\):(\d+)(?:-(\d+))?$/.exec(p) as RegExpExecArray;
          const n = Number(m[2] ?? m[1]) - Number(m[1]) + 1;
          return Array.from({ length: n }, (_, i) => Number(m[3]) + i);
        });
      expect(blocks, path).toEqual(data);
    }
  });

  it('cp -rp copies the whole image onto the host: same names, types, modes, owners, times, bytes, links', () => {
    const out = join(dir, 'extracted');
    const r = runBin(['cp', '-rp', `${img}:/`, out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    rmSync(join(out, 'lost+found'), { recursive: true });
    const what = { owners: true, times: true };
    expect(describeTree(out, what)).toEqual(describeTree(src, what));
  });

  it('cp without -p keeps symlinks as symlinks; -L follows them inside the image', async () => {
    const plain = join(dir, 'plain-links');
    expect((await runInProcess(['cp', '-r', `${img}:/links`, plain])).code).toBe(0);
    expect(describeTree(plain).find((d) => d.path === 'fast')?.target).toBe('../size-1');
    const followed = join(dir, 'followed');
    const r = await runInProcess(['cp', '-L', `${img}:/links/fast`, followed]);
    expect(r.code).toBe(0);
    expect(readFileSync(followed)).toEqual(readFileSync(join(src, 'size-1')));
  });

  it('cp IMAGE:FILE - writes to stdout; cp into an existing directory keeps the name', async () => {
    expect(runBin(['cp', `${img}:/size-70000`, '-']).stdout.equals(readFileSync(join(src, 'size-70000')))).toBe(true);
    const into = mkdtempSync(join(dir, 'into-'));
    expect((await runInProcess(['cp', `${img}:/secret`, `${img}:/size-1`, into])).code).toBe(0);
    expect(readFileSync(join(into, 'secret'), 'utf8')).toBe('key\n');
    expect(readFileSync(join(into, 'size-1'))).toEqual(readFileSync(join(src, 'size-1')));
    const r = await runInProcess(['cp', `${img}:/dir`, into]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/-r not given; omitting directory/);
  });
});

describe('errors and exit codes (spawned binary)', () => {
  it('a missing path exits 1 with one stderr line naming image, path, cause and code', () => {
    const r = runBin(['cat', `${img}:/no/such/file`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${img}:/no/such/file`);
    expect(r.stderr).toMatch(/ENOENT: no such file or directory/);
  });

  it('--json errors are one JSON object on stderr', () => {
    const r = runBin(['stat', '--json', `${img}:/nope`]);
    expect(r.code).toBe(1);
    const err = JSON.parse(r.stderr) as { error: Record<string, unknown> };
    expect(err.error).toMatchObject({ verb: 'stat', image: img, path: '/nope', code: 'ENOENT', exitCode: 1 });
  });

  it('usage errors exit 2: unknown flag, missing operand, a host path where IMAGE:PATH is needed, bad -n', async () => {
    expect(runBin(['ls', '--bogus', img]).code).toBe(2);
    for (const args of [['ls', '--bogus', img], ['cat'], ['cat', join(dir, 'nothing-here')], ['tail', '-n', 'x', `${img}:/size-1`], ['frobnicate'], []]) {
      const r = await runInProcess(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).not.toBe('');
    }
    expect(JSON.parse((await runInProcess(['--json', 'ls', '--bogus', img])).stderr)).toMatchObject({ error: { code: 'EINVAL', exitCode: 2 } });
  });

  it('an unsupported feature exits 3 (an ext4 image with extents)', () => {
    const ext4 = join(dir, 'ext4.img');
    run(tools.mke2fs, ['-q', '-F', '-t', 'ext4', ext4, '8M']);
    const r = runBin(['ls', `${ext4}:/`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/EOPNOTSUPP: unsupported feature.*extent/);
    expect(runBin(['info', ext4]).code).toBe(0);
  });

  it('corruption exits 4: a zeroed superblock magic, a directory block full of garbage', () => {
    const bad = join(dir, 'bad-magic.img');
    const bytes = readFileSync(img);
    bytes.writeUInt16LE(0, 1024 + 0x38);
    writeFileSync(bad, bytes);
    const r = runBin(['ls', `${bad}:/`]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/EUCLEAN: corrupt superblock/);
    expect(runBin(['info', bad]).code).toBe(4);

    const garbage = join(dir, 'bad-dir.img');
    const block = Number((/BLOCKS:\n\(0\):(\d+)/.exec(debugfs('stat /dir')) as RegExpExecArray)[1]);
    const image = readFileSync(img);
    image.fill(0xff, block * 1024, (block + 1) * 1024);
    writeFileSync(garbage, image);
    const listed = runBin(['ls', `${garbage}:/dir`]);
    expect(listed.code).toBe(4);
    expect(listed.stderr).toContain(`${garbage}:/dir: EUCLEAN: corrupt`);
  });

  it('--help of every verb shows usage and an example', async () => {
    const verbs = ['mkfs', 'ls', 'cat', 'tail', 'stat', 'df', 'info', 'fiemap', 'check', 'cp', 'mkdir', 'rm', 'rmdir', 'chmod', 'chown', 'touch', 'truncate', 'mv', 'ln', 'mknod'];
    const top = runBin(['--help']);
    expect(top.code).toBe(0);
    for (const verb of verbs) {
      expect(top.out, verb).toContain(verb);
      const r = await runInProcess([verb, '--help']);
      expect(r.code, verb).toBe(0);
      expect(r.out, verb).toMatch(/^Usage: ext2-lite /);
      expect(r.out, verb).toMatch(new RegExp(`Examples?:\\n  \\$ ext2-lite ${verb}`));
    }
  });
});
