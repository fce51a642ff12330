// Property: for random sequences of write calls over a handful of names
// (so calls collide: replace, refuse, move into each other, follow
// symlinks), node:fs/promises on a real temp directory and createFsPromises
// on an in-memory mirror give the same outcome for every call (result or
// error code, syscall, path, dest, message) and leave the same tree.
// VFS_PROPERTY_RUNS scales the number of sequences (default 40).
import * as nodeFsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFsPromises, type WritableFsPromises } from '../src/index.js';
import { mirrorTree, outcome } from './support/differential.js';
import { snapshot } from './support/write-differential.js';

const NAMES = ['a', 'b', 'd', 'd/a', 'd/e', 'd/e/a', 'l', 'd/l'];
const RUNS = Number(process.env['VFS_PROPERTY_RUNS'] ?? 40);

type Call = (api: WritableFsPromises, at: (name: string) => string) => Promise<unknown>;

const name = fc.constantFrom(...NAMES);
// Symlink targets stay inside the tree: chmod, writeFile and cp follow them on the real disk.
const text = fc.constantFrom('', 'x', 'hello', 'a longer line of text\n');

const CALLS: fc.Arbitrary<[string, Call]>[] = [
  fc.tuple(name, text).map(([n, t]) => [`writeFile ${n}`, (api, at) => api.writeFile(at(n), t)]),
  fc.tuple(name, text).map(([n, t]) => [`appendFile ${n}`, (api, at) => api.appendFile(at(n), t)]),
  fc.tuple(name, fc.boolean()).map(([n, recursive]) => [`mkdir ${n} ${recursive}`, (api, at) => api.mkdir(at(n), { recursive })]),
  name.map((n) => [`rmdir ${n}`, (api, at) => api.rmdir(at(n))]),
  name.map((n) => [`unlink ${n}`, (api, at) => api.unlink(at(n))]),
  fc.tuple(name, fc.boolean()).map(([n, recursive]) => [`rm ${n} ${recursive}`, (api, at) => api.rm(at(n), { recursive, force: true })]),
  fc.tuple(name, name).map(([a, b]) => [`rename ${a} ${b}`, (api, at) => api.rename(at(a), at(b))]),
  fc.tuple(name, name).map(([a, b]) => [`link ${a} ${b}`, (api, at) => api.link(at(a), at(b))]),
  fc.tuple(fc.constantFrom('a', 'd', 'd/../b', 'missing', 'e/a'), name).map(([t, n]) => [`symlink ${t} ${n}`, (api, at) => api.symlink(t, at(n))]),
  fc.tuple(name, fc.nat(20)).map(([n, len]) => [`truncate ${n} ${len}`, (api, at) => api.truncate(at(n), len)]),
  fc.tuple(name, name).map(([a, b]) => [`copyFile ${a} ${b}`, (api, at) => api.copyFile(at(a), at(b))]),
  fc.tuple(name, name).map(([a, b]) => [`cp ${a} ${b}`, (api, at) => api.cp(at(a), at(b), { recursive: true })]),
  fc.tuple(name, fc.constantFrom(0o600, 0o755, 0o4711)).map(([n, m]) => [`chmod ${n} ${m.toString(8)}`, (api, at) => api.chmod(at(n), m)]),
  fc.tuple(name, fc.nat(12)).map(([n, pos]) => [
    `write ${n} at ${pos}`,
    async (api, at) => {
      const handle = await api.open(at(n), 'r+');
      try {
        return (await handle.write('XY', pos)).bytesWritten;
      } finally {
        await handle.close();
      }
    },
  ]),
];

/** Every name starts out taken by something, so calls collide from the first one. */
async function seed(root: string): Promise<void> {
  await nodeFsp.writeFile(join(root, 'a'), 'seed a');
  await nodeFsp.mkdir(join(root, 'd/e'), { recursive: true });
  await nodeFsp.writeFile(join(root, 'd/a'), 'seed d/a');
  await nodeFsp.symlink('d', join(root, 'l'));
  await nodeFsp.symlink('../a', join(root, 'd/l'));
}

async function run(api: WritableFsPromises, root: string, calls: [string, Call][]): Promise<unknown[]> {
  const at = (n: string): string => `${root}/${n}`;
  const outcomes: unknown[] = [];
  for (const [label, call] of calls) outcomes.push([label, await outcome(() => call(api, at))]);
  return outcomes;
}

describe.runIf(process.platform === 'linux')('random write sequences (property)', () => {
  it('give node:fs/promises’ outcomes and tree on the in-memory mirror', async () => {
    const previous = process.umask(0o022);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.oneof(...CALLS), { minLength: 1, maxLength: 25 }), async (calls) => {
          const root = await nodeFsp.realpath(await nodeFsp.mkdtemp(join(tmpdir(), 'vfs-prop-')));
          try {
            await seed(root);
            const memory = await mirrorTree(root);
            const ours = createFsPromises(memory, { umask: 0o022 });
            const theirs = nodeFsp as unknown as WritableFsPromises;
            const started = Date.now();
            const expected = await run(theirs, root, calls);
            const actual = await run(ours, root, calls);
            expect(actual).toEqual(expected);
            expect(await snapshot(ours, root, started)).toEqual(await snapshot(theirs, root, started));
          } finally {
            await nodeFsp.rm(root, { recursive: true, force: true });
          }
        }),
        { numRuns: RUNS },
      );
    } finally {
      process.umask(previous);
    }
  });
});
