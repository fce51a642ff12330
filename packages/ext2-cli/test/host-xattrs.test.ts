// Host extended attributes (--xattrs): the getfattr dump parser and the
// setfattr dump writer on their own, then end to end with the spawned
// command against the attr tools, mke2fs -d and the kernel: a tree's xattrs
// (every namespace ext2 keeps, POSIX ACLs, names and paths that getfattr must
// quote, values in the inode and in blocks) reach the image exactly, and come
// back out onto the host exactly.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it, describe as plainDescribe } from 'vitest';
import { formatSetfattrDump, hostXattrKey, parseGetfattrDump } from '../src/copy/host-xattrs.js';
import { withKernelMount } from './support/kernel-mount.js';
import { runBin } from './support/run-cli.js';
import { loopMountUnavailable, needTools, run } from './support/tools.js';
import { aclXattrBytes, dumpSections } from './support/xattr-fixtures.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));

plainDescribe('getfattr dumps', () => {
  it('parses sections by path below the root, unquoting \\ooo in paths and names; empty values; the root itself', () => {
    const dump = [
      '# file: /r',
      'user.top=0sdG9w',
      '',
      '# file: /r/we ird\\012name=\\134\u00c3\u00a9',
      'user.a\\075b=0sAP8Q',
      'user.empty=0s',
      '',
      '# file: /r/d/f',
      'security.capability=0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=',
      'trusted.t=0sbXVsdGkKbGluZQ==',
      '',
    ].join('\n');
    const parsed = parseGetfattrDump(Buffer.from(dump, 'latin1'), '/r');
    expect([...parsed.keys()]).toEqual(['', 'we ird\nname=\\\u00c3\u00a9', 'd/f']);
    expect(parsed.get('')).toEqual([['user.top', bytes('top')]]);
    expect(parsed.get('we ird\nname=\\\u00c3\u00a9')).toEqual([
      ['user.a=b', new Uint8Array([0, 0xff, 0x10])],
      ['user.empty', new Uint8Array(0)],
    ]);
    expect(parsed.get('d/f')?.map(([n]) => n)).toEqual(['security.capability', 'trusted.t']);
    expect(parsed.get('d/f')?.[1]?.[1]).toEqual(bytes('multi\nline'));
    // The key a host walk computes for the same entry finds it.
    expect(parsed.has(hostXattrKey([bytes('we ird\nname=\\\u00e9')]))).toBe(true);
  });

  it('a root given with a trailing slash, and "/" itself', () => {
    expect([...parseGetfattrDump(Buffer.from('# file: /r/x\nuser.a=0s\n'), '/r/').keys()]).toEqual(['x']);
    expect([...parseGetfattrDump(Buffer.from('# file: /\nuser.a=0s\n\n# file: /x\nuser.b=0s\n'), '/').keys()]).toEqual(['', 'x']);
  });

  it('EIO for what is not a getfattr dump: a path outside the root, an attribute before any file, a value not in base64', () => {
    for (const dump of ['# file: /elsewhere/x\nuser.a=0s\n', 'user.a=0s\n', '# file: /r/x\nuser.a="text"\n']) {
      expect(() => parseGetfattrDump(Buffer.from(dump), '/r'), dump).toThrow(expect.objectContaining({ code: 'EIO' }));
    }
  });

  it('what formatSetfattrDump writes, parseGetfattrDump reads back (any bytes in names and paths)', () => {
    const component = fc.uint8Array({ minLength: 1, maxLength: 12 }).filter((b) => !b.includes(0) && !b.includes(0x2f));
    const xattrName = fc.uint8Array({ minLength: 1, maxLength: 12 }).filter((b) => !b.includes(0)).map((b) => `user.${Buffer.from(b).toString('latin1')}`);
    const target = fc.record({
      path: fc.array(component, { minLength: 1, maxLength: 3 }),
      xattrs: fc.array(fc.tuple(xattrName, fc.uint8Array({ maxLength: 40 })), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(target, { selector: (t) => hostXattrKey(t.path), maxLength: 5 }), (targets) => {
        const dump = formatSetfattrDump(targets.map((t) => ({ path: Buffer.concat([Buffer.from('/root'), ...t.path.flatMap((c) => [Buffer.from('/'), Buffer.from(c)])]), xattrs: t.xattrs })));
        const parsed = parseGetfattrDump(dump, '/root');
        expect(parsed.size).toBe(targets.length);
        for (const t of targets) {
          // Names go out as UTF-8 bytes and come back decoded from UTF-8: the same strings.
          expect(parsed.get(hostXattrKey(t.path))).toEqual(t.xattrs);
        }
      }),
    );
  });
});

const { tools, describe } = needTools('ext2-lite host xattrs', ['getfattr', 'setfattr', 'mke2fs', 'e2fsck', 'debugfs'] as const);
const noKernel = loopMountUnavailable();
const itKernel = noKernel === undefined ? it : it.skip;
const root = process.getuid?.() === 0;

let dir = '';
let tree = '';
/** A name getfattr and setfattr must quote: newline, backslash, '=', a control byte, UTF-8. */
const ODD = 'we ird\nname=\\\x01\u00e9';

/** `getfattr` of every object under `at`, with paths relative to it: the tree's xattrs as one comparable text. */
function xattrDump(at: string): string {
  const r = spawnSync(tools.getfattr, ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'base64', '.'], { cwd: at, env: { ...process.env, LC_ALL: 'C' }, encoding: 'latin1' });
  if (r.status !== 0) throw new Error(`getfattr in ${at} failed: ${r.stderr}`);
  // Sections in path order (getfattr lists in directory order); lost+found has none.
  return dumpSections(r.stdout).join('\n\n');
}

function setXattr(path: string, name: string, value: string | Buffer): void {
  const encoded = typeof value === 'string' ? value : `0x${value.toString('hex')}`;
  run(tools.setfattr, ['-h', '-n', name, '-v', encoded, path]);
}

beforeAll(() => {
  if (tools.getfattr === undefined) return;
  dir = mkdtempSync(join(tmpdir(), 'ext2-cli-xattrs-'));
  tree = join(dir, 'tree');
  mkdirSync(join(tree, 'etc', 'deep'), { recursive: true });
  writeFileSync(join(tree, 'etc', 'hosts'), '127.0.0.1 localhost\n');
  writeFileSync(join(tree, 'etc', 'deep', 'big'), 'x');
  writeFileSync(join(tree, 'plain'), 'no attributes\n');
  writeFileSync(join(tree, ODD), 'odd\n');
  writeFileSync(join(tree, 'same-a'), 'a');
  writeFileSync(join(tree, 'same-b'), 'b');
  symlinkSync('etc/hosts', join(tree, 'link'));
  setXattr(tree, 'user.root', 'on the root directory');
  setXattr(join(tree, 'etc'), 'user.dir', 'a directory');
  setXattr(join(tree, 'etc', 'hosts'), 'user.origin', 'host');
  setXattr(join(tree, 'etc', 'hosts'), 'user.empty', Buffer.alloc(0));
  setXattr(join(tree, 'etc', 'hosts'), 'user.binary', Buffer.from([0, 1, 2, 0xff]));
  // Too big for the inode (but not for a 1 KiB block): the value goes to an xattr block.
  setXattr(join(tree, 'etc', 'deep', 'big'), 'user.big', Buffer.alloc(900, 0xab));
  setXattr(join(tree, ODD), 'user.odd=name\\', 'quoted name');
  // Identical sets: ext2 may share one block between them.
  for (const f of ['same-a', 'same-b']) setXattr(join(tree, f), 'user.shared', Buffer.alloc(600, 7));
  // POSIX ACLs (the kernel's xattr encoding, so no acl tools are needed): named user and group on a
  // file; an access and a default ACL on a directory. ext2 stores them in its own encoding.
  setXattr(join(tree, 'etc', 'hosts'), 'system.posix_acl_access', aclXattrBytes([[1, 6], [2, 4, 1000], [4, 4], [8, 6, 50], [0x10, 6], [0x20, 4]]));
  setXattr(join(tree, 'etc', 'deep'), 'system.posix_acl_access', aclXattrBytes([[1, 7], [4, 5], [8, 7, 50], [0x10, 7], [0x20, 5]]));
  setXattr(join(tree, 'etc', 'deep'), 'system.posix_acl_default', aclXattrBytes([[1, 7], [2, 7, 7], [4, 5], [0x10, 7], [0x20, 0]]));
  if (root) {
    setXattr(join(tree, 'etc', 'hosts'), 'security.capability', Buffer.from('0100000200200000000000000000000000000000', 'hex'));
    setXattr(join(tree, 'etc'), 'trusted.overlay', 'y');
    setXattr(join(tree, 'link'), 'trusted.on-the-link', 'itself');
  }
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('host xattrs, end to end', () => {
  it('mkfs -d DIR --xattrs: e2fsck -fn clean, and the image holds the same xattrs as the tree and as mke2fs -d made (read back with cp --xattrs)', () => {
    const ours = join(dir, 'ours.img');
    const made = runBin(['mkfs', ours, '-s', '16M', '-d', tree, '--xattrs']);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    run(tools.e2fsck, ['-fn', ours]);
    expect(runBin(['check', ours]).code).toBe(0);
    expect(run(tools.debugfs, ['-R', 'ea_list /etc/hosts', ours])).toContain('user.origin (4) = "host"');

    const theirs = join(dir, 'theirs.img');
    run(tools.mke2fs, ['-q', '-F', '-t', 'ext2', '-d', tree, theirs, '16M']);
    const want = xattrDump(tree);
    expect(want).toContain('user.odd\\075name\\134=');
    for (const image of [ours, theirs]) {
      const out = join(dir, `out-${image.endsWith('ours.img') ? 'ours' : 'theirs'}`);
      // -p: the modes come along exactly, so the ACLs' group class (the mode's group bits) is not narrowed by the umask.
      const copied = runBin(['cp', '-rp', '--xattrs', `${image}:/`, out]);
      expect(copied.stderr, image).toBe('');
      expect(copied.code, image).toBe(0);
      expect(xattrDump(out), image).toBe(want);
    }
  });

  it('mkfs -d DIR --xattrs: POSIX ACLs are stored in ext2’s encoding byte for byte as mke2fs -d stores them, with the same modes', () => {
    const ours = join(dir, 'acl-ours.img');
    const theirs = join(dir, 'acl-theirs.img');
    expect(runBin(['mkfs', ours, '-s', '16M', '-d', tree, '--xattrs']).code).toBe(0);
    run(tools.mke2fs, ['-q', '-F', '-t', 'ext2', '-d', tree, theirs, '16M']);
    for (const path of ['/etc/hosts', '/etc/deep']) {
      const listed = (image: string): string[] => run(tools.debugfs, ['-R', `ea_list ${path}`, image]).split('\n').filter((l) => l.includes('system.posix_acl'));
      const mode = (image: string): string => /Mode:\s+(\d+)/.exec(run(tools.debugfs, ['-R', `stat ${path}`, image]))?.[1] ?? '';
      expect(listed(ours).length, path).toBeGreaterThan(0);
      expect(listed(ours), path).toEqual(listed(theirs));
      expect(mode(ours), path).toBe(mode(theirs));
    }
    // The file's ACL as ext2 stores it: version 1, short entries for USER_OBJ/GROUP_OBJ/MASK/OTHER.
    expect(run(tools.debugfs, ['-R', 'ea_list /etc/hosts', ours])).toContain('system.posix_acl_access (36) = 01 00 00 00 01 00 06 00 02 00 04 00 e8 03 00 00');
  });

  it('cp -rp between images keeps POSIX ACLs (and the rest of the xattrs) as stored; e2fsck -fn clean', () => {
    const from = join(dir, 'acl-from.img');
    const to = join(dir, 'acl-to.img');
    run(tools.mke2fs, ['-q', '-F', '-t', 'ext2', '-d', tree, from, '16M']);
    run(tools.mke2fs, ['-q', '-F', '-t', 'ext2', to, '16M']);
    const copied = runBin(['cp', '-rp', `${from}:/etc`, `${to}:/`]);
    expect(copied.stderr).toBe('');
    expect(copied.code).toBe(0);
    run(tools.e2fsck, ['-fn', to]);
    for (const path of ['/etc/hosts', '/etc/deep', '/etc/deep/big']) {
      const listed = (image: string): string => run(tools.debugfs, ['-R', `ea_list ${path}`, image]).split('\n').sort().join('\n');
      expect(listed(to), path).toBe(listed(from));
    }
  });

  it('mkfs -d of a GNU tar archive (--xattrs --acls): binary values byte for byte, ACLs from their text form; the same xattrs come back out as the tree has', () => {
    const archive = join(dir, 'tree.tar');
    run('tar', ['--format=posix', '--xattrs', '--xattrs-include=*', '--acls', '-C', tree, '-cf', archive, '.']);
    // GNU tar keeps the ACLs as text (SCHILY.acl.*) and the binary values raw in SCHILY.xattr.* records.
    const raw = readFileSync(archive);
    expect(raw.includes('SCHILY.acl.default=')).toBe(true);
    expect(raw.includes(Buffer.concat([Buffer.from('SCHILY.xattr.user.binary='), Buffer.from([0, 1, 2, 0xff])]))).toBe(true);
    const image = join(dir, 'from-tar.img');
    const made = runBin(['mkfs', image, '-s', '16M', '-d', archive]);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    run(tools.e2fsck, ['-fn', image]);
    expect(run(tools.debugfs, ['-R', 'ea_list /etc/hosts', image])).toContain('user.binary (4) = 00 01 02 ff');
    const out = join(dir, 'out-tar');
    const copied = runBin(['cp', '-rp', '--xattrs', `${image}:/`, out]);
    expect(copied.stderr).toBe('');
    expect(copied.code).toBe(0);
    expect(xattrDump(out)).toBe(xattrDump(tree));
  });

  it('cp -p into a directory with a default ACL keeps the source’s permissions (no inherited ACL), as coreutils cp -p does; plain cp inherits it', () => {
    const src = mkdtempSync(join(dir, 'default-acl-'));
    mkdirSync(join(src, 'shared'));
    setXattr(join(src, 'shared'), 'system.posix_acl_default', aclXattrBytes([[1, 7], [2, 7, 7], [4, 5], [0x10, 7], [0x20, 5]]));
    const image = join(dir, 'default-acl.img');
    expect(runBin(['mkfs', image, '-s', '8M', '-d', src, '--xattrs']).code).toBe(0);
    const file = join(dir, 'no-acl-file');
    writeFileSync(file, 'x');
    chmodSync(file, 0o640);
    for (const [args, name] of [[['-p'], 'kept'], [[], 'inherits']] as const) {
      const r = runBin(['cp', ...args, file, `${image}:/shared/${name}`]);
      expect(r.stderr, name).toBe('');
      expect(r.code, name).toBe(0);
    }
    run(tools.e2fsck, ['-fn', image]);
    const acls = (path: string): string => run(tools.debugfs, ['-R', `ea_list ${path}`, image]);
    expect(acls('/shared/kept')).not.toContain('posix_acl');
    expect(run(tools.debugfs, ['-R', 'stat /shared/kept', image])).toMatch(/Mode:\s+0640/);
    expect(acls('/shared/inherits')).toContain('system.posix_acl_access');
  });

  itKernel('mkfs -d DIR --xattrs: the kernel reads the same xattrs as the tree has', () => {
    const image = join(dir, 'kernel.img');
    expect(runBin(['mkfs', image, '-s', '16M', '-b', '4096', '-d', tree, '--xattrs']).code).toBe(0);
    withKernelMount(image, (mnt) => expect(xattrDump(mnt)).toBe(xattrDump(tree)));
  });

  itKernel('ls -l marks what has a POSIX ACL with "+" (padding the rest) as GNU ls does on a kernel mount; stat and ls --json show the ACLs', () => {
    const image = join(dir, 'ls-acl.img');
    expect(runBin(['mkfs', image, '-s', '16M', '-d', tree, '--xattrs']).code).toBe(0);
    // "mode name" of each line of a long listing (-a, so "." and ".." too), names from the tree only.
    const modes = (listing: string): string[] =>
      listing
        .split('\n')
        .map((line) => /^([-dlcbps][-rwxsStT]{9}\+?)\s+\d+\s.*\s(\S+)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null && ['.', '..', 'etc', 'plain', 'hosts', 'deep', 'big', 'link'].includes(m[2] as string))
        .map((m) => `${m[1]} ${m[2]}`);
    for (const at of ['/', '/etc', '/etc/deep']) {
      const ours = runBin(['ls', '-la', `${image}:${at}`]);
      expect(ours.code, at).toBe(0);
      const kernel = withKernelMount(image, (mnt) => run('ls', ['-la', join(mnt, at)]));
      // (The mount point's ".." is the host's directory, not the image's.)
      const comparable = (listing: string): string[] => modes(listing).filter((m) => at !== '/' || !m.endsWith(' ..')).sort();
      expect(comparable(ours.out), at).toEqual(comparable(kernel));
      // A '+' somewhere: the lines without one keep the columns aligned, as GNU ls pads them.
      if (ours.out.includes('+ ')) expect(ours.out, at).toMatch(/^[-d][-rwx]{9} {2}\d/m);
    }
    expect(modes(runBin(['ls', '-la', `${image}:/etc`]).out)).toEqual(expect.arrayContaining(['-rw-rw-r--+ hosts', 'drwxrwxr-x+ deep']));
    const stat = runBin(['stat', `${image}:/etc/deep`]);
    expect(stat.out).toContain(' Xattr: system.posix_acl_access = acl:user::rwx,group::r-x,group:50:rwx,mask::rwx,other::r-x\n');
    expect(stat.out).toContain(' Xattr: system.posix_acl_default = acl:user::rwx,user:7:rwx,group::r-x,mask::rwx,other::---\n');
    const json = JSON.parse(runBin(['stat', '--json', `${image}:/etc/hosts`]).out) as { xattrs: Record<string, { acl?: string; base64?: string }> };
    expect(json.xattrs['system.posix_acl_access']?.acl).toBe('user::rw-,user:1000:r--,group::r--,group:50:rw-,mask::rw-,other::r--');
    expect(Buffer.from(json.xattrs['system.posix_acl_access']?.base64 ?? '', 'base64')).toEqual(aclXattrBytes([[1, 6], [2, 4, 1000], [4, 4], [8, 6, 50], [0x10, 6], [0x20, 4]]));
    const listed = JSON.parse(runBin(['ls', '--json', `${image}:/etc`]).out) as { name: string; acl?: boolean }[];
    expect(listed.map((r) => `${r.name}:${r.acl === true}`).sort()).toEqual(['deep:true', 'hosts:true']);
  });

  it('without --xattrs a directory brings none (the flag is what reads them)', () => {
    const image = join(dir, 'without.img');
    expect(runBin(['mkfs', image, '-s', '16M', '-d', tree]).code).toBe(0);
    expect(run(tools.debugfs, ['-R', 'ea_list /etc/hosts', image])).not.toContain('user.origin');
  });

  it('cp -r --xattrs into an mke2fs image (no -p): the xattrs land, e2fsck -fn clean', () => {
    const image = join(dir, 'cp.img');
    run(tools.mke2fs, ['-q', '-F', '-t', 'ext2', image, '16M']);
    const copied = runBin(['cp', '-r', '--xattrs', join(tree, 'etc'), `${image}:/`]);
    expect(copied.stderr).toBe('');
    expect(copied.code).toBe(0);
    run(tools.e2fsck, ['-fn', image]);
    const listed = run(tools.debugfs, ['-R', 'ea_list /etc/hosts', image]);
    expect(listed).toContain('user.origin (4) = "host"');
    expect(listed).toContain('user.binary (4) = 00 01 02 ff');
    expect(run(tools.debugfs, ['-R', 'ea_list /etc/deep/big', image])).toContain('user.big (900)');
  });

  it('--reproducible --xattrs: the same tree twice gives the same sha256; a changed xattr value changes the image', () => {
    const sha = (image: string): string => createHash('sha256').update(readFileSync(image)).digest('hex');
    const build = (name: string): string => {
      const image = join(dir, name);
      const r = runBin(['mkfs', image, '-s', '16M', '-d', tree, '--xattrs', '--reproducible'], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
      expect(r.code, r.stderr).toBe(0);
      return sha(image);
    };
    const first = build('r1.img');
    expect(build('r2.img')).toBe(first);
    setXattr(join(tree, 'plain'), 'user.later', 'changed');
    try {
      expect(build('r3.img')).not.toBe(first);
    } finally {
      run(tools.setfattr, ['-x', 'user.later', join(tree, 'plain')]);
    }
  });

  it('--reproducible --xattrs runs getfattr once, though it reads the tree twice (digest, then build)', () => {
    const shim = mkdtempSync(join(dir, 'shim-'));
    const log = join(shim, 'runs');
    writeFileSync(join(shim, 'getfattr'), `#!/bin/sh\necho run >> '${log}'\nexec '${tools.getfattr}' "$@"\n`, { mode: 0o755 });
    const r = runBin(['mkfs', join(dir, 'once.img'), '-s', '16M', '-d', tree, '--xattrs', '--reproducible'], { env: { PATH: `${shim}:${process.env.PATH ?? ''}` } });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('run\n');
  });

  it('getfattr missing: exit 1, ENOENT, a message that names the package and the tar alternative; --xattrs without -d is a usage error', () => {
    const bare = mkdtempSync(join(dir, 'no-tools-'));
    const r = runBin(['mkfs', join(dir, 'missing.img'), '-s', '8M', '-d', tree, '--xattrs'], { env: { PATH: bare } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ENOENT: reading host xattrs needs getfattr \(Debian\/Ubuntu: apt install attr\); or give -d a tar archive made with tar --xattrs/);
    const usage = runBin(['mkfs', join(dir, 'usage.img'), '-s', '8M', '--xattrs']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--xattrs copies the extended attributes of a -d directory/);
  });
});
