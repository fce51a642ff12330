// End-to-end: the verbs that edit an image (mkdir, cp into an image, chmod,
// chown, touch, truncate, ln, mknod, mv, rm, rmdir), run on an image made by
// mke2fs, checked one by one with debugfs, and the result e2fsck -fn clean
// and clean for `ext2-lite check`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runBin, runInProcess } from './support/run-cli.js';
import { buildSourceTree, describeTree } from './support/source-tree.js';
import { needTools, run } from './support/tools.js';

const { tools, describe } = needTools('ext2-lite write verbs', ['mke2fs', 'e2fsck', 'debugfs'] as const);

let dir = '';
let img = '';
const debugfs = (cmd: string, image = img): string => run(tools.debugfs, ['-R', cmd, image]);
const ok = async (...args: string[]): Promise<string> => {
  const r = await runInProcess(args);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  return r.out;
};

beforeAll(() => {
  if (tools.mke2fs === undefined) return;
  dir = mkdtempSync(join(tmpdir(), 'ext2-cli-write-'));
  img = join(dir, 'disk.img');
  run(tools.mke2fs, ['-q', '-F', '-t', 'ext2', '-b', '4096', img, '64M']);
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('write verbs', () => {
  it('mkdir -p -m, then cp host -> image (file, tree with -rp, stdin) land where debugfs finds them', async () => {
    await ok('mkdir', '-p', '-m', '750', `${img}:/srv/data/deep`);
    expect(debugfs('stat /srv/data/deep')).toMatch(/Type: directory +Mode: +0750/);
    const src = join(dir, 'tree');
    buildSourceTree(src);
    await ok('cp', '-rp', src, `${img}:/srv/data`);
    writeFileSync(join(dir, 'single.txt'), 'single\n');
    const spawned = runBin(['cp', join(dir, 'single.txt'), `${img}:/srv/`]);
    expect(spawned.code, spawned.stderr).toBe(0);
    expect(runBin(['cp', '-', `${img}:/srv/from-stdin`], { input: 'piped in\n' }).code).toBe(0);
    expect(debugfs('cat /srv/single.txt')).toBe('single\n');
    expect(debugfs('cat /srv/from-stdin')).toBe('piped in\n');
    // The copied tree reads back identically, through ext2-lite and through debugfs.
    const back = join(dir, 'back');
    await ok('cp', '-rp', `${img}:/srv/data/tree`, back);
    expect(describeTree(back, { owners: true, times: true })).toEqual(describeTree(src, { owners: true, times: true }));
    expect(Buffer.from(debugfs('cat /srv/data/tree/size-70000'), 'latin1').length).toBeGreaterThan(0);
    run(tools.e2fsck, ['-fn', img]);
  });

  it('chmod (octal and symbolic), chown, touch -d, truncate -s', async () => {
    await ok('chmod', '4711', `${img}:/srv/single.txt`);
    expect(debugfs('stat /srv/single.txt')).toMatch(/Mode: +04711/);
    await ok('chmod', 'go-x,u-s', `${img}:/srv/single.txt`);
    expect(debugfs('stat /srv/single.txt')).toMatch(/Mode: +0700/);
    await ok('chown', '1000:2000', `${img}:/srv/single.txt`);
    expect(debugfs('stat /srv/single.txt')).toMatch(/User: +1000 +Group: +2000/);
    await ok('chown', ':3000', `${img}:/srv/single.txt`);
    expect(debugfs('stat /srv/single.txt')).toMatch(/User: +1000 +Group: +3000/);
    await ok('touch', '-d', '2001-09-09T01:46:40Z', `${img}:/srv/single.txt`, `${img}:/srv/new-empty`);
    expect(debugfs('stat /srv/new-empty')).toMatch(/mtime: 0x3b9aca00/);
    expect(debugfs('stat /srv/single.txt')).toMatch(/mtime: 0x3b9aca00/);
    await ok('truncate', '-s', '1M', `${img}:/srv/single.txt`, `${img}:/srv/created-by-truncate`);
    expect(debugfs('stat /srv/single.txt')).toMatch(/Size: 1048576/);
    expect(debugfs('stat /srv/created-by-truncate')).toMatch(/Size: 1048576/);
    await ok('truncate', '-s', '3', `${img}:/srv/single.txt`);
    expect(debugfs('cat /srv/single.txt')).toBe('sin');
  });

  it('ln -s, ln (hard), mknod c/b/p', async () => {
    await ok('ln', '-s', '../single.txt', `${img}:/srv/data/sym`);
    expect(debugfs('stat /srv/data/sym')).toMatch(/Fast link dest: "\.\.\/single\.txt"/);
    await ok('ln', `${img}:/srv/from-stdin`, `${img}:/srv/data/hard`);
    expect(debugfs('stat /srv/from-stdin')).toMatch(/Links: 2/);
    await ok('ln', '-sf', 'elsewhere', `${img}:/srv/data/sym`);
    expect(debugfs('stat /srv/data/sym')).toMatch(/Fast link dest: "elsewhere"/);
    await ok('mknod', `${img}:/srv/tty0`, 'c', '4', '0');
    await ok('mknod', '-m', '600', `${img}:/srv/sda`, 'b', '8', '0');
    await ok('mknod', `${img}:/srv/pipe`, 'p');
    expect(debugfs('stat /srv/tty0')).toMatch(/Type: character special/);
    expect(debugfs('stat /srv/sda')).toMatch(/Type: block special +Mode: +0600/);
    expect(debugfs('stat /srv/pipe')).toMatch(/Type: FIFO/);
    const ls = await ok('ls', '-l', `${img}:/srv`);
    expect(ls).toMatch(/\ncrw-r--r-- +1 +0 +0 +4, 0 .* tty0\n/);
    expect(ls).toMatch(/\nbrw------- +1 +0 +0 +8, 0 .* sda\n/);
  });

  it('mv renames and moves into directories; rm, rm -r, rmdir remove; errors keep their codes', async () => {
    await ok('mv', `${img}:/srv/new-empty`, `${img}:/srv/renamed`);
    await ok('mv', `${img}:/srv/renamed`, `${img}:/srv/pipe`, `${img}:/srv/data/deep`);
    expect(debugfs('ls /srv/data/deep')).toMatch(/renamed/);
    expect(debugfs('ls /srv/data/deep')).toMatch(/pipe/);
    await ok('rm', `${img}:/srv/tty0`);
    await ok('rm', '-r', `${img}:/srv/data/tree`);
    await ok('mkdir', `${img}:/empty`);
    await ok('rmdir', `${img}:/empty`);
    expect(debugfs('ls /srv')).not.toMatch(/tty0/);
    expect(debugfs('ls /srv/data')).not.toMatch(/tree/);
    const notEmpty = await runInProcess(['rmdir', `${img}:/srv`]);
    expect([notEmpty.code, notEmpty.stderr]).toEqual([1, expect.stringMatching(/ENOTEMPTY/)]);
    const missing = await runInProcess(['rm', `${img}:/nope`]);
    expect(missing.code).toBe(1);
    expect((await runInProcess(['rm', '-f', `${img}:/nope`])).code).toBe(0);
    expect((await runInProcess(['mv', `${img}:/srv`, `${join(dir, 'other.img')}:/x`])).code).toBe(2);
    run(tools.e2fsck, ['-fn', img]);
    expect((await runInProcess(['check', img])).code).toBe(0);
  });

  it('cp image -> image, between two images and inside one', async () => {
    const second = join(dir, 'second.img');
    expect(runBin(['mkfs', second, '--size', '16M', '-q']).code).toBe(0);
    await ok('cp', '-rp', `${img}:/srv/data`, `${second}:/copied`);
    await ok('cp', `${second}:/copied/hard`, `${second}:/copied/hard-copy`);
    expect(debugfs('cat /copied/hard-copy', second)).toBe('piped in\n');
    expect(debugfs('stat /srv/data/deep', img)).toMatch(/Mode: +0750/);
    expect(debugfs('stat /copied/deep', second)).toMatch(/Mode: +0750/);
    run(tools.e2fsck, ['-fn', second]);
    run(tools.e2fsck, ['-fn', img]);
  });

  it('check finds what e2fsck finds: a wrong free-blocks count in a group descriptor (exit 4)', async () => {
    const broken = join(dir, 'broken.img');
    const bytes = readFileSync(img);
    // Group descriptor 0 sits in block 1 (4 KiB blocks); bg_free_blocks_count is at byte 12.
    bytes.writeUInt16LE((bytes.readUInt16LE(4096 + 12) + 7) & 0xffff, 4096 + 12);
    writeFileSync(broken, bytes);
    const r = await runInProcess(['check', broken]);
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/problem/);
    expect(() => run(tools.e2fsck, ['-fn', broken])).toThrow();
  });
});
