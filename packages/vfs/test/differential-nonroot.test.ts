// Differential test of the write side's permission rules as an ordinary
// user: a tree with files and directories of root and of uid 1000 (sticky
// and set-group-ID directories, a set-user-ID file, group-writable and
// world-writable files), the same scenario run by a child node process with
// uid/gid 1000 on the real tree and by the adapter with credentials
// { uid: 1000, gid: 1000 } on its mirror; step outcomes and resulting trees
// must match. Needs root (to chown the tree and to spawn as another user):
// with CI set and no root it fails loudly; locally it skips, saying why.
import { execFileSync } from 'node:child_process';
import * as nodeFsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFsPromises, type WritableFsPromises } from '../src/index.js';
import { mirrorTree, outcome, view } from './support/differential.js';
import { snapshot, type Scenario } from './support/write-differential.js';

const USER = 1000;
const UMASK = 0o022;
const isRoot = process.getuid?.() === 0;

if (process.env['CI'] && !isRoot) throw new Error('differential-nonroot.test.ts needs root in CI (it chowns files and spawns as uid 1000)');

/**
 * root/ (0755 root)
 *   theirs.txt (0644 root)  theirs-rw (0666 root)  group-rw (0664 root:1000)
 *   rootdir/ (0755 root) f          open/ (0777 root) rootfile (root) userfile (1000) locked/ (0755 root) deep
 *   sticky/ (01777 root) rootfile (0666 root) userfile (1000)     sgid/ (02777 root:0)
 *   mine/ (0755 1000) file (0644 1000) sub/ setuid (04755 1000) group-root (0644 1000:0)
 */
async function buildPermissionTree(): Promise<string> {
  const root = await nodeFsp.realpath(await nodeFsp.mkdtemp(join(tmpdir(), 'vfs-perm-')));
  await nodeFsp.chmod(root, 0o755);
  const at = (p: string): string => join(root, p);
  const file = async (p: string, mode: number, uid = 0, gid = 0): Promise<void> => {
    await nodeFsp.writeFile(at(p), `${p}\n`);
    await nodeFsp.chown(at(p), uid, gid);
    await nodeFsp.chmod(at(p), mode);
  };
  const dir = async (p: string, mode: number, uid = 0, gid = 0): Promise<void> => {
    await nodeFsp.mkdir(at(p));
    await nodeFsp.chown(at(p), uid, gid);
    await nodeFsp.chmod(at(p), mode);
  };
  await file('theirs.txt', 0o644);
  await file('theirs-rw', 0o666);
  await file('group-rw', 0o664, 0, USER);
  await dir('rootdir', 0o755);
  await file('rootdir/f', 0o644);
  await dir('open', 0o777);
  await file('open/rootfile', 0o644);
  await file('open/userfile', 0o644, USER, USER);
  await dir('open/locked', 0o755);
  await file('open/locked/deep', 0o644);
  await dir('sticky', 0o1777);
  await file('sticky/rootfile', 0o666);
  await file('sticky/userfile', 0o644, USER, USER);
  await dir('sgid', 0o2777);
  await dir('mine', 0o755, USER, USER);
  await file('mine/file', 0o644, USER, USER);
  await dir('mine/sub', 0o755, USER, USER);
  await file('mine/setuid', 0o4755, USER, USER);
  await file('mine/group-root', 0o644, USER, 0);
  return root;
}

/** Runs `scenario` in a child node process as uid/gid 1000 (no supplementary groups) and returns its step outcomes. */
function runAsUser(scenario: Scenario, root: string): unknown[] {
  const script = `
    import * as api from 'node:fs/promises';
    process.umask(${UMASK});
    const STAT_PREDICATES = ['isFile', 'isDirectory', 'isSymbolicLink', 'isBlockDevice', 'isCharacterDevice', 'isFIFO', 'isSocket'];
    const view = ${view.toString()};
    const outcome = ${outcome.toString()};
    const scenario = ${scenario.toString()};
    const steps = [];
    await scenario(api, ${JSON.stringify(root)}, async (call) => { steps.push(await outcome(call)); });
    process.stdout.write(JSON.stringify(steps));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { uid: USER, gid: USER, encoding: 'utf8' });
  return JSON.parse(output) as unknown[];
}

// Scenarios run in a child process from their source text: they may use only their arguments.
const SCENARIOS: Record<string, Scenario> = {
  'creating needs write and search permission on the parent; set-group-ID directories pass on their group': async (api, r, step) => {
    await step(() => api.writeFile(`${r}/rootdir/new`, 'x'));
    await step(() => api.writeFile(`${r}/open/new`, 'x', { mode: 0o2775 }));
    await step(() => api.mkdir(`${r}/rootdir/x`));
    await step(() => api.mkdir(`${r}/open/x`, 0o2777));
    await step(() => api.mkdir(`${r}/sgid/child`));
    await step(() => api.writeFile(`${r}/sgid/file`, 'x', { mode: 0o2755 }));
    await step(() => api.symlink('x', `${r}/rootdir/sym`));
    await step(() => api.symlink('x', `${r}/open/sym`));
    await step(() => api.mkdir(`${r}/rootdir/a/b`, { recursive: true }));
    await step(() => api.mkdir(`${r}/open/a/b`, { recursive: true }));
    await step(() => api.mkdtemp(`${r}/rootdir/t-`).catch((e: NodeJS.ErrnoException) => [e.code, e.syscall]));
  },

  'opening for writing needs write permission; writes clear set-user-ID': async (api, r, step) => {
    await step(() => api.writeFile(`${r}/theirs.txt`, 'x'));
    await step(() => api.writeFile(`${r}/theirs-rw`, 'written by a user'));
    await step(() => api.appendFile(`${r}/group-rw`, 'not in the group'));
    await step(() => api.truncate(`${r}/theirs.txt`, 1));
    await step(() => api.truncate(`${r}/theirs-rw`, 3));
    await step(async () => (await api.open(`${r}/theirs.txt`, 'r+')).close());
    await step(() => api.appendFile(`${r}/mine/setuid`, 'echo changed\n'));
    await step(() => api.access(`${r}/theirs-rw`, api.constants.W_OK));
    await step(() => api.access(`${r}/theirs.txt`, api.constants.W_OK));
  },

  'removing needs write permission on the parent, and ownership in sticky directories': async (api, r, step) => {
    await step(() => api.unlink(`${r}/rootdir/f`));
    await step(() => api.unlink(`${r}/open/rootfile`));
    await step(() => api.unlink(`${r}/sticky/rootfile`));
    await step(() => api.unlink(`${r}/sticky/userfile`));
    await step(() => api.rmdir(`${r}/rootdir`));
    await step(() => api.rm(`${r}/open/locked`, { recursive: true }));
    await step(() => api.rm(`${r}/sticky/rootfile`, { force: true }));
    await step(() => api.rename(`${r}/sticky/rootfile`, `${r}/sticky/moved`));
    await step(() => api.rename(`${r}/open/userfile`, `${r}/open/moved`));
    await step(() => api.rename(`${r}/mine/sub`, `${r}/open/sub`));
    await step(() => api.rename(`${r}/open/locked`, `${r}/mine/locked`));
    await step(() => api.rename(`${r}/mine/file`, `${r}/sticky/userfile`));
    await step(() => api.rename(`${r}/mine/file`, `${r}/theirs.txt`));
  },

  'attributes change only by the owner; chown only of the group, to a group one is in': async (api, r, step) => {
    await step(() => api.chmod(`${r}/theirs.txt`, 0o777));
    await step(() => api.chmod(`${r}/mine/file`, 0o2755));
    await step(() => api.chmod(`${r}/mine/group-root`, 0o2755));
    await step(() => api.chown(`${r}/mine/file`, 0, -1));
    await step(() => api.chown(`${r}/mine/file`, -1, 1000));
    await step(() => api.chown(`${r}/mine/group-root`, -1, 0));
    await step(() => api.chown(`${r}/mine/file`, -1, 0));
    await step(() => api.chown(`${r}/mine/file`, 1000, 1000));
    await step(() => api.chown(`${r}/theirs.txt`, -1, -1));
    await step(() => api.utimes(`${r}/theirs.txt`, 1, 1));
    await step(() => api.utimes(`${r}/theirs-rw`, 1, 1));
    await step(() => api.utimes(`${r}/mine/file`, 1_500_000_000, 1_500_000_000));
  },

  'links to other users’ files follow protected_hardlinks; copies need their own permissions': async (api, r, step) => {
    await step(() => api.link(`${r}/theirs.txt`, `${r}/mine/link`));
    await step(() => api.link(`${r}/theirs-rw`, `${r}/mine/link-rw`));
    await step(() => api.link(`${r}/mine/file`, `${r}/open/link`));
    await step(() => api.copyFile(`${r}/theirs.txt`, `${r}/open/copy`));
    await step(() => api.copyFile(`${r}/mine/file`, `${r}/theirs-rw`));
    await step(() => api.copyFile(`${r}/mine/file`, `${r}/rootdir/copy`));
    await step(() => api.cp(`${r}/mine`, `${r}/open/mine-copy`, { recursive: true }));
  },
};

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups) await cleanup();
  cleanups = [];
});

describe.runIf(process.platform === 'linux')('write-side permission rules match node:fs/promises run as uid 1000', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it.skipIf(!isRoot)(name, async () => {
      const root = await buildPermissionTree();
      cleanups.push(() => nodeFsp.rm(root, { recursive: true, force: true }));
      const memory = await mirrorTree(root);
      const started = Date.now();
      const expectedSteps = runAsUser(scenario, root);
      const expectedTree = await snapshot(nodeFsp as unknown as WritableFsPromises, root, started);
      const user = createFsPromises(memory, { umask: UMASK, credentials: { uid: USER, gid: USER, groups: [] } }) as WritableFsPromises;
      const actualSteps: unknown[] = [];
      await scenario(user, root, async (call) => {
        actualSteps.push(JSON.parse(JSON.stringify(await outcome(call))));
      });
      const actualTree = await snapshot(createFsPromises(memory) as WritableFsPromises, root, started);
      expect(actualSteps).toEqual(expectedSteps);
      expect(actualTree).toEqual(expectedTree);
    });
  }
});
