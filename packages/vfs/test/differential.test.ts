// Differential test: the same tree built with node:fs in a temp directory and
// mirrored into the in-memory filesystem; the same read-side calls through
// node:fs/promises and through createFsPromises must give the same results
// and the same errors (code, syscall, path and message).
import * as nodeFsp from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsPromises, type FsPromises } from '../src/index.js';
import { buildNodeTree, mirrorTree, outcome, sortedListing, type BuiltTree } from './support/differential.js';

/** The calls both APIs answer; `api` is node:fs/promises or ours, typed as ours. */
type Operation = (api: FsPromises, path: string) => Promise<unknown>;

const collectDir = async (api: FsPromises, path: string): Promise<unknown> => {
  const dir = await api.opendir(path);
  const entries = [];
  for await (const entry of dir) entries.push(entry);
  return sortedListing(entries);
};

const PATH_OPERATIONS: Record<string, Operation> = {
  stat: (api, p) => api.stat(p),
  'stat bigint': (api, p) => api.stat(p, { bigint: true }),
  lstat: (api, p) => api.lstat(p),
  'lstat bigint': (api, p) => api.lstat(p, { bigint: true }),
  'access F_OK': (api, p) => api.access(p),
  'access R_OK': (api, p) => api.access(p, api.constants.R_OK),
  'access W_OK': (api, p) => api.access(p, api.constants.W_OK),
  'access X_OK': (api, p) => api.access(p, api.constants.X_OK),
  'access R_OK|X_OK': (api, p) => api.access(p, api.constants.R_OK | api.constants.X_OK),
  readlink: (api, p) => api.readlink(p),
  'readlink buffer': (api, p) => api.readlink(p, 'buffer'),
  realpath: (api, p) => api.realpath(p),
  'realpath buffer': (api, p) => api.realpath(p, { encoding: 'buffer' }),
  readdir: async (api, p) => sortedListing(await api.readdir(p)),
  'readdir withFileTypes': async (api, p) => sortedListing(await api.readdir(p, { withFileTypes: true })),
  'readdir buffer': async (api, p) => sortedListing(await api.readdir(p, 'buffer')),
  'readdir recursive withFileTypes': async (api, p) =>
    sortedListing(await api.readdir(p, { recursive: true, withFileTypes: true })),
  opendir: collectDir,
};

/** Calls that open the file: not run on FIFOs (they would block) or devices (no driver here). */
const OPEN_OPERATIONS: Record<string, Operation> = {
  readFile: (api, p) => api.readFile(p),
  'readFile utf8': (api, p) => api.readFile(p, 'utf8'),
  'readFile latin1': (api, p) => api.readFile(p, { encoding: 'latin1', flag: 'r' }),
  'readFile base64': (api, p) => api.readFile(p, { encoding: 'base64' }),
  'open and read at positions': async (api, p) => {
    const handle = await api.open(p, 'r');
    try {
      const buffer = new Uint8Array(16);
      const steps: unknown[] = [];
      const take = async (read: Promise<{ bytesRead: number; buffer: Uint8Array }>) => {
        const { bytesRead, buffer: filled } = await read;
        steps.push({ bytesRead, bytes: filled.slice(0, 16) });
      };
      await take(handle.read(buffer, 0, 5, 0));
      await take(handle.read(buffer, 2, 4, 3));
      await take(handle.read(buffer, 0, 16, null));
      await take(handle.read(buffer, 0, 16, null));
      await take(handle.read({ buffer, position: 1 }));
      await take(handle.read(buffer, { offset: 1, length: 2, position: 0 }));
      await take(handle.read(buffer, 0, 16, 1_000_000));
      steps.push(await handle.stat());
      steps.push(await handle.readFile());
      return steps;
    } finally {
      await handle.close();
    }
  },
  'FileHandle.readv': async (api, p) => {
    const handle = await api.open(p);
    try {
      return await handle.readv([new Uint8Array(3), new Uint8Array(5)], 1);
    } finally {
      await handle.close();
    }
  },
  'FileHandle.readLines': async (api, p) => {
    const handle = await api.open(p);
    const lines: string[] = [];
    for await (const line of handle.readLines()) lines.push(line);
    return lines;
  },
  'open O_NOFOLLOW': async (api, p) => (await api.open(p, api.constants.O_RDONLY | api.constants.O_NOFOLLOW)).close(),
  'open O_DIRECTORY': async (api, p) => (await api.open(p, api.constants.O_RDONLY | api.constants.O_DIRECTORY)).close(),
};

/** Paths under the tree root ('' is the root itself). */
const PATHS = [
  '',
  'file.txt',
  'empty',
  'big.bin',
  'exec.sh',
  'noperm',
  'lines.txt',
  'dir',
  'dir/',
  'dir//nested///deep.txt',
  'dir/./nested/../sub2',
  'dir/nested',
  'dir/nested/deep.txt',
  'dir/sub2/',
  'dir/ünïcödé-名前.txt',
  'hard',
  'link-file',
  'link-file/',
  'link-dir',
  'link-dir/',
  'link-dir/nested/..',
  'link-dir/../file.txt',
  'link-abs',
  'link-dangling',
  'link-dangling/',
  'loop-a',
  'loop-a/x',
  'loop-b/',
  'self',
  'link-chain',
  'link-dotdot',
  'link-slash',
  'link-slash/',
  'missing',
  'missing/x',
  'missing/..',
  'file.txt/',
  'file.txt/x',
  'file.txt/.',
  'file.txt/..',
  'x'.repeat(255),
  'x'.repeat(256),
  `dir/${'é'.repeat(127)}`,
  `dir/${'é'.repeat(128)}`,
  `${'a/'.repeat(2100)}x`,
];
const SPECIAL_PATHS = ['fifo', 'chardev'];

let tree: BuiltTree;
let ours: FsPromises;
const theirs = nodeFsp as unknown as FsPromises;

beforeAll(async () => {
  tree = await buildNodeTree();
  const credentials = { uid: process.getuid!(), gid: process.getgid!(), groups: process.getgroups!() };
  ours = createFsPromises(await mirrorTree(tree.root), { credentials });
});

afterAll(async () => {
  await nodeFsp.rm(tree.root, { recursive: true, force: true });
});

const at = (path: string): string => (path === '' ? tree.root : `${tree.root}/${path}`);

async function expectSame(operation: Operation, path: string): Promise<void> {
  const expected = await outcome(() => operation(theirs, path));
  const actual = await outcome(() => operation(ours, path));
  expect(actual).toEqual(expected);
}

describe.runIf(process.platform === 'linux')('read-side calls behave like node:fs/promises on the same tree', () => {
  for (const [name, operation] of Object.entries(PATH_OPERATIONS)) {
    it.each(PATHS.map((p) => [p.length > 40 ? `${p.slice(0, 37)}…` : p, p]))(`${name} %s`, async (_label, path) => {
      await expectSame(operation, at(path));
    });
  }

  for (const [name, operation] of Object.entries(OPEN_OPERATIONS)) {
    it.each(PATHS.map((p) => [p.length > 40 ? `${p.slice(0, 37)}…` : p, p]))(`${name} %s`, async (_label, path) => {
      await expectSame(operation, at(path));
    });
  }

  it.each(SPECIAL_PATHS)('stat, lstat, access, realpath and listing calls on %s', async (path) => {
    if (path === 'fifo' && !tree.hasFifo) return;
    if (path === 'chardev' && !tree.hasCharDevice) return;
    for (const operation of Object.values(PATH_OPERATIONS)) await expectSame(operation, at(path));
  });

  // Node 20 aborts the process when a FileHandle is closed after its readableWebStream
  // ended (an assertion in node_file.cc), so our stream is compared with Node's readFile.
  it.each(PATHS.map((p) => [p.length > 40 ? `${p.slice(0, 37)}…` : p, p]))(
    'FileHandle.readableWebStream %s yields what readFile reads',
    async (_label, path) => {
      const expected = await outcome(() => theirs.readFile(at(path)));
      const actual = await outcome(async () => {
        const handle = await ours.open(at(path));
        try {
          const parts: Uint8Array[] = [];
          for await (const chunk of handle.readableWebStream() as unknown as AsyncIterable<Uint8Array>) {
            expect(chunk).toBeInstanceOf(Uint8Array);
            parts.push(chunk.slice());
          }
          return Buffer.concat(parts);
        } finally {
          await handle.close();
        }
      });
      expect(actual).toEqual(expected);
    },
  );

  it('readdir recursive (string paths) lists nested entries as relative paths', async () => {
    for (const path of ['dir', 'dir/', 'link-dir', 'dir/nested', 'file.txt', 'missing']) {
      await expectSame(async (api, p) => sortedListing(await api.readdir(p, { recursive: true })), at(path));
    }
  });

  it('takes URL and Uint8Array paths', async () => {
    for (const path of ['file.txt', 'link-dir/nested/deep.txt', 'missing', 'dir/ünïcödé-名前.txt']) {
      await expectSame((api, p) => api.stat(new URL(`file://${p}`)), at(path));
      await expectSame((api, p) => api.readFile(new TextEncoder().encode(p)), at(path));
      await expectSame((api, p) => api.readdir(new URL(`file://${p}`)), at(path));
    }
    await expectSame((api, p) => api.stat(new URL(`file://${p}%2Fx`)), at('dir'));
    await expectSame((api) => api.stat(new URL('http://example.com/')), '');
  });

  it('rejects bad arguments with the same Node error codes', async () => {
    const file = at('file.txt');
    const calls: Operation[] = [
      (api) => api.stat(`${file}\0x`),
      (api) => api.stat(5 as unknown as string),
      (api, p) => api.readFile(p, { flag: 'q' as string }),
      (api, p) => api.readFile(p, 'nope' as 'utf8'),
      (api, p) => api.access(p, 8),
      (api, p) => api.access(p, 'r' as unknown as number),
      (api, p) => api.open(p, 'r', 'zz'),
      async (api, p) => {
        const handle = await api.open(p);
        try {
          return await handle.read(new Uint8Array(10), 0, 11);
        } finally {
          await handle.close();
        }
      },
      async (api, p) => {
        const handle = await api.open(p);
        try {
          return await handle.read(new Uint8Array(10), 1.5);
        } finally {
          await handle.close();
        }
      },
    ];
    for (const call of calls) {
      const expected = await outcome(() => call(theirs, file));
      const actual = await outcome(() => call(ours, file));
      expect((actual as { error: { code: string } }).error.code).toBe((expected as { error: { code: string } }).error.code);
    }
  });

  it('matches Node on a closed FileHandle: fd -1, EBADF, a second close resolves', async () => {
    for (const api of [theirs, ours]) {
      const handle = await api.open(at('file.txt'));
      await handle.close();
      expect(handle.fd).toBe(-1);
      await expect(handle.read(new Uint8Array(4), 0, 4, 0)).rejects.toMatchObject({ code: 'EBADF', syscall: 'read' });
      await expect(handle.stat()).rejects.toMatchObject({ code: 'EBADF' });
      await expect(handle.close()).resolves.toBeUndefined();
    }
  });

  it('readFile takes a FileHandle and reads from its position', async () => {
    await expectSame(async (api, p) => {
      const handle = await api.open(p);
      try {
        await handle.read(new Uint8Array(6), 0, 6, null);
        return [await api.readFile(handle, 'utf8'), await api.readFile(handle, 'utf8')];
      } finally {
        await handle.close();
      }
    }, at('file.txt'));
  });

  it('runs code written for node:fs/promises unchanged', async () => {
    /** A small `du`-style report, written against node:fs/promises only. */
    async function report(api: typeof nodeFsp, dir: string): Promise<string[]> {
      const lines: string[] = [];
      for await (const entry of await api.opendir(dir)) {
        const path = `${dir}/${entry.name}`;
        const stats = await api.lstat(path);
        if (entry.isDirectory()) lines.push(...(await report(api, path)));
        else if (entry.isSymbolicLink()) lines.push(`${path} -> ${await api.readlink(path)}`);
        else if (stats.isFile()) lines.push(`${path} ${stats.size} ${(await api.readFile(path)).toString('base64').slice(0, 12)}`);
        else lines.push(`${path} special ${stats.mode.toString(8)}`);
      }
      return lines.sort();
    }
    const expected = await report(nodeFsp, tree.root);
    expect(await report(ours as unknown as typeof nodeFsp, tree.root)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(15);
  });

  it('has the same constants as node:fs/promises', () => {
    for (const [name, value] of Object.entries(ours.constants)) {
      expect([name, value]).toEqual([name, (nodeFsp.constants as Record<string, number>)[name]]);
    }
  });
});
