// The namespace through Node's API: the same script of fs/promises calls
// runs on a host directory (node:fs/promises) and on an ext2 image
// (fs.promises over ext2-lite); every call must succeed or fail with the
// same code, and the resulting trees must match (types, modes, sizes,
// link counts, bytes, symlink targets). Then `e2fsck -fn` is silent and the
// kernel's loop mount shows the same tree.
import { describe, expect, it } from 'vitest';
import * as host from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHAPES, haveE2fsprogs, haveKernelMount, hostTree, onImage, ourTree, shapeName, withKernelMount, type NodeInfo } from './fixtures.js';

const suite = haveE2fsprogs ? describe : describe.skip;

/** The subset of fs/promises the script uses, rooted at some directory. */
interface Fsp {
  mkdir(p: string, o?: { recursive?: boolean; mode?: number }): Promise<unknown>;
  writeFile(p: string, data: string | Uint8Array, o?: { flag?: string }): Promise<void>;
  appendFile(p: string, data: string): Promise<void>;
  rename(a: string, b: string): Promise<void>;
  link(a: string, b: string): Promise<void>;
  symlink(target: string, p: string): Promise<void>;
  unlink(p: string): Promise<void>;
  rmdir(p: string): Promise<void>;
  rm(p: string, o?: { recursive?: boolean; force?: boolean }): Promise<void>;
  cp(a: string, b: string, o?: { recursive?: boolean; verbatimSymlinks?: boolean }): Promise<void>;
  copyFile(a: string, b: string): Promise<void>;
  chmod(p: string, mode: number): Promise<void>;
  truncate(p: string, len: number): Promise<void>;
}

type Step = [string, (fs: Fsp, at: (p: string) => string) => Promise<unknown>];

const slowTarget = `../${'deep/'.repeat(15)}target`;
const STEPS: Step[] = [
  ['mkdir -p', (fs, at) => fs.mkdir(at('/a/b/c'), { recursive: true })],
  ['mkdir existing', (fs, at) => fs.mkdir(at('/a/b'))],
  ['mkdir missing parent', (fs, at) => fs.mkdir(at('/nope/x'))],
  ['writeFile', (fs, at) => fs.writeFile(at('/a/b/c/f.txt'), 'hello ext2\n')],
  ['writeFile wx existing', (fs, at) => fs.writeFile(at('/a/b/c/f.txt'), 'x', { flag: 'wx' })],
  ['appendFile', (fs, at) => fs.appendFile(at('/a/b/c/f.txt'), 'more\n')],
  ['writeFile big', (fs, at) => fs.writeFile(at('/a/big.bin'), new Uint8Array(50_000).map((_, i) => i * 7))],
  ['rename file up', (fs, at) => fs.rename(at('/a/b/c/f.txt'), at('/a/f.txt'))],
  ['rename missing', (fs, at) => fs.rename(at('/a/none'), at('/a/none2'))],
  ['rename dir across', (fs, at) => fs.rename(at('/a/b/c'), at('/c'))],
  ['rename dir into itself', (fs, at) => fs.rename(at('/a'), at('/a/b/inside'))],
  ['rename file over dir', (fs, at) => fs.rename(at('/a/f.txt'), at('/c'))],
  ['rename dir over file', (fs, at) => fs.rename(at('/c'), at('/a/f.txt'))],
  ['mkdir empty', (fs, at) => fs.mkdir(at('/empty'))],
  ['rename dir over empty dir', (fs, at) => fs.rename(at('/c'), at('/empty'))],
  ['rename dir over non-empty dir', (fs, at) => fs.rename(at('/a/b'), at('/a'))],
  ['link', (fs, at) => fs.link(at('/a/f.txt'), at('/empty/hard'))],
  ['link existing', (fs, at) => fs.link(at('/a/f.txt'), at('/empty/hard'))],
  ['link a directory', (fs, at) => fs.link(at('/a/b'), at('/dirlink'))],
  ['symlink fast', (fs, at) => fs.symlink('a/f.txt', at('/fast'))],
  ['symlink slow', (fs, at) => fs.symlink(slowTarget, at('/a/slow'))],
  ['symlink existing', (fs, at) => fs.symlink('x', at('/fast'))],
  ['rename over symlink', (fs, at) => fs.rename(at('/empty/hard'), at('/fast'))],
  ['unlink dir', (fs, at) => fs.unlink(at('/a/b'))],
  ['rmdir file', (fs, at) => fs.rmdir(at('/a/f.txt'))],
  ['rmdir non-empty', (fs, at) => fs.rmdir(at('/a'))],
  // verbatimSymlinks: Node otherwise rewrites relative targets to absolute host paths.
  ['cp -r', (fs, at) => fs.cp(at('/a'), at('/copy'), { recursive: true, verbatimSymlinks: true })],
  ['copyFile', (fs, at) => fs.copyFile(at('/a/big.bin'), at('/copy/big2.bin'))],
  ['chmod', (fs, at) => fs.chmod(at('/copy/big2.bin'), 0o600)],
  ['truncate', (fs, at) => fs.truncate(at('/copy/big2.bin'), 1234)],
  ['rm -r', (fs, at) => fs.rm(at('/a/b'), { recursive: true })],
  ['rm missing force', (fs, at) => fs.rm(at('/a/b'), { recursive: true, force: true })],
  ['rm missing', (fs, at) => fs.rm(at('/a/b'))],
  ['unlink', (fs, at) => fs.unlink(at('/a/slow'))],
  ['rmdir', (fs, at) => fs.rmdir(at('/empty'))],
  ['mkdir many', async (fs, at) => {
    for (let i = 0; i < 40; i++) await fs.mkdir(at(`/many/d${i}`), { recursive: true });
  }],
  ['rm -r many', (fs, at) => fs.rm(at('/many'), { recursive: true })],
];

async function runScript(fs: Fsp, at: (p: string) => string): Promise<string[]> {
  const outcomes: string[] = [];
  for (const [name, step] of STEPS) {
    try {
      await step(fs, at);
      outcomes.push(`${name}: ok`);
    } catch (err) {
      outcomes.push(`${name}: ${(err as { code?: string }).code ?? String(err)}`);
    }
  }
  return outcomes;
}

/** A tree without inode numbers (the host and the image number differently). */
const withoutIno = (tree: Map<string, NodeInfo>) => new Map([...tree].map(([k, { ino: _ino, ...rest }]) => [k, rest]));

suite('fs.promises over ext2-lite, differential against the host (node:fs/promises)', () => {
  for (const shape of [SHAPES[0], SHAPES[3], SHAPES[5]]) {
    it(`gives the host's results and tree, e2fsck-clean (${shapeName(shape)})`, async () => {
      const hostDir = mkdtempSync(join(tmpdir(), 'ext2-ns-host-'));
      try {
        const oldUmask = process.umask(0o022);
        let hostOutcomes: string[];
        try {
          hostOutcomes = await runScript(host as unknown as Fsp, (p) => join(hostDir, p));
        } finally {
          process.umask(oldUmask);
        }
        const hostSeen = withoutIno(hostTree(hostDir));
        let ours: Map<string, NodeInfo> = new Map();
        let ourOutcomes: string[] = [];
        const image = await onImage(shape, async (fs) => {
          ourOutcomes = await runScript(fs.promises as unknown as Fsp, (p) => p);
          ours = await ourTree(fs, true);
        });
        try {
          expect(ourOutcomes).toEqual(hostOutcomes);
          expect(withoutIno(ours)).toEqual(hostSeen);
          const fsck = image.fsck();
          expect(fsck.problems, fsck.output).toEqual([]);
          if (haveKernelMount) expect(withKernelMount(image, (mnt) => hostTree(mnt))).toEqual(ours);
        } finally {
          await image.cleanup();
        }
      } finally {
        rmSync(hostDir, { recursive: true, force: true });
      }
    });
  }
});
