// getfacl and setfacl on images, against the real acl tools: each setfacl
// command line of a table runs with the real setfacl on host files (in the
// temp dir, whose filesystem has ACLs) and with ours on the same files in an
// image made from that tree by `mkfs -d`; then our getfacl must print what
// the real `getfacl -n` prints, line for line, and the modes must agree.
// The kernel reads what we write, and we read what the kernel writes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../src/index.js';
import { withKernelMount } from './support/kernel-mount.js';
import { runBin, runInProcess } from './support/run-cli.js';
import { loopMountUnavailable, needTools, run } from './support/tools.js';

const { tools, describe } = needTools('ext2-lite getfacl/setfacl', ['getfacl', 'setfacl', 'e2fsck'] as const);
const noKernel = loopMountUnavailable();
if (noKernel !== undefined) {
  if (process.env.CI) throw new Error(`ext2-lite ACL kernel comparisons: ${noKernel}; CI runs as root with loop devices`);
  console.warn(`skipping kernel-mount comparisons of getfacl/setfacl: ${noKernel}`);
}
const itKernel = noKernel === undefined ? it : it.skip;

/** One row of the oracle table: a file or directory of the tree, its mode, and setfacl command lines (without the operand). */
interface OracleCase {
  name: string;
  path: string;
  mode: number;
  dir?: boolean;
  steps: string[][];
  /** Compare with getfacl -R (the operand is a tree, see beforeAll). */
  recursive?: boolean;
}

const CASES: readonly OracleCase[] = [
  { name: 'a named user: the mask is the group class, the mode’s group bits follow it', path: 'named-user', mode: 0o640, steps: [['-m', 'u:1000:rw']] },
  { name: 'named groups and users: the mask is recomputed by every -m (also one that changes nothing)', path: 'named-group', mode: 0o640, steps: [['-m', 'g:50:rwx'], ['-m', 'm::r'], ['-m', 'u:7:r']] },
  { name: '-n keeps the mask; a mask that is needed but missing copies the owning group', path: 'no-mask', mode: 0o600, steps: [['-n', '-m', 'g::r,u:1:rwx'], ['-n', '-m', 'u:2:rw']] },
  { name: 'an explicit mask is kept (per ACL), --mask recomputes it anyway', path: 'explicit-mask', mode: 0o644, steps: [['-m', 'u:1:rwx,m::r'], ['-m', 'm::-', '-m', 'u:2:rw'], ['--mask', '-m', 'm::x']] },
  { name: '-x removes entries and recomputes the mask; an absent entry is no error; -x m:: with no named entries', path: 'remove', mode: 0o644, steps: [['-m', 'u:1:rw,u:2:r,g:3:w,m::-'], ['-x', 'u:1'], ['-x', 'u:99'], ['-x', 'u:2,g:3'], ['-x', 'm::']] },
  { name: 'operations run in order: -m then -x of the same entry, and the reverse', path: 'in-order', mode: 0o644, steps: [['-m', 'u:4:r', '-x', 'u:4'], ['-x', 'u:5', '-m', 'u:5:r'], ['-m', 'u:6:w,u:6:x']] },
  { name: '-b keeps the owning group as the mask narrowed it (mode too), and drops the default ACL; setgid stays', path: 'remove-all', mode: 0o2750, dir: true, steps: [['-m', 'u:1:rwx,g:5:-,m::w,d:u:3:r'], ['-b']] },
  { name: '-b before -m, and -m before -b', path: 'remove-all-then', mode: 0o640, steps: [['-m', 'u:1:rw,m::w'], ['-b', '-m', 'u:7:r'], ['-m', 'u:8:r', '-b']] },
  { name: '-k removes the default ACL and leaves the access ACL', path: 'remove-default', mode: 0o755, dir: true, steps: [['-m', 'u:1:rx,d:u:1:rwx'], ['-k']] },
  {
    name: '--set replaces the access ACL (explicit mask kept, else computed), then a minimal one is stored as the mode alone',
    path: 'set',
    mode: 0o644,
    steps: [['--set', 'u::rw,g::r,o::-,u:1:rwx,m::r'], ['--set', 'u::rw,g::r,o::-,g:7:rw'], ['--set', 'u::rwx,g::-,o::r']],
  },
  {
    name: '--set of default entries only replaces the default ACL (starting from the access ACL’s base entries); -d --set',
    path: 'set-default',
    mode: 0o750,
    dir: true,
    steps: [['-m', 'd:u:9:rwx'], ['--set', 'd:u:1:r'], ['-d', '--set', 'u::rwx,g::-,o::-,u:2:r']],
  },
  { name: 'a new default ACL takes the owner, group and other entries it lacks from the access ACL (not its named entries or mask)', path: 'default-start', mode: 0o750, dir: true, steps: [['-m', 'u:1:rwx,m::r'], ['-m', 'd:u:2:r'], ['-m', 'd:o::r,d:g:3:rw']] },
  {
    name: 'the default ACL’s missing base entries come from the access ACL as the command leaves it; removed ones come back; all three removed: no default ACL',
    path: 'default-fill',
    mode: 0o755,
    dir: true,
    steps: [['-m', 'd:u:1:r', '-m', 'u::r,g::w'], ['-m', 'u::rw'], ['-x', 'd:u::,d:g::'], ['-m', 'd:u:2:r', '-x', 'd:u:2'], ['-x', 'd:u::,d:g::,d:o::,d:u:1,d:m::']],
  },
  { name: '-d makes the entries of the options after it default entries (not those before); d:m:: sets the default mask only', path: 'default-flag', mode: 0o700, dir: true, steps: [['-m', 'u:3:r', '-d', '-m', 'g:50:rx', '-x', 'u:9'], ['-m', 'd:m::r,u:2:rwx'], ['-x', 'u:3']] },
  { name: 'X on a file without execute bits gives nothing', path: 'x-plain', mode: 0o644, steps: [['-m', 'u:1:rX,g:2:X']] },
  { name: 'X on a file with an execute bit gives x', path: 'x-exec', mode: 0o654, steps: [['-m', 'u:1:rX,o::X']] },
  { name: 'X on a directory gives x (access and default)', path: 'x-dir', mode: 0o700, dir: true, steps: [['-m', 'u:1:X,d:u:2:rX']] },
  { name: 'X counts an x the mask hides, and an x set earlier in the same command, not a later one', path: 'x-order', mode: 0o600, steps: [['-m', 'u:1:x,m::-'], ['-m', 'u:2:X'], ['-x', 'u:1,u:2', '-m', 'u::rw', '-m', 'u:3:X', '-m', 'u::rwx', '-m', 'u:4:X']] },
  { name: 'chmod-like effects: owner, group and other entries set the mode; a mask alone is stored', path: 'chmod-like', mode: 0o644, steps: [['-m', 'u::r,g::rwx,o::-'], ['-m', 'm::r']] },
  { name: 'octal perms and the long forms (user:, group:, other:, default:)', path: 'octal', mode: 0o644, steps: [['-m', 'user:1:5,group:3:7,other::0'], ['-m', 'u:1:rw-x']] },
  { name: 'setuid/setgid/sticky show as # flags', path: 'flags', mode: 0o7755, steps: [['-m', 'u:1:r']] },
  { name: 'short forms m:PERMS and o:PERMS, and a trailing comma', path: 'short-forms', mode: 0o640, steps: [['-m', 'u:1:rw,m:r,o:r,']] },
  { name: '-M, -X and --set-file read entries from files (comments, getfacl output)', path: 'from-files', mode: 0o644, steps: [['-M', '../modify.acl'], ['-X', '../remove.acl'], ['--set-file', '../getfacl-output.acl']] },
  {
    name: '-R: access entries on everything, default entries on directories only, symlinks below not followed',
    path: 'rtree',
    mode: 0o755,
    dir: true,
    recursive: true,
    steps: [['-R', '-m', 'd:u:1:r,u:2:rX'], ['-R', '-d', '-m', 'g:5:w'], ['-R', '-x', 'd:u:1']],
  },
  { name: 'a file only a symlink below an -R tree points at is left alone', path: 'r-outside', mode: 0o644, steps: [] },
];

let dir = '';
let tree = '';
let img = '';

/** Sections of getfacl output ("# file:" blocks), sorted: for -R, where directory order differs. */
const sections = (text: string): string[] =>
  text
    .split('\n\n')
    .filter((s) => s !== '')
    .sort();

function hostGetfacl(args: readonly string[], cwd = tree): { code: number; out: string; err: string } {
  const r = spawnSync(tools.getfacl, ['-n', ...args], { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function hostSetfacl(args: readonly string[], cwd = tree): { code: number; err: string } {
  const r = spawnSync(tools.setfacl, args, { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, err: r.stderr };
}

/** Our in-process run; `cwd` is the tree, as for the host tools. */
const ours = (args: readonly string[]): ReturnType<typeof runInProcess> => runInProcess(args, { cwd: tree });

async function imageMode(path: string): Promise<number> {
  const r = await ours(['stat', '--json', `${img}:/${path}`]);
  return (JSON.parse(r.out) as { rawMode: number }).rawMode & 0o7777;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A name getfacl quotes: newline, CR and backslash (\012, \015, \\), and a space and a tab it does not. */
const ODD = 'odd\nname\r with\\ and\ttab';

beforeAll(() => {
  if (tools.getfacl === undefined) return;
  dir = mkdtempSync(join(tmpdir(), 'ext2-cli-acl-'));
  tree = join(dir, 'tree');
  mkdirSync(tree);
  for (const c of CASES) {
    if (c.dir === true) mkdirSync(join(tree, c.path));
    else writeFileSync(join(tree, c.path), `${c.name}\n`);
  }
  mkdirSync(join(tree, 'rtree', 'sub'));
  writeFileSync(join(tree, 'rtree', 'file'), 'plain\n');
  writeFileSync(join(tree, 'rtree', 'sub', 'tool'), 'exec\n');
  chmodSync(join(tree, 'rtree', 'sub', 'tool'), 0o755);
  symlinkSync('../r-outside', join(tree, 'rtree', 'link'));
  writeFileSync(join(tree, ODD), 'odd\n');
  // chmod last: files are made under the umask.
  for (const c of CASES) chmodSync(join(tree, c.path), c.mode);
  writeFileSync(join(dir, 'modify.acl'), '# a comment line\nu:1:rw\n  g:2:r   # a trailing comment\n\nu:3:r\nu:4:x\n');
  writeFileSync(join(dir, 'remove.acl'), 'u:3\ng:2\n');
  writeFileSync(join(dir, 'getfacl-output.acl'), '# file: elsewhere\n# owner: 0\n# group: 0\nuser::rw-\nuser:1:rwx\t#effective:r--\ngroup::r--\ngroup:2:r--\nmask::r--\nother::r--\n\n');
  img = join(dir, 'acl.img');
  const made = runBin(['mkfs', img, '--size', '8M', '-d', tree]);
  if (made.code !== 0) throw new Error(`mkfs -d failed: ${made.stderr}`);
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('setfacl on an image against the real setfacl on the same tree', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      for (const step of c.steps) {
        const theirs = hostSetfacl([...step, c.path]);
        expect(theirs.code, `setfacl ${step.join(' ')} ${c.path}: ${theirs.err}`).toBe(0);
        const mine = await ours(['setfacl', ...step, `${img}:/${c.path}`]);
        expect(mine.stderr, step.join(' ')).toBe('');
        expect(mine.code, step.join(' ')).toBe(0);
      }
      const flags = c.recursive === true ? ['-R'] : [];
      const want = hostGetfacl([...flags, c.path]);
      expect(want.code, want.err).toBe(0);
      const got = await ours(['getfacl', ...flags, `${img}:/${c.path}`]);
      expect(got.code, got.stderr).toBe(0);
      if (c.recursive === true) expect(sections(got.out)).toEqual(sections(want.out));
      else expect(got.out).toBe(want.out);
      expect((await imageMode(c.path)).toString(8)).toBe((statSync(join(tree, c.path)).mode & 0o7777).toString(8));
    });
  }

  it('the image after all of them is clean for e2fsck -fn and ext2-lite check', () => {
    run(tools.e2fsck, ['-fn', img]);
    expect(runBin(['check', img]).code).toBe(0);
  });
});

/** Random setfacl command lines: entries of every kind (X, octal, d: prefixes), and -b, -k, -d, -n, --mask between them. */
function randomCommands(seed: number, count: number): string[][][] {
  const entry = fc.oneof(
    fc.record({ d: fc.boolean(), tag: fc.constantFrom('u', 'g'), id: fc.constantFrom('', '1', '2'), perms: fc.constantFrom('r', 'w', 'rw', 'rwx', '-', 'X', 'rX', '5') }),
    fc.record({ d: fc.boolean(), tag: fc.constantFrom('m', 'o'), id: fc.constant(''), perms: fc.constantFrom('r', 'x', 'rw', 'rwx', '-', 'X') }),
  );
  type Entry = { d: boolean; tag: string; id: string; perms: string };
  const withPerms = (e: Entry): string => `${e.d ? 'd:' : ''}${e.tag}:${e.id}:${e.perms}`;
  const withoutPerms = (e: Entry): string => `${e.d ? 'd:' : ''}${e.tag}:${e.id}${e.id === '' ? ':' : ''}`;
  const list = (min: number, max: number, show: (e: Entry) => string): fc.Arbitrary<string> => fc.array(entry, { minLength: min, maxLength: max }).map((es) => es.map(show).join(','));
  const option = fc.oneof(
    list(1, 3, withPerms).map((t) => ['-m', t]),
    list(1, 2, withoutPerms).map((t) => ['-x', t]),
    list(1, 5, withPerms).map((t) => ['--set', t]),
    fc.constantFrom(['-b'], ['-k'], ['-n'], ['--mask'], ['-d']),
  );
  const command = fc.array(option, { minLength: 1, maxLength: 4 }).map((options) => options.flat());
  return fc.sample(fc.array(command, { minLength: 1, maxLength: 3 }), { numRuns: count, seed });
}

describe('random setfacl command lines against the real setfacl', () => {
  it('give the same exit codes, and then the same getfacl output, for files and directories of several modes (fixed seed)', async () => {
    const root = join(dir, 'random');
    mkdirSync(root);
    const modes = [0o644, 0o750, 0o600, 0o2775, 0o711];
    const commands = randomCommands(20_260_127, 60);
    commands.forEach((_, i) => {
      const path = join(root, `r${i}`);
      if (i % 2 === 0) mkdirSync(path);
      else writeFileSync(path, '');
      chmodSync(path, modes[i % modes.length] as number);
    });
    const image = join(dir, 'random.img');
    expect(runBin(['mkfs', image, '--size', '8M', '-d', root]).code).toBe(0);
    let compared = 0;
    for (const [i, lines] of commands.entries()) {
      let diverged = false;
      for (const line of lines) {
        const theirs = hostSetfacl([...line, `r${i}`], root);
        const mine = await runInProcess(['setfacl', ...line, `${image}:/r${i}`], { cwd: root });
        expect(mine.code, `setfacl ${line.join(' ')} r${i}: ${theirs.err} / ${mine.stderr}`).toBe(theirs.code);
        // Where setfacl refuses a default ACL on a file it has written the access part already; we write nothing.
        diverged = theirs.code === 1 && theirs.err.includes('Only directories');
        if (diverged) break;
      }
      if (diverged) continue;
      expect((await runInProcess(['getfacl', `${image}:/r${i}`])).out, `${JSON.stringify(lines)} on r${i}`).toBe(hostGetfacl([`r${i}`], root).out);
      compared++;
    }
    expect(compared).toBeGreaterThan(40);
    run(tools.e2fsck, ['-fn', image]);
  });
});

describe('getfacl on an image against the real getfacl -n on the same tree', () => {
  const OPTIONS: readonly (readonly string[])[] = [[], ['-a'], ['-d'], ['-a', '-d'], ['-c'], ['-c', '-d'], ['-e'], ['-E'], ['-c', '-e', '-E'], ['-c', '-E', '-e'], ['-n']];
  const OPERANDS = ['remove-all', 'default-flag', 'named-group', 'no-mask', 'flags', ODD, 'rtree/link', 'rtree/'];

  it('every option alone and together, on files, directories with and without default ACLs, a quoted name and a symlink (followed)', async () => {
    for (const options of OPTIONS) {
      const want = hostGetfacl([...options, ...OPERANDS]);
      expect(want.code, want.err).toBe(0);
      const got = await ours(['getfacl', ...options, ...OPERANDS.map((p) => `${img}:${p}`)]);
      expect(got.stderr, options.join(' ')).toBe('');
      expect(got.out, options.join(' ')).toBe(want.out);
    }
  });

  it('-R and -R -P (spawned): symlink operands are followed but not descended into, -P skips them; "d/" gives "d//x" paths', () => {
    for (const [options, operands] of [
      [['-R'], ['rtree/', 'rtree/link', 'remove-all']],
      [['-R', '-P'], ['rtree', 'rtree/link']],
      [['-P'], ['rtree/link', 'flags']],
      [['-R', '-c', '-d'], ['rtree']],
    ] as const) {
      const want = hostGetfacl([...options, ...operands]);
      const got = runBin(['getfacl', ...options, ...operands.map((p) => `${img}:/${p}`)]);
      expect(got.code, got.stderr).toBe(0);
      expect(sections(got.out), options.join(' ')).toEqual(sections(want.out));
    }
  });

  it('--json: owner, group, flags, and each entry with its id, perms and what the mask leaves (-a, -d choose the lists)', async () => {
    const one = JSON.parse((await ours(['getfacl', '--json', `${img}:/default-flag`])).out) as unknown;
    expect(one).toEqual({
      path: '/default-flag',
      owner: statSync(join(tree, 'default-flag')).uid,
      group: statSync(join(tree, 'default-flag')).gid,
      flags: '---',
      access: [
        { tag: 'user', perms: 'rwx' },
        { tag: 'user', id: 2, perms: 'rwx', effective: 'rwx' },
        { tag: 'group', perms: '---', effective: '---' },
        { tag: 'mask', perms: 'rwx' },
        { tag: 'other', perms: '---' },
      ],
      default: [
        { tag: 'user', perms: 'rwx' },
        { tag: 'group', perms: '---', effective: '---' },
        { tag: 'group', id: 50, perms: 'r-x', effective: 'r--' },
        { tag: 'mask', perms: 'r--' },
        { tag: 'other', perms: '---' },
      ],
    });
    const many = JSON.parse((await ours(['getfacl', '--json', '-a', `${img}:/flags`, `${img}:/x-plain`])).out) as { path: string; flags: string; default?: unknown }[];
    expect(many.map((r) => [r.path, r.flags, r.default])).toEqual([
      ['/flags', 'sst', undefined],
      ['/x-plain', '---', undefined],
    ]);
    const below = JSON.parse((await ours(['getfacl', '--json', '-R', '-d', `${img}:/rtree`])).out) as { path: string; access?: unknown; default: unknown[] }[];
    expect(below.map((r) => [r.path, r.access, r.default.length])).toEqual([
      ['/rtree', undefined, 5],
      ['/rtree/file', undefined, 0],
      ['/rtree/sub', undefined, 5],
      ['/rtree/sub/tool', undefined, 0],
    ]);
  });

  it('on a terminal, other control bytes in a path are escaped too (a crafted name cannot drive the terminal)', async () => {
    const evil = '\u001b]0;pwned\u0007';
    await ours(['touch', `${img}:/${evil}`]);
    const stdout = Object.assign(new PassThrough(), { isTTY: true });
    const chunks: Buffer[] = [];
    stdout.on('data', (b: Buffer) => chunks.push(b));
    const io = { stdout, stderr: new PassThrough(), stdin: Readable.from([]), stderrIsTTY: false, env: {}, cwd: tree };
    expect(await runCli(['getfacl', '-a', `${img}:/${evil}`], io)).toBe(0);
    expect(Buffer.concat(chunks).toString().split('\n')[0]).toBe('# file: \\033]0;pwned\\007');
    // Not on a terminal: the bytes as getfacl prints them.
    expect((await ours(['getfacl', `${img}:/${evil}`])).out.split('\n')[0]).toBe(`# file: ${evil}`);
    await ours(['rm', `${img}:/${evil}`]);
  });
});

describe('errors, as setfacl and getfacl report them', () => {
  it('an entry that is no entry, bad perms, a name instead of an id, perms in -x: exit 2 naming it, nothing changed', async () => {
    const before = sha256(img);
    // The last column: whether the real setfacl refuses it too (it takes names, and quietly mangles ids past 32 bits).
    for (const [args, message, theirsRefuse] of [
      [['-m', 'q:1:r'], /"q:1:r" is not an ACL entry/, true],
      [['-m', 'u:1:rwz'], /"u:1:rwz" has permissions "rwz"/, true],
      [['-m', 'u:1:rr'], /"u:1:rr" has permissions "rr"/, true],
      [['-m', 'g:1:8'], /"g:1:8" has permissions "8"/, true],
      [['-m', 'u:daemon:r'], /"u:daemon:r" names user "daemon": use the numeric UID/, false],
      [['-m', 'g:staff:r'], /names group "staff": use the numeric GID/, false],
      [['-m', 'u:4294967295:r'], /past the largest id/, false],
      [['-m', 'm:1:r'], /names someone, which mask entries cannot/, true],
      [['-x', 'u:1:r'], /"u:1:r" is not an ACL entry \(\[d:\]u:UID/, true],
      [['-d', '-m', 'd:u:1:r'], /"d:u:1:r" has a default prefix after -d/, true],
      [['-X', '../modify.acl'], /-X \.\.\/modify\.acl, line 2: "u:1:rw" is not an ACL entry/, true],
      [['-M', '../no-such.acl'], /-M \.\.\/no-such\.acl: cannot read it/, true],
      [[], /nothing to do/, true],
    ] as const) {
      const r = await runInProcess(['setfacl', ...args, `${img}:/named-user`], { cwd: tree });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      if (theirsRefuse) expect(hostSetfacl([...args, 'named-user']).code, `the real setfacl: ${args.join(' ')}`).toBe(2);
    }
    // The command as people run it: the exit code and the one-line report.
    const spawned = runBin(['setfacl', '-m', 'g:50:rwx,u:www-data:rwx', `${img}:/named-user`]);
    expect(spawned.code).toBe(2);
    expect(spawned.stderr).toBe(
      `ext2-lite setfacl: EINVAL: -m 'g:50:rwx,u:www-data:rwx': ACL entry "u:www-data:rwx" names user "www-data": use the numeric UID (an image's users and groups are not this host's), usage\n`,
    );
    expect(sha256(img)).toBe(before);
  });

  it('default entries on a file: ENOTDIR, exit 1, the file left as it was (setfacl refuses too, after writing the access part); -d -x, -k on a file are no-ops', async () => {
    const before = (await ours(['getfacl', `${img}:/x-plain`])).out;
    for (const [i, args] of [['-m', 'd:u:1:r'], ['-d', '-m', 'u:1:r'], ['-m', 'u:9:r', '-m', 'd:u:1:r']].entries()) {
      const r = i === 0 ? runBin(['setfacl', ...args, `${img}:/x-plain`]) : await runInProcess(['setfacl', ...args, `${img}:/x-plain`]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/setfacl: .*:\/x-plain: ENOTDIR: only directories can have default ACLs \(default:user:1:r--\)/);
      const theirs = hostSetfacl([...args, 'x-plain']);
      expect([theirs.code, theirs.err.trim()]).toEqual([1, 'setfacl: x-plain: Only directories can have default ACLs']);
    }
    expect((await ours(['getfacl', `${img}:/x-plain`])).out).toBe(before);
    // No default ACL is left to give it: no error, as setfacl.
    for (const args of [['-d', '-x', 'u:1'], ['-k'], ['-m', 'd:u:1:r', '-k'], ['-m', 'd:u:1:r', '-x', 'd:u:1']]) {
      expect((await ours(['setfacl', ...args, `${img}:/x-plain`])).code).toBe(0);
      expect(hostSetfacl([...args, 'x-plain']).code).toBe(0);
    }
  });

  it('a result that is no valid ACL (a base entry removed, the mask removed while named entries need it): EINVAL, exit 1, as setfacl', async () => {
    for (const args of [['-x', 'g::'], ['-x', 'm::']]) {
      const r = await ours(['setfacl', ...args, `${img}:/named-group`]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/EINVAL: the access ACL would be .*, which is invalid/);
      expect(hostSetfacl([...args, 'named-group']).code).toBe(1);
    }
    expect((await ours(['getfacl', `${img}:/named-group`])).out).toBe(hostGetfacl(['named-group']).out);
  });

  it('getfacl never changes the image; a missing path is reported (exit 1) and the other operands still shown, as getfacl does', () => {
    const before = sha256(img);
    const r = runBin(['getfacl', '-R', `${img}:/nope`, `${img}:/`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/getfacl: .*:\/nope: ENOENT/);
    expect(r.out).toMatch(/^# file: \.\n/);
    const theirs = hostGetfacl(['nope', 'flags']);
    expect([theirs.code, theirs.err.trim()]).toEqual([1, 'getfacl: nope: No such file or directory']);
    expect(sha256(img)).toBe(before);
  });

  it('an image without ACLs: getfacl shows the mode’s ACL, setfacl fails with EOPNOTSUPP (exit 3)', () => {
    const plain = join(dir, 'no-acl.img');
    expect(runBin(['mkfs', plain, '--size', '8M', '-O', '^ext_attr']).code).toBe(0);
    expect(runBin(['getfacl', '-c', `${plain}:/`]).out).toBe('user::rwx\ngroup::r-x\nother::r-x\n\n');
    const r = runBin(['setfacl', '-m', 'u:1:r', `${plain}:/`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/EOPNOTSUPP: POSIX ACLs are off on this image.*tune2fs -o acl IMAGE/);
  });

  it('each verb’s --help ends with an example', () => {
    expect(runBin(['getfacl', '--help']).out).toMatch(/Examples:\n {2}\$ ext2-lite getfacl disk\.img:\/srv\/shared\n/);
    expect(runBin(['setfacl', '--help']).out).toContain('$ ext2-lite setfacl -m g:50:rwx,d:g:50:rwx disk.img:/srv/shared');
  });
});

describe('the kernel as the oracle', () => {
  itKernel('the kernel’s getfacl -R of our image (after every setfacl above) is our getfacl -R', () => {
    const want = withKernelMount(img, (mnt) => hostGetfacl(['-R', '.'], mnt));
    expect(want.code, want.err).toBe(0);
    const got = runBin(['getfacl', '-R', `${img}:/`]);
    expect(got.code, got.stderr).toBe(0);
    expect(sections(got.out)).toEqual(sections(want.out));
    expect(got.out).toContain('default:group:5:-w-');
  });

  itKernel('ACLs the real setfacl sets on a writable kernel mount (and that new files inherit) read back exactly; e2fsck -fn clean after our writes too', () => {
    const image = join(dir, 'kernel-wrote.img');
    expect(runBin(['mkfs', image, '--size', '8M']).code).toBe(0);
    const want = withKernelMount(
      image,
      (mnt) => {
        mkdirSync(join(mnt, 'srv', 'shared'), { recursive: true });
        writeFileSync(join(mnt, 'file'), 'x');
        chmodSync(join(mnt, 'file'), 0o4750);
        for (const [args, path] of [
          [['-m', 'u:1000:rw,g:50:r,m::r'], 'file'],
          [['-m', 'g:50:rwx,g:51:rwx,d:g:50:rwx,d:g:51:rx'], 'srv/shared'],
          [['-m', 'd:m::r'], 'srv'],
        ] as const) {
          expect(hostSetfacl([...args, path], mnt).code).toBe(0);
        }
        // Inherited from the default ACLs by the kernel.
        writeFileSync(join(mnt, 'srv', 'shared', 'inherited'), 'y');
        mkdirSync(join(mnt, 'srv', 'shared', 'subdir'));
        return hostGetfacl(['-R', '.'], mnt);
      },
      { writable: true },
    );
    expect(want.code, want.err).toBe(0);
    run(tools.e2fsck, ['-fn', image]);
    const got = runBin(['getfacl', '-R', `${image}:/`]);
    expect(sections(got.out)).toEqual(sections(want.out));
    expect(got.out).toContain('# file: srv/shared/inherited\n');
    // Our change on top of the kernel's: the kernel reads it, e2fsck is clean.
    expect(runBin(['setfacl', '-R', '-x', 'g:51,d:g:51', `${image}:/srv`]).code).toBe(0);
    run(tools.e2fsck, ['-fn', image]);
    const after = withKernelMount(image, (mnt) => hostGetfacl(['-R', '.'], mnt));
    expect(sections(runBin(['getfacl', '-R', `${image}:/`]).out)).toEqual(sections(after.out));
    expect(after.out).not.toContain(':51:');
  });
});
