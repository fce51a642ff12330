// getfattr and setfattr on images, against attr's getfattr/setfattr and the
// kernel: the same values set on a host file (by setfattr) and in an image
// (by ours, from the text getfattr printed) print byte for byte the same in
// every encoding; ours decodes values and dumps as setfattr does; what ours
// writes the kernel reads, and what the kernel writes ours prints exactly;
// a host tree's dump restores onto an image of the tree; failures are told
// with the image, path and attribute, and never damage the image.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patternBytes } from '@iomap/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeValue } from '../src/show/getfattr-text.js';
import { withKernelMount } from './support/kernel-mount.js';
import { runBin, runInProcess, type CliResult } from './support/run-cli.js';
import { loopMountUnavailable, needTools, run } from './support/tools.js';
import { aclXattrBytes, dumpSections } from './support/xattr-fixtures.js';

const { tools, describe } = needTools('ext2-lite getfattr/setfattr', ['getfattr', 'setfattr', 'e2fsck'] as const);
const noKernel = loopMountUnavailable();
if (noKernel !== undefined) {
  if (process.env.CI) throw new Error(`ext2-lite getfattr/setfattr kernel oracle: ${noKernel}; CI runs as root with loop devices`);
  console.warn(`skipping kernel comparisons of getfattr/setfattr: ${noKernel}`);
}
const itKernel = noKernel === undefined ? it : it.skip;
const root = process.getuid?.() === 0;

let dir = '';
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const hexOf = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`;

/** Runs attr's getfattr or setfattr in the C locale; stdout as bytes. */
function attr(tool: 'getfattr' | 'setfattr', args: readonly string[], options: { cwd?: string; input?: Buffer } = {}): { code: number; out: Buffer; err: string } {
  const r = spawnSync(tools[tool], args, { cwd: options.cwd, input: options.input, env: { ...process.env, LC_ALL: 'C' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr.toString() };
}

/** attr's getfattr, which must succeed. */
function realGetfattr(args: readonly string[], cwd?: string): Buffer {
  const r = attr('getfattr', args, { cwd });
  if (r.code !== 0) throw new Error(`getfattr ${args.join(' ')}: exit ${r.code}: ${r.err}`);
  return r.out;
}

/** Our command, which must succeed without a word on stderr. */
async function ours(args: readonly string[], options: { spawn?: boolean; input?: Buffer | string } = {}): Promise<Buffer> {
  const r: CliResult = options.spawn === true ? runBin(args, { input: options.input }) : await runInProcess(args, { input: options.input });
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  return r.stdout;
}

/** A new empty image (by default 4 KiB blocks: room for many attributes in one xattr block). */
async function newImage(name: string, blockSize = 4096): Promise<string> {
  const image = join(dir, name);
  await ours(['mkfs', image, '--size', '16M', '-b', String(blockSize)]);
  return image;
}

/** Values around every rule of getfattr's encodings. */
const VALUES: readonly (readonly [string, Buffer])[] = [
  ['text', Buffer.from('hello world')],
  ['empty', Buffer.alloc(0)],
  ['one-nul', Buffer.from('label\0')],
  ['two-nuls', Buffer.from('label\0\0')],
  ['only-nul', Buffer.from([0])],
  ['quotes', Buffer.from('say "hi" \\ back\\slash \\012')],
  ['newline', Buffer.from('line1\nline2\r\nend')],
  ['utf8', Buffer.from('café ünïcødé')],
  ['high', Buffer.from([0x61, 0xff, 0xfe, 0x80, 0x62, 0x63, 0x64, 0x65, 0x66])],
  ['binary', Buffer.from([0, 1, 2, 3, 0xff])],
  // Eight bytes with one unprintable is text; seven with one is base64 (a final NUL does not count).
  ['eighth-text', Buffer.from('abcdefg\x01')],
  ['eighth-base64', Buffer.from('abcdef\x01')],
  ['eighth-nul', Buffer.from('abcdefg\x01\0')],
  ['controls', Buffer.from('tab\there\x1b[0m\x7f')],
  ['long-text', Buffer.from('0123456789abcdef'.repeat(40))],
  ['random-1', Buffer.from(patternBytes(200, 11))],
  ['random-2', Buffer.concat([Buffer.from(patternBytes(100, 12)), Buffer.alloc(3), Buffer.from(patternBytes(60, 13))])],
  ['random-text', Buffer.from(Array.from(patternBytes(300, 14), (b) => 0x20 + (b % 95)))],
];
/** A name getfattr must quote ('=' and a backslash). */
const ODD_NAME = 'user.we=ird\\name';
const nameOf = (i: number, label: string): string => `user.v${String(i).padStart(2, '0')}-${label}`;

beforeAll(() => {
  if (tools.getfattr === undefined) return;
  dir = mkdtempSync(join(tmpdir(), 'ext2-cli-xattr-verbs-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('getfattr and setfattr against attr', () => {
  it("prints every value as attr's getfattr does (auto, -e text, -e hex, -e base64, names only, -n, --only-values); our setfattr -v takes the text getfattr printed", async () => {
    const host = join(dir, 'enc-host');
    mkdirSync(host);
    writeFileSync(join(host, 'f'), '');
    const all: [string, Buffer][] = [...VALUES.map(([label, value], i) => [nameOf(i, label), value] as [string, Buffer]), [ODD_NAME, Buffer.from('odd')]];
    for (const [name, value] of all) expect(attr('setfattr', ['-n', name, '-v', hexOf(value), join(host, 'f')]).code, name).toBe(0);
    const printed = (encoding: string): Map<string, Buffer> => {
      const lines = realGetfattr(['-d', '-m', '-', '-e', encoding, 'f'], host).toString('latin1').split('\n').slice(1, -2);
      return new Map(lines.map((l) => [l.slice(0, l.indexOf('=')), Buffer.from(l.slice(l.indexOf('=') + 1), 'latin1')]));
    };
    const forms = { text: printed('text'), hex: printed('hex'), base64: printed('base64') };

    const img = await newImage('enc.img');
    await ours(['touch', `${img}:/f`]);
    for (const [i, [name, value]] of all.entries()) {
      // The quoted name as getfattr printed it keys the forms.
      const key = name.replace(/\\/g, '\\134').replace(/=/g, '\\075');
      const text = forms.text.get(key) as Buffer;
      // Text loses a final NUL, and argv carries only UTF-8: such values go as hex or base64.
      const textWorks = value.at(-1) !== 0 && Buffer.from(text.toString('utf8')).equals(text);
      const encoding = i % 3 === 0 && textWorks ? 'text' : i % 3 === 1 ? 'hex' : 'base64';
      const arg = (forms[encoding].get(key) as Buffer).toString(encoding === 'text' ? 'utf8' : 'latin1');
      await ours(['setfattr', '-n', name, '-v', arg, `${img}:/f`], { spawn: i < 3 });
    }

    for (const e of [[], ['-e', 'text'], ['-e', 'hex'], ['-e', 'base64']]) {
      expect((await ours(['getfattr', '-d', ...e, `${img}:/f`], { spawn: true })).toString('latin1'), e.join(' ')).toBe(realGetfattr(['-d', ...e, 'f'], host).toString('latin1'));
    }
    expect((await ours(['getfattr', '-m', '-', `${img}:/f`], { spawn: true })).toString('latin1')).toBe(realGetfattr(['-m', '-', 'f'], host).toString('latin1'));
    expect(await ours(['getfattr', '--only-values', '-d', `${img}:/f`], { spawn: true })).toEqual(realGetfattr(['--only-values', '-d', 'f'], host));
    for (const [name] of all) {
      for (const e of [[], ['-e', 'text'], ['-e', 'hex'], ['-e', 'base64']]) {
        expect((await ours(['getfattr', '-n', name, ...e, `${img}:/f`])).toString('latin1'), `${name} ${e.join(' ')}`).toBe(realGetfattr(['-n', name, ...e, 'f'], host).toString('latin1'));
      }
      expect(await ours(['getfattr', '--only-values', '-n', name, `${img}:/f`]), name).toEqual(realGetfattr(['--only-values', '-n', name, 'f'], host));
    }
    // A pattern picks names as getfattr's -m does (unanchored); --absolute-names keeps the '/'.
    expect((await ours(['getfattr', '-m', 'nul', `${img}:/f`])).toString('latin1')).toBe(realGetfattr(['-m', 'nul', 'f'], host).toString('latin1'));
    expect((await ours(['getfattr', '--absolute-names', '-n', nameOf(0, 'text'), `${img}:/f`])).toString()).toBe(`# file: /f\n${nameOf(0, 'text')}="hello world"\n\n`);
  });

  it('decodes -v values as setfattr does: hex with whitespace, base64 in groups with strict padding, quoted text with escapes, anything else raw', () => {
    const cases = [
      '0x6162', '0X6162', '0x61 62', '0x6 162', '0x61\t62\n', '0x', '0x616', '0x61zz', '0x61:62',
      '0sYWI=', '0SYWI=', '0s YWJj ', '0sYWJj YWJj', '0sYQ== ====', '0s====', '0sYW+/', '0sYW I=', '0sYWI', '0sYWJ=', '0sYR==', '0sYQ==YQ==', '0s====YQ==', '0sY===', '0sYWJ-',
      '"ab"', '"a\\142c"', '"a\\nb"', '"a\\\\b"', '"a\\"b"', '"ab', '"ab"cd', '"a"b"', '"ab\\"', '"\\"', '"a\\9"', '"a\\1"', '"a\\18"', '"a\\400"', '"a\\777"', '"a\\0000"', '""', '"',
      'plain\\x', 'a\\101b', 'a"b', '', '0', '0y12', ' 0x61', 'café',
    ];
    const file = join(dir, 'decode-oracle');
    writeFileSync(file, '');
    const accepted = cases.map((value, i) => attr('setfattr', ['-n', `user.c${i}`, '-v', value, file]).code === 0);
    const stored = new Map(
      realGetfattr(['-d', '-e', 'hex', file])
        .toString()
        .split('\n')
        .filter((l) => l.startsWith('user.c'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    cases.forEach((value, i) => {
      let ourValue: string | undefined;
      try {
        ourValue = hexOf(decodeValue(Buffer.from(value, 'utf8').toString('latin1')));
      } catch {
        ourValue = undefined;
      }
      expect(ourValue !== undefined, `accepts ${JSON.stringify(value)}`).toBe(accepted[i]);
      if (accepted[i]) expect(ourValue, JSON.stringify(value)).toBe(stored.get(`user.c${i}`));
    });
    // attr 2.5.1's setfattr silently sets nothing for a bare "0s"; an empty base64 value is an empty value here.
    expect(hexOf(decodeValue('0s'))).toBe('0x');
  });

  it('setfattr --restore decodes a dump in every encoding as attr’s setfattr --restore does (a final NUL lost in text, as there)', async () => {
    const host = join(dir, 'restore-host');
    mkdirSync(host);
    writeFileSync(join(host, 'f'), '');
    for (const [i, [label, value]] of VALUES.entries()) attr('setfattr', ['-n', nameOf(i, label), '-v', hexOf(value), join(host, 'f')]);
    attr('setfattr', ['-n', ODD_NAME, '-v', 'odd', join(host, 'f')]);
    const img = await newImage('restore-enc.img');
    for (const encoding of ['auto', 'text', 'hex', 'base64']) {
      const dump = realGetfattr(['-d', '-m', '-', ...(encoding === 'auto' ? [] : ['-e', encoding]), 'f'], host);
      const target = `r-${encoding}`;
      const retargeted = Buffer.concat([Buffer.from(`# file: ${target}`), dump.subarray(dump.indexOf('\n'))]);
      writeFileSync(join(host, target), '');
      expect(attr('setfattr', ['--restore=-'], { cwd: host, input: retargeted }).code, encoding).toBe(0);
      await ours(['touch', `${img}:/${target}`]);
      await ours(['setfattr', '--restore=-', `${img}:/`], { input: retargeted, spawn: encoding === 'text' });
      const theirs = realGetfattr(['-d', '-m', '-', '-e', 'hex', target], host).toString('latin1');
      const mine = (await ours(['getfattr', '-d', '-m', '-', '-e', 'hex', `${img}:/${target}`])).toString('latin1');
      // The one difference: attr's setfattr skips "name=0s" (an empty base64 value); ours sets it empty.
      const skipped = `${nameOf(1, 'empty')}=0x\n`;
      expect(mine.replace(encoding === 'base64' && !theirs.includes(skipped) ? skipped : '\0', ''), encoding).toBe(theirs);
    }
  });

  it('a host tree’s `getfattr -R -d -m - .` restores onto an image of that tree (mkfs -d, from a file and from stdin): ours prints the same dump', async () => {
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'etc', 'deep'), { recursive: true });
    const odd = 'we ird\nname=\\é';
    const files = ['etc/hosts', 'etc/deep/leaf', odd, 'plain'];
    for (const f of files) writeFileSync(join(tree, f), f);
    writeFileSync(Buffer.from(join(tree, 'caf\xe9'), 'latin1'), 'latin1 name');
    symlinkSync('etc/hosts', join(tree, 'link'));
    const set = (path: string, name: string, value: Buffer | string): void => {
      expect(attr('setfattr', ['-n', name, '-v', hexOf(Buffer.from(value)), path]).code, `${name} on ${path}`).toBe(0);
    };
    set(tree, 'user.root', 'the root');
    set(join(tree, 'etc'), 'user.dir', 'a directory');
    set(join(tree, 'etc', 'hosts'), 'user.origin', 'host');
    set(join(tree, 'etc', 'hosts'), 'user.binary', Buffer.from([0, 1, 2, 0xff]));
    set(join(tree, 'etc', 'hosts'), 'user.label', 'label\0');
    set(join(tree, 'etc', 'hosts'), 'user.empty', '');
    set(join(tree, 'etc', 'deep', 'leaf'), 'user.big', Buffer.from(patternBytes(700, 3)));
    set(join(tree, odd), ODD_NAME, 'quoted name\nand value "here"');
    // (a latin1 path: spawn's arguments are UTF-8 strings, so this one is set through a dump)
    attr('setfattr', ['--restore=-'], { cwd: tree, input: Buffer.from('# file: caf\xe9\nuser.latin1="yes"\n\n', 'latin1') });
    if (root) {
      set(join(tree, 'etc', 'hosts'), 'security.capability', Buffer.from('0100000200200000000000000000000000000000', 'hex'));
      set(join(tree, 'etc'), 'trusted.overlay.opaque', 'y');
    }
    const dump = realGetfattr(['-R', '-d', '-m', '-', '.'], tree);
    expect(dump.toString('latin1')).toContain('# file: caf\xe9\nuser.latin1="yes"');
    const dumpFile = join(dir, 'tree.attrs');
    writeFileSync(dumpFile, dump);
    const base64Dump = realGetfattr(['-R', '-d', '-m', '-', '-e', 'base64', '.'], tree);

    for (const [name, how] of [['from-file', 'file'], ['from-stdin', 'stdin']] as const) {
      const img = join(dir, `${name}.img`);
      await ours(['mkfs', img, '--size', '16M', '-d', tree]);
      expect((await ours(['getfattr', '-R', '-d', '-m', '-', `${img}:/`])).toString()).toBe('');
      if (how === 'file') await ours(['setfattr', `--restore=${dumpFile}`, img], { spawn: true });
      else await ours(['setfattr', '--restore=-', `${img}:/`], { input: base64Dump, spawn: true });
      const want = how === 'file' ? dump : base64Dump;
      const got = await ours(['getfattr', '-R', '-d', '-m', '-', ...(how === 'file' ? [] : ['-e', 'base64']), `${img}:/`], { spawn: true });
      expect(dumpSections(got), name).toEqual(dumpSections(want));
      run(tools.e2fsck, ['-fn', img]);
    }
  });
});

describe('getfattr and setfattr against the kernel', () => {
  itKernel('what our setfattr writes (capabilities, trusted.*, an ACL, quoted names, a value in the xattr block, a removal) the kernel reads; e2fsck -fn clean', async () => {
    const img = await newImage('kernel-ours.img', 1024);
    await ours(['mkdir', '-p', `${img}:/etc`, `${img}:/usr/bin`]);
    for (const path of ['/etc/hosts', '/usr/bin/ping', '/we ird\nname']) await ours(['touch', `${img}:${path}`]);
    await ours(['ln', '-s', 'etc/hosts', `${img}:/link`]);
    const set = (name: string, value: string, path: string, ...flags: string[]): Promise<Buffer> => ours(['setfattr', ...flags, '-n', name, '-v', value, `${img}:${path}`]);
    await set('user.root', '"on the root"', '/');
    await set('security.capability', '0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=', '/usr/bin/ping');
    await set('security.selinux', '"system_u:object_r:ping_exec_t:s0\\000"', '/usr/bin/ping');
    await set('trusted.overlay.opaque', 'y', '/etc');
    await set('trusted.on-the-link', 'itself', '/link', '-h');
    await set('user.origin', 'host', '/link');
    await set(ODD_NAME, '"quoted\\012value"', '/we ird\nname');
    await set('user.new\nline', '0x00ff', '/we ird\nname');
    await set('user.big', hexOf(patternBytes(700, 5)), '/etc/hosts');
    await set('system.posix_acl_access', hexOf(aclXattrBytes([[1, 6], [2, 4, 1000], [4, 4], [0x10, 6], [0x20, 4]])), '/etc/hosts');
    await set('user.gone', 'soon', '/etc/hosts');
    await ours(['setfattr', '-x', 'user.gone', `${img}:/etc/hosts`]);
    run(tools.e2fsck, ['-fn', img]);
    for (const flags of [['-e', 'base64'], ['-h', '-e', 'base64'], []]) {
      const kernel = withKernelMount(img, (mnt) => realGetfattr(['-R', '-d', '-m', '-', ...flags, '.'], mnt));
      expect(kernel.toString('latin1')).toContain('security.capability=');
      expect(kernel.toString('latin1')).not.toContain('user.gone');
      expect(dumpSections(await ours(['getfattr', '-R', '-d', '-m', '-', ...flags, `${img}:/`], { spawn: true })), flags.join(' ')).toEqual(dumpSections(kernel));
    }
  });

  itKernel('what the kernel writes (setfattr on a writable mount) our getfattr prints exactly, in every encoding', async () => {
    const img = await newImage('kernel-theirs.img', 1024);
    await ours(['mkdir', '-p', `${img}:/etc/deep`]);
    for (const path of ['/etc/hosts', '/etc/deep/leaf', '/odd=\\name']) await ours(['touch', `${img}:${path}`]);
    await ours(['ln', '-s', 'etc', `${img}:/to-etc`]);
    const dumps = withKernelMount(
      img,
      (mnt) => {
        const set = (path: string, name: string, value: Buffer | string, ...flags: string[]): void => {
          const r = attr('setfattr', [...flags, '-n', name, '-v', hexOf(Buffer.from(value)), join(mnt, path)]);
          expect(r.code, `${name}: ${r.err}`).toBe(0);
        };
        set('.', 'user.root', 'kernel root');
        set('etc', 'trusted.overlay.opaque', 'y');
        set('etc/hosts', 'user.origin', 'kernel');
        set('etc/hosts', 'security.selinux', 'system_u:object_r:etc_t:s0\0');
        set('etc/hosts', 'system.posix_acl_access', aclXattrBytes([[1, 6], [2, 6, 7], [4, 4], [8, 4, 9], [0x10, 6], [0x20, 0]]));
        set('etc/deep/leaf', 'user.big', Buffer.from(patternBytes(800, 9)));
        set('etc/deep/leaf', 'user.binary', Buffer.from([0, 0xff, 0]));
        set('odd=\\name', ODD_NAME, 'a\nb');
        set('odd=\\name', 'user.new\nline', Buffer.from([0xff, 0]));
        set('to-etc', 'trusted.link', 'on the link', '-h');
        set('etc/deep/leaf', 'user.gone', 'x');
        expect(attr('setfattr', ['-x', 'user.gone', join(mnt, 'etc/deep/leaf')]).code).toBe(0);
        return ['', 'text', 'hex', 'base64'].map((e) => realGetfattr(['-R', '-d', '-m', '-', ...(e === '' ? [] : ['-e', e]), '.'], mnt));
      },
      { writable: true },
    );
    run(tools.e2fsck, ['-fn', img]);
    for (const [i, e] of ['', 'text', 'hex', 'base64'].entries()) {
      const got = await ours(['getfattr', '-R', '-d', '-m', '-', ...(e === '' ? [] : ['-e', e]), `${img}:/`], { spawn: i === 0 });
      expect(dumpSections(got), e).toEqual(dumpSections(dumps[i] as Buffer));
    }
  });
});

describe('getfattr and setfattr: failures and the command line', () => {
  let img = '';
  beforeAll(async () => {
    if (dir === '') return;
    img = join(dir, 'errors.img');
    await ours(['mkfs', img, '--size', '8M']);
    for (const path of ['/f', '/g', '/full']) await ours(['touch', `${img}:${path}`]);
    await ours(['mkdir', `${img}:/sub`]);
    await ours(['ln', '-s', 'f', `${img}:/lnk`]);
    await ours(['setfattr', '-n', 'user.there', '-v', '1', `${img}:/g`]);
  });

  it('a missing attribute: exit 1, ENODATA naming image, path and attribute; the other operands still print (getfattr -n, setfattr -x)', () => {
    const r = runBin(['getfattr', '-n', 'user.there', `${img}:/f`, `${img}:/g`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ext2-lite getfattr: ${img}:/f: ENODATA: user.there: No such attribute, getxattr '/f'\n`);
    expect(r.out).toBe('# file: g\nuser.there="1"\n\n');
    const x = runBin(['setfattr', '-x', 'user.nope', `${img}:/g`]);
    expect(x.code).toBe(1);
    expect(x.stderr).toContain(`${img}:/g: ENODATA: user.nope: No such attribute`);
  });

  it('reading never changes the image (sha256 before and after every getfattr form)', async () => {
    const before = sha256(img);
    for (const args of [['-d', '-m', '-'], ['-R', '-d', '-m', '-', '-e', 'hex'], ['-n', 'user.there', '--only-values'], ['--json', '-d'], ['-n', 'user.none'], ['-h', '-d']]) {
      await runInProcess(['getfattr', ...args, `${img}:/g`]);
    }
    expect(runBin(['getfattr', '-R', '-d', `${img}:/`]).code).toBe(0);
    expect(sha256(img)).toBe(before);
  });

  it('a value too large for one block is ERANGE, attributes past the xattr block ENOSPC (exit 1); what was set stays, e2fsck -fn clean', async () => {
    const big = runBin(['setfattr', '-n', 'user.huge', '-v', hexOf(Buffer.alloc(1025, 1)), `${img}:/full`]);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/ERANGE: user\.huge \(1025 bytes\): a name is 1 to 255 bytes and a value at most one filesystem block/);
    const results: CliResult[] = [];
    for (let i = 0; i < 4; i++) results.push(await runInProcess(['setfattr', '-n', `user.part${i}`, '-v', hexOf(Buffer.alloc(300, i)), `${img}:/full`]));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 1]);
    expect(results[3]?.stderr).toMatch(/ENOSPC: user\.part3 \(300 bytes\): no room: ext2 keeps a file's attributes in its inode and one xattr block/);
    expect((await ours(['getfattr', '-d', '-e', 'hex', `${img}:/full`])).toString()).toContain(`user.part2=${hexOf(Buffer.alloc(300, 2))}`);
    run(tools.e2fsck, ['-fn', img]);
  });

  it('usage errors exit 2 and write nothing: a bad value encoding (named), a malformed dump, conflicting or repeated flags, a bad -e or -m', async () => {
    const before = sha256(img);
    const bad = runBin(['setfattr', '-n', 'user.x', '-v', '0x616', `${img}:/f`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("-v '0x616': bad value encoding (an odd number of hex digits)");
    const dump = '# file: f\nuser.a="1"\n\n# file: g\nuser.b=0sYQ\n';
    const restore = await runInProcess(['setfattr', '--restore=-', `${img}:/`], { input: dump });
    expect(restore.code).toBe(2);
    expect(restore.stderr).toContain("-: line 5: value '0sYQ': bad value encoding");
    const outside = await runInProcess(['setfattr', '--restore=-', `${img}:/`], { input: 'user.a="1"\n' });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('line 1 ("user.a=\\"1\\""): an attribute outside any "# file:" section');
    for (const args of [
      ['setfattr', '-n', 'user.a', '-x', 'user.b', `${img}:/f`],
      ['setfattr', '-n', 'user.a', '-n', 'user.b', `${img}:/f`],
      ['setfattr', '-v', '1', `${img}:/f`],
      ['setfattr', '--restore=-', `${img}:/f`, `${img}:/g`],
      ['getfattr', '-e', 'octal', `${img}:/g`],
      ['getfattr', '-m', '(', `${img}:/g`],
      ['getfattr', '--json', '--only-values', `${img}:/g`],
    ]) {
      expect((await runInProcess(args)).code, args.join(' ')).toBe(2);
    }
    expect(sha256(img)).toBe(before);
  });

  it('user.* on a symlink itself is EPERM as in the kernel, trusted.* is fine; -h reads the link, the default its target', async () => {
    const r = await runInProcess(['setfattr', '-h', '-n', 'user.x', '-v', '1', `${img}:/lnk`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('EPERM: user.x: user.* attributes live only on regular files and directories');
    await ours(['setfattr', '-h', '-n', 'trusted.t', '-v', 'link', `${img}:/lnk`]);
    await ours(['setfattr', '-n', 'user.target', '-v', 'file', `${img}:/lnk`]);
    expect((await ours(['getfattr', '-h', '-d', '-m', '-', `${img}:/lnk`])).toString()).toBe('# file: lnk\ntrusted.t="link"\n\n');
    expect((await ours(['getfattr', '-d', `${img}:/lnk`])).toString()).toBe('# file: lnk\nuser.target="file"\n\n');
  });

  it('-R reports a dangling symlink once (exit 1) and prints the rest, as getfattr does; with -h it is no error', async () => {
    await ours(['mkdir', `${img}:/walk`]);
    await ours(['touch', `${img}:/walk/a`]);
    await ours(['setfattr', '-n', 'user.a', '-v', '1', `${img}:/walk/a`]);
    await ours(['ln', '-s', 'nowhere', `${img}:/walk/dangling`]);
    const r = await runInProcess(['getfattr', '-R', '-d', `${img}:/walk`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ext2-lite getfattr: ${img}:/walk/dangling: ENOENT: [^\\n]*\\n$`));
    expect(r.out).toBe('# file: walk/a\nuser.a="1"\n\n');
    expect((await ours(['getfattr', '-R', '-h', '-d', `${img}:/walk`])).toString()).toBe(r.out);
  });

  it('--restore onto IMAGE:DIR puts ".", relative and absolute dump paths below DIR', async () => {
    await ours(['touch', `${img}:/sub/x`, `${img}:/sub/y`]);
    await ours(['setfattr', '--restore=-', `${img}:/sub`], { input: '# file: .\nuser.here="dir"\n\n# file: /x\nuser.abs="1"\n# file: ./y\nuser.rel\n' });
    expect((await ours(['getfattr', '-R', '-d', `${img}:/sub`])).toString()).toBe('# file: sub\nuser.here="dir"\n\n# file: sub/x\nuser.abs="1"\n\n# file: sub/y\nuser.rel=""\n\n');
    // A name whose bytes are not UTF-8 cannot be named to ext2-lite: refused (exit 1), not stored as another name.
    const latin1 = await runInProcess(['setfattr', '--restore=-', `${img}:/sub`], { input: Buffer.from('# file: x\nuser.caf\xe9=1\nuser.ok=2\n', 'latin1') });
    expect(latin1.code).toBe(1);
    expect(latin1.stderr).toContain(`${img}:/sub/x: EINVAL: user.caf\ufffd: an attribute name that is not UTF-8 cannot be set by ext2-lite`);
    expect((await ours(['getfattr', '-d', `${img}:/sub/x`])).toString()).toBe('# file: sub/x\nuser.abs="1"\nuser.ok="2"\n\n');
  });

  it('the global -v (verbose) before the verb, setfattr -v VALUE after it (also -vVALUE); --json; --help with examples', async () => {
    await ours(['-v', 'setfattr', '-n', 'user.v', '-v', '0x41', `${img}:/g`], { spawn: true });
    await ours(['setfattr', '-n', 'user.w', '-v0x42', `${img}:/g`]);
    expect((await ours(['getfattr', '-d', `${img}:/g`])).toString()).toBe('# file: g\nuser.there="1"\nuser.v="A"\nuser.w="B"\n\n');
    expect(JSON.parse((await ours(['getfattr', '--json', `${img}:/g`])).toString())).toEqual({ path: '/g', xattrs: { 'user.there': { text: '1' }, 'user.v': { text: 'A' }, 'user.w': { text: 'B' } } });
    const listed = JSON.parse((await ours(['getfattr', '--json', '-R', `${img}:/sub`])).toString()) as { path: string }[];
    expect(listed.map((r) => r.path)).toEqual(['/sub', '/sub/x', '/sub/y']);
    for (const verb of ['getfattr', 'setfattr']) {
      const r = await runInProcess([verb, '--help']);
      expect(r.code, verb).toBe(0);
      expect(r.out, verb).toMatch(new RegExp(`Examples?:\\n  \\$ ext2-lite ${verb}`));
    }
  });
});
