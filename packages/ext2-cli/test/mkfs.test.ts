// End-to-end: `ext2-lite mkfs` (spawned), checked by e2fsprogs and the
// kernel. mkfs -d of generated trees and tarballs must be e2fsck -fn clean,
// check clean, and mount in the kernel with exactly the source's contents;
// --reproducible twice must give the same sha256; mke2fs's flags must show
// in dumpe2fs -h.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import tar from 'tar-stream';
import { withKernelMount } from './support/kernel-mount.js';
import { runBin, runInProcess } from './support/run-cli.js';
import { buildSourceTree, describeTree } from './support/source-tree.js';
import { loopMountUnavailable, needTools, run } from './support/tools.js';

const { tools, describe } = needTools('ext2-lite mkfs', ['mke2fs', 'e2fsck', 'dumpe2fs', 'debugfs', 'sfdisk'] as const);
const noKernel = loopMountUnavailable();
if (noKernel !== undefined) {
  if (process.env.CI) throw new Error(`ext2-lite mkfs kernel comparisons: ${noKernel}; CI runs as root with loop devices`);
  console.warn(`skipping kernel-mount comparisons of mkfs: ${noKernel}`);
}
const itKernel = noKernel === undefined ? it : it.skip;

let dir = '';
let src = '';
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const fsck = (image: string): string => run(tools.e2fsck, ['-fn', image]);
/** Facts compared between a source and a kernel mount (owners and times only as root, who can set them on the host). */
const facts = (root: string): ReturnType<typeof describeTree> => describeTree(root, { owners: true, times: true }).filter((d) => !d.path.startsWith('lost+found'));

beforeAll(() => {
  if (tools.mke2fs === undefined) return;
  dir = mkdtempSync(join(tmpdir(), 'ext2-cli-mkfs-'));
  src = join(dir, 'rootfs');
  buildSourceTree(src);
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('mkfs', () => {
  it('the main job: mkfs --size 64M -d ./rootfs, then ls -l (README), e2fsck -fn clean, check clean', () => {
    const made = runBin(['mkfs', 'disk.img', '--size', '64M', '-d', './rootfs'], { cwd: dir });
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/^disk\.img: ext2, 65536 blocks of 1024 bytes/);
    const listed = runBin(['ls', '-l', 'disk.img:/'], { cwd: dir });
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/\n-rwsr-xr-x +1 +0 +0 +7 [\d-]+ [\d:]+ setuid-tool\n/);
    fsck(join(dir, 'disk.img'));
    expect(runBin(['check', 'disk.img'], { cwd: dir }).code).toBe(0);
  });

  itKernel('mkfs -d: the kernel mounts exactly the source tree (names, types, modes, owners, mtimes, bytes, links, devices)', () => {
    const image = join(dir, 'kernel.img');
    expect(runBin(['mkfs', image, '-s', '96M', '-b', '4096', '-d', src]).code).toBe(0);
    fsck(image);
    withKernelMount(image, (mnt) => expect(facts(mnt)).toEqual(facts(src)));
  });

  itKernel('mkfs -d of a tarball (plain, gzip, on stdin) gives the kernel the same tree as the source', () => {
    const tarball = join(dir, 'rootfs.tar');
    execFileSync('tar', ['--format=pax', '-C', src, '-cf', tarball, '.']);
    execFileSync('gzip', ['-k', '-f', tarball]);
    for (const [name, args, input] of [
      ['tar.img', ['-d', tarball], undefined],
      ['tgz.img', ['-d', `${tarball}.gz`], undefined],
      ['stdin.img', ['-d', '-'], readFileSync(`${tarball}.gz`)],
    ] as const) {
      const image = join(dir, name);
      const r = runBin(['mkfs', image, '-s', '64M', ...args], input === undefined ? {} : { input });
      expect(r.stderr, name).toBe('');
      expect(r.code, name).toBe(0);
      fsck(image);
      withKernelMount(image, (mnt) => expect(facts(mnt)).toEqual(facts(src)));
    }
  });

  it('mkfs -d of a pax archive: xattrs (SCHILY.xattr), nanosecond times, implicit parents, hard links, devices', async () => {
    const archive = join(dir, 'pax.tar');
    const pack = tar.pack();
    const mtime = new Date(1_600_000_000_000);
    // tar-stream writes header.pax as a pax extended header (its typings leave the field out).
    const paxHeaders = { name: 'etc/hosts', mode: 0o644, uid: 7, gid: 8, mtime, pax: { 'SCHILY.xattr.user.origin': 'from-tar', mtime: '1600000000.123456789' } };
    pack.entry(paxHeaders as tar.Headers, '127.0.0.1 localhost\n');
    pack.entry({ name: 'etc/hosts-link', type: 'link', linkname: 'etc/hosts', mtime });
    pack.entry({ name: 'dev/console', type: 'character-device', devmajor: 5, devminor: 1, mode: 0o600, mtime });
    pack.entry({ name: 'run/pipe', type: 'fifo', mode: 0o644, mtime });
    pack.entry({ name: 'bin/sh', type: 'symlink', linkname: 'busybox', mtime });
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk);
    writeFileSync(archive, Buffer.concat(chunks));
    const image = join(dir, 'pax.img');
    const r = runBin(['mkfs', image, '-s', '8M', '-d', archive]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    fsck(image);
    const hosts = JSON.parse((await runInProcess(['stat', '--json', `${image}:/etc/hosts`])).out) as Record<string, unknown> & { xattrs: Record<string, { text?: string }> };
    expect(hosts).toMatchObject({ uid: 7, gid: 8, nlink: 2, mtimeNs: '1600000000123456789', size: 20 });
    expect(hosts.xattrs['user.origin']?.text).toBe('from-tar');
    expect(run(tools.debugfs, ['-R', 'ea_list /etc/hosts', image])).toContain('user.origin (8) = "from-tar"');
    const dev = JSON.parse((await runInProcess(['stat', '--json', `${image}:/dev/console`])).out) as Record<string, unknown>;
    expect(dev).toMatchObject({ type: 'char-device', major: 5, minor: 1, mode: '0600' });
    expect((await runInProcess(['ls', '-l', `${image}:/bin`])).out).toMatch(/sh -> busybox\n/);
    expect(JSON.parse((await runInProcess(['stat', '--json', `${image}:/run/pipe`])).out)).toMatchObject({ type: 'fifo' });
    expect(JSON.parse((await runInProcess(['stat', '--json', `${image}:/dev`])).out)).toMatchObject({ type: 'directory', mode: '0755' });
  });

  it('a tar entry with a .. component is refused and nothing else is lost', async () => {
    const archive = join(dir, 'evil.tar');
    const pack = tar.pack();
    pack.entry({ name: 'ok.txt' }, 'fine\n');
    pack.entry({ name: '../evil.txt' }, 'evil\n');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk);
    writeFileSync(archive, Buffer.concat(chunks));
    const r = await runInProcess(['mkfs', join(dir, 'evil.img'), '-s', '4M', '-d', archive]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/'\.\.\/evil\.txt' has a '\.\.' component/);
  });

  it('--reproducible: the same input twice gives the same sha256; another input or SOURCE_DATE_EPOCH another image', () => {
    const build = (name: string, env: Record<string, string> = {}, extra: string[] = []): string => {
      const image = join(dir, name);
      const r = runBin(['mkfs', image, '-s', '32M', '-d', src, '--reproducible', '--squash-owners', ...extra], { env });
      expect(r.code, r.stderr).toBe(0);
      fsck(image);
      return sha256(image);
    };
    const first = build('repro-1.img');
    expect(build('repro-2.img')).toBe(first);
    const epoch = build('epoch-1.img', { SOURCE_DATE_EPOCH: '1700000000' });
    expect(epoch).not.toBe(first);
    // SOURCE_DATE_EPOCH alone turns reproducible mode on.
    expect(sha256((runBin(['mkfs', join(dir, 'epoch-2.img'), '-s', '32M', '-d', src, '--squash-owners'], { env: { SOURCE_DATE_EPOCH: '1700000000' } }), join(dir, 'epoch-2.img')))).toBe(epoch);
    const info = run(tools.dumpe2fs, ['-h', join(dir, 'epoch-1.img')]);
    expect(info).toMatch(/Filesystem created: +Tue Nov 14 22:13:20 2023/);
    // Times newer than the epoch are clamped to it.
    const listed = JSON.parse(runBin(['ls', '--json', `${join(dir, 'epoch-1.img')}:/`]).out) as { name: string; mtimeNs: string }[];
    for (const e of listed) expect(BigInt(e.mtimeNs), e.name).toBeLessThanOrEqual(1_700_000_000n * 1_000_000_000n);
    writeFileSync(join(src, 'extra'), 'changes the input\n');
    try {
      expect(build('repro-3.img')).not.toBe(first);
    } finally {
      rmSync(join(src, 'extra'));
      utimesSync(src, 1_650_000_000, 1_650_000_000);
    }
  });

  it("mke2fs's flags: -b -I -N -m -L -U -E root_owner,hash_seed -O show in dumpe2fs -h", () => {
    const image = join(dir, 'flags.img');
    const uuid = '0b5e8f53-5c0a-4f1e-9d5e-2a8b3c4d5e6f';
    const seed = '11111111-2222-4333-8444-555555555555';
    const r = runBin(['mkfs', image, '--size', '20M', '-b', '2048', '-I', '128', '-N', '2048', '-m', '1', '-L', 'flagged', '-U', uuid, '-E', `root_owner=1000:1001,hash_seed=${seed}`, '-O', '^resize_inode']);
    expect(r.code, r.stderr).toBe(0);
    fsck(image);
    const h = run(tools.dumpe2fs, ['-h', image]);
    const field = (key: string): string => (new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(h) as RegExpExecArray)[1]?.trim() as string;
    expect(field('Block size')).toBe('2048');
    expect(field('Inode size')).toBe('128');
    expect(Number(field('Inode count'))).toBeGreaterThanOrEqual(2048);
    expect(field('Filesystem volume name')).toBe('flagged');
    expect(field('Filesystem UUID')).toBe(uuid);
    expect(field('Directory Hash Seed')).toBe(seed);
    expect(field('Filesystem features')).not.toContain('resize_inode');
    expect(Number(field('Reserved block count'))).toBe(Math.floor(Number(field('Block count')) / 100));
    expect(run(tools.debugfs, ['-R', 'stat /', image])).toMatch(/User: +1000 +Group: +1001/);
  });

  it('--uid/--gid and --squash-owners set every owner', async () => {
    const image = join(dir, 'owners.img');
    expect(runBin(['mkfs', image, '-s', '32M', '-d', src, '--uid', '4242', '--gid', '77']).code).toBe(0);
    const all = JSON.parse((await runInProcess(['ls', '-R', '--json', `${image}:/`])).out) as { path: string; uid: number; gid: number }[];
    for (const e of all.filter((x) => !x.path.startsWith('/lost+found'))) expect([e.path, e.uid, e.gid]).toEqual([e.path, 4242, 77]);
  });

  it('mkfs --partition 2 formats only that partition of an MBR disk', async () => {
    const disk = join(dir, 'disk-mbr.img');
    writeFileSync(disk, '');
    truncateSync(disk, 48 << 20);
    run(tools.sfdisk, ['-q', disk], 'label: dos\nstart=2048, size=16384, type=83\nstart=20480, size=65536, type=83\n');
    const table = readFileSync(disk).subarray(0, 512);
    expect(runBin(['mkfs', '--partition', '2', disk, '-d', src]).code).toBe(0);
    expect(readFileSync(disk).subarray(0, 512).equals(table)).toBe(true);
    fsck(`${disk}?offset=${20480 * 512}`);
    expect((await runInProcess(['cat', '--partition', '2', `${disk}:/size-70000`])).stdout.equals(readFileSync(join(src, 'size-70000')))).toBe(true);
    expect(statSync(disk).size).toBe(48 << 20);
  });

  it('usage errors: no --size for a new file, -N with -i, a bad -E (exit 2); an unsupported -O feature (exit 1)', async () => {
    expect((await runInProcess(['mkfs', join(dir, 'nosize.img')])).code).toBe(2);
    expect((await runInProcess(['mkfs', join(dir, 'x.img'), '-s', '8M', '-N', '100', '-i', '4096'])).code).toBe(2);
    expect((await runInProcess(['mkfs', join(dir, 'x.img'), '-s', '8M', '-E', 'stride=4'])).code).toBe(2);
    const ext4 = await runInProcess(['mkfs', join(dir, 'x.img'), '-s', '8M', '-O', 'extent']);
    expect(ext4.code).toBe(1);
    expect(ext4.stderr).toMatch(/EINVAL: .*extent/);
    mkdirSync(join(dir, 'empty'), { recursive: true });
  });
});
