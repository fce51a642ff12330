// cp into an image makes files, symlinks, devices and hard links through
// the inode operations in directory inodes it keeps (copy/image-sink.ts),
// not through fs.promises paths. What fs.promises gave as root must stay
// true: new inodes belong to root and take the group of a set-group-ID
// directory; -p keeps the source's owners and mode bits; the copy's root
// entry may be a file named by the destination path; every kind of entry
// arrives, and `check` finds the image clean.
import { chownSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess, type CliResult } from './support/run-cli.js';
import { runOk, useScratchDir } from './support/scratch-dir.js';

const scratch = useScratchDir('ext2-cli-into-');

function ok(args: string[]): Promise<CliResult> {
  return runOk(args, scratch());
}

interface StatJson {
  type: string;
  mode: string;
  nlink: number;
  uid: number;
  gid: number;
  ino: number;
  target?: string;
}

async function stat(target: string): Promise<StatJson> {
  return JSON.parse((await ok(['stat', '--json', target])).out) as StatJson;
}

/** src/: f (0640), x (0755), s -> f, d/g, d/h (a hard link of d/g), owned by 1234:77 where the host allows it. */
function makeSource(): string {
  const src = join(scratch(), 'src');
  mkdirSync(join(src, 'd'), { recursive: true });
  writeFileSync(join(src, 'f'), 'f\n', { mode: 0o640 });
  writeFileSync(join(src, 'x'), '#!/bin/sh\n', { mode: 0o755 });
  symlinkSync('f', join(src, 's'));
  writeFileSync(join(src, 'd', 'g'), 'g\n', { mode: 0o600 });
  linkSync(join(src, 'd', 'g'), join(src, 'd', 'h'));
  return src;
}

const isRoot = process.getuid?.() === 0;

describe('cp into an image', () => {
  it('new entries belong to root, in the group of a set-group-ID directory, with the source mode bits', async () => {
    const src = makeSource();
    await ok(['mkfs', 'disk.img', '--size', '8M']);
    await ok(['mkdir', 'disk.img:/plain', 'disk.img:/shared']);
    await ok(['chown', '0:55', 'disk.img:/shared']);
    await ok(['chmod', '2775', 'disk.img:/shared']);
    await ok(['cp', '-r', src, 'disk.img:/plain/']);
    await ok(['cp', '-r', src, 'disk.img:/shared/']);
    for (const [top, gid] of [['plain', 0], ['shared', 55]] as const) {
      for (const [name, type, mode] of [['f', 'file', '0640'], ['x', 'file', '0755'], ['s', 'symlink', '0777'], ['d/g', 'file', '0600']] as const) {
        const st = await stat(`disk.img:/${top}/src/${name}`);
        expect({ name, type: st.type, mode: st.mode, uid: st.uid, gid: st.gid }).toEqual({ name, type, mode, uid: 0, gid });
      }
      const [g, h] = [await stat(`disk.img:/${top}/src/d/g`), await stat(`disk.img:/${top}/src/d/h`)];
      expect(h.ino).toBe(g.ino);
      expect(g.nlink).toBe(2);
      expect((await stat(`disk.img:/${top}/src/s`)).target).toBe('f');
    }
    expect((await runInProcess(['check', 'disk.img'], { cwd: scratch() })).code).toBe(0);
  });

  it.skipIf(!isRoot)('-p keeps the source owners (needs root to own files as someone else on the host)', async () => {
    const src = makeSource();
    for (const name of ['f', 'x', 'd', 'd/g']) chownSync(join(src, name), 1234, 77);
    await ok(['mkfs', 'disk.img', '--size', '8M']);
    await ok(['mkdir', 'disk.img:/shared']);
    await ok(['chown', '0:55', 'disk.img:/shared']);
    await ok(['chmod', '2775', 'disk.img:/shared']);
    await ok(['cp', '-rp', src, 'disk.img:/shared/']);
    for (const name of ['f', 'x', 'd', 'd/g', 'd/h']) {
      const st = await stat(`disk.img:/shared/src/${name}`);
      expect({ name, uid: st.uid, gid: st.gid }).toEqual({ name, uid: 1234, gid: 77 });
    }
    expect((await stat('disk.img:/shared/src/f')).mode).toBe('0640');
  });

  it('a single file lands under the destination name, or in the destination directory; a missing parent is ENOENT', async () => {
    writeFileSync(join(scratch(), 'one.txt'), 'one\n');
    await ok(['mkfs', 'disk.img', '--size', '8M']);
    await ok(['mkdir', 'disk.img:/etc']);
    await ok(['cp', 'one.txt', 'disk.img:/etc/renamed']);
    await ok(['cp', 'one.txt', 'disk.img:/etc']);
    await ok(['cp', 'one.txt', 'disk.img:/top']);
    for (const path of ['/etc/renamed', '/etc/one.txt', '/top']) expect((await ok(['cat', `disk.img:${path}`])).out).toBe('one\n');
    const missing = await runInProcess(['cp', 'one.txt', 'disk.img:/nowhere/x'], { cwd: scratch() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ENOENT');
    expect((await runInProcess(['check', 'disk.img'], { cwd: scratch() })).code).toBe(0);
  });
});
