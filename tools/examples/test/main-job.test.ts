// Runs the root README's "main job" line exactly as written, from the
// repository root as a user would after `npm ci`, and checks that the image
// it makes is a real ext2 filesystem holding examples/rootfs: the listing
// names every top-level entry, and (where e2fsprogs is installed) `e2fsck -fn`
// finds nothing wrong. The README and this test cannot drift apart: the
// command is read out of the README.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** The shell line in the code block under "## The main job". */
function mainJobCommand(): string {
  const section = readme.split('## The main job')[1];
  const block = section?.match(/```sh\n([^\n]+)\n```/);
  if (block?.[1] === undefined) throw new Error('README.md has no ```sh block under "## The main job"');
  return block[1];
}

const command = mainJobCommand();
const image = join(repoRoot, 'disk.img');

afterAll(() => rmSync(image, { force: true }));

describe('the README main job', () => {
  it('makes an image of examples/rootfs and lists it', () => {
    expect(command).toContain('npx ext2-lite mkfs disk.img');
    rmSync(image, { force: true });
    const run = spawnSync('sh', ['-c', command], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    if (run.status !== 0) throw new Error(`"${command}" exited with ${String(run.status)}:\n${run.stderr}\n${run.stdout}`);
    expect(existsSync(image)).toBe(true);
    const listed = run.stdout.split('\n').map((line) => line.trim().split(/\s+/).at(-1));
    for (const name of readdirSync(join(repoRoot, 'examples', 'rootfs'))) expect(listed).toContain(name);
    expect(listed).toContain('lost+found');
  }, 120_000);

  it('leaves an image e2fsck -fn finds clean', () => {
    const fsck = spawnSync('e2fsck', ['-fn', image], { encoding: 'utf8' });
    if (fsck.error !== undefined) {
      if (process.env['CI']) throw new Error(`e2fsck is needed in CI (apt-get install e2fsprogs): ${fsck.error.message}`);
      console.warn('skipping the e2fsck check: e2fsck is not installed');
      return;
    }
    expect({ status: fsck.status, stderr: fsck.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(fsck.stdout).toMatch(/Pass 5: Checking group summary information/);
  });
});
