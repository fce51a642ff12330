// Seeded corruption of real images: mutations of the superblock, group
// descriptors, inode table, directory blocks, indirect blocks (single,
// double, and the single under the double) and the xattr block, on a 1 KiB-
// and a 4 KiB-block image built by mke2fs -d (+ debugfs for the xattr). Every
// mount + full walk (readdir, lstat, readFile or windows of big files,
// readlink, listxattr/getxattr, fiemap, SEEK_DATA) must end in a completed
// walk or an FsError (EUCLEAN for corruption; EOPNOTSUPP for a feature bit
// flipped on; ENOENT/ENOTDIR/ELOOP/... from a mangled tree), within a per-
// image timeout, without any access outside the device (FaultDevice's
// violation tracking) and without writing anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsError } from '@iomap/core';
import { mount, type Ext2Filesystem } from '../../src/index.js';
import { decodeSuperblock } from '../../src/format/superblock.js';
import { geometryOf } from '../../src/format/geometry.js';
import { decodeGroupDescriptor } from '../../src/format/group-descriptor.js';
import { decodeInode, type Inode } from '../../src/format/inode.js';
import { debugfs, haveE2fsprogs, mkfs, pattern, readOnlyDevice, scratchDir } from './images.js';
import { rng } from '../support/rng.js';

const suite = haveE2fsprogs('ext2-lite corruption tests') ? describe : describe.skip;
const MUTATIONS_PER_REGION = 32;
const TIMEOUT_MS = 5000;
/** Codes a mangled image may legitimately produce besides EUCLEAN. */
const CLEAN_CODES = ['EUCLEAN', 'EOPNOTSUPP', 'ENOENT', 'ENOTDIR', 'ELOOP', 'EINVAL', 'ENXIO', 'EISDIR', 'ENAMETOOLONG', 'ENODATA'];


/** Reads a file: whole when small, else 1 MiB windows at the start and the end (sizes may be absurd). */
async function readAll(fs: Ext2Filesystem, path: string, size: number): Promise<void> {
  if (size <= 8 << 20) {
    await fs.promises.readFile(path);
  } else {
    const handle = await fs.promises.open(path);
    try {
      const buf = new Uint8Array(1 << 20);
      await handle.read(buf, 0, buf.length, 0);
      await handle.read(buf, 0, buf.length, Math.max(0, size - buf.length));
    } finally {
      await handle.close();
    }
  }
  const inode = await fs.inodeAt(path);
  await fs.fiemap(inode, { start: 0, length: Math.max(1, size) });
  await fs.seekData(inode, 0).catch((err: unknown) => {
    if (!(err instanceof FsError && err.code === 'ENXIO')) throw err;
  });
  for (const name of await fs.listxattr(inode)) await fs.getxattr(inode, name);
}

/** Reads everything reachable, bounded: dirs visited once, depth <= 64. */
async function walk(fs: Ext2Filesystem): Promise<number> {
  const p = fs.promises;
  const seen = new Set<number>();
  let ops = 0;
  const visit = async (path: string, depth: number): Promise<void> => {
    if (depth > 64) return;
    const st = await p.lstat(path);
    ops++;
    if (st.isSymbolicLink()) {
      await p.readlink(path);
    } else if (st.isFile()) {
      await readAll(fs, path, st.size);
    } else if (st.isDirectory()) {
      if (seen.has(st.ino)) return;
      seen.add(st.ino);
      for (const name of await p.readdir(path)) await visit(path === '/' ? `/${name}` : `${path}/${name}`, depth + 1);
    }
  };
  await visit('/', 0);
  await fs.statfs();
  return ops;
}

interface Region {
  name: string;
  start: number;
  length: number;
}

interface TestImage {
  name: string;
  bytes: Uint8Array;
  regions: Region[];
}

/** Builds one image: a big file deep enough for a double-indirect block, a dir tree, symlinks, an xattr block. */
async function buildImage(dir: string, blockSize: number): Promise<TestImage> {
  const tree = join(dir, `tree-${blockSize}`);
  mkdirSync(join(tree, 'a', 'b'), { recursive: true });
  const bigSize = blockSize === 1024 ? 400_000 : 4_400_000;
  writeFileSync(join(tree, 'a', 'big'), pattern(bigSize, 5));
  writeFileSync(join(tree, 'a', 'b', 'small'), 'hi\n');
  for (let i = 0; i < 40; i++) writeFileSync(join(tree, 'a', `file-${i}`), pattern(100 * i, i + 1));
  symlinkSync('a/big', join(tree, 'link'));
  symlinkSync('y'.repeat(80), join(tree, 'slow'));
  const img = mkfs(join(dir, `c-${blockSize}.img`), ['-b', String(blockSize), '-I', '256', '-d', tree], blockSize === 1024 ? '2M' : '8M');
  debugfs(img, [`ea_set /a/big user.k ${'z'.repeat(300)}`, `ea_set /a/b/small user.small v`]);
  const bytes = new Uint8Array(readFileSync(img));
  const fs = await mount(readOnlyDevice(bytes), { readOnly: true });
  const big = (await fs.inodeAt('/a/big')).disk;
  const dirA = (await fs.inodeAt('/a')).disk;
  const regions = findRegions(bytes, big, dirA);
  await fs.unmount();
  return { name: `${blockSize / 1024} KiB blocks`, bytes, regions };
}

/** One mutation at a seeded place: a random byte, a random u32, a flipped bit, zero, all-ones, or a nearby u32. */
function mutate(copy: Uint8Array, region: Region, random: () => number): number {
  const view = new DataView(copy.buffer);
  const at = region.start + Math.floor(random() * (region.length - 4));
  const kind = Math.floor(random() * 6);
  if (kind === 0) copy[at] = Math.floor(random() * 256);
  else if (kind === 1) view.setUint32(at, Math.floor(random() * 2 ** 32), true);
  else if (kind === 2) copy[at] = (copy[at] ?? 0) ^ (1 << Math.floor(random() * 8));
  else if (kind === 3) view.setUint32(at, 0, true);
  else if (kind === 4) view.setUint32(at, 0xffffffff, true);
  else view.setUint32(at, (view.getUint32(at, true) + Math.floor(random() * 64) - 32) >>> 0, true);
  return at;
}

/** Mounts and walks one mutated image; resolves 'ok' or the FsError code, rejects on anything else or a timeout. */
async function attempt(copy: Uint8Array, what: string): Promise<{ outcome: string; device: ReturnType<typeof readOnlyDevice> }> {
  const device = readOnlyDevice(copy);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${TIMEOUT_MS} ms: ${what}`)), TIMEOUT_MS);
  });
  const run = (async () => {
    const fs = await mount(device, { readOnly: true });
    try {
      await walk(fs);
    } finally {
      await fs.unmount();
    }
    return 'ok';
  })();
  try {
    const outcome = await Promise.race([run, timeout]).catch((err: unknown) => {
      if (err instanceof FsError && !(err.name === 'DeviceViolationError')) return err.code;
      throw new Error(`${what}: ${String(err)}`, { cause: err });
    });
    return { outcome, device };
  } finally {
    clearTimeout(timer);
  }
}

suite('seeded corruption', () => {
  const images: TestImage[] = [];
  let cleanup = (): void => {};
  beforeAll(async () => {
    const s = scratchDir('ext2-corrupt-');
    cleanup = s.cleanup;
    images.push(await buildImage(s.dir, 1024), await buildImage(s.dir, 4096));
    for (const image of images) expect(image.regions.map((r) => r.name)).toContain('indirect block under the double-indirect');
  });
  afterAll(() => cleanup());

  it('walks the intact images', async () => {
    for (const image of images) {
      const { outcome } = await attempt(image.bytes.slice(), `intact ${image.name}`);
      expect(outcome, image.name).toBe('ok');
    }
  });

  it('ends every mutation in a completed walk or a clean FsError, in time, with no write and no access outside the device', async () => {
    const outcomes: Record<string, number> = {};
    let total = 0;
    for (const image of images) {
      for (const region of image.regions) {
        for (let i = 0; i < MUTATIONS_PER_REGION; i++) {
          const seed = region.start * 31 + i;
          const copy = image.bytes.slice();
          const at = mutate(copy, region, rng(seed));
          const what = `${image.name}, ${region.name}, seed ${seed} (byte ${at})`;
          const { outcome, device } = await attempt(copy, what);
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
          total++;
          expect(device.counters.writes, what).toBe(0);
          device.assertNoViolations();
          expect(CLEAN_CODES.includes(outcome) || outcome === 'ok', `${what}: ${outcome}`).toBe(true);
        }
      }
    }
    console.log(`corruption suite: ${total} mutations -> ${JSON.stringify(outcomes)}`);
    expect(total).toBeGreaterThanOrEqual(300);
    expect(outcomes.EUCLEAN ?? 0).toBeGreaterThan(total / 10);
  }, 60_000);
});

/** Metadata regions of an image: superblock, descriptors, inode table, directory blocks, the big file's indirect blocks, its xattr block. */
function findRegions(image: Uint8Array, big: Inode, dirA: Inode): Region[] {
  const sb = decodeSuperblock(image.subarray(1024, 2048));
  const g = geometryOf(sb);
  const bs = g.blockSize;
  const gd = decodeGroupDescriptor(image.subarray((g.firstDataBlock + 1) * bs), g, 0);
  const root = decodeInode(image.subarray(gd.inodeTable * bs + g.inodeSize, gd.inodeTable * bs + 2 * g.inodeSize), { ino: 2, inodeSize: g.inodeSize, blockSize: bs });
  const u32At = (block: number, slot: number): number => new DataView(image.buffer, image.byteOffset + block * bs).getUint32(slot * 4, true);
  const ind = big.block[12] ?? 0;
  const dind = big.block[13] ?? 0;
  const regions: Region[] = [
    { name: 'superblock', start: 1024, length: 256 },
    { name: 'group descriptors', start: (g.firstDataBlock + 1) * bs, length: 32 * g.groupCount },
    { name: 'inode table (reserved and root)', start: gd.inodeTable * bs, length: 11 * g.inodeSize },
    { name: 'inode table (files)', start: gd.inodeTable * bs + 11 * g.inodeSize, length: 16 * g.inodeSize },
    { name: 'root directory block', start: (root.block[0] ?? 0) * bs, length: bs },
    { name: 'directory block of /a', start: (dirA.block[0] ?? 0) * bs, length: bs },
  ];
  if (ind !== 0) regions.push({ name: 'indirect block', start: ind * bs, length: bs });
  if (dind !== 0) {
    regions.push({ name: 'double-indirect block', start: dind * bs, length: bs });
    const under = u32At(dind, 0);
    if (under !== 0) regions.push({ name: 'indirect block under the double-indirect', start: under * bs, length: bs });
  }
  if (big.fileAcl !== 0) regions.push({ name: 'xattr block', start: big.fileAcl * bs, length: bs });
  return regions;
}
