// cp onto names that already exist, into an image and onto the host. Both
// sinks create first and clear what is in the way only when creation fails
// with EEXIST, so these cases are where that path runs:
//  - a regular file in the way is replaced (by a file, a symlink, a hard link);
//  - a symlink or special file in the way is refused without -f (EEXIST,
//    exit 1) and replaced with it, never followed;
//  - a directory in the way of a non-directory is EISDIR (exit 1);
//  - the rest of the copy goes on, and a second copy of a tree over the
//    first replaces every file.
import { linkSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess, type CliResult } from './support/run-cli.js';
import { runOk, useScratchDir } from './support/scratch-dir.js';

const scratch = useScratchDir('ext2-cli-over-');

function ok(args: string[]): Promise<CliResult> {
  return runOk(args, scratch());
}

/** The source tree `src/`: f, s -> f, d/g, d/h (a file of its own, or with `hardLink` a second name of d/g), x. */
function makeSource(version: string, hardLink = false): string {
  const src = join(scratch(), 'src');
  rmSync(src, { recursive: true, force: true });
  mkdirSync(join(src, 'd'), { recursive: true });
  writeFileSync(join(src, 'f'), `f ${version}\n`);
  symlinkSync('f', join(src, 's'));
  writeFileSync(join(src, 'd', 'g'), `g ${version}\n`);
  if (hardLink) linkSync(join(src, 'd', 'g'), join(src, 'd', 'h'));
  else writeFileSync(join(src, 'd', 'h'), `h ${version}\n`);
  writeFileSync(join(src, 'x'), `x ${version}\n`);
  return src;
}

/** What an image holds at `path`: its type and content (file) or target (symlink), read with stat --json and cat. */
async function imageEntry(image: string, path: string): Promise<{ type: string; content?: string; target?: string }> {
  const st = JSON.parse((await ok(['stat', '--json', `${image}:${path}`])).out) as { type: string; target?: string };
  if (st.type === 'file') return { type: 'file', content: (await ok(['cat', `${image}:${path}`])).out };
  return st.type === 'symlink' ? { type: 'symlink', target: st.target } : { type: st.type };
}

function hostEntry(path: string): { type: string; content?: string; target?: string } {
  const st = lstatSync(path);
  if (st.isFile()) return { type: 'file', content: readFileSync(path, 'utf8') };
  if (st.isSymbolicLink()) return { type: 'symlink', target: readlinkSync(path) };
  return { type: st.isDirectory() ? 'directory' : 'other' };
}

describe('cp host -> image onto existing names', () => {
  it('replaces files, refuses a symlink in the way without -f and a directory always, and copies the rest', async () => {
    makeSource('new');
    await ok(['mkfs', 'dst.img', '--size', '8M']);
    await ok(['mkdir', '-p', 'dst.img:/dst/src/d', 'dst.img:/dst/src/x']);
    writeFileSync(join(scratch(), 'old'), 'old\n');
    await ok(['cp', 'old', 'dst.img:/dst/src/f']);
    await ok(['cp', 'old', 'dst.img:/dst/src/s']);
    await ok(['ln', '-s', '/victim', 'dst.img:/dst/src/d/g']);
    await ok(['cp', 'old', 'dst.img:/victim']);

    const refused = await runInProcess(['cp', '-r', 'src', 'dst.img:/dst'], { cwd: scratch() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/dst\.img:\/dst\/src\/d\/g: EEXIST: .*use -f to replace it/);
    expect(refused.stderr).toMatch(/dst\.img:\/dst\/src\/x: EISDIR: cannot replace a directory with a file/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(2);
    expect(await imageEntry('dst.img', '/dst/src/f')).toEqual({ type: 'file', content: 'f new\n' });
    expect(await imageEntry('dst.img', '/dst/src/s')).toEqual({ type: 'symlink', target: 'f' });
    expect(await imageEntry('dst.img', '/dst/src/d/g')).toEqual({ type: 'symlink', target: '/victim' });
    expect(await imageEntry('dst.img', '/victim')).toEqual({ type: 'file', content: 'old\n' });
    expect(await imageEntry('dst.img', '/dst/src/x')).toEqual({ type: 'directory' });

    const forced = await runInProcess(['cp', '-rf', 'src', 'dst.img:/dst'], { cwd: scratch() });
    expect(forced.code).toBe(1);
    expect(forced.stderr).toMatch(/EISDIR/);
    expect(await imageEntry('dst.img', '/dst/src/d/g')).toEqual({ type: 'file', content: 'g new\n' });
    expect(await imageEntry('dst.img', '/victim')).toEqual({ type: 'file', content: 'old\n' });
  });

  it('a second copy of a tree over the first replaces every file; a hard link replaces the file at its name', async () => {
    makeSource('one');
    await ok(['mkfs', 'dst.img', '--size', '8M']);
    await ok(['cp', '-r', 'src', 'dst.img:/']);
    expect(await imageEntry('dst.img', '/src/d/h')).toEqual({ type: 'file', content: 'h one\n' });
    makeSource('two', true);
    // The symlink s is in the way this time: -f (as with coreutils cp, which says "File exists" without it).
    await ok(['cp', '-rf', 'src', 'dst.img:/']);
    expect(await imageEntry('dst.img', '/src/s')).toEqual({ type: 'symlink', target: 'f' });
    for (const [path, content] of [['/src/f', 'f two\n'], ['/src/d/g', 'g two\n'], ['/src/d/h', 'g two\n'], ['/src/x', 'x two\n']] as const) {
      expect(await imageEntry('dst.img', path)).toEqual({ type: 'file', content });
    }
    const [g, h] = await Promise.all(['/src/d/g', '/src/d/h'].map(async (p) => JSON.parse((await ok(['stat', '--json', `dst.img:${p}`])).out) as { ino: number; nlink: number }));
    expect(h?.ino).toBe(g?.ino);
    expect(g?.nlink).toBe(2);
    expect((await runInProcess(['check', 'dst.img'], { cwd: scratch() })).code).toBe(0);
  });
});

describe('cp image -> host onto existing names', () => {
  it('replaces files, refuses a symlink in the way without -f and a directory always, and copies the rest', async () => {
    makeSource('new');
    await ok(['mkfs', 'src.img', '--size', '8M', '-d', 'src']);
    const out = join(scratch(), 'out');
    mkdirSync(join(out, 'd'), { recursive: true });
    mkdirSync(join(out, 'x'));
    writeFileSync(join(out, 'f'), 'old\n');
    writeFileSync(join(out, 's'), 'old\n');
    writeFileSync(join(scratch(), 'victim'), 'old\n');
    symlinkSync(join(scratch(), 'victim'), join(out, 'd', 'g'));

    // The image's root is copied into out/ (cp -r IMAGE:/ DIR copies the root's contents).
    const refused = await runInProcess(['cp', '-r', 'src.img:/', `${out}/`], { cwd: scratch() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/out\/d\/g: EEXIST: .*use -f to replace it/);
    expect(refused.stderr).toMatch(/out\/x: EISDIR: cannot replace a directory with a file/);
    expect(hostEntry(join(out, 'f'))).toEqual({ type: 'file', content: 'f new\n' });
    expect(hostEntry(join(out, 's'))).toEqual({ type: 'symlink', target: 'f' });
    expect(hostEntry(join(out, 'd', 'g'))).toEqual({ type: 'symlink', target: join(scratch(), 'victim') });
    expect(readFileSync(join(scratch(), 'victim'), 'utf8')).toBe('old\n');
    expect(hostEntry(join(out, 'x'))).toEqual({ type: 'directory' });

    const forced = await runInProcess(['cp', '-rf', 'src.img:/', `${out}/`], { cwd: scratch() });
    expect(forced.code).toBe(1);
    expect(hostEntry(join(out, 'd', 'g'))).toEqual({ type: 'file', content: 'g new\n' });
    expect(readFileSync(join(scratch(), 'victim'), 'utf8')).toBe('old\n');
  });
});
