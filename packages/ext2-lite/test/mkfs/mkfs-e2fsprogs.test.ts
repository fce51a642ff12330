// mkfs against e2fsprogs 1.47: for every block size x inode size and three
// shapes (one group, a short last group, many groups with sparse backups),
// the image we write on an image file is `e2fsck -fn` clean, `dumpe2fs -h`
// reports what we asked for, the layout equals `mke2fs -t ext2` with the same
// parameters (group count, inodes per group, reserved GDT blocks, free
// counts), and - with mke2fs 1.47, E2FSPROGS_FAKE_TIME and the same UUID and
// hash seed - the image is byte-for-byte mke2fs's (EXT2.md 2-4, 7).
// MKFS_HEAVY=1 adds the byte comparison of the 512 MiB default image.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileDevice } from '@iomap/blockdev-node';
import { fsckClean } from '../support/e2fsprogs.js';
import { mkfs, mount, type MkfsOptions, type MkfsResult } from '../../src/index.js';
import { dumpe2fsHeader, mke2fs, mke2fsVersion, requireE2fsprogs, sameBytes, scratchDir, sha256 } from './tools.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const TIME = 1_700_000_000;
const UUID = '0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0';
const SEED = '12345678-9abc-4def-8123-456789abcdef';

const haveTools = requireE2fsprogs('mkfs e2fsprogs interop');
const mke2fsIs147 = haveTools && /^mke2fs 1\.47\./.test(mke2fsVersion());

/** mke2fs arguments for the same request. */
function mke2fsArgs(o: MkfsOptions): string[] {
  const args = ['-U', UUID, '-E', `hash_seed=${SEED}${o.rootOwner ? `,root_owner=${o.rootOwner.uid}:${o.rootOwner.gid}` : ''}`];
  if (o.blockSize !== undefined) args.push('-b', String(o.blockSize));
  if (o.inodeSize !== undefined) args.push('-I', String(o.inodeSize));
  if (o.inodeCount !== undefined) args.push('-N', String(o.inodeCount));
  if (o.bytesPerInode !== undefined) args.push('-i', String(o.bytesPerInode));
  if (o.reservedPercent !== undefined) args.push('-m', String(o.reservedPercent));
  if (o.blocksPerGroup !== undefined) args.push('-g', String(o.blocksPerGroup));
  if (o.label !== undefined) args.push('-L', o.label);
  if (o.features !== undefined) args.push('-O', typeof o.features === 'string' ? o.features : o.features.join(','));
  return args;
}

/** mkfs on an image file through FileDevice. */
async function mkfsFile(img: string, size: number, options: MkfsOptions): Promise<MkfsResult> {
  const device = await FileDevice.open(img, { create: true, size });
  try {
    return await mkfs(device, { uuid: UUID, hashSeed: SEED, timestamp: TIME, ...options });
  } finally {
    await device.close();
  }
}

/** Layout facts `dumpe2fs -h` prints that must equal mke2fs's. */
const LAYOUT_KEYS = [
  'Block count',
  'Inode count',
  'Reserved block count',
  'Free blocks',
  'Free inodes',
  'First block',
  'Block size',
  'Reserved GDT blocks',
  'Blocks per group',
  'Inodes per group',
  'Inode blocks per group',
  'Inode size',
  'Filesystem features',
];
const pick = (h: Record<string, string>) => Object.fromEntries(LAYOUT_KEYS.map((k) => [k, h[k]]));

describe.skipIf(!haveTools)('mkfs images against e2fsprogs (EXT2.md 2.1-2.5, 7)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = scratchDir('mkfs-e2fs-')));
  afterAll(() => cleanup());

  /** Makes the image both ways and checks everything the suite promises. */
  async function checkAgainstMke2fs(name: string, size: number, options: MkfsOptions, compareBytes = true): Promise<MkfsResult> {
    const ours = join(dir, `${name}.ours.img`);
    const theirs = join(dir, `${name}.mke2fs.img`);
    const made = await mkfsFile(ours, size, options);

    const check = fsckClean(ours);
    expect(check.problems, check.output).toEqual([]);
    expect(check.code, check.output).toBe(0);

    const header = dumpe2fsHeader(ours);
    expect(header).toMatchObject({
      'Filesystem state': 'clean',
      'Filesystem UUID': UUID,
      'Directory Hash Seed': SEED,
      'Filesystem volume name': options.label ?? '<none>',
      'Block size': String(made.blockSize),
      'Inode size': String(made.inodeSize),
      'Inode count': String(made.inodesCount),
      'Block count': String(made.blocksCount),
      'Free blocks': String(made.freeBlocks),
      'Free inodes': String(made.freeInodes),
      'Reserved block count': String(made.reservedBlocks),
      'Filesystem features': made.features.length === 0 ? '(none)' : made.features.join(' '),
      'Default directory hash': 'half_md4',
      'Filesystem OS type': 'Linux',
    });
    if (options.blockSize !== undefined) expect(header['Block size']).toBe(String(options.blockSize));
    if (options.inodeSize !== undefined) expect(header['Inode size']).toBe(String(options.inodeSize));

    mke2fs(theirs, size, mke2fsArgs(options), TIME);
    expect(pick(header)).toEqual(pick(dumpe2fsHeader(theirs)));
    if (mke2fsIs147 && compareBytes) expect(sameBytes(ours, theirs), `${name}: mkfs and mke2fs 1.47 images differ (cmp -l shows where)`).toBe(true);

    const device = await FileDevice.open(ours, { readOnly: true });
    try {
      const fs = await mount(device, { readOnly: true });
      expect(await fs.promises.readdir('/')).toEqual(['lost+found']);
      await fs.unmount();
    } finally {
      await device.close();
    }
    return made;
  }

  // [name, image bytes, blocks per group]: one group; a short last group; >= 10 groups (backups 1, 3, 5, 7, 9).
  const SHAPES: Record<number, [string, number, number | undefined][]> = {
    1024: [
      ['one-group', 8 * MIB, undefined],
      ['short-last', 20000 * KIB, undefined],
      ['many-groups', 12 * MIB, 1024],
    ],
    2048: [
      ['one-group', 16 * MIB, undefined],
      ['short-last', 20 * MIB, 4096],
      ['many-groups', 24 * MIB, 1024],
    ],
    4096: [
      ['one-group', 64 * MIB, undefined],
      ['short-last', 40 * MIB, 4096],
      ['many-groups', 48 * MIB, 1024],
    ],
  };

  for (const blockSize of [1024, 2048, 4096]) {
    for (const inodeSize of [128, 256]) {
      for (const [shape, size, blocksPerGroup] of SHAPES[blockSize] ?? []) {
        it(`${blockSize}-byte blocks, ${inodeSize}-byte inodes, ${shape}: e2fsck -fn clean, dumpe2fs as asked, same as mke2fs`, async () => {
          const made = await checkAgainstMke2fs(`b${blockSize}-i${inodeSize}-${shape}`, size, {
            blockSize,
            inodeSize,
            ...(blocksPerGroup === undefined ? {} : { blocksPerGroup }),
          });
          if (shape === 'one-group') expect(made.groupCount).toBe(1);
          if (shape === 'short-last') expect(made.blocksCount % made.blocksPerGroup).not.toBe(made.firstDataBlock);
          if (shape === 'many-groups') {
            expect(made.groupCount).toBeGreaterThanOrEqual(10);
            expect(made.backupSuperblocks).toEqual([1, 3, 5, 7, 9].map((g) => made.firstDataBlock + g * made.blocksPerGroup));
          }
        });
      }
    }
  }

  const VARIANTS: [string, number, MkfsOptions][] = [
    ['default options (size picks 1 KiB blocks)', 32 * MIB, {}],
    ['inodeCount, reservedPercent, label, rootOwner', 16 * MIB, { inodeCount: 5000, reservedPercent: 1, label: 'ext2-lite', rootOwner: { uid: 1000, gid: 1000 } }],
    ['bytesPerInode', 16 * MIB, { bytesPerInode: 16384 }],
    ['no resize_inode', 20000 * KIB, { features: '^resize_inode' }],
    ['no sparse_super (a backup in every group)', 24 * MIB, { features: ['^resize_inode', '^sparse_super'], blocksPerGroup: 2048 }],
    ['no features at all', 8 * MIB, { features: 'none' }],
    ['2 KiB blocks without large_file', 16 * MIB, { blockSize: 2048, features: '^large_file' }],
    ['inode 11 in group 1 (8 inodes per group)', 2000 * KIB, { inodeCount: 16, blocksPerGroup: 256, features: '^resize_inode' }],
  ];
  for (const [what, size, options] of VARIANTS) {
    it(`${what}: clean and same as mke2fs`, async () => {
      await checkAgainstMke2fs(what.replace(/\W+/g, '-'), size, options);
    });
  }

  // Comparing two 512 MiB files byte for byte takes seconds: only with MKFS_HEAVY=1 (the layout is always compared).
  it('default options at 512 MiB, the smallest size that picks 4 KiB blocks: clean and same layout as mke2fs', async () => {
    const made = await checkAgainstMke2fs('default-512m', 512 * MIB, {}, process.env.MKFS_HEAVY === '1');
    expect(made.blockSize).toBe(4096);
  });

  it('gives identical bytes for identical requests (sha256 of two image files)', async () => {
    const a = join(dir, 'det-a.img');
    const b = join(dir, 'det-b.img');
    await mkfsFile(a, 24 * MIB, { blockSize: 2048, label: 'same' });
    await mkfsFile(b, 24 * MIB, { blockSize: 2048, label: 'same' });
    expect(sha256(a)).toBe(sha256(b));
  });

  for (const discard of [false, true]) {
    it(`is clean on a file full of old bytes ${discard ? 'with discard: the same bytes as on a fresh file' : 'without discard (junk inode tables are zeroed)'}`, async () => {
      const img = join(dir, `junk-${discard}.img`);
      const device = await FileDevice.open(img, { create: true, size: 12 * MIB });
      try {
        await device.write(0, new Uint8Array(12 * MIB).fill(0x5a));
        await mkfs(device, { uuid: UUID, hashSeed: SEED, timestamp: TIME, blockSize: 1024, blocksPerGroup: 1024, discard });
      } finally {
        await device.close();
      }
      const check = fsckClean(img);
      expect(check.problems, check.output).toEqual([]);
      expect(check.code, check.output).toBe(0);
      if (discard) {
        const fresh = join(dir, 'junk-fresh.img');
        await mkfsFile(fresh, 12 * MIB, { blockSize: 1024, blocksPerGroup: 1024 });
        expect(sameBytes(img, fresh)).toBe(true);
      }
    });
  }
});
