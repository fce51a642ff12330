// Differential test of the write side: every scenario runs on a fresh tree
// built with node:fs in a temp directory (node:fs/promises, the real
// kernel) and on its in-memory mirror (createFsPromises over MemoryFs).
// Each step's result or error (code, errno, syscall, path, dest, message)
// must be the same, and so must the resulting trees (files, bytes, links,
// modes, owners, link counts, which mtimes were set). Runs as root, as CI
// does; test/differential-nonroot.test.ts repeats the permission rules as
// another user.
import { afterEach, describe, expect, it } from 'vitest';
import type { WritableFsPromises } from '../src/index.js';
import { freshSides, runScenario, type Scenario } from './support/write-differential.js';

const UMASK = 0o022;
const isRoot = process.getuid?.() === 0;
if (process.env['CI'] && !isRoot) throw new Error('differential-write.test.ts needs root in CI (its tree has root-only modes and owners)');
let cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups) await cleanup();
  cleanups = [];
});

async function expectSameOutcome(scenario: Scenario): Promise<void> {
  const previous = process.umask(UMASK);
  try {
    const { theirs, ours, cleanup } = await freshSides(UMASK);
    cleanups.push(cleanup);
    const started = Date.now();
    const expected = await runScenario(theirs, scenario, started);
    const actual = await runScenario(ours, scenario, started);
    expect(actual.steps).toEqual(expected.steps);
    expect(actual.tree).toEqual(expected.tree);
  } finally {
    process.umask(previous);
  }
}

/** The parts of Stats both sides must agree on (times and block counts are the host's). */
function brief(stats: { size: number; mode: number; nlink: number; uid: number; gid: number }): unknown {
  return { size: stats.size, mode: stats.mode.toString(8), nlink: stats.nlink, uid: stats.uid, gid: stats.gid };
}

/** Opens `path`, runs `body` on the handle, closes it; the result is body's. */
async function withHandle<T>(api: WritableFsPromises, path: string, flags: string | number, body: (h: Awaited<ReturnType<WritableFsPromises['open']>>) => Promise<T>, mode?: number): Promise<T> {
  const handle = await api.open(path, flags, mode);
  try {
    return await body(handle);
  } finally {
    await handle.close();
  }
}

const SCENARIOS: Record<string, Scenario> = {
  'writeFile: strings, encodings, bytes, iterables, modes and flags': async (api, r, step) => {
    await step(() => api.writeFile(`${r}/new.txt`, 'fresh'));
    await step(() => api.writeFile(`${r}/file.txt`, 'replaced'));
    await step(() => api.writeFile(`${r}/hex`, '68656c6c6fzz', 'hex'));
    await step(() => api.writeFile(`${r}/b64`, 'aGVs bG8=', { encoding: 'base64' }));
    await step(() => api.writeFile(`${r}/latin1`, 'é\u0100', { encoding: 'latin1' }));
    await step(() => api.writeFile(`${r}/utf16`, 'hé', 'utf16le'));
    await step(() => api.writeFile(`${r}/bytes`, new Uint8Array([0, 1, 2, 255])));
    await step(() => api.writeFile(`${r}/view`, new DataView(new Uint8Array([9, 8, 7]).buffer, 1, 2)));
    await step(() => api.writeFile(`${r}/iter`, ['one ', new TextEncoder().encode('two '), 'three']));
    await step(() =>
      api.writeFile(
        `${r}/async`,
        (async function* () {
          yield 'a';
          yield new Uint8Array([0x62]);
        })(),
      ),
    );
    await step(() => api.writeFile(`${r}/private`, 'x', { mode: 0o600 }));
    await step(() => api.writeFile(`${r}/mode-str`, 'x', { mode: '640' }));
    await step(() => api.writeFile(`${r}/file.txt`, 'x', { flag: 'wx' }));
    await step(() => api.writeFile(`${r}/empty`, 'appended', { flag: 'a' }));
    await step(() => api.writeFile(`${r}/file.txt`, 'AB', { flag: 'r+' }));
    await step(() => api.writeFile(`${r}/dir`, 'x'));
    await step(() => api.writeFile(`${r}/missing/x`, 'x'));
    await step(() => api.writeFile(`${r}/file.txt/x`, 'x'));
    await step(() => api.writeFile(`${r}/new-dir/`, 'x'));
    await step(() => api.writeFile(`${r}/link-dangling`, 'made through a dangling symlink'));
    await step(() => api.writeFile(`${r}/link-abs`, 'through an absolute symlink'));
    await step(() => api.writeFile(`${r}/flushed`, 'x', { flush: true }));
    await step(() => api.writeFile(`${r}/bad`, 5 as unknown as string));
    await step(() => api.writeFile(`${r}/bad2`, 'x', { flag: 'nope' }));
    await step(() => api.writeFile(`${r}/ro.txt`, 'root writes anyway'));
    await step(() => api.writeFile(`${r}/exec.sh`, 'root keeps setuid'));
  },

  'appendFile: existing, new, encodings, directories': async (api, r, step) => {
    await step(() => api.appendFile(`${r}/file.txt`, 'more\n'));
    await step(() => api.appendFile(`${r}/file.txt`, '6869', 'hex'));
    await step(() => api.appendFile(`${r}/new`, 'first', { mode: 0o640 }));
    await step(() => api.appendFile(`${r}/new`, new Uint8Array([0x21])));
    await step(() => api.appendFile(`${r}/dir`, 'x'));
    await step(() => api.appendFile(`${r}/file.txt`, 'x', { flag: 'ax' }));
    await step(() => api.appendFile(`${r}/empty`, 'w flag overwrites', { flag: 'w' }));
  },

  'open with write flags, then FileHandle writes at positions': async (api, r, step) => {
    const f = `${r}/file.txt`;
    await step(() =>
      withHandle(api, f, 'r+', async (h) => [
        await h.write(new TextEncoder().encode('HE')),
        await h.write('LL'),
        await h.write('4f', null, 'hex'),
        await h.write(new TextEncoder().encode('xyzw'), 1, 2, 8),
        await h.write(new TextEncoder().encode('12345'), { offset: 1, length: 3, position: null }),
        await h.write('!', -1),
        await h.write('?', 1.5),
        await h.write(new Uint8Array(0)),
        await h.writev([new Uint8Array([0x41]), new Uint8Array([0x42, 0x43])], 20),
        await h.writev([new Uint8Array([0x44])]),
        brief(await h.stat()),
      ]),
    );
    await step(() => withHandle(api, `${r}/created`, 'w+', async (h) => [await h.write('abc'), await h.read(new Uint8Array(3), 0, 3, 0)], 0o600));
    await step(() => withHandle(api, `${r}/file.txt`, 'a', async (h) => [await h.write('+end', 0), await h.write('+more'), brief(await h.stat())]));
    await step(() => withHandle(api, `${r}/appendable`, 'a+', async (h) => [await h.write('12'), await h.read(new Uint8Array(4), 0, 4, 0)]));
    await step(() => withHandle(api, `${r}/file.txt`, 'wx', async () => 'opened'));
    await step(() => withHandle(api, `${r}/xw`, 'xw', async (h) => h.write('x')));
    await step(() => withHandle(api, `${r}/ax`, 'ax', async (h) => h.write('y')));
    await step(() => withHandle(api, `${r}/hard`, api.constants.O_RDONLY | api.constants.O_TRUNC, async (h) => brief(await h.stat())));
    await step(() => withHandle(api, `${r}/numeric`, api.constants.O_CREAT | api.constants.O_EXCL | api.constants.O_RDWR, async (h) => h.write('n'), 0o640));
    await step(() => withHandle(api, `${r}/x`, api.constants.O_CREAT | api.constants.O_DIRECTORY, async () => 'opened'));
    await step(() => withHandle(api, `${r}/link-file`, api.constants.O_CREAT | api.constants.O_NOFOLLOW | api.constants.O_WRONLY, async () => 'opened'));
    await step(() => withHandle(api, `${r}/link-dangling`, api.constants.O_CREAT | api.constants.O_EXCL | api.constants.O_WRONLY, async () => 'opened'));
    await step(() => withHandle(api, `${r}/link-dangling`, 'w', async (h) => h.write('through the link')));
    await step(() => withHandle(api, `${r}/readonly-new`, 'w', async (h) => h.write('a new 0444 file is writable by its creator'), 0o444));
    await step(() => withHandle(api, `${r}/synced`, api.constants.O_CREAT | api.constants.O_WRONLY | api.constants.O_SYNC, async (h) => h.write('s')));
    await step(() => withHandle(api, `${r}/dsynced`, api.constants.O_CREAT | api.constants.O_WRONLY | api.constants.O_DSYNC, async (h) => h.write('d')));
    await step(() => withHandle(api, `${r}/dir`, 'w', async () => 'opened'));
    await step(() => withHandle(api, `${r}/dir/`, 'a', async () => 'opened'));
    await step(() => withHandle(api, `${r}/`, 'w', async () => 'opened'));
  },

  'FileHandle: writeFile, appendFile, truncate, sync, chmod, chown, utimes, misuse': async (api, r, step) => {
    await step(() =>
      withHandle(api, `${r}/file.txt`, 'r+', async (h) => {
        await h.read(new Uint8Array(6), 0, 6, null);
        await h.writeFile('WRITTEN');
        await h.appendFile(['+', 'appended']);
        await h.truncate(30);
        await h.sync();
        await h.datasync();
        await h.chmod(0o600);
        await h.chown(-1, -1);
        await h.utimes(1_500_000_000.5, new Date(1_400_000_000_250));
        return [await h.readFile('utf8'), brief(await h.stat())];
      }),
    );
    await step(() => withHandle(api, `${r}/empty`, 'r+', async (h) => [await h.truncate(-5), await h.truncate(3), brief(await h.stat())]));
    await step(() => withHandle(api, `${r}/empty`, 'r+', (h) => h.truncate(1.5)));
    await step(() => withHandle(api, `${r}/file.txt`, 'r', (h) => h.write('x')));
    await step(() => withHandle(api, `${r}/file.txt`, 'r', (h) => h.writev([new Uint8Array(1)])));
    await step(() => withHandle(api, `${r}/file.txt`, 'r', (h) => h.truncate(1)));
    await step(() => withHandle(api, `${r}/file.txt`, 'r', (h) => h.writeFile('x')));
    await step(() => withHandle(api, `${r}/file.txt`, 'w', (h) => h.read(new Uint8Array(1), 0, 1, 0)));
    await step(() => withHandle(api, `${r}/file.txt`, 'r', (h) => h.chmod('bad' as unknown as number)));
    await step(() => withHandle(api, `${r}/file.txt`, 'r', (h) => h.write(new Uint8Array(4), 5)));
    await step(() => withHandle(api, `${r}/file.txt`, 'r', (h) => h.write('abc', 0, 'hex')));
    await step(async () => {
      const h = await api.open(`${r}/file.txt`, 'r+');
      await h.close();
      const codes = [];
      for (const call of [() => h.write('x'), () => h.writev([]), () => h.truncate(), () => h.sync(), () => h.datasync(), () => h.chmod(0o600), () => h.chown(0, 0), () => h.utimes(1, 1), () => h.writeFile('x'), () => h.appendFile('x')]) {
        codes.push(await call().catch((e: NodeJS.ErrnoException) => [e.code, e.syscall, e.message]));
      }
      return codes;
    });
  },

  'mkdir: plain, modes, errors, recursive': async (api, r, step) => {
    await step(() => api.mkdir(`${r}/new`));
    await step(() => api.mkdir(`${r}/modes`, 0o4777));
    await step(() => api.mkdir(`${r}/sticky-new`, { mode: 0o1777 }));
    await step(() => api.mkdir(`${r}/str`, '700'));
    await step(() => api.mkdir(`${r}/trailing/`));
    await step(() => api.mkdir(`${r}/sgid/child`));
    await step(() => api.mkdir(`${r}/file.txt`));
    await step(() => api.mkdir(`${r}/link-dangling`));
    await step(() => api.mkdir(`${r}/dir/.`));
    await step(() => api.mkdir(`${r}/dir/..`));
    await step(() => api.mkdir('/'));
    await step(() => api.mkdir(`${r}/missing/x`));
    await step(() => api.mkdir(`${r}/file.txt/x`));
    await step(() => api.mkdir(`${r}/a/b/c`, { recursive: true }));
    await step(() => api.mkdir(`${r}/a/b/c`, { recursive: true }));
    await step(() => api.mkdir(`${r}/p/q/`, { recursive: true, mode: 0o700 }));
    await step(() => api.mkdir(`${r}/m/../n/o`, { recursive: true }));
    await step(() => api.mkdir(`${r}/file.txt`, { recursive: true }));
    await step(() => api.mkdir(`${r}/file.txt/a/b`, { recursive: true }));
    await step(() => api.mkdir(`${r}/link-dangling/a`, { recursive: true }));
    await step(() => api.mkdir(`${r}/link-dangling`, { recursive: true }));
    await step(() => api.mkdir(`${r}/link-dir/deeper/x`, { recursive: true }));
    await step(() => api.mkdir(`${r}/.`, { recursive: true }));
    await step(() => api.mkdir(`${r}/bad`, { recursive: 'yes' as unknown as boolean }));
    await step(() => api.mkdir(`${r}/bad`, 'rwx'));
  },

  'rmdir and unlink: every kind of name': async (api, r, step) => {
    await step(() => api.rmdir(`${r}/empty-dir`));
    await step(() => api.rmdir(`${r}/dir`));
    await step(() => api.rmdir(`${r}/file.txt`));
    await step(() => api.rmdir(`${r}/dir/..`));
    await step(() => api.rmdir(`${r}/dir/.`));
    await step(() => api.rmdir('/'));
    await step(() => api.rmdir(`${r}/link-dir`));
    await step(() => api.rmdir(`${r}/link-dir/`));
    await step(() => api.rmdir(`${r}/missing`));
    await step(() => api.rmdir(`${r}/dir/empty-sub/`));
    await step(() => api.rmdir(`${r}/dir`, { recursive: true }));
    await step(() => api.unlink(`${r}/hard`));
    await step(() => api.unlink(`${r}/empty-dir`));
    await step(() => api.unlink(`${r}/link-file`));
    await step(() => api.unlink(`${r}/file.txt/`));
    await step(() => api.unlink(`${r}/sticky/`));
    await step(() => api.unlink(`${r}/missing`));
    await step(() => api.unlink(`${r}/missing/`));
    await step(() => api.unlink(`${r}/.`));
    await step(() => api.unlink(`${r}/link-dangling`));
    await step(() => api.unlink(`${r}/missing/x`));
  },

  'rename: files, directories, replacement rules, loops': async (api, r, step) => {
    await step(() => api.rename(`${r}/file.txt`, `${r}/renamed.txt`));
    await step(() => api.rename(`${r}/renamed.txt`, `${r}/empty`));
    await step(() => api.rename(`${r}/empty`, `${r}/empty-dir`));
    await step(() => api.rename(`${r}/dir`, `${r}/ro.txt`));
    await step(() => api.rename(`${r}/dir/sub`, `${r}/empty-dir`));
    await step(() => api.rename(`${r}/empty-dir`, `${r}/dir/empty-sub`));
    await step(() => api.rename(`${r}/sticky`, `${r}/dir`));
    await step(() => api.rename(`${r}/dir`, `${r}/dir/sub/inside`));
    await step(() => api.rename(`${r}/dir`, `${r}/dir`));
    await step(() => api.rename(`${r}/dir/sub`, `${r}/dir/sub/b.txt/x`));
    await step(() => api.rename(`${r}/dir/sub/b.txt`, `${r}/dir`));
    await step(() => api.rename(`${r}/dir/empty-sub`, r));
    await step(() => api.rename(`${r}/hard`, `${r}/hard`));
    await step(() => api.rename(`${r}/missing`, `${r}/x`));
    // Name lengths fail where the kernel's lookups do: source first, target only once the source exists.
    await step(() => api.rename(`${r}/missing`, `${r}/${'n'.repeat(256)}`));
    await step(() => api.rename(`${r}/${'o'.repeat(256)}`, `${r}/x`));
    await step(() => api.rename(`${r}/hard`, `${r}/${'n'.repeat(256)}`));
    await step(() => api.rename(`${r}/ro.txt/`, `${r}/x`));
    await step(() => api.rename(`${r}/ro.txt`, `${r}/x/`));
    await step(() => api.rename(`${r}/dir/.`, `${r}/x`));
    await step(() => api.rename(`${r}/ro.txt`, `${r}/dir/..`));
    await step(() => api.rename(`${r}/ro.txt`, `${r}/missing/x`));
    await step(() => api.rename(`${r}/link-dir`, `${r}/moved-link`));
    await step(() => api.rename(`${r}/dir/sub`, `${r}/sub-moved/`));
    await step(() => api.rename(`${r}/dir/a.txt`, `${r}/sgid/a.txt`));
  },

  'link, symlink and their errors': async (api, r, step) => {
    await step(() => api.link(`${r}/file.txt`, `${r}/third`));
    await step(() => api.link(`${r}/dir`, `${r}/dir-link`));
    await step(() => api.link(`${r}/link-dangling`, `${r}/link-of-link`));
    await step(() => api.link(`${r}/file.txt`, `${r}/empty`));
    await step(() => api.link(`${r}/file.txt`, `${r}/new/`));
    await step(() => api.link(`${r}/missing`, `${r}/x`));
    await step(() => api.link(`${r}/file.txt`, `${r}/missing/x`));
    await step(() => api.link(`${r}/file.txt/`, `${r}/x`));
    await step(() => api.symlink('target', `${r}/sym`));
    await step(() => api.symlink(`${r}/dir`, `${r}/sym-dir`, 'dir'));
    await step(() => api.symlink('x', `${r}/file.txt`));
    await step(() => api.symlink('', `${r}/sym-empty`));
    await step(() => api.symlink('x', `${r}/sym-bad`, 'bogus'));
    await step(() => api.symlink('x', `${r}/sym-slash/`));
    await step(() => api.symlink('x'.repeat(4096), `${r}/sym-long`));
    await step(() => api.symlink('x', `${r}/missing/sym`));
  },

  'chmod, chown, lchown, utimes, lutimes, truncate': async (api, r, step) => {
    await step(() => api.chmod(`${r}/file.txt`, 0o4751));
    await step(() => api.chmod(`${r}/empty`, '600'));
    await step(() => api.chmod(`${r}/link-file`, 0o640));
    await step(() => api.chmod(`${r}/missing`, 0o600));
    await step(() => api.chmod(`${r}/file.txt`, 'x' as unknown as number));
    await step(() => api.chmod(`${r}/file.txt`, undefined as unknown as number));
    await step(() => api.chown(`${r}/exec.sh`, 0, 0));
    await step(() => api.chown(`${r}/dir`, 1000, 1000));
    await step(() => api.chown(`${r}/empty`, -1, 1000));
    await step(() => api.lchown(`${r}/link-file`, 1000, -1));
    await step(() => api.chown(`${r}/link-dangling`, 0, 0));
    await step(() => api.chown(`${r}/file.txt`, -2, 0));
    await step(() => api.utimes(`${r}/file.txt`, 1_000_000_000.123456, new Date(1_200_000_000_999)));
    await step(() => api.utimes(`${r}/dir`, '1300000000.5', 1_300_000_001));
    await step(() => api.lutimes(`${r}/link-dir`, 1_100_000_000, 1_100_000_000.000001));
    await step(() => api.utimes(`${r}/missing`, 1, 1));
    await step(() => api.utimes(`${r}/file.txt`, Number.NaN, 1));
    await step(() => api.truncate(`${r}/file.txt`, 5));
    await step(() => api.truncate(`${r}/hard`));
    await step(() => api.truncate(`${r}/ro.txt`, 100));
    await step(() => api.truncate(`${r}/empty`, -3));
    await step(() => api.truncate(`${r}/dir`, 1));
    await step(() => api.truncate(`${r}/missing`));
    await step(() => api.truncate(`${r}/empty`, 'x' as unknown as number));
  },

  'copyFile and its flags': async (api, r, step) => {
    await step(() => api.copyFile(`${r}/file.txt`, `${r}/copy`));
    await step(() => api.copyFile(`${r}/exec.sh`, `${r}/copy`));
    await step(() => api.copyFile(`${r}/ro.txt`, `${r}/ro-copy`));
    await step(() => api.copyFile(`${r}/file.txt`, `${r}/ro-copy`));
    await step(() => api.copyFile(`${r}/file.txt`, `${r}/empty`, api.constants.COPYFILE_EXCL));
    await step(() => api.copyFile(`${r}/file.txt`, `${r}/excl`, api.constants.COPYFILE_EXCL));
    await step(() => api.copyFile(`${r}/file.txt`, `${r}/hard`));
    await step(() => api.copyFile(`${r}/dir`, `${r}/dir-copy`));
    await step(() => api.copyFile(`${r}/dir`, `${r}/empty`));
    await step(() => api.copyFile(`${r}/file.txt`, `${r}/dir`));
    await step(() => api.copyFile(`${r}/missing`, `${r}/x`));
    await step(() => api.copyFile(`${r}/link-abs`, `${r}/from-link`));
    await step(() => api.copyFile(`${r}/file.txt`, `${r}/link-dangling`));
    await step(() => api.copyFile(`${r}/file.txt`, `${r}/cloned`, api.constants.COPYFILE_FICLONE));
    await step(() => api.copyFile(`${r}/file.txt`, `${r}/x`, 8));
  },

  'cp: files, trees, symlinks and its checks': async (api, r, step) => {
    await step(() => api.cp(`${r}/file.txt`, `${r}/cp-file`));
    await step(() => api.cp(`${r}/dir`, `${r}/cp-dir`));
    await step(() => api.cp(`${r}/dir`, `${r}/cp-dir`, { recursive: true }));
    await step(() => api.cp(`${r}/dir`, `${r}/cp-dir`, { recursive: true }));
    await step(() => api.cp(`${r}/file.txt`, `${r}/file.txt`));
    await step(() => api.cp(`${r}/dir`, `${r}/dir/sub/inner`, { recursive: true }));
    await step(() => api.cp(`${r}/dir`, `${r}/empty`, { recursive: true }));
    await step(() => api.cp(`${r}/file.txt`, `${r}/empty-dir`));
    await step(() => api.cp(`${r}/ro.txt`, `${r}/empty`, { force: false, errorOnExist: true }));
    await step(() => api.cp(`${r}/ro.txt`, `${r}/empty`, { force: false }));
    await step(() => api.cp(`${r}/ro.txt`, `${r}/deep/er/ro.txt`));
    await step(() => api.cp(`${r}/link-file`, `${r}/cp-link`));
    await step(() => api.cp(`${r}/link-file`, `${r}/cp-link-verbatim`, { verbatimSymlinks: true }));
    await step(() => api.cp(`${r}/link-file`, `${r}/cp-link-deref`, { dereference: true }));
    await step(() => api.cp(`${r}/link-dir`, `${r}/cp-link`));
    await step(() => api.cp(`${r}/dir`, `${r}/cp-filtered`, { recursive: true, filter: (src: string) => !src.endsWith('a.txt') }));
    await step(() => api.cp(`${r}/exec.sh`, `${r}/cp-times`, { preserveTimestamps: true }));
    await step(() => api.cp(`${r}/ro.txt`, `${r}/cp-ro-times`, { preserveTimestamps: true }));
    await step(() => api.cp(`${r}/missing`, `${r}/x`));
    await step(() => api.cp(`${r}/file.txt`, `${r}/x`, { dereference: true, verbatimSymlinks: true }));
    await step(() => api.cp(`${r}/file.txt`, `${r}/x`, { recursive: 1 as unknown as boolean }));
  },

  'rm: files, trees, force, symlinks': async (api, r, step) => {
    await step(() => api.rm(`${r}/file.txt`));
    await step(() => api.rm(`${r}/dir`));
    await step(() => api.rm(`${r}/link-dir`, { recursive: true }));
    await step(() => api.rm(`${r}/dir`, { recursive: true }));
    await step(() => api.rm(`${r}/missing`));
    await step(() => api.rm(`${r}/missing`, { force: true }));
    await step(() => api.rm(`${r}/empty/x`, { force: true }));
    await step(() => api.rm(`${r}/empty-dir`, { recursive: true, maxRetries: 3 }));
    await step(() => api.rm(`${r}/link-dangling`));
    await step(() => api.rm(`${r}/sticky/`, { recursive: true }));
    await step(() => api.rm(`${r}/x`, { force: 'yes' as unknown as boolean }));
    await step(() => api.rm(`${r}/x`, { maxRetries: -1 }));
  },

  'mkdtemp: names, modes and errors': async (api, r, step) => {
    await step(async () => {
      const made = await api.mkdtemp(`${r}/t-`);
      const stats = await api.stat(made);
      await api.rename(made, `${r}/t-fixed`);
      return [made.slice(0, -6), /^[A-Za-z0-9]{6}$/.test(made.slice(-6)), stats.mode.toString(8)];
    });
    await step(async () => {
      const made = await api.mkdtemp(`${r}/t-`, 'buffer');
      await api.rmdir(made);
      return [Buffer.isBuffer(made), made.length];
    });
    await step(() => api.mkdtemp(`${r}/missing/t-`).catch((e: NodeJS.ErrnoException) => [e.code, e.syscall, e.path!.slice(0, -6)]));
  },
};

describe.runIf(process.platform === 'linux')('write-side calls behave like node:fs/promises on the same tree (as root)', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it.skipIf(!isRoot)(name, async () => {
      await expectSameOutcome(scenario);
    });
  }
});
