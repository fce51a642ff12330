// Namespace operations in flight together, as Node code issues them
// (Promise.all over creates, unlinks, renames across and within parents in
// both directions, mkdir/rmdir, links, xattrs on overlapping names): they
// never deadlock (the contract's lock order: parents ancestor-first or by
// inode number, then children), fail only with the errors a serial order
// could give, and leave an e2fsck-clean image the kernel agrees with.
import { describe, expect, it } from 'vitest';
import type { Ext2Filesystem } from '../../src/index.js';
import type { Ext2Inode } from '../../src/inode/ext2-inode.js';
import { DIR, FILE, SHAPES, enc, haveE2fsprogs, haveKernelMount, hostTree, init, onImage, ourTree, withKernelMount, type NodeInfo } from './fixtures.js';
import { rng } from '../support/rng.js';

const suite = haveE2fsprogs ? describe : describe.skip;

/** Errors some serial order of the same calls could also produce. */
const SERIAL_ERRORS = new Set(['ENOENT', 'EEXIST', 'ENOTEMPTY', 'EINVAL', 'ENOTDIR', 'EISDIR', 'ENODATA']);
/** Scale knobs for longer local runs: operations per run, and how many seeds (each on the next shape). */
const OPS = Number(process.env.EXT2_NAMESPACE_CONCURRENCY_OPS ?? 600);
const SEEDS = Number(process.env.EXT2_NAMESPACE_CONCURRENCY_SEEDS ?? 3);


async function setup(fs: Ext2Filesystem): Promise<Ext2Inode[]> {
  const d0 = await fs.mkdir(fs.root, enc('d0'), init(DIR));
  const d1 = await fs.mkdir(fs.root, enc('d1'), init(DIR));
  const n0 = await fs.mkdir(d0, enc('n0'), init(DIR));
  const n1 = await fs.mkdir(n0, enc('n1'), init(DIR));
  const d2 = await fs.mkdir(d1, enc('d2'), init(DIR));
  return [fs.root, d0, d1, n0, n1, d2];
}

function operation(fs: Ext2Filesystem, dirs: Ext2Inode[], random: () => number): () => Promise<unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const file = () => enc(`f${Math.floor(random() * 8)}`);
  const sub = () => enc(`s${Math.floor(random() * 3)}`);
  const a = pick(dirs);
  const b = pick(dirs);
  switch (Math.floor(random() * 10)) {
    case 0:
    case 1:
      return () => fs.create(a, file(), init(FILE));
    case 2:
      return () => fs.unlink(a, file());
    case 3: {
      const [from, to] = [file(), file()];
      return () => fs.rename(a, from, b, to, random() < 0.2 ? { noReplace: true } : {});
    }
    case 4:
      return () => fs.mkdir(a, sub(), init(DIR));
    case 5: {
      // Mostly the scratch subdirectories; sometimes a fixed one (ENOTEMPTY, or gone for good once empty).
      const name = random() < 0.8 ? sub() : enc(pick(['n1', 'd2']));
      return () => fs.rmdir(a, name);
    }
    case 6: {
      const [from, to] = [sub(), sub()];
      return () => fs.rename(a, from, b, to, random() < 0.2 ? { exchange: true } : {});
    }
    case 7: {
      // Move the fixed directories themselves around (and back): exercises ancestor-first locking and EINVAL loops.
      const names = ['d0', 'd1', 'n0', 'n1', 'd2'];
      const name = enc(pick(names));
      return () => fs.rename(a, name, b, name);
    }
    case 8: {
      const name = file();
      const target = file();
      return async () => {
        const inode = await fs.lookup(a, name);
        if (inode === undefined || inode.isDirectory) return undefined;
        return fs.link(inode, b, target);
      };
    }
    default: {
      const name = file();
      return async () => {
        const inode = await fs.lookup(a, name);
        if (inode === undefined) return undefined;
        return random() < 0.7 ? fs.setxattr(inode, `user.k${Math.floor(random() * 3)}`, new Uint8Array(Math.floor(random() * 300))) : fs.removexattr(inode, 'user.k0');
      };
    }
  }
}

suite('concurrent namespace operations', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const shape = SHAPES[((seed - 1) * 5) % SHAPES.length] as (typeof SHAPES)[number];
    it(`runs ${OPS} operations at once without deadlock or corruption (seed ${seed}, ${shape.blockSize / 1024} KiB)`, async () => {
      let expected = new Map<string, NodeInfo>();
      const unexpected: string[] = [];
      const image = await onImage(shape, async (fs) => {
        const dirs = await setup(fs);
        const random = rng(seed);
        const ops = Array.from({ length: OPS }, () => operation(fs, dirs, random));
        const results = await Promise.allSettled(ops.map((op) => op()));
        for (const r of results) {
          if (r.status === 'rejected') {
            const code = (r.reason as { code?: string }).code ?? String(r.reason);
            if (!SERIAL_ERRORS.has(code)) unexpected.push(`${code}: ${(r.reason as Error).message}`);
          }
        }
        expected = await ourTree(fs, true);
      });
      try {
        expect(unexpected).toEqual([]);
        const fsck = image.fsck();
        expect(fsck.problems, fsck.output).toEqual([]);
        if (haveKernelMount) expect(withKernelMount(image, (mnt) => hostTree(mnt))).toEqual(expected);
      } finally {
        await image.cleanup();
      }
    }, 60_000);
  }
});
