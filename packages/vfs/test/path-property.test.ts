// Property: for random trees of symlinks and random paths made of names,
// `.`, `..`, empty components (`//`), leading and trailing slashes, path
// resolution gives what a simple reference resolver gives. The reference
// works on strings the textbook way — when it meets a symlink it splices the
// target into the rest of the path text and carries on from the link's
// directory (or from the root for an absolute target) — so it shares no code
// or structure with the component-stack walker it checks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FsError } from '@iomap/core';
import { createFsPromises, decodeName, pathOfSteps, resolvePath } from '../src/index.js';
import { MemoryFs } from './support/memory-fs.js';

type RefNode = { kind: 'dir'; children: Map<string, RefNode> } | { kind: 'file' } | { kind: 'link'; target: string };

// Every directory holds a subdirectory d (three levels deep), a file f and two
// link slots x and y, so random paths over these names mostly exist, chain
// through links, and loop.
const DIRECTORIES = ['/d', '/d/d', '/d/d/d'];
const FILES = ['/f', '/d/f', '/d/d/f', '/d/d/d/f'];
const LINK_SLOTS = ['/x', '/y', '/d/x', '/d/y', '/d/d/x', '/d/d/y', '/d/d/d/x', '/d/d/d/y'];

const segment = fc.oneof(
  { arbitrary: fc.constantFrom('d', 'x', 'y'), weight: 9 },
  { arbitrary: fc.constant('..'), weight: 2 },
  { arbitrary: fc.constantFrom('f', '.', '', 'zz'), weight: 3 },
);
/** A path string from the alphabet: maybe absolute, maybe with a trailing slash, possibly empty. */
const pathText = fc
  .record({ absolute: fc.boolean(), parts: fc.array(segment, { maxLength: 7 }), trailing: fc.boolean() })
  .map(({ absolute, parts, trailing }) => `${absolute ? '/' : ''}${parts.join('/')}${trailing && parts.length > 0 ? '/' : ''}`);

interface Scenario {
  /** Target of each link slot, or null when the slot holds no link. */
  links: (string | null)[];
  path: string;
  follow: boolean;
  cwd: string;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  links: fc.array(fc.option(pathText, { nil: null, freq: 4 }), { minLength: LINK_SLOTS.length, maxLength: LINK_SLOTS.length }),
  path: pathText,
  follow: fc.boolean(),
  cwd: fc.constantFrom('/', ...DIRECTORIES),
});

function buildModel(links: (string | null)[]): RefNode {
  const root: RefNode = { kind: 'dir', children: new Map() };
  type Dir = { kind: 'dir'; children: Map<string, RefNode> };
  const parentOf = (path: string): Map<string, RefNode> => {
    let at = root as Dir;
    for (const name of path.split('/').filter(Boolean).slice(0, -1)) at = at.children.get(name) as Dir;
    return at.children;
  };
  const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
  for (const dir of DIRECTORIES) parentOf(dir).set(baseName(dir), { kind: 'dir', children: new Map() });
  for (const file of FILES) parentOf(file).set(baseName(file), { kind: 'file' });
  LINK_SLOTS.forEach((slot, i) => {
    const target = links[i];
    if (target !== null && target !== undefined) parentOf(slot).set(baseName(slot), { kind: 'link', target });
  });
  return root;
}

function buildFs(links: (string | null)[]): MemoryFs {
  const fs = new MemoryFs();
  for (const dir of DIRECTORIES) fs.addDirectory(dir);
  for (const file of FILES) fs.addFile(file, file);
  LINK_SLOTS.forEach((slot, i) => {
    const target = links[i];
    if (target !== null && target !== undefined) fs.addSymlink(target, slot);
  });
  return fs;
}

/** The reference resolver: canonical path of the result, or the error code. */
function referenceResolve(root: RefNode, path: string, follow: boolean, cwd: string): string {
  if (path === '') return 'ENOENT';
  const nodeAt = (names: string[]): RefNode => {
    let at: RefNode = root;
    for (const name of names) at = (at as { children: Map<string, RefNode> }).children.get(name)!;
    return at;
  };
  let base = path.startsWith('/') ? [] : cwd.split('/').filter(Boolean);
  let pending = path;
  let hops = 0;
  restart: for (;;) {
    const parts = pending.split('/').filter(Boolean);
    const trailing = parts.length > 0 && pending.endsWith('/');
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      const here = nodeAt(base);
      if (here.kind !== 'dir') return 'ENOTDIR';
      if (name === '.') continue;
      if (name === '..') {
        base.pop();
        continue;
      }
      const child = here.children.get(name);
      if (child === undefined) return 'ENOENT';
      const last = i === parts.length - 1;
      if (child.kind === 'link' && (!last || follow || trailing)) {
        if (++hops > 40) return 'ELOOP';
        if (child.target === '') return 'ENOENT';
        const rest = parts.slice(i + 1).join('/');
        pending = `${child.target}${rest === '' ? '' : `/${rest}`}${trailing ? '/' : ''}`;
        if (child.target.startsWith('/')) base = [];
        continue restart;
      }
      base.push(name);
    }
    if (trailing && nodeAt(base).kind !== 'dir') return 'ENOTDIR';
    return `/${base.join('/')}`;
  }
}

async function implementationResolve(fs: MemoryFs, s: Scenario): Promise<string> {
  try {
    const { steps } = await resolvePath(fs, s.path, { followFinal: s.follow, cwd: s.cwd });
    return decodeName(pathOfSteps(steps));
  } catch (err) {
    if (err instanceof FsError) return err.code;
    throw err;
  }
}

describe('path resolution agrees with a reference resolver', () => {
  it('for random symlink trees and paths (resolvePath)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const expected = referenceResolve(buildModel(s.links), s.path, s.follow, s.cwd);
        expect(await implementationResolve(buildFs(s.links), s)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('for realpath and lstat through createFsPromises', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const fs = buildFs(s.links);
        const fsp = createFsPromises(fs, { cwd: s.cwd });
        const model = buildModel(s.links);
        const real = await fsp.realpath(s.path).catch((err: FsError) => err.code);
        expect(real).toBe(referenceResolve(model, s.path, true, s.cwd));
        const expected = referenceResolve(model, s.path, false, s.cwd);
        const inode = await fsp.lstat(s.path).then(
          (stats) => stats.ino,
          (err: FsError) => err.code,
        );
        expect(inode).toBe(expected.startsWith('/') ? fs.node(expected).ino : expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('the reference itself reports a loop through a directory as ELOOP', () => {
    const links = ['d/x', null, '../x/d', null, null, null, null, null];
    expect(referenceResolve(buildModel(links), '/x', true, '/')).toBe('ELOOP');
  });
});
